import { StudioError } from '../../../src-shared/api/errors.js';
import { espeakClauses, warmUpEngine } from './espeak-engines.js';
import { cleanEspeakClauses } from './espeak-output.js';
import { japaneseForEspeak } from './kana.js';
import { resolveLanguage } from './languages.js';
import { preservePunctuation, restorePunctuation } from './punctuation.js';

/**
 * Text → IPA as the reference does it (`vall_e/emb/g2p.py:encode`, seed spec §2.1): phonemizer's espeak
 * backend with punctuation preserved, stress marks kept, no phone separator, words separated by one space,
 * stripped. The espeak-ng here is a WebAssembly build (1.52-dev for the npm `espeak-ng`; the `phonemizer`
 * package does not state its version) where the reference used the system's espeak-ng, so individual words
 * can differ where espeak-ng's rules changed between versions.
 *
 * Deviations, all deliberate:
 * - Japanese must be kana (the reference converts kanji with pykakasi); see kana.ts.
 * - Language codes go through languages.ts (the reference maps only en → en-us).
 * - Text with nothing to pronounce is an error here; the reference returns "" or fails later.
 */
export async function phonemize(text: string, language = 'en'): Promise<string> {
  const entry = resolveLanguage(language);
  const input = entry.kanaOnly ? japaneseForEspeak(text) : text;

  const { chunks, marks } = preservePunctuation(input);
  const phonemized: string[] = [];
  // One chunk at a time: each espeak-ng CLI call holds a ~50 MB instance while it runs.
  for (const chunk of chunks) phonemized.push(cleanEspeakClauses(await espeakClauses(entry.engine, entry.voice, chunk)));

  const lines = restorePunctuation(phonemized, marks).filter((line) => line !== '');
  const ipa = lines[0] ?? '';
  if (ipa.trim() === '') {
    throw new StudioError('invalid_input', 'The text has nothing to pronounce.', { language: entry.code, text: text.slice(0, 200) });
  }
  return ipa;
}

/** Load the WASM engine a language needs ahead of the first `phonemize` (a no-op once loaded). */
export function warmUpG2p(language = 'en'): Promise<void> {
  return warmUpEngine(resolveLanguage(language).engine);
}
