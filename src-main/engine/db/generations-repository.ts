import type { Database } from 'better-sqlite3';
import { parseJson } from './sql-helpers.js';

/** A generated utterance. Everything beyond these columns (voice, settings, seed, timings, segments) is in `params` (see engine/generate). */
export interface GenerationRecord {
  id: string;
  speakerId: string | null;
  modelId: string | null;
  text: string;
  params: Record<string, unknown>;
  mediaId: string | null;
  createdAt: string;
  trashedAt: string | null;
}

interface GenerationRow {
  id: string;
  speaker_id: string | null;
  model_id: string | null;
  text: string;
  params_json: string;
  media_id: string | null;
  created_at: string;
  trashed_at: string | null;
}

function toGeneration(row: GenerationRow): GenerationRecord {
  return {
    id: row.id,
    speakerId: row.speaker_id,
    modelId: row.model_id,
    text: row.text,
    params: parseJson(row.params_json, {}),
    mediaId: row.media_id,
    createdAt: row.created_at,
    trashedAt: row.trashed_at,
  };
}

export class GenerationsRepository {
  constructor(private readonly db: Database) {}

  insert(g: GenerationRecord): GenerationRecord {
    this.db
      .prepare(
        `INSERT INTO generations (id, speaker_id, model_id, text, params_json, media_id, created_at, trashed_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(g.id, g.speakerId, g.modelId, g.text, JSON.stringify(g.params), g.mediaId, g.createdAt, g.trashedAt);
    return this.get(g.id) as GenerationRecord;
  }

  get(id: string): GenerationRecord | null {
    const row = this.db.prepare('SELECT * FROM generations WHERE id = ?').get(id) as GenerationRow | undefined;
    return row ? toGeneration(row) : null;
  }

  isMediaReferenced(mediaId: string): boolean {
    return this.db.prepare('SELECT 1 FROM generations WHERE media_id = ? LIMIT 1').get(mediaId) !== undefined;
  }

  /**
   * Newest first. `query` matches the text, the voice label or the model name (`params.voiceLabel`, `params.modelName`), case-insensitively;
   * `trashed` picks the trash (true), the live ones (false) or both (undefined).
   */
  list(options: { limit: number; query?: string; trashed?: boolean }): GenerationRecord[] {
    const where: string[] = [];
    const params: unknown[] = [];
    if (options.trashed !== undefined) where.push(options.trashed ? 'trashed_at IS NOT NULL' : 'trashed_at IS NULL');
    const query = options.query?.trim() ?? '';
    if (query !== '') {
      const pattern = `%${query.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      const like = (expr: string) => `${expr} LIKE ? ESCAPE '\\'`;
      where.push(`(${[like('text'), like("json_extract(params_json, '$.voiceLabel')"), like("json_extract(params_json, '$.modelName')")].join(' OR ')})`);
      params.push(pattern, pattern, pattern);
    }
    const sql = `SELECT * FROM generations ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, rowid DESC LIMIT ?`;
    const rows = this.db.prepare(sql).all(...params, options.limit) as GenerationRow[];
    return rows.map(toGeneration);
  }

  setTrashed(id: string, trashedAt: string | null): GenerationRecord | null {
    this.db.prepare('UPDATE generations SET trashed_at = ? WHERE id = ?').run(trashedAt, id);
    return this.get(id);
  }
}
