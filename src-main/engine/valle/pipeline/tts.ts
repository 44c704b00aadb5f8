/**
 * Text-to-speech (seed spec §6.2–6.3): text + reference clips → speech, one result per line plus the lines
 * joined.
 *
 *   text ─ split at newlines ─ phonemize + tokenize each line            (text-lines.ts)
 *   refs ─ encode each ─ concatenate ─ first promptSec seconds            (voice-prompt.ts)
 *   AR (level 0) for all lines as one batch, one TokenSampler per line (sequence = line index)
 *      — or, with beamWidth > 1, a beam search per line
 *   NAR levels 1 … maxNarLevels for all lines as one batch
 *   codec decode per line; joined = line 1, lineGapSec of silence, line 2, …
 *
 * With `onChunk`, lines are generated one after another and each line streams (streaming.ts): its audio
 * arrives in chunks while its AR runs. The per-line results and the joined audio are returned either way.
 *
 * Reproducibility: every random draw is keyed by (seed, line, level, step) (sampling/rng.ts), so the same
 * seed, inputs, settings, weights and execution provider give the same codes and the same audio. The seed
 * used — the given one, or a fresh one — is returned. A batched and a streamed run of several lines see
 * differently padded batches, so their codes can differ where float rounding tips a draw; a one-line text
 * streams to exactly the batched result.
 *
 * Deviations from the reference: lines are batched (the reference loops); the joined audio has a pause
 * between lines (the reference: none); the result of every line is kept (A.9: the reference overwrites one
 * file per line); blank lines are dropped.
 */
import { StudioError } from '../../../../src-shared/api/errors.js';
import type { Codec } from '../../codec/codec.js';
import type { Codes } from '../../codec/codes.js';
import type { Pcm } from '../../media/pcm.js';
import type { SessionOptions } from '../../nn/runtime/session.js';
import type { PhonemeTokenizer } from '../../text/tokenizer.js';
import { generateAr, generateArBeam, type ArLine } from '../model/ar-generate.js';
import type { GraphRunner } from '../model/graph-runner.js';
import type { CodeMatrix } from '../model/input-layout.js';
import { generateNar } from '../model/nar-generate.js';
import type { ValleModel } from '../model/valle-model.js';
import { createBatchSamplers, resolveSeed, type TokenSampler } from '../sampling/sampler.js';
import { parseSamplerOptions, type SamplerOptionsInput } from '../sampling/sampler-options.js';
import { emptyCodes, levelZero, toCodes } from './code-matrix.js';
import { resolveGenerationSettings, type GenerationSettingsInput } from './generation-options.js';
import { withRunner } from './runner.js';
import { resolveStreamSettings, streamLine, type SpeechChunk, type StreamSettingsInput } from './streaming.js';
import { modelLanguageId, prepareLines, splitLines, type Phonemizer, type PreparedLine } from './text-lines.js';
import { buildVoicePrompt, checkCodecFitsModel } from './voice-prompt.js';

export interface SynthesisProgress {
  stage: 'text' | 'prompt' | 'ar' | 'nar' | 'decode';
  /** the line, where the stage runs per line (streaming, beam search, decode) */
  line?: number;
  /** steps / levels / lines done of `total` */
  done: number;
  total: number;
}

export interface SynthesizeOptions extends GenerationSettingsInput {
  model: ValleModel;
  /** sessions to run the model on; default: opened for this call (with `session`) and closed after */
  runner?: GraphRunner;
  session?: SessionOptions;
  codec: Codec;
  /** one line per utterance */
  text: string;
  /** reference clips (the voice), concatenated in order; none = no prompt */
  refs?: readonly Pcm[] | null;
  /** or the prompt as codes (then not trimmed) */
  promptCodes?: Codes | null;
  /** default en */
  language?: string;
  sampler?: SamplerOptionsInput;
  /** overrides `sampler.seed` */
  seed?: number | null;
  signal?: AbortSignal;
  onProgress?: (progress: SynthesisProgress) => void;
  /** stream: called with each chunk of audio, in order, while the AR runs (awaited) */
  onChunk?: (chunk: SpeechChunk) => void | Promise<void>;
  stream?: StreamSettingsInput;
  tokenizer?: PhonemeTokenizer;
  phonemizer?: Phonemizer;
}

