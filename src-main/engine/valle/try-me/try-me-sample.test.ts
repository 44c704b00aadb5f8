/**
 * The shipped Try Me data against the reference fixtures (../shared/fixtures/seed): the codes file is the
 * fixture byte for byte, it reads as the README's frames and sums, the phoneme text tokenizes to the golden ids
 * of HF tokenizers, and the prompt is the first 75 frames.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { StudioError } from '../../../../src-shared/api/errors.js';
import { defaultTryMeFiles, leadingLevels, loadTryMeSample, TRY_ME_PROMPT_FRAMES } from './try-me-sample.js';

const fixtures = fileURLToPath(new URL('../../../../../shared/fixtures/seed/', import.meta.url));

describe('Try Me sample', () => {
  it('ships the reference qnt.enc unchanged', async () => {
    const shipped = await readFile(defaultTryMeFiles().codes);
    expect(createHash('sha256').update(shipped).digest('hex')).toBe('be0e78b1836266c8902d3ab3a9b60f05c5e894b10aac2de1d16e16e5c00482c8');
    expect(shipped.equals(await readFile(path.join(fixtures, 'qnt.enc')))).toBe(true);
  });

  it('reads as the fixture README describes, with the self-test text tokenized as HF tokenizers does', async () => {
    const s = await loadTryMeSample();
    expect([s.codes.frames, s.codes.levels]).toEqual([310, 8]);
    const frame = (m: typeof s.codes, t: number) => Array.from({ length: m.levels }, (_, l) => Number(m.data[t * m.levels + l]));
    expect(frame(s.codes, 0)).toEqual([869, 909, 125, 645, 837, 175, 1010, 313]);
    expect(frame(s.codes, 4)).toEqual([535, 268, 0, 855, 776, 40, 251, 753]);
    expect(frame(s.codes, 309)).toEqual([178, 973, 433, 251, 855, 872, 575, 1017]);
    const sums = new Array(8).fill(0);
    for (let t = 0; t < 310; t++) for (let l = 0; l < 8; l++) sums[l] += Number(s.codes.data[t * 8 + l]);
    expect(sums).toEqual([161865, 159342, 144135, 162591, 159631, 164244, 152642, 178653]);

    const golden = JSON.parse(await readFile(path.join(fixtures, 'tokenizer_golden.json'), 'utf8')) as { cases: { input: string; ids: number[] }[] };
    const selfTest = golden.cases.find((c) => c.input === s.phonemes);
    expect(s.phonemes).toBe('ˈaɪ wɪl nˌɑːt ˈæsk ɐ sˈɛkənd tˈaɪm');
    expect(s.text).toEqual(selfTest!.ids);

    expect(s.prompt.frames).toBe(TRY_ME_PROMPT_FRAMES);
    expect(Array.from(s.prompt.data)).toEqual(Array.from(s.codes.data).slice(0, 75 * 8));
    const two = leadingLevels(s.codes, 2);
    expect(frame(two, 309)).toEqual([178, 973]);
  });

  it('names a missing or unreadable file', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'try-me-'));
    try {
      const missing = await loadTryMeSample({ codes: path.join(dir, 'none.enc'), phonemes: defaultTryMeFiles().phonemes }).catch((e: unknown) => e);
      expect(missing).toBeInstanceOf(StudioError);
      expect((missing as StudioError).code).toBe('not_found');
      expect((missing as StudioError).message).toContain('none.enc');
      await writeFile(path.join(dir, 'bad.enc'), 'not numpy');
      const bad = await loadTryMeSample({ codes: path.join(dir, 'bad.enc'), phonemes: defaultTryMeFiles().phonemes }).catch((e: unknown) => e);
      expect((bad as StudioError).code).toBe('invalid_input');
      expect((bad as StudioError).message).toContain('bad.enc');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
