import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { exportMedia } from './media-export.js';
import { mediaPathOf } from './media-request.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function store(bytes: Buffer): Promise<{ root: string; out: string; id: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'valle-export-'));
  dirs.push(dir);
  const root = join(dir, 'media');
  const id = 'ab'.repeat(32);
  await mkdir(join(root, 'ab'), { recursive: true });
  await writeFile(mediaPathOf(root, id), bytes);
  const out = join(dir, 'out');
  await mkdir(out);
  return { root, out, id };
}

describe('exportMedia', () => {
  it('copies the stored bytes exactly, replacing an existing file, and leaves no temp file', async () => {
    const bytes = Buffer.from('RIFF....WAVEfmt some stored audio bytes');
    const { root, out, id } = await store(bytes);
    const target = join(out, 'take.wav');
    await writeFile(target, 'old content');
    await exportMedia(root, id, target);
    expect(await readFile(target)).toEqual(bytes);
    expect(await readdir(out)).toEqual(['take.wav']);
  });

  it('refuses bad ids, relative paths and missing media without writing anything', async () => {
    const { root, out, id } = await store(Buffer.from('x'));
    await expect(exportMedia(root, '../../etc/passwd', join(out, 'a.wav'))).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(exportMedia(root, id, 'relative.wav')).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(exportMedia(root, 'cd'.repeat(32), join(out, 'b.wav'))).rejects.toMatchObject({ code: 'not_found' });
    await expect(exportMedia(root, id, join(out, 'missing-folder', 'c.wav'))).rejects.toMatchObject({ code: 'internal' });
    expect(await readdir(out)).toEqual([]);
  });
});
