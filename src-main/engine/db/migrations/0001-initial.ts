import type { Migration } from './migration.js';

/**
 * The first schema. Names of live (non-trashed) groups, and of live speakers within one group, are unique
 * case-insensitively (ASCII); partial unique indexes enforce it so two racing writers cannot both win.
 * JSON columns hold small structured values that are only ever read whole.
 */
export const migration0001: Migration = {
  version: 1,
  name: 'initial',
  up(db) {
    db.exec(`
      CREATE TABLE groups (
        id         TEXT PRIMARY KEY,
        name       TEXT NOT NULL,
        created_at TEXT NOT NULL,
        trashed_at TEXT
      );
      CREATE UNIQUE INDEX groups_live_name ON groups (name COLLATE NOCASE) WHERE trashed_at IS NULL;

      CREATE TABLE speakers (
        id         TEXT PRIMARY KEY,
        group_id   TEXT REFERENCES groups (id),
        name       TEXT NOT NULL,
        created_at TEXT NOT NULL,
        trashed_at TEXT
      );
      CREATE INDEX speakers_group ON speakers (group_id);
      CREATE UNIQUE INDEX speakers_live_name ON speakers (COALESCE(group_id, ''), name COLLATE NOCASE)
        WHERE trashed_at IS NULL;

      CREATE TABLE clips (
        id             TEXT PRIMARY KEY,
        speaker_id     TEXT NOT NULL REFERENCES speakers (id),
        media_id       TEXT NOT NULL,
        name           TEXT NOT NULL,
        duration_sec   REAL NOT NULL,
        sample_rate    INTEGER NOT NULL,
        channels       INTEGER NOT NULL,
        loudness_lufs  REAL,
        peak_db        REAL NOT NULL,
        span_start_sec REAL,
        span_end_sec   REAL,
        transcript     TEXT NOT NULL DEFAULT '',
        phonemes       TEXT NOT NULL DEFAULT '',
        language       TEXT NOT NULL DEFAULT '',
        codes_ref      TEXT,
        metrics_json   TEXT NOT NULL DEFAULT '{}',
        flags_json     TEXT NOT NULL DEFAULT '[]',
        created_at     TEXT NOT NULL,
        trashed_at     TEXT,
        CHECK ((span_start_sec IS NULL) = (span_end_sec IS NULL))
      );
      CREATE INDEX clips_speaker ON clips (speaker_id, created_at);

      CREATE TABLE models (
        id          TEXT PRIMARY KEY,
        name        TEXT NOT NULL,
        kind        TEXT NOT NULL,
        path        TEXT NOT NULL,
        config_json TEXT NOT NULL DEFAULT '{}',
        created_at  TEXT NOT NULL
      );

      CREATE TABLE generations (
        id          TEXT PRIMARY KEY,
        speaker_id  TEXT REFERENCES speakers (id) ON DELETE SET NULL,
        model_id    TEXT REFERENCES models (id) ON DELETE SET NULL,
        text        TEXT NOT NULL,
        params_json TEXT NOT NULL DEFAULT '{}',
        media_id    TEXT,
        created_at  TEXT NOT NULL,
        trashed_at  TEXT
      );

      CREATE TABLE runs (
        id          TEXT PRIMARY KEY,
        model_id    TEXT REFERENCES models (id) ON DELETE SET NULL,
        name        TEXT NOT NULL,
        state       TEXT NOT NULL,
        config_json TEXT NOT NULL DEFAULT '{}',
        created_at  TEXT NOT NULL,
        started_at  TEXT,
        finished_at TEXT
      );

      CREATE TABLE jobs (
        id            TEXT PRIMARY KEY,
        kind          TEXT NOT NULL,
        title         TEXT NOT NULL,
        state         TEXT NOT NULL CHECK (state IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
        progress_json TEXT NOT NULL,
        error_json    TEXT,
        result_json   TEXT,
        input_json    TEXT,
        created_at    TEXT NOT NULL,
        started_at    TEXT,
        finished_at   TEXT
      );
      CREATE INDEX jobs_created ON jobs (created_at);
      CREATE INDEX jobs_active ON jobs (state) WHERE state IN ('queued', 'running');
    `);
  },
};
