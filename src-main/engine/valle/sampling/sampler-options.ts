import { z } from 'zod';
import { StudioError } from '../../../../src-shared/api/errors.js';
import { MAX_SEED } from './rng.js';

/**
 * Every sampler option of the reference (seed spec §7, §6.2 arguments), one consistent set of defaults and
 * the limits the UI and the CLI enforce. Names are camelCase; `samplerOptionDocs[key].reference` gives the
 * reference's CLI flag for each.
 *
 * Defaults. The reference has six sets (spec §7.10: `AR_NAR.forward`, `TTS.inference`, CLI, web UI TTS/STT,
 * eval). Where they agree we take the shared value; where they differ:
 * - AR temperature 1.0: forward, CLI and web UI (only `TTS.inference` uses 0.95).
 * - NAR temperature 0.0 (greedy): web UI, demo and the evaluation default; the CLI's 0.01 is greedy in
 *   practice; `TTS.inference` 0.5 and forward 1.0 are the outliers.
 * - Minimum temperatures off: CLI and web UI (checkbox off). `TTS.inference`'s 0.95 / 0.5 equal its
 *   temperatures, which is also off.
 * - Mirostat η 0.1: forward and `TTS.inference`, the value of the Mirostat paper; the CLI and web UI's 0 would
 *   freeze μ the moment τ is set. η only matters when τ > 0, and τ is 0 (off) everywhere.
 * - The web UI's STT tab used AR temperature 0 and repetition penalty 1.25 (which had no effect under greedy
 *   decoding, spec A.15); the STT pipeline passes its own values if it wants them.
 */

/** Range of a numeric option; the schema, the error messages and the UI's controls all read it. */
export interface SamplerOptionLimit {
  min: number;
  max: number;
  integer: boolean;
  /** null is accepted and means "off" / "choose for me". */
  nullable: boolean;
}

const range = (min: number, max: number, integer = false, nullable = false): SamplerOptionLimit => ({ min, max, integer, nullable });

/**
 * Limits. Mostly the reference web UI's slider ranges (spec §11), narrowed where a value has no sensible
 * meaning: temperatures to [0, 2]; repetition penalty ≥ 1 (the UI allowed −2..2; below 1 rewards repeats and
 * ≤ 0 flips or divides by zero); decay ≥ 0 (see repetition-penalty.ts); DRY base ≥ 1 (below 1 a longer repeat
 * would be penalised less); DRY allowed length ≥ 1.
 */
export const samplerOptionLimits = {
  arTemperature: range(0, 2),
  narTemperature: range(0, 2),
  minArTemperature: range(0, 2, false, true),
  minNarTemperature: range(0, 2, false, true),
  topK: range(0, 1024, true),
  topP: range(0, 1),
  repetitionPenalty: range(1, 4),
  repetitionPenaltyDecay: range(0, 4),
  lengthPenalty: range(-2, 2),
  beamWidth: range(0, 32, true),
  mirostatTau: range(0, 8),
  mirostatEta: range(0, 2),
  dryMultiplier: range(0, 8),
  dryBase: range(1, 8),
  dryAllowedLength: range(1, 75, true),
  seed: range(0, MAX_SEED, true, true),
} as const satisfies Record<string, SamplerOptionLimit>;

function num(limit: SamplerOptionLimit) {
  const n = z.number().min(limit.min).max(limit.max);
  return limit.integer ? n.int() : n;
}
const L = samplerOptionLimits;

export const samplerOptionsSchema = z
  .strictObject({
    arTemperature: num(L.arTemperature).default(1.0),
    narTemperature: num(L.narTemperature).default(0.0),
    minArTemperature: num(L.minArTemperature).nullable().default(null),
    minNarTemperature: num(L.minNarTemperature).nullable().default(null),
    topK: num(L.topK).default(0),
    topP: num(L.topP).default(1.0),
    repetitionPenalty: num(L.repetitionPenalty).default(1.0),
    repetitionPenaltyDecay: num(L.repetitionPenaltyDecay).default(0.0),
    lengthPenalty: num(L.lengthPenalty).default(0.0),
    beamWidth: num(L.beamWidth).default(0),
    mirostatTau: num(L.mirostatTau).default(0.0),
    mirostatEta: num(L.mirostatEta).default(0.1),
    dryMultiplier: num(L.dryMultiplier).default(0.0),
    dryBase: num(L.dryBase).default(1.75),
    dryAllowedLength: num(L.dryAllowedLength).default(2),
    seed: num(L.seed).nullable().default(null),
  })
  .superRefine((o, ctx) => {
    // A "minimum" above the temperature would make confident steps *more* random — never what is meant.
    if (o.minArTemperature !== null && o.minArTemperature > o.arTemperature) {
      ctx.addIssue({
        code: 'custom',
        path: ['minArTemperature'],
        message: `must not exceed arTemperature (${o.arTemperature}), got ${o.minArTemperature}`,
      });
    }
    if (o.minNarTemperature !== null && o.minNarTemperature > o.narTemperature) {
      ctx.addIssue({
        code: 'custom',
        path: ['minNarTemperature'],
        message: `must not exceed narTemperature (${o.narTemperature}), got ${o.minNarTemperature}`,
      });
    }
  });

