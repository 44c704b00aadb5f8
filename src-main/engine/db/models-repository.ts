import type { Database } from 'better-sqlite3';
import { parseJson } from './sql-helpers.js';

/** A local model known to the registry. Minimal for now: the models feature will extend this. */
export interface ModelRecord {
  id: string;
  name: string;
  kind: string;
  path: string;
  config: Record<string, unknown>;
  createdAt: string;
}

interface ModelRow {
  id: string;
  name: string;
  kind: string;
  path: string;
  config_json: string;
  created_at: string;
}

function toModel(row: ModelRow): ModelRecord {
  return { id: row.id, name: row.name, kind: row.kind, path: row.path, config: parseJson(row.config_json, {}), createdAt: row.created_at };
}

export class ModelsRepository {
  constructor(private readonly db: Database) {}

  insert(m: ModelRecord): ModelRecord {
    this.db
      .prepare('INSERT INTO models (id, name, kind, path, config_json, created_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(m.id, m.name, m.kind, m.path, JSON.stringify(m.config), m.createdAt);
    return this.get(m.id) as ModelRecord;
  }

  get(id: string): ModelRecord | null {
    const row = this.db.prepare('SELECT * FROM models WHERE id = ?').get(id) as ModelRow | undefined;
    return row ? toModel(row) : null;
  }

  /** Removes a model's row; generations and runs that referenced it keep their rows with model_id NULL. */
  delete(id: string): boolean {
    return this.db.prepare('DELETE FROM models WHERE id = ?').run(id).changes > 0;
  }

  list(): ModelRecord[] {
    return (this.db.prepare('SELECT * FROM models ORDER BY name, created_at').all() as ModelRow[]).map(toModel);
  }
}
