import { StudioError } from '../../../src-shared/api/errors.js';

/**
 * Japanese input for espeak-ng's `ja` voice, which reads kana only. The reference converts the whole text to
 * hiragana with pykakasi (kanji included, from a reading dictionary). Without that dictionary we convert what
 * needs no dictionary — katakana (full and half width) to hiragana — and refuse kanji with a clear message
 * rather than let espeak spell them out as character names.
 */

// Full-width katakana ァ..ヶ sits exactly 0x60 above hiragana ぁ..ゖ; ヽヾ (iteration marks) likewise.
const KATAKANA = /[\u30A1-\u30F6\u30FD\u30FE]/g;
const HALF_WIDTH_KATAKANA_RUN = /[\uFF61-\uFF9F]+/g;
// CJK ideographs (unified, extension A, compatibility) and the ideographic iteration mark 々.
const KANJI = /[\u3400-\u4DBF\u4E00-\u9FFF\uF900-\uFAFF\u3005]/u;

export function toHiragana(text: string): string {
  return text
    .replace(HALF_WIDTH_KATAKANA_RUN, (run) => run.normalize('NFKC'))
    .replace(KATAKANA, (ch) => String.fromCharCode(ch.charCodeAt(0) - 0x60));
}

/** Kana-only Japanese for espeak, or a clear error naming the first kanji found. */
export function japaneseForEspeak(text: string): string {
  const kanji = KANJI.exec(text);
  if (kanji) {
    throw new StudioError(
      'invalid_input',
      `Japanese text must be written in kana (hiragana or katakana): "${kanji[0]}" is a kanji, and no kanji reading dictionary is bundled.`,
      { language: 'ja', character: kanji[0], index: kanji.index },
    );
  }
  return toHiragana(text);
}
