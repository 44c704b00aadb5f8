import type { Database } from 'better-sqlite3';
import { parseJson } from './sql-helpers.js';

/** A training run. Minimal for now: the training feature will extend this. */
export interface RunRecord {
  id: string;
  modelId: string | null;
  name: string;
  state: string;
  config: Record<string, unknown>;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

interface RunRow {
  id: string;
  model_id: string | null;
  name: string;
  state: string;
  config_json: string;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

function toRun(row: RunRow): RunRecord {
  return {
    id: row.id,
    modelId: row.model_id,
    name: row.name,
    state: row.state,
    config: parseJson(row.config_json, {}),
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}

export class RunsRepository {
  constructor(private readonly db: Database) {}

  insert(r: RunRecord): RunRecord {
    this.db
      .prepare(
        `INSERT INTO runs (id, model_id, name, state, config_json, created_at, started_at, finished_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(r.id, r.modelId, r.name, r.state, JSON.stringify(r.config), r.createdAt, r.startedAt, r.finishedAt);
    return this.get(r.id) as RunRecord;
  }

  get(id: string): RunRecord | null {
    const row = this.db.prepare('SELECT * FROM runs WHERE id = ?').get(id) as RunRow | undefined;
    return row ? toRun(row) : null;
  }

  /** Newest first. */
  list(): RunRecord[] {
    return (this.db.prepare('SELECT * FROM runs ORDER BY created_at DESC, rowid DESC').all() as RunRow[]).map(toRun);
  }
}
