import type { Migration } from './migration.js';

/**
 * Training metric points (one row per run, metric name and step), and an index on clips.media_id so that
 * emptying the trash can tell cheaply whether a media file is still referenced.
 */
export const migration0002: Migration = {
  version: 2,
  name: 'metric-points',
  up(db) {
    db.exec(`
      CREATE TABLE metric_points (
        run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        name   TEXT NOT NULL,
        step   INTEGER NOT NULL,
        value  REAL NOT NULL,
        at     TEXT NOT NULL,
        PRIMARY KEY (run_id, name, step)
      ) WITHOUT ROWID;
      CREATE INDEX clips_media ON clips (media_id);
    `);
  },
};
