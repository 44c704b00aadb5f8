import { describe, expect, it } from 'vitest';
import { cleanEspeakClauses } from './espeak-output.js';

describe('cleanEspeakClauses', () => {
  it('removes phonemizer\'s "_" separators, including the stray ones espeak leaves at word ends', () => {
    // Captured from libespeak-ng 1.51 espeak_TextToPhonemes with phonemizer's mode ('_' << 8 | 2); the
    // right-hand sides are what the same library gives without a separator.
    expect(cleanEspeakClauses(['ð_ɪ_s ɪ_z__ ɐ t_ˈɛ_s_t'])).toBe('ðɪs ɪz ɐ tˈɛst');
    expect(cleanEspeakClauses(['j_ˈɛ_s__ k_w_ˈoʊ_ɾ_ᵻ_d__ t_ˈɛ_k_s_t'])).toBe('jˈɛs kwˈoʊɾᵻd tˈɛkst');
  });

  it('joins clauses with one space and strips the ends', () => {
    expect(cleanEspeakClauses(['həlˈoʊ', 'wˈɜːld'])).toBe('həlˈoʊ wˈɜːld');
    expect(cleanEspeakClauses([' aɪ wɪl ', '', 'nˌɑːt\n'])).toBe('aɪ wɪl nˌɑːt');
  });

  it('keeps stress, length and language-switch flags', () => {
    expect(cleanEspeakClauses(['(en)wˈɜːld(de) ɪst'])).toBe('(en)wˈɜːld(de) ɪst');
  });

  it('gives "" for no output', () => {
    expect(cleanEspeakClauses([])).toBe('');
    expect(cleanEspeakClauses(['  '])).toBe('');
  });
});
