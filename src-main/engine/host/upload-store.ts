import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { readdirSync } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable, Transform } from 'node:stream';
import { StudioError } from '../../../src-shared/api/errors.js';
import { silentLog, type HostLog } from './host-log.js';

export interface StagedUpload {
  uploadId: string;
  /** The sanitised original name (kept for its extension and for display). */
  name: string;
  path: string;
}

export interface UploadStoreOptions {
  /** Largest upload accepted, in bytes (2 GiB by default). */
  maxBytes?: number;
  /** Staged files older than this are removed by `sweep()` (a day by default). */
  maxAgeMs?: number;
  log?: HostLog;
  now?: () => number;
}

const UPLOAD_ID = /^[0-9a-f]{32}$/;
const TWO_GIB = 2 * 1024 * 1024 * 1024;
const ONE_DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Bytes a client sent, parked until an import reads them: `uploads/<id>/<name>`. A browser cannot hand the
 * engine a path, so it uploads first and imports by id. Each upload lands in a `.partial` folder and is renamed
 * into place only when complete, so a half-written upload is never resolvable.
 */
export class UploadStore {
  readonly root: string;
  readonly maxBytes: number;
  private readonly maxAgeMs: number;
  private readonly log: HostLog;
  private readonly now: () => number;

  constructor(root: string, options: UploadStoreOptions = {}) {
    this.root = root;
    this.maxBytes = options.maxBytes ?? TWO_GIB;
    this.maxAgeMs = options.maxAgeMs ?? ONE_DAY_MS;
    this.log = options.log ?? silentLog;
    this.now = options.now ?? Date.now;
  }

  async stage(name: string, data: ArrayBuffer | Uint8Array): Promise<StagedUpload> {
    const bytes = data instanceof Uint8Array ? data : new Uint8Array(data);
    return this.stageStream(name, Readable.from([bytes]), bytes.byteLength);
  }

  /** Streams a body to disk; refuses (and removes the partial file) past `maxBytes`. */
  async stageStream(name: string, body: Readable | AsyncIterable<Uint8Array>, declaredBytes?: number): Promise<StagedUpload> {
    if (declaredBytes !== undefined && declaredBytes > this.maxBytes) throw this.tooLarge(declaredBytes);
    const safeName = sanitizeUploadName(name);
    const uploadId = randomBytes(16).toString('hex');
    const partial = join(this.root, `${uploadId}.partial`);
    await mkdir(partial, { recursive: true });
    let received = 0;
    const limit = new Transform({
      transform: (chunk: Buffer, _encoding, callback) => {
        received += chunk.length;
        if (received > this.maxBytes) callback(this.tooLarge(received));
        else callback(null, chunk);
      },
    });
    try {
      const source = body instanceof Readable ? body : Readable.from(body);
      await pipeline(source, limit, createWriteStream(join(partial, safeName)));
      await rename(partial, join(this.root, uploadId));
    } catch (error) {
      await rm(partial, { recursive: true, force: true });
      throw error;
    }
    return { uploadId, name: safeName, path: join(this.root, uploadId, safeName) };
  }

  /**
   * The staged file of an upload id; not_found for ids that are malformed, unknown, or already removed.
   * Synchronous: the library resolves every source of an import before it starts decoding any.
   */
  resolve(uploadId: string): StagedUpload {
    if (!UPLOAD_ID.test(uploadId)) throw notFound(uploadId);
    const dir = join(this.root, uploadId);
    let entries: string[];
    try {
      entries = readdirSync(dir);
    } catch {
      throw notFound(uploadId);
    }
    if (entries.length !== 1) throw notFound(uploadId);
    return { uploadId, name: entries[0], path: join(dir, entries[0]) };
  }

  /** Removes an upload (after its import); unknown ids are ignored. */
  async discard(uploadId: string): Promise<void> {
    if (!UPLOAD_ID.test(uploadId)) return;
    await rm(join(this.root, uploadId), { recursive: true, force: true });
  }

  /** Removes uploads (and abandoned partial ones) older than the maximum age. Returns how many. */
  async sweep(): Promise<number> {
    let entries: string[];
    try {
      entries = await readdir(this.root);
    } catch {
      return 0;
    }
    let removed = 0;
    for (const entry of entries) {
      const id = entry.endsWith('.partial') ? entry.slice(0, -'.partial'.length) : entry;
      if (!UPLOAD_ID.test(id)) continue;
      try {
        const info = await stat(join(this.root, entry));
        if (this.now() - info.mtimeMs < this.maxAgeMs) continue;
        await rm(join(this.root, entry), { recursive: true, force: true });
        removed++;
      } catch (error) {
        this.log.warn(`could not sweep upload ${entry}`, error);
      }
    }
    return removed;
  }

  private tooLarge(bytes: number): StudioError {
    return new StudioError('invalid_input', `The upload is too large (over ${formatBytes(this.maxBytes)}).`, { maxBytes: this.maxBytes, receivedBytes: bytes });
  }
}

function notFound(uploadId: string): StudioError {
  return new StudioError('not_found', 'That upload does not exist (it may have expired or been imported already).', { uploadId });
}

/**
 * A client-chosen name made safe as one path segment on every OS: no directories, no control or reserved
 * characters, no trailing dots or spaces, no device names, at most 200 characters with the extension kept.
 */
export function sanitizeUploadName(name: string): string {
  const base = name.split(/[/\\]/).pop() ?? '';
  let clean = base
    .normalize('NFC')
    .replace(/[\u0000-\u001f\u007f<>:"|?*]/g, '_')
    .replace(/^[.\s]+|[.\s]+$/g, '');
  if (/^(con|prn|aux|nul|com\d|lpt\d)(\.|$)/i.test(clean)) clean = `_${clean}`;
  if (clean.length > 200) {
    const dot = clean.lastIndexOf('.');
    const ext = dot > 0 && clean.length - dot <= 16 ? clean.slice(dot) : '';
    clean = clean.slice(0, 200 - ext.length) + ext;
  }
  return clean === '' ? 'upload' : clean;
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(bytes % 1024 ** 3 === 0 ? 0 : 1)} GB`;
  if (bytes >= 1024 ** 2) return `${(bytes / 1024 ** 2).toFixed(1)} MB`;
  return `${bytes} bytes`;
}
