import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { StudioError } from '../../../src-shared/api/errors.js';

/** Writes go to a temp file in `tmpDir`, are fsynced, then renamed into place: readers never see half a file. */
export interface AtomicWriter {
  write(bytes: Uint8Array): Promise<void>;
  /** fsync, close, and rename to `target` (or drop the temp file when `target` already exists). */
  commit(target: string, options?: { keepExisting?: boolean }): Promise<void>;
  /** Close and delete the temp file; safe to call after a failure or twice. */
  discard(): Promise<void>;
}

export async function createAtomicWriter(tmpDir: string): Promise<AtomicWriter> {
  await fs.mkdir(tmpDir, { recursive: true });
  const tmp = path.join(tmpDir, `${crypto.randomUUID()}.part`);
  const handle = await fs.open(tmp, 'wx').catch(mapDiskErrors);
  let closed = false;
  const close = async () => {
    if (!closed) {
      closed = true;
      await handle.close();
    }
  };
  return {
    async write(bytes) {
      let offset = 0;
      while (offset < bytes.length) {
        const { bytesWritten } = await handle.write(bytes, offset, bytes.length - offset).catch(mapDiskErrors);
        offset += bytesWritten;
      }
    },
    async commit(target, options = {}) {
      await handle.sync().catch(mapDiskErrors);
      await close();
      const dir = path.dirname(target);
      await fs.mkdir(dir, { recursive: true });
      if (options.keepExisting && (await exists(target))) {
        await fs.rm(tmp, { force: true });
        return;
      }
      await fs.rename(tmp, target);
      await syncDirectory(dir);
    },
    async discard() {
      await close().catch(() => undefined);
      await fs.rm(tmp, { force: true });
    },
  };
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.access(file);
    return true;
  } catch {
    return false;
  }
}

/** Makes a rename durable. Some platforms (Windows) cannot open a directory for fsync; skip there. */
async function syncDirectory(dir: string): Promise<void> {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(dir, 'r');
    await handle.sync();
  } catch {
    // best effort
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

function mapDiskErrors(error: unknown): never {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOSPC' || code === 'EDQUOT') throw new StudioError('disk_full', 'The disk is full: free some space and try again.');
  throw error;
}
