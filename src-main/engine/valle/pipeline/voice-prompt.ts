/**
 * The voice prompt (seed spec §6.2 b): every reference clip is encoded on its own (the codec mixes it to mono
 * and resamples it to its rate), the codes are concatenated in order, and the result is cut to its first
 * int(frameRate · promptSec) frames (`qnt.trim`; promptSec 0 keeps everything).
 *
 * Also the checks that the codec fits the model: the same codebook size, and at least as many levels as the
 * NAR reads and the decoder needs.
 */
import { StudioError } from '../../../../src-shared/api/errors.js';
import type { Codec } from '../../codec/codec.js';
import { keepLevels, type Codes } from '../../codec/codes.js';
import type { Pcm } from '../../media/pcm.js';
import type { ValleModelSpec } from '../model/model-spec.js';
import { concatFrames } from './code-matrix.js';

/** Refuses a codec whose codes the model cannot read, or that cannot decode `levels` levels. */
export function checkCodecFitsModel(codec: Codec, spec: ValleModelSpec, levels: number): void {
  if (codec.codebookSize !== spec.audioTokens) {
    throw new StudioError('invalid_input', `The ${codec.name} codec has ${codec.codebookSize} codes per level; this model reads ${spec.audioTokens}.`, {
      codec: codec.name,
    });
  }
  if (codec.levels < levels) {
    throw new StudioError('invalid_input', `The ${codec.name} codec has ${codec.levels} levels; generating ${levels} needs that many (lower the NAR levels).`, {
      codec: codec.name,
    });
  }
}

/** Levels the prompt carries: the NAR at level L reads prompt levels < L, so maxNarLevels of them. */
export function promptLevels(spec: ValleModelSpec, codec: Codec): number {
  return Math.min(spec.levels, codec.levels);
}

export interface VoicePromptInput {
  codec: Codec;
  spec: ValleModelSpec;
  /** reference clips, any rate and channel count */
  refs?: readonly Pcm[] | null;
  /** or the prompt's codes directly (e.g. a .enc file); not trimmed again */
  codes?: Codes | null;
  promptSec: number;
  signal?: AbortSignal;
}

/** The prompt codes, or null for no prompt (no references given). */
export async function buildVoicePrompt(input: VoicePromptInput): Promise<Codes | null> {
  const { codec, spec } = input;
  const levels = promptLevels(spec, codec);
  if (input.codes && input.refs && input.refs.length > 0) throw new StudioError('invalid_input', 'Give the voice as reference audio or as codes, not both.');
  if (input.codes) {
    const c = input.codes;
    if (c.frames < 1) throw new StudioError('invalid_input', 'The prompt codes have no frames.');
    if (c.levels < 1) throw new StudioError('invalid_input', 'The prompt codes have no levels.');
    for (let i = 0; i < c.data.length; i++) {
      if (c.data[i] >= spec.audioTokens) throw new StudioError('invalid_input', `The prompt has code ${c.data[i]} at frame ${Math.floor(i / c.levels)}; codes are 0…${spec.audioTokens - 1}.`);
    }
    return keepLevels(c, levels);
  }
  const refs = input.refs ?? [];
  if (refs.length === 0) return null;
  const parts: Codes[] = [];
  for (const [i, pcm] of refs.entries()) {
    try {
      parts.push(await codec.encode(pcm, { levels, signal: input.signal }));
    } catch (error) {
      if (error instanceof StudioError && error.code !== 'cancelled') {
        throw new StudioError(error.code, refs.length > 1 ? `Reference clip ${i + 1}: ${error.message}` : `Reference clip: ${error.message}`, { reference: i + 1, ...error.details });
      }
      throw error;
    }
  }
  const joined = concatFrames(parts, levels);
  if (input.promptSec <= 0) return joined;
  // int(75 · trim) as the reference, but never nothing at all.
  const keep = Math.max(1, Math.floor(codec.frameRate * input.promptSec));
  if (keep >= joined.frames) return joined;
  return { frames: keep, levels, data: joined.data.slice(0, keep * levels) };
}
