import { mkdtemp, readFile, readdir, rm, utimes, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { UploadStore, sanitizeUploadName } from './upload-store.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function tempRoot(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'valle-uploads-'));
  dirs.push(dir);
  return join(dir, 'uploads');
}

describe('UploadStore', () => {
  it('stages bytes under a random id and resolves the id back to them', async () => {
    const store = new UploadStore(await tempRoot());
    const bytes = new Uint8Array([1, 2, 3, 250, 251]);
    const staged = await store.stage('take 1.wav', bytes.buffer);
    expect(staged.uploadId).toMatch(/^[0-9a-f]{32}$/);
    const resolved = store.resolve(staged.uploadId);
    expect(resolved.name).toBe('take 1.wav');
    expect(new Uint8Array(await readFile(resolved.path))).toEqual(bytes);
    const other = await store.stage('take 1.wav', bytes);
    expect(other.uploadId).not.toBe(staged.uploadId);
  });

  it('keeps names inside their folder', async () => {
    const root = await tempRoot();
    const store = new UploadStore(root);
    const staged = await store.stage('../../etc/passwd', new Uint8Array([1]));
    expect(staged.name).toBe('passwd');
    expect(dirname(staged.path)).toBe(join(root, staged.uploadId));
    expect(sanitizeUploadName('..\\..\\evil.wav')).toBe('evil.wav');
    expect(sanitizeUploadName('a<b>c:d"e|f?g*h\u0001.wav')).toBe('a_b_c_d_e_f_g_h_.wav');
    expect(sanitizeUploadName('...')).toBe('upload');
    expect(sanitizeUploadName('CON.wav')).toBe('_CON.wav');
    expect(sanitizeUploadName('trailing. ')).toBe('trailing');
    const long = sanitizeUploadName(`${'x'.repeat(300)}.flac`);
    expect(long.length).toBe(200);
    expect(long.endsWith('.flac')).toBe(true);
  });

  it('refuses uploads over the size limit and leaves nothing behind', async () => {
    const root = await tempRoot();
    const store = new UploadStore(root, { maxBytes: 10 });
    await expect(store.stage('big.wav', new Uint8Array(11))).rejects.toMatchObject({ code: 'invalid_input', details: { maxBytes: 10 } });
    // A stream that does not declare its length is cut off once it passes the limit.
    const chunks = (async function* () {
      for (let i = 0; i < 5; i++) yield new Uint8Array(4);
    })();
    await expect(store.stageStream('big.wav', Readable.from(chunks))).rejects.toMatchObject({ code: 'invalid_input' });
    expect(await readdir(root)).toEqual([]);
    await expect(store.stage('ok.wav', new Uint8Array(10))).resolves.toMatchObject({ name: 'ok.wav' });
  });

  it('answers not_found for malformed, unknown and discarded ids', async () => {
    const store = new UploadStore(await tempRoot());
    expect(() => store.resolve('../studio.db')).toThrowError(expect.objectContaining({ code: 'not_found' }));
    expect(() => store.resolve('0'.repeat(32))).toThrowError(expect.objectContaining({ code: 'not_found' }));
    const staged = await store.stage('a.wav', new Uint8Array([1]));
    await store.discard(staged.uploadId);
    expect(() => store.resolve(staged.uploadId)).toThrowError(expect.objectContaining({ code: 'not_found' }));
  });

  it('sweeps uploads older than the maximum age, and abandoned partial ones', async () => {
    const root = await tempRoot();
    const store = new UploadStore(root, { maxAgeMs: 60_000 });
    const old = await store.stage('old.wav', new Uint8Array([1]));
    const fresh = await store.stage('fresh.wav', new Uint8Array([2]));
    const abandoned = join(root, `${'a'.repeat(32)}.partial`);
    await mkdir(abandoned);
    await writeFile(join(abandoned, 'x.wav'), 'x');
    const longAgo = new Date(Date.now() - 120_000);
    await utimes(join(root, old.uploadId), longAgo, longAgo);
    await utimes(abandoned, longAgo, longAgo);
    await writeFile(join(root, 'not-an-upload.txt'), 'left alone');

    expect(await store.sweep()).toBe(2);
    expect(() => store.resolve(old.uploadId)).toThrowError(expect.objectContaining({ code: 'not_found' }));
    expect(store.resolve(fresh.uploadId)).toMatchObject({ name: 'fresh.wav' });
    expect((await readdir(root)).sort()).toEqual([fresh.uploadId, 'not-an-upload.txt'].sort());
  });
});
