import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Sqlite from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StudioError } from '../../../src-shared/api/errors.js';
import { LATEST_SCHEMA_VERSION, openDatabase } from './database.js';
import { runMigrations } from './migrate.js';
import { migrations } from './migrations/index.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'studio-db-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const sha = (file: string) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');

function tables(db: Sqlite.Database): string[] {
  return (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((r) => r.name);
}

describe('openDatabase', () => {
  it('creates a new database at the latest version with WAL, foreign keys and a busy timeout', () => {
    const db = openDatabase(path.join(dir, 'studio.db'));
    try {
      expect(db.schemaVersion).toBe(migrations.length);
      expect(db.raw.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.raw.pragma('foreign_keys', { simple: true })).toBe(1);
      expect(db.raw.pragma('busy_timeout', { simple: true })).toBeGreaterThan(0);
      expect(tables(db.raw)).toEqual(
        expect.arrayContaining(['groups', 'speakers', 'clips', 'generations', 'models', 'runs', 'metric_points', 'jobs']),
      );
      // Foreign keys are enforced: a clip of a speaker that does not exist is refused.
      expect(() =>
        db.raw
          .prepare("INSERT INTO clips (id, speaker_id, media_id, name, duration_sec, sample_rate, channels, peak_db, created_at) VALUES ('c', 'nobody', 'm', 'n', 1, 1, 1, 0, 'now')")
          .run(),
      ).toThrow(/FOREIGN KEY/);
    } finally {
      db.close();
    }
  });

  it('reopens an up-to-date database without changing its version', () => {
    const file = path.join(dir, 'studio.db');
    openDatabase(file).close();
    const db = openDatabase(file);
    expect(db.schemaVersion).toBe(LATEST_SCHEMA_VERSION);
    db.close();
  });

  it('migrates a version-1 database to the latest version, keeping its data', () => {
    const file = path.join(dir, 'studio.db');
    const v1 = new Sqlite(file);
    runMigrations(v1, migrations.slice(0, 1));
    expect(v1.pragma('user_version', { simple: true })).toBe(1);
    expect(tables(v1)).not.toContain('metric_points');
    v1.prepare("INSERT INTO groups VALUES ('g1', 'LibriTTS', '2026-01-01T00:00:00.000Z', NULL)").run();
    v1.prepare("INSERT INTO speakers VALUES ('s1', 'g1', 'alice', '2026-01-01T00:00:01.000Z', NULL)").run();
    v1.prepare(
      `INSERT INTO clips (id, speaker_id, media_id, name, duration_sec, sample_rate, channels, loudness_lufs, peak_db, transcript, flags_json, created_at)
       VALUES ('c1', 's1', 'ab', 'one.wav', 2.5, 24000, 1, -23.5, -3, 'hello', '["keep"]', '2026-01-01T00:00:02.000Z')`,
    ).run();
    v1.prepare("INSERT INTO runs (id, name, state, created_at) VALUES ('r1', 'first run', 'finished', '2026-01-02T00:00:00.000Z')").run();
    v1.close();

    const db = openDatabase(file);
    try {
      expect(db.schemaVersion).toBe(2);
      expect(db.groups.get('g1')?.name).toBe('LibriTTS');
      expect(db.speakers.get('s1')).toMatchObject({ groupId: 'g1', name: 'alice', clipCount: 1 });
      expect(db.clips.get('c1')).toMatchObject({ durationSec: 2.5, loudnessLufs: -23.5, transcript: 'hello', flags: ['keep'], span: null });
      // The new table works against the old rows, and the new index exists.
      db.metricPoints.insertMany([
        { runId: 'r1', name: 'loss', step: 1, value: 2.5, at: 'now' },
        { runId: 'r1', name: 'loss', step: 2, value: 2.0, at: 'now' },
      ]);
      expect(db.metricPoints.list('r1').map((p) => p.value)).toEqual([2.5, 2.0]);
      expect(db.metricPoints.list('r1', { afterStep: 1 }).map((p) => p.step)).toEqual([2]);
      const indexes = (db.raw.prepare("SELECT name FROM sqlite_master WHERE type = 'index'").all() as { name: string }[]).map((r) => r.name);
      expect(indexes).toContain('clips_media');
    } finally {
      db.close();
    }
  });

  it('refuses a database from a newer version and leaves the file byte-for-byte untouched', () => {
    const file = path.join(dir, 'studio.db');
    const future = new Sqlite(file);
    future.exec('CREATE TABLE future_things (x)');
    future.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 5}`);
    future.close();
    const before = sha(file);
    const listing = fs.readdirSync(dir).sort();

    let caught: unknown;
    try {
      openDatabase(file).close();
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(StudioError);
    expect((caught as StudioError).code).toBe('db_version_too_new');
    expect((caught as StudioError).details).toEqual({ found: LATEST_SCHEMA_VERSION + 5, known: LATEST_SCHEMA_VERSION });
    expect(sha(file)).toBe(before);
    expect(fs.readdirSync(dir).sort()).toEqual(listing);
  });

  it('refuses a file that is not a database, without changing it', () => {
    const file = path.join(dir, 'studio.db');
    fs.writeFileSync(file, 'this is not sqlite, just some text that is long enough to have a header '.repeat(20));
    const before = sha(file);
    expect(() => openDatabase(file)).toThrow(StudioError);
    expect(sha(file)).toBe(before);
  });

  it('rolls back a failing migration and keeps the previous version', () => {
    const file = path.join(dir, 'studio.db');
    openDatabase(file).close();
    const raw = new Sqlite(file);
    const broken = {
      version: LATEST_SCHEMA_VERSION + 1,
      name: 'broken',
      up(db: Sqlite.Database) {
        db.exec('CREATE TABLE half_done (x)');
        db.exec('THIS IS NOT SQL');
      },
    };
    expect(() => runMigrations(raw, [...migrations, broken])).toThrow();
    expect(raw.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION);
    expect(tables(raw)).not.toContain('half_done');
    raw.close();
  });

  it('rejects a migration list with a gap', () => {
    const raw = new Sqlite(':memory:');
    expect(() => runMigrations(raw, [migrations[1]])).toThrow(/expected 1/);
    raw.close();
  });
});
