/**
 * The part of a generation that runs in a worker thread: load the model from its files (kept between
 * generations of the same file), run the streaming TTS pipeline, and hand every chunk of audio back as it
 * becomes final. onnxruntime blocks the thread it runs on, so this must never run on the host's thread.
 *
 * Chunks travel as progress reports with a `chunk` field (the pool forwards progress reports untouched, in
 * order, before the result): one channel, no second message type in the worker protocol.
 */
import { stat } from 'node:fs/promises';
import { createCodec } from '../codec/registry.js';
import type { ProgressReport } from '../jobs/job-context.js';
import type { Pcm } from '../media/pcm.js';
import type { SessionOptions } from '../nn/runtime/session.js';
import { loadCheckpoint } from '../valle/checkpoint/load-checkpoint.js';
import { loadConfigFile } from '../valle/config/index.js';
import { ValleModel } from '../valle/model/valle-model.js';
import { synthesize, type SynthesisTimings } from '../valle/pipeline/tts.js';
import type { SamplerOptions } from '../valle/sampling/sampler-options.js';

export interface GenerateSpeechInput {
  checkpoint: string;
  yaml: string | null;
  codec: string;
  /** The studio home's models folder (codec weights). */
  modelsDir: string;
  session: SessionOptions;
  text: string;
  /** Reference clips, already trimmed. */
  refs: Pcm[];
  language: string;
  /** Complete, validated options; `seed` is the generation's seed. The settings below arrive resolved (host). */
  sampler: SamplerOptions;
  maxArSteps?: number;
  maxNarLevels?: number;
  promptSec?: number;
  lineGapSec?: number;
  chunkFrames?: number;
}

export interface WorkerChunk {
  index: number;
  line: number;
  kind: 'speech' | 'gap';
  lineDone: boolean;
  sampleRate: number;
  /** Mono samples that became final with this chunk. */
  samples: Float32Array;
}

export interface ChunkReport extends ProgressReport {
  chunk: WorkerChunk;
}

export function isChunkReport(report: ProgressReport): report is ChunkReport {
  return typeof (report as Partial<ChunkReport>).chunk === 'object' && (report as Partial<ChunkReport>).chunk !== null;
}

export interface GenerateSpeechResult {
  sampleRate: number;
  seed: number;
  /** The lines joined with the gap between them. */
  joined: Float32Array;
  lines: { text: string; samples: number; stopped: boolean }[];
  gapSamples: number;
  timings: SynthesisTimings;
}

let cached: { key: string; model: Promise<ValleModel> } | null = null;

/** The model of these files, loaded once per worker while the files stay the same (size and mtime). */
async function modelFor(checkpoint: string, yaml: string | null): Promise<ValleModel> {
  const s = await stat(checkpoint);
  const key = `${checkpoint}\n${yaml ?? ''}\n${s.size}\n${s.mtimeMs}`;
  if (cached?.key !== key) {
    const model = (async () => {
      const baseConfig = yaml ? (await loadConfigFile(yaml)).config : undefined;
      const loaded = await loadCheckpoint(checkpoint, baseConfig ? { baseConfig } : {});
      return ValleModel.fromCheckpoint({ model: loaded.model, weights: loaded.weights });
    })();
    cached = { key, model };
    model.catch(() => {
      if (cached?.model === model) cached = null;
    });
  }
  return cached.model;
}

export async function synthesizeInWorker(
  input: GenerateSpeechInput,
  ctx: { signal: AbortSignal; progress(report: ProgressReport): void },
): Promise<GenerateSpeechResult> {
  ctx.progress({ fraction: 0, stage: 'loading model' });
  const model = await modelFor(input.checkpoint, input.yaml);
  const codec = await createCodec(input.codec, { modelsDir: input.modelsDir });
  const lineCount = Math.max(1, input.text.split(/\r?\n/).filter((l) => l.trim().length > 0).length);
  let arLine = 0;
  let arFraction = 0;
  const result = await synthesize({
    model,
    codec,
    session: input.session,
    text: input.text,
    refs: input.refs,
    language: input.language,
    sampler: input.sampler,
    seed: input.sampler.seed,
    maxArSteps: input.maxArSteps,
    maxNarLevels: input.maxNarLevels,
    promptSec: input.promptSec,
    lineGapSec: input.lineGapSec,
    stream: { chunkFrames: input.chunkFrames },
    signal: ctx.signal,
    onProgress: (p) => {
      if (p.stage !== 'ar') {
        ctx.progress({ fraction: null, stage: p.stage === 'text' ? 'reading text' : p.stage === 'prompt' ? 'encoding voice' : p.stage });
        return;
      }
      arLine = p.line ?? 0;
      arFraction = (arLine + p.done / Math.max(1, p.total)) / lineCount;
      // AR steps come many per second: report only whole percents.
      if (p.done % 5 === 0) ctx.progress({ fraction: Math.min(0.99, arFraction), stage: `line ${arLine + 1} of ${lineCount}` });
    },
    onChunk: (c) => {
      const report: ChunkReport = {
        fraction: Math.min(0.99, arFraction),
        stage: `line ${c.line + 1} of ${lineCount}`,
        chunk: { index: c.index, line: c.line, kind: c.kind, lineDone: c.lineDone, sampleRate: c.pcm.sampleRate, samples: c.pcm.channels[0] ?? new Float32Array(0) },
      };
      ctx.progress(report);
    },
  });
  const lines = result.lines.map((l) => ({ text: l.text, samples: l.pcm.channels[0].length, stopped: l.stopped }));
  const speech = lines.reduce((n, l) => n + l.samples, 0);
  const joined = result.joined.channels[0];
  return {
    sampleRate: result.sampleRate,
    seed: result.seed,
    joined,
    lines,
    gapSamples: lines.length > 1 ? (joined.length - speech) / (lines.length - 1) : 0,
    timings: result.timings,
  };
}
