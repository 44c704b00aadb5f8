import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PhonemeTokenizer, TokenizerFileError, defaultTokenizerPath } from './tokenizer.js';

const seed = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../shared/fixtures/seed');
const fixturePath = path.join(seed, 'tokenizer.json');
// Produced with HF tokenizers 0.22.2 (Rust) from the same file: an independent implementation.
const golden = JSON.parse(readFileSync(path.join(seed, 'tokenizer_golden.json'), 'utf8')) as {
  cases: Array<{ input: string; ids: number[]; tokens: string[] }>;
};
const rawVocab = (JSON.parse(readFileSync(fixturePath, 'utf8')) as { model: { vocab: Record<string, number> } }).model.vocab;

const tokenizer = PhonemeTokenizer.fromFile(fixturePath);

/** All vocab strings of an id, straight from the JSON. */
function stringsOf(id: number): string[] {
  return Object.entries(rawVocab)
    .filter(([, v]) => v === id)
    .map(([k]) => k);
}

describe('PhonemeTokenizer (reference tokenizer.json)', () => {
  it('ships a byte-identical copy of the reference file and loads it by default', () => {
    const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');
    expect(sha(defaultTokenizerPath())).toBe('3d46deba434c649ba901b28d17f6a3d6ba1142e63d8ddee140fe2c1c82aa035d');
    expect(sha(fixturePath)).toBe('3d46deba434c649ba901b28d17f6a3d6ba1142e63d8ddee140fe2c1c82aa035d');
    const shipped = PhonemeTokenizer.fromFile();
    expect(shipped.encode('ˈaɪ wɪl').ids).toEqual(tokenizer.encode('ˈaɪ wɪl').ids);
  });

  it('has the vocabulary the spec describes (256 ids, 265 strings, specials, BOS/EOS)', () => {
    expect(tokenizer.vocab.size).toBe(265);
    expect(tokenizer.idCount).toBe(256);
    expect([tokenizer.unkId, tokenizer.bosId, tokenizer.eosId]).toEqual([0, 1, 2]);
    expect([...tokenizer.specialIds].sort()).toEqual([0, 1, 2, 3]);
    expect(tokenizer.idToToken(4)).toBe(' ');
    expect(tokenizer.idToToken(97)).toBe('ˈaɪ');
  });

  describe.each(golden.cases.map((c) => [JSON.stringify(c.input), c] as const))('golden case %s', (_name, c) => {
    it('gives the same ids as HF tokenizers', () => {
      expect(tokenizer.encode(c.input).ids).toEqual(c.ids);
    });

    it('gives the same token strings, up to the hash-order choice among aliases of one id', () => {
      const { ids, tokens } = tokenizer.encode(c.input);
      expect(tokens).toHaveLength(c.tokens.length);
      tokens.forEach((token, i) => {
        const id = ids[i];
        if (i === 0 || i === ids.length - 1) {
          // BOS/EOS strings come from the post-processor template (`<eos>`, not the vocab's `</eos>`).
          expect(token).toBe(c.tokens[i]);
          return;
        }
        const strings = stringsOf(id);
        if (strings.length === 1) {
          expect(token).toBe(c.tokens[i]);
        } else {
          // HF picked one of the id's strings by Rust hash-map order (spec A.6); ours is the first listed.
          expect(strings).toContain(c.tokens[i]);
          expect(token).toBe(strings[0]);
        }
      });
    });
  });

  it('treats aliases exactly like their canonical symbol, including inside merges', () => {
    expect(tokenizer.encode('äɪ').ids).toEqual(tokenizer.encode('aɪ').ids);
    expect(tokenizer.encode('wˈɜːld').ids).toEqual(tokenizer.encode('ʍˈɜːld').ids);
  });

  it('maps every unknown code point to its own <unk>, combining marks included', () => {
    // U+0303 (combining tilde) is in the vocab, U+0330 (combining tilde below) is not.
    expect(rawVocab['\u0303']).toBeDefined();
    expect(rawVocab['\u0330']).toBeUndefined();
    expect(tokenizer.encode('ʁ\u0330x\u0303', { addSpecialTokens: false }).ids).toEqual([0, 0, rawVocab.x, rawVocab['\u0303']]);
  });

  it('recognises the added special tokens in raw text before BPE', () => {
    expect(tokenizer.encode('a<mask>b', { addSpecialTokens: false }).ids).toEqual([rawVocab.a, 3, rawVocab.b]);
    expect(tokenizer.encode('<bos>').ids).toEqual([1, 1, 2]);
  });

  it('can leave out BOS/EOS', () => {
    expect(tokenizer.encode(' ', { addSpecialTokens: false })).toEqual({ ids: [4], tokens: [' '] });
    expect(tokenizer.encode('', { addSpecialTokens: false })).toEqual({ ids: [], tokens: [] });
  });

  it('applies merges lowest rank first, not left to right (vall_e.cpp differs here)', () => {
    // Independent check against the merge list: with "ˈ ɛ" at rank 0, "sˈɛ" must come from (s, ˈɛ), never (sˈ, ɛ).
    const merges = (JSON.parse(readFileSync(fixturePath, 'utf8')) as { model: { merges: string[] } }).model.merges;
    expect(merges[0]).toBe('ˈ ɛ');
    const ids = tokenizer.encode('sˈɛ', { addSpecialTokens: false }).ids;
    expect(ids).toEqual([rawVocab['sˈɛ']]);
    expect(merges.indexOf('s ˈɛ')).toBeGreaterThan(0);
  });

  describe('decode (STT output)', () => {
    it('concatenates canonical strings and skips special tokens', () => {
      const text = 'ðə bˈɜːtʃ kənˈuː slˈɪd ɑːnðə smˈuːð plˈæŋks.';
      expect(tokenizer.decode(tokenizer.encode(text).ids)).toBe(text);
      expect(tokenizer.decode([1, 3, 0, 16, 4, 2])).toBe('a ');
      expect(tokenizer.decode([1, 16, 2], { skipSpecialTokens: false })).toBe('<bos>a</eos>');
    });

    it('keeps what the reference decode loses: a space before punctuation and double spaces', () => {
      for (const text of ['a , b', 'a  b', 'hˈɛloʊ !']) expect(tokenizer.decode(tokenizer.encode(text).ids)).toBe(text);
    });

    it('decodes aliases to their canonical string', () => {
      expect(tokenizer.decode(tokenizer.encode('äɪ ʍ').ids)).toBe('aɪ w');
    });

    it('rejects ids outside the vocabulary', () => {
      expect(() => tokenizer.decode([1, 256, 2])).toThrow(/token id 256 is not in the tokenizer's vocabulary/);
      expect(() => tokenizer.decode([-1])).toThrow(RangeError);
    });
  });

  describe('file validation', () => {
    const base = () => JSON.parse(readFileSync(fixturePath, 'utf8')) as Record<string, any>;

    it('rejects files it would tokenize differently from HF', () => {
      const withPre = base();
      withPre.pre_tokenizer = { type: 'Whitespace' };
      expect(() => PhonemeTokenizer.fromJson(withPre)).toThrow(/pre_tokenizer is set/);
      const wordPiece = base();
      wordPiece.model.type = 'WordPiece';
      expect(() => PhonemeTokenizer.fromJson(wordPiece)).toThrow(/only BPE/);
      const badMerge = base();
      badMerge.model.merges.push('q ʘ');
      expect(() => PhonemeTokenizer.fromJson(badMerge)).toThrow(TokenizerFileError);
    });

    it('reports malformed JSON as a tokenizer file error', () => {
      expect(() => PhonemeTokenizer.fromJsonText('{"model": ')).toThrow(/tokenizer.json: not valid JSON/);
    });

    it('accepts merges written as pairs (newer HF format) with the same result', () => {
      const pairs = base();
      pairs.model.merges = pairs.model.merges.map((m: string) => m.split(' '));
      const alt = PhonemeTokenizer.fromJson(pairs);
      for (const c of golden.cases) expect(alt.encode(c.input).ids).toEqual(c.ids);
    });
  });
});
