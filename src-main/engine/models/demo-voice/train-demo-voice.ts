/**
 * The demo voice's training (run in a worker: it is CPU-bound ORT work for a minute or more): the Try Me
 * procedure applied to the built-in `lite` codec. The clip is encoded with `lite` (24 kHz mono, 75 frames/s,
 * 8 levels), its transcript phonemized and tokenized, a small model trained from scratch on that one
 * utterance (runTryMe, its first second as the prompt), and the trained weights written to `outDir` as a
 * reference `.sft` plus a `config.yaml` whose audio_backend is `lite`, ready to install as a model.
 *
 *   pcm ─ lite.encode ─┐
 *   text ─ phonemize ─ tokenize ─┴─ runTryMe (train, evaluate) ─ onTrained: exportCheckpoint + config.yaml
 */
import path from 'node:path';
import { StudioError } from '../../../../src-shared/api/errors.js';
import { createCodec } from '../../codec/registry.js';
import type { ProgressReport } from '../../jobs/job-context.js';
import { writeAll, writeFileAtomic } from '../../nn/io/atomic-write.js';
import { phonemize } from '../../text/g2p.js';
import { PhonemeTokenizer } from '../../text/tokenizer.js';
import { exportCheckpoint } from '../../valle/checkpoint/export-checkpoint.js';
import { leadingFrames, TRY_ME_PROMPT_FRAMES } from '../../valle/try-me/try-me-sample.js';
import { runTryMe, TRY_ME_DEFAULT_STEPS, type TryMeProgress } from '../../valle/try-me/run-try-me.js';

/** The codec the demo voice is trained on: built in, so nothing has to be downloaded. */
export const DEMO_VOICE_CODEC = 'lite';
export const DEMO_VOICE_CHECKPOINT = 'fp32.sft';
export const DEMO_VOICE_YAML = 'config.yaml';

/** The steps Try Me takes at most; a run stops earlier once the model reproduces the clip. */
export const DEMO_VOICE_DEFAULT_STEPS = TRY_ME_DEFAULT_STEPS;

export interface TrainDemoVoiceInput {
  /** Mono samples of the clip at `sampleRate` (resampled to 24 kHz by the codec). */
  samples: Float32Array;
  sampleRate: number;
  /** What is spoken in the clip. */
  transcript: string;
  /** espeak-ng language of the transcript (e.g. `en`). */
  language: string;
  /** An empty folder the checkpoint and its YAML are written to. */
  outDir: string;
  steps?: number;
  seed?: number;
}

export interface TrainDemoVoiceResult {
  checkpoint: string;
  yaml: string;
  phonemes: string;
  /** Frames of the clip at 75 frames/s (the training target). */
  frames: number;
  steps: number;
  maxSteps: number;
  /** Whether the model reproduced the clip (Try Me's thresholds): a voice that did not is still usable, only rougher. */
  passed: boolean;
  arAccuracy: number;
  narAccuracy: number;
  parameters: number;
  trainSec: number;
  wallSec: number;
}

/** The YAML beside the checkpoint: it says which codec the codes are for (the `.sft` carries the model config only). */
export const DEMO_VOICE_YAML_TEXT = `# Made by VALL-E Studio's demo voice: trained on the built-in lite codec's codes.\nsample_rate: 24_000\naudio_backend: ${DEMO_VOICE_CODEC}\n`;

/** Share of the progress bar taken before and after training (encoding, exporting). */
const BEFORE = 0.05;
const AFTER = 0.03;

export async function trainDemoVoice(
  input: TrainDemoVoiceInput,
  ctx: { signal: AbortSignal; progress(report: ProgressReport): void },
): Promise<TrainDemoVoiceResult> {
  const started = performance.now();
  const { signal } = ctx;
  ctx.progress({ fraction: 0, stage: 'Reading what the clip says' });
  const phonemes = await phonemize(input.transcript, input.language);
  const tokenizer = PhonemeTokenizer.fromFile();
  const text = tokenizer.encode(phonemes).ids;

  ctx.progress({ fraction: 0.01, stage: 'Encoding the clip with the lite codec' });
  const codec = await createCodec(DEMO_VOICE_CODEC);
  const encoded = await codec.encode({ sampleRate: input.sampleRate, channels: [input.samples] }, { signal });
  if (encoded.frames <= TRY_ME_PROMPT_FRAMES) {
    throw new StudioError('invalid_input', `The clip is too short: it needs more than ${TRY_ME_PROMPT_FRAMES / codec.frameRate} s of speech.`, { frames: encoded.frames });
  }
  const codes = { frames: encoded.frames, levels: encoded.levels, data: Int32Array.from(encoded.data) };
  const sample = { phonemes, text, codes, prompt: leadingFrames(codes, TRY_ME_PROMPT_FRAMES) };

  const checkpoint = path.join(input.outDir, DEMO_VOICE_CHECKPOINT);
  const yaml = path.join(input.outDir, DEMO_VOICE_YAML);
  const result = await runTryMe({
    sample,
    steps: input.steps ?? DEMO_VOICE_DEFAULT_STEPS,
    seed: input.seed ?? 0,
    signal,
    onProgress: (p) => ctx.progress({ fraction: BEFORE + (1 - BEFORE - AFTER) * p.fraction, stage: stageText(p), etaSeconds: p.etaSeconds }),
    onTrained: async (model) => {
      ctx.progress({ fraction: 1 - AFTER, stage: 'Saving the voice' });
      await exportCheckpoint({ path: checkpoint, model: { ...model.modelConfig, name: 'demo-voice' }, weights: model.weights, userdata: { symmap: Object.fromEntries(tokenizer.vocab) } });
      await writeFileAtomic(yaml, (fh) => writeAll(fh, Buffer.from(DEMO_VOICE_YAML_TEXT)));
    },
  });
  return {
    checkpoint,
    yaml,
    phonemes,
    frames: codes.frames,
    steps: result.steps,
    maxSteps: result.maxSteps,
    passed: result.passed,
    arAccuracy: result.arAccuracy,
    narAccuracy: result.narAccuracy,
    parameters: result.model.parameters,
    trainSec: result.trainSec,
    wallSec: (performance.now() - started) / 1000,
  };
}

function stageText(p: TryMeProgress): string {
  if (p.stage === 'preparing') return 'Preparing the model';
  if (p.stage === 'evaluating') return `Checking the voice (step ${p.step} of at most ${p.steps})`;
  return `Training step ${p.step} of at most ${p.steps}${p.loss !== null && Number.isFinite(p.loss) ? ` (loss ${p.loss.toFixed(3)})` : ''}`;
}
