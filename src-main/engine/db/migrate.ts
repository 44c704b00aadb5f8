import type { Database } from 'better-sqlite3';
import { StudioError } from '../../../src-shared/api/errors.js';
import type { Migration } from './migrations/index.js';

export function schemaVersion(db: Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Brings the schema up to the last migration. Each migration runs in its own IMMEDIATE transaction (taking
 * the write lock first, so a second process opening the same file waits instead of migrating twice) and
 * re-reads the version inside it. A failing migration rolls back and leaves the previous version intact.
 */
export function runMigrations(db: Database, migrations: readonly Migration[]): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migration ${m.name} has version ${m.version}, expected ${i + 1}`);
  });
  const latest = migrations.length;
  const current = schemaVersion(db);
  if (current > latest) throw tooNew(current, latest);
  for (const migration of migrations) {
    if (migration.version <= current) continue;
    db.transaction(() => {
      if (schemaVersion(db) >= migration.version) return;
      migration.up(db);
      db.pragma(`user_version = ${migration.version}`);
    }).immediate();
  }
}

export function tooNew(found: number, known: number): StudioError {
  return new StudioError(
    'db_version_too_new',
    `The studio database has schema version ${found}, but this version of VALL-E Studio only knows up to ${known}. ` +
      'It was written by a newer release; update the app. The database was left untouched.',
    { found, known },
  );
}
