/**
 * Text → model input, per line (seed spec §6.2 steps 2, c, d): the text is split at newlines, each line is
 * phonemized (espeak-ng, §2.1) and tokenized (`<bos> … </eos>`, §2.3), and the language becomes the model's
 * language id when the model has a language token.
 *
 * Deviation: the reference synthesizes every "\n"-separated piece, empty ones included (an empty line gives
 * a prompt-only generation). Here lines are trimmed and blank lines dropped; text with no line left is an
 * error.
 */
import { StudioError } from '../../../../src-shared/api/errors.js';
import { phonemize } from '../../text/g2p.js';
import { resolveLanguage } from '../../text/languages.js';
import { PhonemeTokenizer } from '../../text/tokenizer.js';
import type { ValleModelSpec } from '../model/model-spec.js';

export interface PreparedLine {
  text: string;
  /** IPA, as espeak-ng gives it */
  phonemes: string;
  /** token ids with BOS/EOS */
  ids: number[];
}

/** Text → IPA for a language; replaceable in tests. */
export type Phonemizer = (text: string, language: string) => Promise<string>;

/** Lines to synthesize: split at \n (or \r\n), trimmed, blank ones dropped. */
export function splitLines(text: string): string[] {
  if (typeof text !== 'string') throw new StudioError('invalid_input', 'text must be a string.');
  const lines = text
    .split(/\r?\n|\r/)
    .map((l) => l.trim())
    .filter((l) => l !== '');
  if (lines.length === 0) throw new StudioError('invalid_input', 'The text is empty: there is nothing to say.');
  return lines;
}

let defaultTokenizer: PhonemeTokenizer | null = null;
/** The shipped tokenizer (resources/tokenizer.json, the reference's), loaded once. */
export function sharedTokenizer(): PhonemeTokenizer {
  return (defaultTokenizer ??= PhonemeTokenizer.fromFile());
}

export async function prepareLines(
  lines: readonly string[],
  language: string,
  options: { tokenizer?: PhonemeTokenizer; phonemizer?: Phonemizer; spec: ValleModelSpec; signal?: AbortSignal },
): Promise<PreparedLine[]> {
  const tokenizer = options.tokenizer ?? sharedTokenizer();
  const toIpa = options.phonemizer ?? phonemize;
  const out: PreparedLine[] = [];
  for (const [i, text] of lines.entries()) {
    if (options.signal?.aborted) throw new StudioError('cancelled', 'Cancelled.');
    let phonemes: string;
    try {
      phonemes = await toIpa(text, language);
    } catch (error) {
      if (error instanceof StudioError && error.code === 'invalid_input' && lines.length > 1) {
        throw new StudioError('invalid_input', `Line ${i + 1} ("${text.slice(0, 60)}"): ${error.message}`, { line: i + 1, ...error.details });
      }
      throw error;
    }
    const { ids } = tokenizer.encode(phonemes);
    const bad = ids.find((id) => id >= options.spec.textTokens);
    if (bad !== undefined) throw new StudioError('invalid_input', `the tokenizer gave id ${bad}; this model reads ${options.spec.textTokens} text ids.`);
    out.push({ text, phonemes, ids });
  }
  return out;
}

/** The reference's language ids (`get_lang_symmap`, §2.6). */
const LANGUAGE_IDS: Record<string, number> = { en: 0, ja: 1 };

/**
 * The model's language id for a (supported, see text/languages.ts) language code, or null when the model has
 * no language token. As the reference's `encode_lang`, languages without an id of their own get 0 (English):
 * the released model knows only en and ja.
 */
export function modelLanguageId(spec: ValleModelSpec, language: string): number | null {
  const entry = resolveLanguage(language);
  if (!spec.langToken) return null;
  const id = LANGUAGE_IDS[entry.code.slice(0, 2)] ?? 0;
  return id < spec.langs ? id : 0;
}
