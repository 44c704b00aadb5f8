import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeAll, writeFileAtomic } from './atomic-write.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'nn-atomic-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('writeFileAtomic', () => {
  it('replaces the target with the new content', async () => {
    const file = path.join(dir, 'a.bin');
    await writeFile(file, 'old');
    await writeFileAtomic(file, (fh) => writeAll(fh, new TextEncoder().encode('new content')));
    expect(await readFile(file, 'utf8')).toBe('new content');
    expect(await readdir(dir)).toEqual(['a.bin']);
  });

  it('leaves the old file untouched and no temp file when writing fails half way', async () => {
    const file = path.join(dir, 'b.bin');
    await writeFile(file, 'keep me');
    await expect(
      writeFileAtomic(file, async (fh) => {
        await writeAll(fh, new TextEncoder().encode('partial'));
        throw new Error('disk on fire');
      }),
    ).rejects.toThrow('disk on fire');
    expect(await readFile(file, 'utf8')).toBe('keep me');
    expect((await readdir(dir)).sort()).toEqual(['a.bin', 'b.bin']);
  });

  it('fails cleanly when the folder does not exist', async () => {
    await expect(writeFileAtomic(path.join(dir, 'missing', 'c.bin'), async () => undefined)).rejects.toThrow(/ENOENT/);
  });
});
