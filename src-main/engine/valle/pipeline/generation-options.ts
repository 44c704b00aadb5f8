/**
 * The generation settings that are not sampler settings (seed spec §6.2, §6.5, §7.10): how many AR steps,
 * how many NAR levels, how much of the reference audio becomes the prompt, and the silence between lines.
 * Checked up front so that bad input fails before any work, with a StudioError naming every bad field.
 *
 * Defaults follow the reference's CLI (the web UI agrees): 900 AR steps (12 s at 75 frames/s), all 7 NAR
 * levels, a 3 s prompt. `TTS.inference`'s own 450 steps / untrimmed prompt are the outliers of §7.10.
 */
import { StudioError } from '../../../../src-shared/api/errors.js';
import type { ValleModelSpec } from '../model/model-spec.js';

export const DEFAULT_MAX_AR_STEPS = 900;
export const DEFAULT_PROMPT_SEC = 3;
/** Silence put between lines in the joined result (the reference joins them with none; a short pause reads as a sentence break). */
export const DEFAULT_LINE_GAP_SEC = 0.25;

export interface GenerationSettingsInput {
  /** Most AR steps (codes, 75 per second) per line. */
  maxArSteps?: number;
  /** Highest NAR level to generate, 0 … levels − 1 (0 = level 0 only; default all). */
  maxNarLevels?: number;
  /** Keep the first promptSec seconds of the concatenated references; 0 = all of them. */
  promptSec?: number;
  /** Silence between lines in the joined result. */
  lineGapSec?: number;
}

export interface GenerationSettings {
  maxArSteps: number;
  maxNarLevels: number;
  promptSec: number;
  lineGapSec: number;
}

export function resolveGenerationSettings(spec: ValleModelSpec, input: GenerationSettingsInput): GenerationSettings {
  const issues: { path: string; message: string }[] = [];
  const check = (path: keyof GenerationSettingsInput, value: number, ok: boolean, want: string) => {
    if (!ok) issues.push({ path, message: `must be ${want}, got ${value}` });
  };
  const maxArSteps = input.maxArSteps ?? DEFAULT_MAX_AR_STEPS;
  // Beyond the reference's max_position_embeddings (75·60·5) the model never saw a position.
  check('maxArSteps', maxArSteps, Number.isInteger(maxArSteps) && maxArSteps >= 1 && maxArSteps <= spec.maxPositions, `a whole number from 1 to ${spec.maxPositions}`);
  const maxNarLevels = input.maxNarLevels ?? spec.levels - 1;
  check('maxNarLevels', maxNarLevels, Number.isInteger(maxNarLevels) && maxNarLevels >= 0 && maxNarLevels <= spec.levels - 1, `a whole number from 0 to ${spec.levels - 1}`);
  const promptSec = input.promptSec ?? DEFAULT_PROMPT_SEC;
  check('promptSec', promptSec, Number.isFinite(promptSec) && promptSec >= 0 && promptSec <= 300, 'from 0 (whole reference) to 300 seconds');
  const lineGapSec = input.lineGapSec ?? DEFAULT_LINE_GAP_SEC;
  check('lineGapSec', lineGapSec, Number.isFinite(lineGapSec) && lineGapSec >= 0 && lineGapSec <= 10, 'from 0 to 10 seconds');
  if (issues.length > 0) {
    throw new StudioError('invalid_input', `generation settings: ${issues.map((i) => `${i.path} ${i.message}`).join('; ')}`, { issues });
  }
  return { maxArSteps, maxNarLevels, promptSec, lineGapSec };
}
