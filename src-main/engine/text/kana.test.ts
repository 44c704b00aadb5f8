import { describe, expect, it } from 'vitest';
import { StudioError } from '../../../src-shared/api/errors.js';
import { japaneseForEspeak, toHiragana } from './kana.js';

describe('kana normalisation for espeak ja', () => {
  it('turns katakana (full and half width) into hiragana and leaves the rest', () => {
    expect(toHiragana('カタカナ')).toBe('かたかな');
    expect(toHiragana('ヴァイオリン、ケーキ。')).toBe('ゔぁいおりん、けーき。');
    expect(toHiragana('ｶﾞｯｺｳ')).toBe('がっこう');
    expect(toHiragana('ひらがな ABC 123')).toBe('ひらがな ABC 123');
  });

  it('refuses kanji, naming the first one', () => {
    const error = (() => {
      try {
        japaneseForEspeak('わたしは学生です');
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(StudioError);
    expect((error as StudioError).details).toMatchObject({ character: '学', index: 4 });
  });
});
