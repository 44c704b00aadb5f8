/**
 * phonemizer's clean-up of espeak-ng's IPA for one chunk (`EspeakBackend._postprocess_line` with the
 * reference's settings: stress kept, no tie, phone separator "", word separator " ", strip on).
 *
 * The reference asks espeak for `_` between phonemes and then deletes every `_`; our WASM builds give the same
 * IPA without separators, so deleting `_` here removes exactly what the reference would (including any `_`
 * espeak writes itself). Language-switch flags such as `(en)` are kept, as `keep-flags` does.
 *
 * @param clauses espeak's output for the chunk, one string per clause (joined with a space, as the reference's
 *   `espeak_TextToPhonemes` loop does).
 */
export function cleanEspeakClauses(clauses: readonly string[]): string {
  let line = clauses.filter((c) => c !== '').join(' ');
  // Python: strip(), '\n' → ' ', then one pass of '  ' → ' ' (str.replace, non-overlapping).
  line = pyStrip(line).replace(/\n/g, ' ').replace(/ {2}/g, ' ');
  line = line.replace(/_+/g, '_').replace(/_ /g, ' ');
  if (line === '') return '';
  return line
    .split(' ')
    .map((word) => pyStrip(word).replace(/_/g, ''))
    .join(' ');
}

/** Python's str.strip() without arguments: Unicode whitespace at both ends. */
function pyStrip(s: string): string {
  return s.replace(/^\s+|\s+$/gu, '');
}
