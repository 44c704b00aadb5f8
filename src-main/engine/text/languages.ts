import { StudioError } from '../../../src-shared/api/errors.js';

/**
 * Which espeak-ng voice phonemizes which language, and in which WASM build.
 *
 * - `english`: the `phonemizer` npm package (espeak-ng with English data only; one instance kept alive).
 * - `espeak-ng`: the npm `espeak-ng` package (all espeak-ng data; a CLI build, one short-lived instance per call).
 *
 * The reference (31e8b7e) rewrites only `en` → `en-us` and passes every other code to espeak unchanged; its
 * phonemizer then rejects `fr` and `zh` (espeak lists them as `fr-fr` and `cmn`). The voices below are what its
 * later versions settled on, except Chinese, where the reference's HEAD uses `cmn-latn-pinyin` (which only
 * changes how Latin letters inside Chinese text are read) and we keep plain `cmn`.
 */
export type G2pEngine = 'english' | 'espeak-ng';

export interface G2pLanguage {
  /** The code the Studio uses (and the reference's callers pass). */
  code: string;
  /** espeak-ng voice (language name as espeak lists it). */
  voice: string;
  engine: G2pEngine;
  name: string;
  /** Japanese input must be kana: kanji need a reading dictionary (the reference uses pykakasi) that is not bundled. */
  kanaOnly?: boolean;
}

export const G2P_LANGUAGES: readonly G2pLanguage[] = [
  { code: 'en', voice: 'en-us', engine: 'english', name: 'English (US)' },
  { code: 'en-us', voice: 'en-us', engine: 'english', name: 'English (US)' },
  // phonemizer's plain 'en-gb' voice comes out with US phonemes; RP is the British voice that works.
  { code: 'en-gb', voice: 'en-gb-x-rp', engine: 'english', name: 'English (UK, Received Pronunciation)' },
  { code: 'de', voice: 'de', engine: 'espeak-ng', name: 'German' },
  { code: 'fr', voice: 'fr-fr', engine: 'espeak-ng', name: 'French' },
  { code: 'es', voice: 'es', engine: 'espeak-ng', name: 'Spanish' },
  { code: 'ja', voice: 'ja', engine: 'espeak-ng', name: 'Japanese (kana)', kanaOnly: true },
  { code: 'zh', voice: 'cmn', engine: 'espeak-ng', name: 'Chinese (Mandarin)' },
];

/** Codes accepted besides the table's own: espeak voice names people may pass directly. */
const ALIASES: Record<string, string> = {
  'en-gb-x-rp': 'en-gb',
  'fr-fr': 'fr',
  cmn: 'zh',
  'zh-cn': 'zh',
  'ja-jp': 'ja',
  'de-de': 'de',
  'es-es': 'es',
};

export function supportedLanguageCodes(): string[] {
  return G2P_LANGUAGES.map((l) => l.code);
}

/** The table entry for a language code (case-insensitive, `_` or `-`); a clear error for anything else. */
export function resolveLanguage(code: string): G2pLanguage {
  const normal = code.trim().toLowerCase().replace(/_/g, '-');
  const key = ALIASES[normal] ?? normal;
  const entry = G2P_LANGUAGES.find((l) => l.code === key);
  if (!entry) {
    throw new StudioError(
      'invalid_input',
      `Language "${code}" is not supported for phonemization. Supported: ${supportedLanguageCodes().join(', ')}.`,
      { language: code, supported: supportedLanguageCodes() },
    );
  }
  return entry;
}
