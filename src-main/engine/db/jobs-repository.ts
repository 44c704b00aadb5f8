import type { Database } from 'better-sqlite3';
import type { JobProgress, JobRecord, JobState } from '../../../src-shared/api/jobs.js';
import type { StudioErrorData } from '../../../src-shared/api/errors.js';
import { nowIso, parseJson } from './sql-helpers.js';

interface JobRow {
  id: string;
  kind: string;
  title: string;
  state: JobState;
  progress_json: string;
  error_json: string | null;
  result_json: string | null;
  input_json: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

function toJob(row: JobRow): JobRecord {
  return {
    id: row.id,
    kind: row.kind,
    title: row.title,
    state: row.state,
    progress: parseJson<JobProgress>(row.progress_json, { fraction: null, stage: '', etaSeconds: null }),
    error: parseJson<StudioErrorData | null>(row.error_json, null),
    result: parseJson<unknown>(row.result_json, null),
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}

/** What `update` may change; undefined leaves a field as it is, null clears it. */
export type JobPatch = Partial<Pick<JobRecord, 'title' | 'state' | 'progress' | 'error' | 'result' | 'startedAt' | 'finishedAt'>>;

/** A job as inserted: its record plus the (JSON-serialisable) input it was started with. */
export interface NewJob extends JobRecord {
  input: unknown;
}

export const INTERRUPTED_MESSAGE = 'Interrupted by restart: the engine stopped while this job was queued or running.';

export class JobsRepository {
  constructor(private readonly db: Database) {}

  insert(job: NewJob): JobRecord {
    this.db
      .prepare(
        `INSERT INTO jobs (id, kind, title, state, progress_json, error_json, result_json, input_json, created_at, started_at, finished_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        job.id,
        job.kind,
        job.title,
        job.state,
        JSON.stringify(job.progress),
        job.error === null ? null : JSON.stringify(job.error),
        job.result === null || job.result === undefined ? null : JSON.stringify(job.result),
        job.input === undefined ? null : JSON.stringify(job.input),
        job.createdAt,
        job.startedAt,
        job.finishedAt,
      );
    return this.get(job.id) as JobRecord;
  }

  /** Applies the patch; returns the updated record, or null when there is no job with this id. */
  update(id: string, patch: JobPatch): JobRecord | null {
    const params: Record<string, unknown> = { id };
    const sets: string[] = [];
    const put = (column: string, value: unknown) => {
      sets.push(`${column} = @${column}`);
      params[column] = value;
    };
    if (patch.title !== undefined) put('title', patch.title);
    if (patch.state !== undefined) put('state', patch.state);
    if (patch.progress !== undefined) put('progress_json', JSON.stringify(patch.progress));
    if (patch.error !== undefined) put('error_json', patch.error === null ? null : JSON.stringify(patch.error));
    if (patch.result !== undefined) put('result_json', patch.result === null ? null : JSON.stringify(patch.result));
    if (patch.startedAt !== undefined) put('started_at', patch.startedAt);
    if (patch.finishedAt !== undefined) put('finished_at', patch.finishedAt);
    if (sets.length > 0) this.db.prepare(`UPDATE jobs SET ${sets.join(', ')} WHERE id = @id`).run(params);
    return this.get(id);
  }

  get(id: string): JobRecord | null {
    const row = this.db.prepare('SELECT * FROM jobs WHERE id = ?').get(id) as JobRow | undefined;
    return row ? toJob(row) : null;
  }

  /** The input the job was started with (undefined when the job does not exist or had none). */
  getInput(id: string): unknown {
    const row = this.db.prepare('SELECT input_json FROM jobs WHERE id = ?').get(id) as { input_json: string | null } | undefined;
    return row?.input_json == null ? undefined : JSON.parse(row.input_json);
  }

  /** Newest first. `activeOnly`: queued or running jobs only. */
  list(options: { limit: number; activeOnly: boolean }): JobRecord[] {
    const where = options.activeOnly ? "WHERE state IN ('queued', 'running')" : '';
    const rows = this.db
      .prepare(`SELECT * FROM jobs ${where} ORDER BY created_at DESC, rowid DESC LIMIT ?`)
      .all(Math.max(0, Math.floor(options.limit))) as JobRow[];
    return rows.map(toJob);
  }

  /**
   * Marks jobs left queued or running by a previous engine process as failed. Call once at start-up, before
   * the queue runs anything. Returns how many were marked.
   */
  failInterrupted(now: string = nowIso()): number {
    const error: StudioErrorData = { code: 'engine_unavailable', message: INTERRUPTED_MESSAGE };
    return this.db
      .prepare(
        `UPDATE jobs SET state = 'failed', error_json = ?, finished_at = ?,
           progress_json = json_set(progress_json, '$.etaSeconds', NULL)
         WHERE state IN ('queued', 'running')`,
      )
      .run(JSON.stringify(error), now).changes;
  }
}
