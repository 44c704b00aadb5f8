/**
 * Speech-to-text (seed spec §6.4): audio → codec codes → the AR over text ids with the STT layout
 * ([audio SEP (lang SEP) rvq_l(0) SEP <bos> …], §5.3) until `</eos>` → ids → IPA (tokenizer.decode, §2.4).
 * The result is phonemes, not orthographic text: that is what the model was trained to produce.
 *
 * Sampler defaults: greedy (AR temperature 0), as the reference's web UI STT tab; any sampler option can be
 * passed. Beam search is refused for STT (the beam loop is built for audio codes). Step limit default:
 * 20 tokens per second of audio (the web UI's rule), at least 16.
 */
import { StudioError } from '../../../../src-shared/api/errors.js';
import type { Codec } from '../../codec/codec.js';
import type { Codes } from '../../codec/codes.js';
import type { Pcm } from '../../media/pcm.js';
import type { SessionOptions } from '../../nn/runtime/session.js';
import type { PhonemeTokenizer } from '../../text/tokenizer.js';
import { generateStt } from '../model/ar-generate.js';
import type { GraphRunner } from '../model/graph-runner.js';
import type { ValleModel } from '../model/valle-model.js';
import { TokenSampler, resolveSeed } from '../sampling/sampler.js';
import { parseSamplerOptions, type SamplerOptionsInput } from '../sampling/sampler-options.js';
import { withRunner } from './runner.js';
import { modelLanguageId, sharedTokenizer } from './text-lines.js';
import { checkCodecFitsModel, promptLevels } from './voice-prompt.js';

export const STT_STEPS_PER_SECOND = 20;
export const STT_MIN_STEPS = 16;

export interface TranscribeOptions {
  model: ValleModel;
  runner?: GraphRunner;
  session?: SessionOptions;
  codec: Codec;
  /** the speech: audio (any rate and channel count), or its codes */
  audio: Pcm | Codes;
  /** the model's language token, when it has one (default en) */
  language?: string;
  /** most text tokens; default 20 per second of audio */
  maxSteps?: number;
  sampler?: SamplerOptionsInput;
  seed?: number | null;
  signal?: AbortSignal;
  tokenizer?: PhonemeTokenizer;
  onProgress?: (progress: { stage: 'encode' | 'ar'; done: number; total: number }) => void;
}

export interface TranscribeResult {
  /** IPA */
  phonemes: string;
  /** the generated text ids (without BOS/EOS) */
  ids: number[];
  /** the model emitted `</eos>` (false: cut at maxSteps) */
  stopped: boolean;
  seed: number;
  audioFrames: number;
  timings: { encodeMs: number; arMs: number; totalMs: number };
}

function isCodes(audio: Pcm | Codes): audio is Codes {
  return 'frames' in audio && 'levels' in audio;
}

export async function transcribe(options: TranscribeOptions): Promise<TranscribeResult> {
  const started = performance.now();
  const { model, codec, signal } = options;
  const spec = model.spec;
  const samplerOptions = parseSamplerOptions({ arTemperature: 0, ...options.sampler, ...(options.seed !== undefined && options.seed !== null ? { seed: options.seed } : {}) });
  if (samplerOptions.beamWidth > 1) throw new StudioError('invalid_input', 'Beam search is not available for speech-to-text; set the beam width to 0.');
  const lang = modelLanguageId(spec, options.language ?? 'en');
  checkCodecFitsModel(codec, spec, 1);
  if (options.maxSteps !== undefined && !(Number.isInteger(options.maxSteps) && options.maxSteps >= 1 && options.maxSteps <= spec.maxPositions)) {
    throw new StudioError('invalid_input', `maxSteps must be a whole number from 1 to ${spec.maxPositions}, got ${options.maxSteps}`);
  }
  if (signal?.aborted) throw new StudioError('cancelled', 'Cancelled.');

  let t = performance.now();
  let codes: Codes;
  if (isCodes(options.audio)) {
    codes = options.audio;
    if (codes.frames < 1) throw new StudioError('empty_audio', 'The audio codes have no frames.');
    for (let i = 0; i < codes.data.length; i++) {
      if (codes.data[i] >= spec.audioTokens) throw new StudioError('invalid_input', `The audio has code ${codes.data[i]}; codes are 0…${spec.audioTokens - 1}.`);
    }
  } else {
    codes = await codec.encode(options.audio, { levels: promptLevels(spec, codec), signal });
  }
  const encodeMs = performance.now() - t;
  options.onProgress?.({ stage: 'encode', done: 1, total: 1 });
  // The sequence holds every audio frame; past the model's trained positions it has never seen one.
  if (codes.frames + 4 > spec.maxPositions) {
    throw new StudioError('invalid_input', `The audio is ${(codes.frames / codec.frameRate).toFixed(1)} s long; this model reads at most ${Math.floor((spec.maxPositions - 4) / codec.frameRate)} s. Slice it first.`);
  }
  const maxSteps = options.maxSteps ?? Math.max(STT_MIN_STEPS, Math.ceil((STT_STEPS_PER_SECOND * codes.frames) / codec.frameRate));
  const seed = resolveSeed(samplerOptions);
  const sampler = new TokenSampler({ options: samplerOptions, seed, task: 'stt' });

  t = performance.now();
  const [ids] = await withRunner(model, options.runner, options.session, (runner) =>
    generateStt(spec, runner, [{ audio: codes, lang }], {
      maxSteps,
      signal,
      sample: (logits, _line, previous) => sampler.sample(logits, previous, { level: 0, step: previous.length }),
      onStep: (step) => options.onProgress?.({ stage: 'ar', done: step + 1, total: maxSteps }),
    }),
  );
  const arMs = performance.now() - t;
  const tokenizer = options.tokenizer ?? sharedTokenizer();
  return {
    phonemes: tokenizer.decode(ids),
    ids,
    stopped: ids.length < maxSteps,
    seed,
    audioFrames: codes.frames,
    timings: { encodeMs, arMs, totalMs: performance.now() - started },
  };
}
