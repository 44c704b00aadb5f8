/**
 * The resumable downloader against a local HTTP server that behaves like the hub (fake-hub.ts): checksums from
 * paths-info (sha256 for LFS files, git blob id for git files), drops mid-file, a corrupted body, a server that
 * ignores Range, a refused connection, and cancellation.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { StudioError } from '../../../../src-shared/api/errors.js';
import { gitBlobHasher } from '../file-hash.js';
import { FakeHub, gitBlobId, sha256 } from '../testing/fake-hub.js';
import { downloadFile, isRetryable } from './file-download.js';
import { HubClient } from './hub-client.js';
import { studioErrorOf } from '../../testing/studio-error-of.js';

const REPO = 'owner/tiny';
const BIG = randomBytes(300_000);
const SMALL = Buffer.from('{"sampling_rate": 24000}\n');
let hub: FakeHub;
let dir: string;

beforeAll(async () => {
  hub = await FakeHub.start([
    {
      repo: REPO,
      files: [
        { path: 'weights/model+big.sft', bytes: BIG },
        { path: 'config.json', bytes: SMALL, lfs: false },
      ],
    },
  ]);
  dir = await mkdtemp(path.join(os.tmpdir(), 'valle-dl-'));
});

afterAll(async () => {
  await hub.close();
  await rm(dir, { recursive: true, force: true });
});

afterEach(() => {
  hub.requests.length = 0;
  hub.dropAt = null;
  hub.drops = 0;
  hub.ignoreRange = false;
  hub.corrupt.clear();
});

async function expected(file: string) {
  const info = (await new HubClient(hub.url).pathsInfo(REPO, 'main', [file])).get(file)!;
  return { bytes: info.bytes, sha256: info.sha256, gitSha1: info.gitSha1 };
}

function fetchBig(partial: string, extra: Partial<Parameters<typeof downloadFile>[0]> = {}) {
  return expected('weights/model+big.sft').then((exp) =>
    downloadFile({
      url: new HubClient(hub.url).fileUrl(REPO, 'main', 'weights/model+big.sft'),
      partial,
      expected: exp,
      signal: new AbortController().signal,
      retries: 0,
      ...extra,
    }),
  );
}

describe('HubClient', () => {
  it('reads sizes and checksums from paths-info: sha256 for LFS files, the git blob id for git files', async () => {
    const infos = await new HubClient(`${hub.url}/`).pathsInfo(REPO, 'main', ['weights/model+big.sft', 'config.json', 'missing.bin']);
    expect(infos.get('weights/model+big.sft')).toEqual({ path: 'weights/model+big.sft', bytes: BIG.length, sha256: sha256(BIG), gitSha1: null });
    expect(infos.get('config.json')).toEqual({ path: 'config.json', bytes: SMALL.length, sha256: null, gitSha1: gitBlobId(SMALL) });
    expect(infos.has('missing.bin')).toBe(false);
  });

  it('says which repository is missing, and encodes + in file paths', async () => {
    expect((await studioErrorOf(new HubClient(hub.url).pathsInfo('owner/none', 'main', ['x']))).code).toBe('not_found');
    expect(new HubClient('https://huggingface.co').fileUrl('ecker/vall-e', 'main', 'models/ckpt/ar+nar-llama-8/fp32.sft')).toBe(
      'https://huggingface.co/ecker/vall-e/resolve/main/models/ckpt/ar%2Bnar-llama-8/fp32.sft',
    );
  });

  it('computes git blob ids as git does', () => {
    // `printf 'hello world\n' | git hash-object --stdin`
    const h = gitBlobHasher(12);
    h.update(Buffer.from('hello world\n'));
    expect(h.digest()).toBe('3b18e512dba79e4c8300dd08aeb37f8e728b8dad');
  });
});

describe('downloadFile', () => {
  it('downloads through the CDN redirect, verifies the sha256 and reports growing byte counts', async () => {
    const partial = path.join(dir, 'a.partial');
    const seen: number[] = [];
    const result = await fetchBig(partial, { onBytes: (done) => seen.push(done) });
    expect(result).toEqual({ bytes: BIG.length, sha256: sha256(BIG) });
    expect(Buffer.compare(await readFile(partial), BIG)).toBe(0);
    expect(seen.at(-1)).toBe(BIG.length);
    expect(seen.every((n, i) => i === 0 || n >= seen[i - 1])).toBe(true);
    expect(hub.requests.map((r) => r.path)).toEqual(['/api/models/owner/tiny/paths-info/main', '/owner/tiny/resolve/main/weights/model%2Bbig.sft', '/cdn/owner/tiny/main/weights/model%2Bbig.sft']);
    expect(hub.ranges()).toEqual([]);
  });

  it('verifies a git-kept file by its blob id', async () => {
    const partial = path.join(dir, 'config.partial');
    const exp = await expected('config.json');
    const result = await downloadFile({ url: new HubClient(hub.url).fileUrl(REPO, 'main', 'config.json'), partial, expected: exp, signal: new AbortController().signal });
    expect(result.sha256).toBe(sha256(SMALL));
  });

  it('keeps what arrived when the connection drops, and a later call resumes it with a Range request', async () => {
    const partial = path.join(dir, 'b.partial');
    hub.dropAt = 100_000;
    hub.drops = 1;
    const error = await studioErrorOf(fetchBig(partial));
    expect(error.code).toBe('network_unavailable');
    expect(error.details?.failure).toBe('dropped');
    expect((await stat(partial)).size).toBe(100_000);

    const result = await fetchBig(partial);
    expect(result.sha256).toBe(sha256(BIG));
    expect(hub.ranges()).toEqual(['bytes=100000-', 'bytes=100000-']); // the redirect carries the Range on
  });

  it('retries a dropped connection in place, from where it stopped', async () => {
    const partial = path.join(dir, 'c.partial');
    hub.dropAt = 150_000;
    hub.drops = 1;
    const result = await fetchBig(partial, { retries: 1, retryDelaysMs: [10] });
    expect(result.sha256).toBe(sha256(BIG));
    expect(hub.ranges()).toContain('bytes=150000-');
  });

  it('refuses a corrupted file with checksum_mismatch and removes it', async () => {
    const partial = path.join(dir, 'd.partial');
    hub.corrupt.add('weights/model+big.sft');
    const error = await studioErrorOf(fetchBig(partial));
    expect(error.code).toBe('checksum_mismatch');
    expect(error.message).toContain(sha256(BIG));
    await expect(stat(partial)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('starts over when the server ignores the Range header', async () => {
    const partial = path.join(dir, 'e.partial');
    hub.dropAt = 50_000;
    hub.drops = 1;
    await studioErrorOf(fetchBig(partial));
    hub.ignoreRange = true;
    const result = await fetchBig(partial);
    expect(result.sha256).toBe(sha256(BIG));
    expect((await stat(partial)).size).toBe(BIG.length);
  });

  it('says plainly that nothing answers when the connection is refused, without retrying', async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((r) => closed.close(() => r()));
    const error = await studioErrorOf(
      downloadFile({
        url: `http://127.0.0.1:${port}/x`,
        partial: path.join(dir, 'f.partial'),
        expected: { bytes: 10, sha256: null, gitSha1: null },
        signal: new AbortController().signal,
        retryDelaysMs: [5000],
      }),
    );
    expect(error.code).toBe('network_unavailable');
    expect(error.details?.failure).toBe('offline');
    expect(error.message).toMatch(/Cannot reach 127\.0\.0\.1:\d+: the connection was refused/);
    // Nothing answering is reported at once; only failures mid-transfer are retried.
    expect(isRetryable(error)).toBe(false);
    expect(isRetryable(new StudioError('network_unavailable', 'dropped', { failure: 'dropped' }))).toBe(true);
    expect(isRetryable(new StudioError('checksum_mismatch', 'bad'))).toBe(false);
  });

  it('stops at once when cancelled, keeping the partial', async () => {
    const partial = path.join(dir, 'g.partial');
    hub.bytesPerSecond = 200_000;
    const controller = new AbortController();
    const promise = fetchBig(partial, { signal: controller.signal, onBytes: (done) => done > 40_000 && controller.abort() });
    const error = await studioErrorOf(promise);
    hub.bytesPerSecond = null;
    expect(error.code).toBe('cancelled');
    expect((await stat(partial)).size).toBeGreaterThan(0);
  });
});