export interface SynthesizedLine {
  text: string;
  phonemes: string;
  /** [frames, maxNarLevels + 1] */
  codes: Codes;
  pcm: Pcm;
  /** the AR emitted its stop token (false: it was cut at maxArSteps) */
  stopped: boolean;
}

export interface SynthesisTimings {
  textMs: number;
  promptMs: number;
  arMs: number;
  narMs: number;
  decodeMs: number;
  totalMs: number;
  /** streaming: from the call to the first chunk */
  firstChunkMs: number | null;
}

export interface SynthesisResult {
  lines: SynthesizedLine[];
  /** the lines with lineGapSec of silence between them */
  joined: Pcm;
  sampleRate: number;
  seed: number;
  /** the prompt's frames (0 without references) */
  promptFrames: number;
  streamed: boolean;
  timings: SynthesisTimings;
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new StudioError('cancelled', 'Cancelled.');
}

export async function synthesize(options: SynthesizeOptions): Promise<SynthesisResult> {
  const started = performance.now();
  const { model, codec, signal } = options;
  const spec = model.spec;
  // Everything that can be checked without work is checked first, so bad input changes nothing.
  const settings = resolveGenerationSettings(spec, options);
  const samplerOptions = parseSamplerOptions({ ...options.sampler, ...(options.seed !== undefined && options.seed !== null ? { seed: options.seed } : {}) });
  const stream = options.onChunk ? resolveStreamSettings(options.stream) : null;
  const language = options.language ?? 'en';
  const lang = modelLanguageId(spec, language);
  const texts = splitLines(options.text);
  checkCodecFitsModel(codec, spec, settings.maxNarLevels + 1);
  throwIfAborted(signal);
  const seed = resolveSeed(samplerOptions);
  const samplers = createBatchSamplers(samplerOptions, seed, texts.length, 'tts');
  if (stream && samplers[0].createBeamSearch() !== null) {
    throw new StudioError('invalid_input', 'Beam search cannot stream: a later step can replace codes already played. Turn streaming or beam search off.');
  }
  const progress = options.onProgress ?? (() => {});
  const timings: SynthesisTimings = { textMs: 0, promptMs: 0, arMs: 0, narMs: 0, decodeMs: 0, totalMs: 0, firstChunkMs: null };

  let t = performance.now();
  const prepared = await prepareLines(texts, language, { tokenizer: options.tokenizer, phonemizer: options.phonemizer, spec, signal });
  timings.textMs = performance.now() - t;
  progress({ stage: 'text', done: texts.length, total: texts.length });

  t = performance.now();
  const prompt = await buildVoicePrompt({ codec, spec, refs: options.refs, codes: options.promptCodes, promptSec: settings.promptSec, signal });
  timings.promptMs = performance.now() - t;
  progress({ stage: 'prompt', done: 1, total: 1 });
  const arLines: ArLine[] = prepared.map((p) => ({ text: p.ids, lang, prompt }));

  const lines = await withRunner(model, options.runner, options.session, async (runner) => {
    if (!stream) return batchedLines(runner);
    const out: SynthesizedLine[] = [];
    let index = 0;
    const emit = async (chunk: Omit<SpeechChunk, 'index'>) => {
      timings.firstChunkMs ??= performance.now() - started;
      await options.onChunk!({ ...chunk, index: index++ });
    };
    for (const [i, line] of arLines.entries()) {
      if (i > 0) await emit({ line: i - 1, kind: 'gap', fromFrame: 0, toFrame: 0, codes: null, pcm: silence(codec.sampleRate, settings.lineGapSec), lineDone: true });
      const r = await streamLine({
        spec,
        runner,
        codec,
        line,
        lineIndex: i,
        sampler: samplers[i],
        maxArSteps: settings.maxArSteps,
        maxNarLevels: settings.maxNarLevels,
        stream,
        signal,
        emit,
        onArStep: (step) => progress({ stage: 'ar', line: i, done: step + 1, total: settings.maxArSteps }),
        timings,
      });
      out.push({ text: prepared[i].text, phonemes: prepared[i].phonemes, ...r });
    }
    return out;
  });

  async function batchedLines(runner: GraphRunner): Promise<SynthesizedLine[]> {
    let t0 = performance.now();
    const level0 = await generateLevel0(runner, arLines, samplers, settings.maxArSteps, signal, progress);
    timings.arMs = performance.now() - t0;

    t0 = performance.now();
    const full = await generateUpperLevels(runner, arLines, level0, samplers, settings.maxNarLevels, signal, progress);
    timings.narMs = performance.now() - t0;

    t0 = performance.now();
    const out: SynthesizedLine[] = [];
    for (const [i, m] of full.entries()) {
      throwIfAborted(signal);
      const codes = m.frames > 0 ? toCodes(m) : emptyCodes(settings.maxNarLevels + 1);
      const pcm = codes.frames > 0 ? await codec.decode(codes, { signal }) : { sampleRate: codec.sampleRate, channels: [new Float32Array(0)] };
      out.push(lineResult(prepared[i], codes, pcm, level0[i].length < settings.maxArSteps));
      progress({ stage: 'decode', line: i, done: i + 1, total: full.length });
    }
    timings.decodeMs = performance.now() - t0;
    return out;
  }

  async function generateLevel0(
    runner: GraphRunner,
    input: ArLine[],
    lineSamplers: TokenSampler[],
    maxSteps: number,
    abort: AbortSignal | undefined,
    report: (p: SynthesisProgress) => void,
  ): Promise<number[][]> {
    if (lineSamplers[0].createBeamSearch() === null) {
      return generateAr(spec, runner, input, {
        maxSteps,
        signal: abort,
        sample: (logits, i, previous) => lineSamplers[i].sample(logits, previous, { level: 0, step: previous.length }),
        onStep: (step) => report({ stage: 'ar', done: step + 1, total: maxSteps }),
      });
    }
    const out: number[][] = [];
    for (const [i, line] of input.entries()) {
      out.push(
        await generateArBeam(spec, runner, line, lineSamplers[i].createBeamSearch()!, {
          maxSteps,
          signal: abort,
          onStep: (step) => report({ stage: 'ar', line: i, done: step + 1, total: maxSteps }),
        }),
      );
    }
    return out;
  }

  async function generateUpperLevels(
    runner: GraphRunner,
    input: ArLine[],
    level0: number[][],
    lineSamplers: TokenSampler[],
    maxLevels: number,
    abort: AbortSignal | undefined,
    report: (p: SynthesisProgress) => void,
  ): Promise<CodeMatrix[]> {
    // Lines whose AR stopped at once have nothing to refine (and a zero-frame resp has no positions to score).
    const live = level0.flatMap((codes, i) => (codes.length > 0 ? [i] : []));
    const full: CodeMatrix[] = level0.map((codes) => levelZero(codes));
    if (live.length === 0 || maxLevels === 0) return full;
    const refined = await generateNar(
      spec,
      runner,
      live.map((i) => ({ ...input[i], resp: levelZero(level0[i]) })),
      {
        maxLevels,
        signal: abort,
        sample: (logits, frames, row, level) => lineSamplers[live[row]].sampleRows(logits, frames, level),
        onLevel: (level) => report({ stage: 'nar', done: level, total: maxLevels }),
      },
    );
    live.forEach((i, k) => (full[i] = refined[k]));
    return full;
  }

  const joined = joinLines(lines.map((l) => l.pcm), codec.sampleRate, settings.lineGapSec);
  timings.totalMs = performance.now() - started;
  return { lines, joined, sampleRate: codec.sampleRate, seed, promptFrames: prompt?.frames ?? 0, streamed: stream !== null, timings };
}

function lineResult(p: PreparedLine, codes: Codes, pcm: Pcm, stopped: boolean): SynthesizedLine {
  return { text: p.text, phonemes: p.phonemes, codes, pcm, stopped };
}

function silence(sampleRate: number, seconds: number): Pcm {
  return { sampleRate, channels: [new Float32Array(Math.round(seconds * sampleRate))] };
}

/** Mono lines one after another with `gapSec` of silence between them. */
export function joinLines(lines: readonly Pcm[], sampleRate: number, gapSec: number): Pcm {
  const gap = Math.round(gapSec * sampleRate);
  const total = lines.reduce((n, l) => n + l.channels[0].length, 0) + gap * Math.max(0, lines.length - 1);
  const out = new Float32Array(total);
  let at = 0;
  lines.forEach((l, i) => {
    if (i > 0) at += gap;
    out.set(l.channels[0], at);
    at += l.channels[0].length;
  });
  return { sampleRate, channels: [out] };
}
