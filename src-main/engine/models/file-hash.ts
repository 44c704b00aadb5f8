import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { StudioError } from '../../../src-shared/api/errors.js';

/** sha256 hex of a file, streamed. */
export async function sha256File(file: string, signal?: AbortSignal): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash, { signal });
  return hash.digest('hex');
}

/**
 * The git blob id of content (`sha1("blob <size>\0" + bytes)`): what the Hugging Face hub reports as `oid` for
 * files kept in git itself rather than in LFS (small config files).
 */
export function gitBlobHasher(size: number): { update(chunk: Uint8Array): void; digest(): string } {
  const hash = createHash('sha1');
  hash.update(`blob ${size}\0`);
  return { update: (chunk) => void hash.update(chunk), digest: () => hash.digest('hex') };
}

/**
 * Copies `from` to `to` (which must not exist), computing the copy's sha256 on the way and reporting bytes
 * copied. fsyncs before returning, so a later rename of the folder holding it publishes complete bytes.
 */
export async function copyWithHash(
  from: string,
  to: string,
  options: { signal?: AbortSignal; onProgress?: (done: number, total: number) => void } = {},
): Promise<{ bytes: number; sha256: string }> {
  const total = (await stat(from)).size;
  const hash = createHash('sha256');
  let done = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      done += chunk.length;
      options.onProgress?.(done, total);
      callback(null, chunk);
    },
  });
  const out = createWriteStream(to, { flags: 'wx' });
  try {
    await pipeline(createReadStream(from), tap, out, { signal: options.signal });
    await syncFile(to);
  } catch (error) {
    throw diskError(error);
  }
  return { bytes: done, sha256: hash.digest('hex') };
}

/** A full disk becomes the API's `disk_full`; anything else passes through. */
export function diskError(error: unknown): unknown {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (code === 'ENOSPC' || code === 'EDQUOT') return new StudioError('disk_full', 'The disk is full: free some space and try again.');
  return error;
}

/** fsync a file's data (through a fresh descriptor: the data of the file, not of the descriptor, is flushed). */
export async function syncFile(file: string): Promise<void> {
  const fh = await open(file, 'r+');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