/** Options after defaults are filled in. */
export type SamplerOptions = z.output<typeof samplerOptionsSchema>;
/** What a caller may pass: any subset. */
export type SamplerOptionsInput = z.input<typeof samplerOptionsSchema>;
export type SamplerOptionKey = keyof SamplerOptions;

export const defaultSamplerOptions: Readonly<SamplerOptions> = Object.freeze(samplerOptionsSchema.parse({}));

/** Validates and fills in defaults; a `StudioError('invalid_input')` names every bad field at once and nothing else happens. */
export function parseSamplerOptions(input: unknown): SamplerOptions {
  const value = input ?? {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new StudioError('invalid_input', 'sampler options must be an object of named options', { issues: [{ path: '(top level)', message: 'expected an object' }] });
  }
  const result = samplerOptionsSchema.safeParse(value);
  if (result.success) return result.data;
  const issues = describeIssues(result.error.issues, value as Record<string, unknown>);
  const lines = issues.map((i) => `  ${i.path}: ${i.message}`).join('\n');
  throw new StudioError('invalid_input', `sampler options have ${issues.length === 1 ? 'an error' : `${issues.length} errors`}:\n${lines}`, { issues });
}

function describeValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (typeof v === 'object' && v !== null) return Array.isArray(v) ? 'a list' : 'an object';
  return String(v);
}

/** One message per field, stating the field's whole valid range (more useful than zod's per-check text). */
function describeIssues(zodIssues: ReadonlyArray<z.core.$ZodIssue>, input: Record<string, unknown>): Array<{ path: string; message: string }> {
  const out: Array<{ path: string; message: string }> = [];
  const done = new Set<string>();
  for (const issue of zodIssues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) out.push({ path: key, message: 'unknown option' });
      continue;
    }
    const key = String(issue.path[0] ?? '(top level)');
    if (done.has(key)) continue;
    done.add(key);
    if (issue.code === 'custom' || !(key in samplerOptionLimits)) {
      out.push({ path: key, message: issue.message });
      continue;
    }
    const l = samplerOptionLimits[key as SamplerOptionKey];
    const kind = l.integer ? 'an integer' : 'a number';
    out.push({ path: key, message: `must be ${kind} from ${l.min} to ${l.max}${l.nullable ? ' or null' : ''}, got ${describeValue(input[key])}` });
  }
  return out;
}

export interface SamplerOptionDoc {
  /** Short label for a control. */
  label: string;
  /** One line a person can read next to the control. */
  help: string;
  /** The reference CLI flag (`python -m vall_e … --flag`), for the CLI mirror and for readers of its docs. */
  reference: string;
  /** Which level(s) it acts on. */
  appliesTo: 'ar' | 'nar' | 'both';
}

