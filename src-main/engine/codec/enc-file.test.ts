import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeAt, createCodes } from './codes.js';
import { encodeEncFile, readEncFile, writeEncFile } from './enc-file.js';

const fixtures = fileURLToPath(new URL('../../../../shared/fixtures/seed/', import.meta.url));
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'enc-file-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('.enc files', () => {
  it('reads the reference fixture time-major with its metadata', async () => {
    const f = await readEncFile(join(fixtures, 'noise.enc'));
    expect([f.codes.frames, f.codes.levels]).toEqual([1325, 8]);
    // First frame's codes, from the fixture README.
    expect(Array.from({ length: 8 }, (_, l) => codeAt(f.codes, 0, l))).toEqual([408, 646, 653, 673, 990, 881, 782, 899]);
    expect(f.originalLength).toBe(282540);
    expect(f.sampleRate).toBe(16000);
    expect(f.codec).toBeUndefined();
  });

  it('writes byte for byte what the reference writes (no codec key given)', async () => {
    const ref = await readFile(join(fixtures, 'noise.enc'));
    const f = await readEncFile(join(fixtures, 'noise.enc'));
    const ours = encodeEncFile(f.codes, { originalLength: 282540, sampleRate: 16000 });
    expect(Buffer.from(ours).equals(ref)).toBe(true);
  });

  it('round-trips codes, language and codec name', async () => {
    const codes = createCodes(3, 2);
    codes.data.set([1, 2, 3, 4, 5, 1023]);
    const path = join(dir, 'x.enc');
    await writeEncFile(path, codes, { originalLength: 960, sampleRate: 24000, language: 'en', codec: 'lite' });
    const back = await readEncFile(path);
    expect(Array.from(back.codes.data)).toEqual([1, 2, 3, 4, 5, 1023]);
    expect([back.originalLength, back.sampleRate, back.language, back.codec]).toEqual([960, 24000, 'en', 'lite']);
    expect([...back.raw.keys()]).toEqual(['original_length', 'sample_rate', 'language', 'codec']);
  });

  it('explains missing and malformed files', async () => {
    await expect(readEncFile(join(dir, 'missing.enc'), 'missing.enc')).rejects.toMatchObject({ code: 'not_found', message: 'missing.enc does not exist.' });
    await expect(readEncFile(dir, 'folder')).rejects.toMatchObject({ code: 'invalid_input' });
  });
});
