import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { downloadStates, type DownloadState } from '../../../../src-shared/api/models.js';
import type { StudioErrorData } from '../../../../src-shared/api/errors.js';
import { writeAll, writeFileAtomic } from '../../nn/io/atomic-write.js';

export const STATE_FILE = 'download.json';

/** One file of a download as remembered between runs (its bytes are in `<name>.partial`, or `<name>` once verified). */
export interface StoredFile {
  path: string;
  role: 'checkpoint' | 'yaml' | 'lora' | 'weights' | 'config';
  optional: boolean;
  /** Size and checksums from the hub; null until asked. */
  bytes: number | null;
  sha256: string | null;
  gitSha1: string | null;
  /** Complete and its checksum matched. */
  verified: boolean;
  /** sha256 of the verified file (what the manifest records). */
  actualSha256: string | null;
}

/** `<home>/models/.downloads/<catalogueId>/download.json`: what survives a restart of a download. */
export interface StoredDownload {
  version: 1;
  catalogueId: string;
  repo: string;
  revision: string;
  state: DownloadState;
  files: StoredFile[];
  error: StudioErrorData | null;
  startedAt: string;
  updatedAt: string;
}

const storedSchema = z.object({
  version: z.literal(1),
  catalogueId: z.string(),
  repo: z.string(),
  revision: z.string(),
  state: z.enum(downloadStates),
  files: z.array(
    z.object({
      path: z.string(),
      role: z.enum(['checkpoint', 'yaml', 'lora', 'weights', 'config']),
      optional: z.boolean(),
      bytes: z.number().nullable(),
      sha256: z.string().nullable(),
      gitSha1: z.string().nullable(),
      verified: z.boolean(),
      actualSha256: z.string().nullable(),
    }),
  ),
  error: z.object({ code: z.string(), message: z.string(), details: z.record(z.string(), z.unknown()).optional() }).nullable(),
  startedAt: z.string(),
  updatedAt: z.string(),
});

export async function readStoredDownload(file: string): Promise<StoredDownload | null> {
  try {
    const parsed = storedSchema.safeParse(JSON.parse(await readFile(file, 'utf8')));
    return parsed.success ? (parsed.data as StoredDownload) : null;
  } catch {
    return null;
  }
}

export async function writeStoredDownload(file: string, stored: StoredDownload): Promise<void> {
  await writeFileAtomic(file, (fh) => writeAll(fh, Buffer.from(`${JSON.stringify(stored, null, 2)}\n`)));
}

/** States in which a job is (or should be) working on the download. */
export function isActiveState(state: DownloadState): boolean {
  return state === 'queued' || state === 'downloading' || state === 'verifying' || state === 'installing';
}
