/**
 * Streaming synthesis of one line: audio chunks are handed out while the AR is still generating.
 *
 *   AR step ─► level-0 frame appended ─► every `chunkFrames` new frames (and at the end):
 *     NAR levels 1…max over a window [windowStart, end) of level 0  ─► keep the new frames [sent, end)
 *     ─► the codec's streaming decoder ─► the samples that became final ─► onChunk
 *
 * Window and lookahead. The model's attention is causal in every pass, the NAR's included (seed spec §5.5:
 * the reference's LlamaModel always applies the lower-triangular mask; the non-causal NAR mask came upstream
 * only later). So the NAR's codes for frame t depend on the text, the prompt and level-0 frames ≤ t — never
 * on later frames — and no lookahead is needed: a chunk's frames are final as soon as their level-0 codes
 * exist. What a window can lack is left context:
 * - `narContextFrames: null` (default): the window starts at frame 0 of the line, so every NAR pass sees
 *   exactly what the one-shot NAR sees, the per-frame draws are keyed by the absolute frame index, and the
 *   streamed codes equal the non-streamed codes (up to float summation order inside ONNX Runtime kernels for
 *   sequences of different lengths; measured identical on CPU, see streaming.test.ts). Cost: every chunk
 *   re-reads the text, the prompt and the line so far, ≈ N/K passes per level instead of one (measured in
 *   docs/pipelines.md: ~10× the batched NAR time for 15 chunks). An incremental NAR (per-level KV cache,
 *   new frames only) would remove that but needs a multi-position decode graph the model does not have yet.
 * - `narContextFrames: C`: the window starts C frames before the chunk: linear cost, but the window's
 *   response positions restart at 0 (position ids are per segment, §5.4) and the frames before it are
 *   missing, so later chunks' codes can differ from the one-shot result (quality then depends on C; the
 *   difference is reported by streaming.test.ts as the share of differing codes).
 *
 * Seamlessness: one streaming decoder per line, fed the chunks in order, so the joined chunks equal the
 * codec's one-shot decode of the same codes (exactly for `lite`; a neural decoder documents its cross-fade).
 *
 * Beam search cannot stream: a later step can replace the hypothesis whose frames were already played.
 */
import { StudioError } from '../../../../src-shared/api/errors.js';
import type { Codec } from '../../codec/codec.js';
import type { Codes } from '../../codec/codes.js';
import type { Pcm } from '../../media/pcm.js';
import { generateAr, type ArLine } from '../model/ar-generate.js';
import type { GraphRunner } from '../model/graph-runner.js';
import type { ValleModelSpec } from '../model/model-spec.js';
import { generateNar } from '../model/nar-generate.js';
import type { TokenSampler } from '../sampling/sampler.js';
import { concatFrames, emptyCodes, framesOf, levelZero } from './code-matrix.js';

export const DEFAULT_CHUNK_FRAMES = 20;

export interface StreamSettingsInput {
  /** New AR frames per chunk (75 frames = 1 s); default 20. */
  chunkFrames?: number;
  /** Level-0 frames before a chunk the NAR sees; null (default) = all of the line (exact). */
  narContextFrames?: number | null;
}

export interface StreamSettings {
  chunkFrames: number;
  narContextFrames: number | null;
}

export function resolveStreamSettings(input: StreamSettingsInput = {}): StreamSettings {
  const chunkFrames = input.chunkFrames ?? DEFAULT_CHUNK_FRAMES;
  const narContextFrames = input.narContextFrames ?? null;
  const issues: string[] = [];
  if (!Number.isInteger(chunkFrames) || chunkFrames < 1 || chunkFrames > 1500) issues.push(`chunkFrames must be a whole number from 1 to 1500, got ${chunkFrames}`);
  if (narContextFrames !== null && (!Number.isInteger(narContextFrames) || narContextFrames < 0)) {
    issues.push(`narContextFrames must be null (all) or a whole number ≥ 0, got ${narContextFrames}`);
  }
  if (issues.length > 0) throw new StudioError('invalid_input', `streaming settings: ${issues.join('; ')}`);
  return { chunkFrames, narContextFrames };
}

