import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { StudioError } from '../../../../src-shared/api/errors.js';
import { diskError, gitBlobHasher, syncFile } from '../file-hash.js';
import { httpGet, toNetworkError } from './http-get.js';

export interface ExpectedFile {
  /** Size the source announced; null when unknown. */
  bytes: number | null;
  sha256: string | null;
  gitSha1: string | null;
}

export interface FileDownloadOptions {
  url: string;
  /** Where the bytes accumulate; what is already there is resumed with a Range request. */
  partial: string;
  expected: ExpectedFile;
  signal: AbortSignal;
  /** Bytes in `partial` so far (called often), and the size when known. */
  onBytes?: (done: number, total: number | null) => void;
  /** Verifying: bytes checked so far. */
  onVerify?: (done: number, total: number) => void;
  /** Network failures retried in place (the connection dropped, a timeout, a 5xx). Default 2. */
  retries?: number;
  /** Wait before each retry, ms (default 1000, 3000). */
  retryDelaysMs?: readonly number[];
  /** Passed to every request (tests: idle timeout). */
  idleTimeoutMs?: number;
}

export interface DownloadedFile {
  bytes: number;
  sha256: string;
}

/**
 * [Note: resumable download] One file into `partial`, resumable: the request asks for `Range: bytes=<size of
 * partial>-`; a 206 whose Content-Range starts there is appended; a 200 (the server ignores ranges) starts over;
 * a 416 means there is nothing more to fetch. A connection that drops, times out or answers 5xx is retried in
 * place `retries` times; after that the error (network_unavailable) goes up with the partial kept, so a later
 * call — even from a new engine after a restart — resumes it. Once complete, the whole file is hashed and compared
 * with the expected sha256 (or git blob id); a mismatch removes the partial and throws checksum_mismatch.
 */
export async function downloadFile(options: FileDownloadOptions): Promise<DownloadedFile> {
  const { expected, partial, signal } = options;
  const retries = options.retries ?? 2;
  const delays = options.retryDelaysMs ?? [1000, 3000];
  let failures = 0;
  for (;;) {
    throwIfCancelled(signal);
    let offset = await sizeOf(partial);
    if (expected.bytes !== null && offset > expected.bytes) {
      await rm(partial, { force: true });
      offset = 0;
    }
    if (expected.bytes !== null && offset === expected.bytes && offset > 0) break;
    try {
      const complete = await fetchFrom(options, offset);
      if (complete) break;
    } catch (error) {
      throwIfCancelled(signal);
      if (!isRetryable(error) || failures >= retries) throw error;
      await sleep(delays[Math.min(failures, delays.length - 1)] ?? 1000, undefined, { signal }).catch(() => throwIfCancelled(signal));
      failures++;
    }
  }
  return verify(options);
}

/** Fetches from `offset` to the end; true when the file is complete, false to try again at once (start over). */
async function fetchFrom(options: FileDownloadOptions, offset: number): Promise<boolean> {
  const { url, partial, expected, signal } = options;
  const response = await httpGet(url, {
    headers: offset > 0 ? { range: `bytes=${offset}-` } : {},
    signal,
    idleTimeoutMs: options.idleTimeoutMs,
  });
  const { status, headers, body } = response;
  if (status === 416) {
    body.resume();
    // Nothing past what we have: complete if the size is right (or unknown), otherwise start over.
    if (expected.bytes === null || offset === expected.bytes) return true;
    await rm(partial, { force: true });
    return false;
  }
  if (status === 404) {
    body.resume();
    throw new StudioError('not_found', `The hub has no file at ${url}.`, { url });
  }
  if (status === 401 || status === 403) {
    body.resume();
    throw new StudioError('unauthorized', `The hub refused the download of ${url} (HTTP ${status}).`, { url });
  }
  if (status !== 200 && status !== 206) {
    body.resume();
    throw new StudioError('network_unavailable', `The hub answered HTTP ${status} for ${url}; try again later.`, { url, status, failure: 'dropped' });
  }
  let start = 0;
  if (status === 206) {
    const range = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(String(headers['content-range'] ?? ''));
    if (!range || Number(range[1]) !== offset) {
      // A range we did not ask for: do not guess, fetch the whole file again.
      body.destroy();
      await rm(partial, { force: true });
      return false;
    }
    start = offset;
  }
  const length = headers['content-length'] === undefined ? null : Number(headers['content-length']);
  const total = length !== null && Number.isFinite(length) ? start + length : expected.bytes;
  if (expected.bytes !== null && total !== null && total !== expected.bytes) {
    body.destroy();
    throw new StudioError('checksum_mismatch', `The hub sends ${total} bytes for ${url}, but announced ${expected.bytes}.`, { url, bytes: total, expected: expected.bytes });
  }
  let done = start;
  options.onBytes?.(done, total);
  const count = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      done += chunk.length;
      options.onBytes?.(done, total);
      callback(null, chunk);
    },
  });
  try {
    await pipeline(body, count, createWriteStream(partial, { flags: start > 0 ? 'a' : 'w' }), { signal });
  } catch (error) {
    throwIfCancelled(signal);
    const disk = diskError(error);
    if (disk instanceof StudioError) throw disk;
    throw toNetworkError(error, url);
  }
  // A connection closed cleanly but early (no Content-Length to hold it to) is a drop too.
  if (total !== null && done < total) throw toNetworkError(Object.assign(new Error('ended early'), { code: 'ECONNRESET' }), url);
  await syncFile(partial);
  return true;
}

async function verify(options: FileDownloadOptions): Promise<DownloadedFile> {
  const { partial, expected, signal } = options;
  const size = await sizeOf(partial);
  const sha256 = createHash('sha256');
  const git = gitBlobHasher(size);
  let done = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      sha256.update(chunk);
      git.update(chunk);
      done += chunk.length;
      options.onVerify?.(done, size);
      callback();
    },
  });
  try {
    await pipeline(createReadStream(partial), tap, { signal });
  } catch (error) {
    throwIfCancelled(signal);
    throw error;
  }
  const actual = { sha256: sha256.digest('hex'), gitSha1: git.digest() };
  const mismatch =
    (expected.bytes !== null && size !== expected.bytes) ||
    (expected.sha256 !== null && actual.sha256 !== expected.sha256) ||
    (expected.gitSha1 !== null && actual.gitSha1 !== expected.gitSha1);
  if (mismatch) {
    await rm(partial, { force: true });
    const want = expected.sha256 ? `sha256 ${expected.sha256}` : expected.gitSha1 ? `git blob ${expected.gitSha1}` : `${expected.bytes} bytes`;
    throw new StudioError(
      'checksum_mismatch',
      `The downloaded ${options.url.split('/').pop()} is corrupt: it should have ${want} but has ${expected.sha256 || !expected.gitSha1 ? `sha256 ${actual.sha256}` : `git blob ${actual.gitSha1}`} (${size} bytes). It was removed; download again.`,
      { url: options.url, expected, actual: { ...actual, bytes: size } },
    );
  }
  return { bytes: size, sha256: actual.sha256 };
}

/** Worth retrying in place: the connection dropped, timed out or got a 5xx; not when nothing answered at all. */
export function isRetryable(error: unknown): boolean {
  if (!(error instanceof StudioError) || error.code !== 'network_unavailable') return false;
  return error.details?.failure !== 'offline';
}

function throwIfCancelled(signal: AbortSignal): void {
  if (signal.aborted) throw new StudioError('cancelled', 'Cancelled.');
}

async function sizeOf(file: string): Promise<number> {
  try {
    return (await stat(file)).size;
  } catch {
    return 0;
  }
}
