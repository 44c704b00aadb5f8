/**
 * The one utterance Try Me overfits: the reference self-test's `qnt.enc` (EnCodec codes [310 frames, 8
 * levels] of a 4.13 s clip) with its phoneme text, shipped in resources/try-me/ so the product needs nothing
 * else. As the reference's `example_usage`, the target is the whole utterance and the prompt is its first 75
 * frames (seed spec §9.1, fixtures README).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { StudioError } from '../../../../src-shared/api/errors.js';
import { readCodesFile } from '../../nn/io/codes-file.js';
import { PhonemeTokenizer } from '../../text/tokenizer.js';
import type { CodeMatrix } from '../model/input-layout.js';

/** Frames of the target used as the voice prompt (the reference: `qnt[:75]`, one second at 75 Hz). */
export const TRY_ME_PROMPT_FRAMES = 75;

export interface TryMeSample {
  /** the IPA text as stored */
  phonemes: string;
  /** its token ids, BOS … EOS */
  text: number[];
  /** the target: every frame and level, row-major [frames, levels] */
  codes: CodeMatrix;
  /** the first TRY_ME_PROMPT_FRAMES frames of `codes` */
  prompt: CodeMatrix;
}

export function tryMeResourceDir(): string {
  return fileURLToPath(new URL('../../../../resources/try-me', import.meta.url));
}

/** Codes as read from an `.enc` (uint16 [1, levels, T], level-major) → a time-major matrix. */
export function timeMajorCodes(codes: { shape: readonly number[]; data: ArrayLike<number> }): CodeMatrix {
  const [, levels, frames] = codes.shape;
  const data = new Int32Array(frames * levels);
  for (let l = 0; l < levels; l++) for (let t = 0; t < frames; t++) data[t * levels + l] = codes.data[l * frames + t];
  return { frames, levels, data };
}

/** The first `frames` frames of a matrix (all levels). */
export function leadingFrames(m: CodeMatrix, frames: number): CodeMatrix {
  return { frames, levels: m.levels, data: Array.prototype.slice.call(m.data, 0, frames * m.levels) as number[] };
}

/** The first `levels` levels of every frame. */
export function leadingLevels(m: CodeMatrix, levels: number): CodeMatrix {
  const data = new Int32Array(m.frames * levels);
  for (let t = 0; t < m.frames; t++) for (let k = 0; k < levels; k++) data[t * levels + k] = m.data[t * m.levels + k];
  return { frames: m.frames, levels, data };
}

export interface TryMeSampleFiles {
  /** the `.enc` codes file */
  codes: string;
  /** a UTF-8 file whose first line is the phoneme text */
  phonemes: string;
  tokenizer?: PhonemeTokenizer;
}

export function defaultTryMeFiles(): TryMeSampleFiles {
  const dir = tryMeResourceDir();
  return { codes: path.join(dir, 'qnt.enc'), phonemes: path.join(dir, 'qnt.phonemes.txt') };
}

export async function loadTryMeSample(files: TryMeSampleFiles = defaultTryMeFiles()): Promise<TryMeSample> {
  const read = async (file: string): Promise<Buffer> => {
    try {
      return await readFile(file);
    } catch (error) {
      throw new StudioError('not_found', `Try Me data is missing (${file}): ${(error as Error).message}`, { file });
    }
  };
  const [encBytes, textBytes] = await Promise.all([read(files.codes), read(files.phonemes)]);
  let codes: CodeMatrix;
  try {
    codes = timeMajorCodes(readCodesFile(encBytes).codes);
  } catch (error) {
    throw new StudioError('invalid_input', `Try Me codes ${files.codes} cannot be read: ${(error as Error).message}`, { file: files.codes });
  }
  if (codes.frames <= TRY_ME_PROMPT_FRAMES) {
    throw new StudioError('invalid_input', `Try Me codes ${files.codes} have ${codes.frames} frames; more than ${TRY_ME_PROMPT_FRAMES} are needed`, { file: files.codes });
  }
  const phonemes = textBytes.toString('utf8').split(/\r?\n/)[0].trim();
  if (phonemes === '') throw new StudioError('invalid_input', `Try Me text ${files.phonemes} is empty`, { file: files.phonemes });
  const tokenizer = files.tokenizer ?? PhonemeTokenizer.fromFile();
  return { phonemes, text: tokenizer.encode(phonemes).ids, codes, prompt: leadingFrames(codes, TRY_ME_PROMPT_FRAMES) };
}