export interface SpeechChunk {
  /** position in the whole synthesis (0, 1, 2, …) */
  index: number;
  /** the line it belongs to (a gap belongs to the line before it) */
  line: number;
  /** speech, or the silence between two lines */
  kind: 'speech' | 'gap';
  /** speech: the line's frames [fromFrame, toFrame) whose codes this chunk carries */
  fromFrame: number;
  toFrame: number;
  /** speech: those frames' codes (levels 0 … maxNarLevels); null for a gap */
  codes: Codes | null;
  /** the samples that became final with this chunk, at the codec's rate (may be empty) */
  pcm: Pcm;
  /** the line's last chunk (its decoder was flushed) */
  lineDone: boolean;
}

export interface StreamLineInput {
  spec: ValleModelSpec;
  runner: GraphRunner;
  codec: Codec;
  line: ArLine;
  lineIndex: number;
  sampler: TokenSampler;
  maxArSteps: number;
  maxNarLevels: number;
  stream: StreamSettings;
  signal?: AbortSignal;
  emit(chunk: Omit<SpeechChunk, 'index'>): Promise<void>;
  onArStep?(step: number): void;
  /** milliseconds spent, added to */
  timings: { arMs: number; narMs: number; decodeMs: number };
}

export interface StreamedLine {
  codes: Codes;
  pcm: Pcm;
  /** the AR emitted its stop token (false: cut at maxArSteps) */
  stopped: boolean;
}

function joinSamples(pieces: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(pieces.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of pieces) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export async function streamLine(input: StreamLineInput): Promise<StreamedLine> {
  const { spec, runner, codec, sampler, stream, timings } = input;
  if (sampler.createBeamSearch() !== null) {
    throw new StudioError('invalid_input', 'Beam search cannot stream: a later step can replace codes already played. Turn streaming or beam search off.');
  }
  const levels = input.maxNarLevels + 1;
  const level0: number[] = [];
  const decoder = codec.createDecoder();
  const codeParts: Codes[] = [];
  const samples: Float32Array[] = [];
  let sent = 0;

  // NAR + decode of frames [sent, end); the last call also flushes the decoder.
  const release = async (end: number, last: boolean): Promise<void> => {
    const from = sent;
    let codes = emptyCodes(levels);
    const pieces: Float32Array[] = [];
    if (end > from) {
      const windowStart = stream.narContextFrames === null ? 0 : Math.max(0, from - stream.narContextFrames);
      let t = performance.now();
      const [full] = await generateNar(spec, runner, [{ ...input.line, resp: levelZero(level0.slice(windowStart, end)) }], {
        maxLevels: input.maxNarLevels,
        signal: input.signal,
        // Draws are keyed by the absolute frame index, as in the one-shot NAR.
        sample: (logits, frames, _line, level) => sampler.sampleRows(logits, frames, level, windowStart),
      });
      codes = framesOf(full, from - windowStart, end - windowStart);
      timings.narMs += performance.now() - t;
      t = performance.now();
      pieces.push(decoder.push(codes).channels[0]);
      timings.decodeMs += performance.now() - t;
    }
    if (last && level0.length > 0) {
      const t = performance.now();
      pieces.push(decoder.flush().channels[0]);
      timings.decodeMs += performance.now() - t;
    }
    sent = end;
    const pcm: Pcm = { sampleRate: codec.sampleRate, channels: [joinSamples(pieces)] };
    codeParts.push(codes);
    samples.push(pcm.channels[0]);
    await input.emit({ line: input.lineIndex, kind: 'speech', fromFrame: from, toFrame: end, codes, pcm, lineDone: last });
  };

  let arStart = performance.now();
  const [codes0] = await generateAr(spec, runner, [input.line], {
    maxSteps: input.maxArSteps,
    signal: input.signal,
    sample: (logits, _line, previous) => sampler.sample(logits, previous, { level: 0, step: previous.length }),
    onStep: async (step, tokens, finished) => {
      if (!finished[0]) level0.push(tokens[0]);
      input.onArStep?.(step);
      if (!finished[0] && level0.length - sent >= stream.chunkFrames) {
        timings.arMs += performance.now() - arStart;
        await release(level0.length, false);
        arStart = performance.now();
      }
    },
  });
  timings.arMs += performance.now() - arStart;
  if (codes0.length !== level0.length) throw new Error(`streaming: the AR returned ${codes0.length} frames but reported ${level0.length}`);
  await release(level0.length, true);
  return {
    codes: concatFrames(codeParts, levels),
    pcm: { sampleRate: codec.sampleRate, channels: [joinSamples(samples)] },
    stopped: codes0.length < input.maxArSteps,
  };
}
