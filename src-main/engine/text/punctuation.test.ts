import { describe, expect, it } from 'vitest';
import { preservePunctuation, restorePunctuation } from './punctuation.js';

/** Stands in for espeak: any deterministic change shows which pieces were "phonemized". */
const fakePhonemize = (chunk: string) => chunk.trim().toUpperCase();

function roundTrip(text: string): string[] {
  const { chunks, marks } = preservePunctuation(text);
  return restorePunctuation(chunks.map(fakePhonemize), marks);
}

describe('punctuation preserve/restore (phonemizer 3.x semantics)', () => {
  it('splits at mark runs including their spaces (the docstring example)', () => {
    const { chunks, marks } = preservePunctuation('hello, my world!');
    expect(chunks).toEqual(['hello', 'my world']);
    expect(marks).toEqual([
      { mark: ', ', position: 'inside' },
      { mark: '!', position: 'end' },
    ]);
    expect(restorePunctuation(['HELLO', 'MY WORLD'], marks)).toEqual(['HELLO, MY WORLD!']);
  });

  it('handles leading, inside and trailing marks', () => {
    expect(roundTrip('¿Qué tal? Bien.')).toEqual(['¿QUÉ TAL? BIEN.']);
    expect(roundTrip('"Well," she said')).toEqual(['"WELL," SHE SAID']);
    expect(roundTrip('wait... what?!')).toEqual(['WAIT... WHAT?!']);
  });

  it('keeps the spaces that belong to a run, before and after the marks', () => {
    expect(roundTrip('hello ! world')).toEqual(['HELLO ! WORLD']);
    expect(roundTrip('hello !')).toEqual(['HELLO !']);
  });

  it('leaves text without marks as one piece', () => {
    expect(preservePunctuation('no marks here')).toEqual({ chunks: ['no marks here'], marks: [] });
    expect(roundTrip('no marks here')).toEqual(['NO MARKS HERE']);
    expect(preservePunctuation('')).toEqual({ chunks: [], marks: [] });
  });

  it('returns a marks-only line as the marks', () => {
    expect(preservePunctuation('?!')).toEqual({ chunks: [], marks: [{ mark: '?!', position: 'alone' }] });
    expect(roundTrip('?!')).toEqual(['?!']);
  });

  it('treats only phonemizer\'s default marks as punctuation; others go to espeak', () => {
    expect(preservePunctuation('a (b) c-d').chunks).toEqual(['a (b) c-d']);
    expect(preservePunctuation('a; b: c — d … e « f » “g”').chunks).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g']);
  });

  it('appends an inside mark to the last piece when the text after it phonemized to nothing', () => {
    const { marks } = preservePunctuation('a, b');
    expect(restorePunctuation(['A', ''], marks)).toEqual(['A, ']);
    expect(restorePunctuation(['A'], marks)).toEqual(['A, ']);
  });
});
