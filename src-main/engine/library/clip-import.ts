import crypto from 'node:crypto';
import { StudioError, type StudioErrorData } from '../../../src-shared/api/errors.js';
import type { Clip, ImportClipsResult, ImportFileResult } from '../../../src-shared/api/library.js';
import type { StudioDatabase } from '../db/database.js';
import type { JobContext, ProgressReport } from '../jobs/job-context.js';
import type { IngestInput, IngestResult } from '../media/ingest.js';
import type { MediaStore } from '../media/media-store.js';

/** One file to import. */
export interface ImportItem {
  /** Shown in the result (a file name, or group/speaker/file for folder imports). */
  label: string;
  /** The clip's name. */
  name: string;
  path: string;
  /** A problem known before decoding (e.g. a missing file): recorded, not decoded. */
  error: StudioErrorData | null;
  /**
   * Called inside the insert transaction: the speaker the clip belongs to, creating it (and its group) if
   * need be and reporting what it created.
   */
  speakerId(created: (entity: 'group' | 'speaker', id: string) => void): string;
}

export interface ImportDeps {
  db: StudioDatabase;
  media: MediaStore;
  maxDurationSec: number;
  onChange(entity: 'group' | 'speaker' | 'clip', id: string): void;
}

export const INGEST_TASK = 'media.ingest';

/**
 * Imports files one by one: each is decoded and stored by the 'media.ingest' worker task, then its clip row
 * is inserted in a transaction of its own, so a crash or a cancel never leaves half an import. Files
 * already imported when the job is cancelled stay (they are complete); the job then throws `cancelled`.
 *
 * Outcome (a deliberate choice): a single-file import fails with that file's own error, so the user reads
 * e.g. "not_audio: notes.wav is not an audio file". With several files, per-file errors go in the result
 * and the job succeeds when at least one file was imported; when none was, it fails with the first error
 * (all per-file results in its details).
 */
export async function runImport(items: readonly ImportItem[], deps: ImportDeps, ctx: JobContext): Promise<ImportClipsResult> {
  const files: ImportFileResult[] = [];
  const errors: StudioErrorData[] = [];
  const fail = (item: ImportItem, error: StudioErrorData) => {
    errors.push(error);
    files.push({ name: item.label, clipId: null, error: { code: error.code, message: error.message } });
  };
  const n = items.length;
  for (const [i, item] of items.entries()) {
    if (ctx.signal.aborted) throw new StudioError('cancelled', 'Import cancelled.');
    const stage = `${item.label} (${i + 1} of ${n})`;
    ctx.progress({ fraction: i / n, stage });
    if (item.error) {
      fail(item, item.error);
      continue;
    }
    try {
      const clip = await importOne(item, deps, ctx, (r) => ctx.progress({ fraction: (i + (r.fraction ?? 0)) / n, stage: `${stage}: ${r.stage}` }));
      files.push({ name: item.label, clipId: clip.id, error: null });
    } catch (error) {
      if (ctx.signal.aborted || (error instanceof StudioError && error.code === 'cancelled')) throw new StudioError('cancelled', 'Import cancelled.');
      fail(item, toErrorData(error));
    }
  }
  ctx.progress({ fraction: 1, stage: 'done' });

  if (n === 1 && errors.length === 1) throw StudioError.fromData(errors[0]);
  if (n > 0 && errors.length === n) {
    throw new StudioError(errors[0].code, `None of the ${n} files could be imported. First problem: ${errors[0].message}`, { files });
  }
  return { files };
}

async function importOne(item: ImportItem, deps: ImportDeps, ctx: JobContext, onProgress: (r: ProgressReport) => void): Promise<Clip> {
  const input: IngestInput = { sourcePath: item.path, name: item.name, mediaRoot: deps.media.root, maxDurationSec: deps.maxDurationSec };
  // Two attempts: emptying the trash may delete an identical, only-trashed item between our store and our
  // insert (both run on the host thread, but the ingest awaits in between); storing again brings it back.
  for (let attempt = 0; ; attempt++) {
    const result = await ctx.tasks.run<IngestInput, IngestResult>(INGEST_TASK, input, {
      signal: ctx.signal,
      onProgress,
    });
    if (!deps.media.has(result.mediaId)) {
      if (attempt === 0) continue;
      throw new StudioError('internal', `${item.name} was stored but its media file disappeared.`);
    }
    const created: ['group' | 'speaker', string][] = [];
    const clip = deps.db.transaction(() => {
      const speakerId = item.speakerId((entity, id) => created.push([entity, id]));
      return deps.db.clips.insert(newClip(speakerId, item.name, result));
    });
    for (const [entity, id] of created) deps.onChange(entity, id);
    deps.onChange('clip', clip.id);
    return clip;
  }
}

function newClip(speakerId: string, name: string, r: IngestResult): Clip {
  return {
    id: crypto.randomUUID(),
    speakerId,
    mediaId: r.mediaId,
    name,
    durationSec: r.durationSec,
    sampleRate: r.sampleRate,
    channels: r.channels,
    loudnessLufs: r.loudnessLufs,
    peakDb: r.peakDb,
    span: null,
    transcript: '',
    phonemes: '',
    // Unknown until the user (or a transcriber) sets it; text processing falls back to its default.
    language: '',
    codesRef: null,
    metrics: {},
    flags: [],
    createdAt: new Date().toISOString(),
    trashedAt: null,
  };
}

function toErrorData(error: unknown): StudioErrorData {
  if (error instanceof StudioError) return error.toData();
  return { code: 'internal', message: error instanceof Error ? error.message : String(error) };
}