/** One entry per option, in the order a settings panel should show them. */
export const samplerOptionDocs: { readonly [K in SamplerOptionKey]: SamplerOptionDoc } = {
  arTemperature: {
    label: 'Temperature (AR)',
    help: 'Randomness of the first codebook, which sets timing and prosody: 0 always picks the most likely code, higher is more varied.',
    reference: '--ar-temp',
    appliesTo: 'ar',
  },
  narTemperature: {
    label: 'Temperature (NAR)',
    help: 'Randomness of codebooks 2–8, which add detail: 0 (most likely code) is usually cleanest.',
    reference: '--nar-temp',
    appliesTo: 'nar',
  },
  minArTemperature: {
    label: 'Dynamic temperature floor (AR)',
    help: 'If set, confident steps use a temperature down to this value and uncertain steps up to the AR temperature; empty = fixed temperature.',
    reference: '--min-ar-temp',
    appliesTo: 'ar',
  },
  minNarTemperature: {
    label: 'Dynamic temperature floor (NAR)',
    help: 'The same as the AR floor, for codebooks 2–8; empty = fixed temperature.',
    reference: '--min-nar-temp',
    appliesTo: 'nar',
  },
  topK: {
    label: 'Top K',
    help: 'Only the K most likely codes can be chosen at each step; 0 = no limit.',
    reference: '--top-k',
    appliesTo: 'both',
  },
  topP: {
    label: 'Top P',
    help: 'Only the most likely codes that together make up this share of probability can be chosen; 1 = no limit.',
    reference: '--top-p',
    appliesTo: 'both',
  },
  repetitionPenalty: {
    label: 'Repetition penalty',
    help: 'Makes codes already used in this utterance less likely; 1 = off.',
    reference: '--repetition-penalty',
    appliesTo: 'ar',
  },
  repetitionPenaltyDecay: {
    label: 'Repetition penalty decay',
    help: 'How fast the repetition penalty fades for codes used longer ago; 0 = every earlier code is penalised equally.',
    reference: '--repetition-penalty-decay',
    appliesTo: 'ar',
  },
  lengthPenalty: {
    label: 'Length penalty',
    help: 'Above 0 makes the speech run longer before stopping, below 0 makes it stop sooner; 0 = off.',
    reference: '--length-penalty',
    appliesTo: 'ar',
  },
  beamWidth: {
    label: 'Beam width',
    help: 'Keeps this many candidate continuations and returns the most likely one (slower, no randomness); 0 or 1 = off.',
    reference: '--beam-width',
    appliesTo: 'ar',
  },
  mirostatTau: {
    label: 'Mirostat τ',
    help: 'Target surprise in bits: adapts how many codes are eligible to hold randomness steady; 0 = off.',
    reference: '--mirostat-tau',
    appliesTo: 'ar',
  },
  mirostatEta: {
    label: 'Mirostat η',
    help: 'How quickly Mirostat corrects towards its target surprise.',
    reference: '--mirostat-eta',
    appliesTo: 'ar',
  },
  dryMultiplier: {
    label: 'DRY multiplier',
    help: 'Penalises codes that would repeat an earlier run of codes, more the longer the run; 0 = off.',
    reference: '--dry-multiplier',
    appliesTo: 'ar',
  },
  dryBase: {
    label: 'DRY base',
    help: 'How fast the DRY penalty grows with each extra repeated code.',
    reference: '--dry-base',
    appliesTo: 'ar',
  },
  dryAllowedLength: {
    label: 'DRY allowed length',
    help: 'Runs up to this many codes may repeat without a DRY penalty.',
    reference: '--dry-allowed-length',
    appliesTo: 'ar',
  },
  seed: {
    label: 'Seed',
    help: 'The same seed, text, voice and settings give exactly the same result; empty = a new random seed, shown after generating.',
    reference: '--seed',
    appliesTo: 'both',
  },
};

/** The settings that act on one level: AR (level 0) gets everything, NAR levels only temperature and top-k/top-p (spec §7.10). */
export interface LevelSamplerSettings {
  temperature: number;
  minTemperature: number | null;
  topK: number;
  topP: number;
  repetitionPenalty: number;
  repetitionPenaltyDecay: number;
  lengthPenalty: number;
  dryMultiplier: number;
  dryBase: number;
  dryAllowedLength: number;
  mirostatTau: number;
  mirostatEta: number;
  beamWidth: number;
}

/**
 * Resolves the options for one level. The reference's `TTS.inference` hands the NAR only temperature, minimum
 * temperature, top-p and top-k (spec §6.2 f, §7.10); the rest are off for levels ≥ 1, identically.
 */
export function levelSettings(options: SamplerOptions, level: number): LevelSamplerSettings {
  if (level === 0) {
    return {
      temperature: options.arTemperature,
      minTemperature: options.minArTemperature,
      topK: options.topK,
      topP: options.topP,
      repetitionPenalty: options.repetitionPenalty,
      repetitionPenaltyDecay: options.repetitionPenaltyDecay,
      lengthPenalty: options.lengthPenalty,
      dryMultiplier: options.dryMultiplier,
      dryBase: options.dryBase,
      dryAllowedLength: options.dryAllowedLength,
      mirostatTau: options.mirostatTau,
      mirostatEta: options.mirostatEta,
      beamWidth: options.beamWidth,
    };
  }
  return {
    temperature: options.narTemperature,
    minTemperature: options.minNarTemperature,
    topK: options.topK,
    topP: options.topP,
    repetitionPenalty: 1,
    repetitionPenaltyDecay: 0,
    lengthPenalty: 0,
    dryMultiplier: 0,
    dryBase: options.dryBase,
    dryAllowedLength: options.dryAllowedLength,
    mirostatTau: 0,
    mirostatEta: options.mirostatEta,
    beamWidth: 0,
  };
}
