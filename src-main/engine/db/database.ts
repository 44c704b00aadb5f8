import fs from 'node:fs';
import path from 'node:path';
import Sqlite from 'better-sqlite3';
import type { Database } from 'better-sqlite3';
import { StudioError } from '../../../src-shared/api/errors.js';
import { migrations } from './migrations/index.js';
import { runMigrations, schemaVersion, tooNew } from './migrate.js';
import { GroupsRepository } from './groups-repository.js';
import { SpeakersRepository } from './speakers-repository.js';
import { ClipsRepository } from './clips-repository.js';
import { JobsRepository } from './jobs-repository.js';
import { GenerationsRepository } from './generations-repository.js';
import { ModelsRepository } from './models-repository.js';
import { RunsRepository } from './runs-repository.js';
import { MetricPointsRepository } from './metric-points-repository.js';

/** The studio database: one connection, its repositories, and a transaction helper. */
export class StudioDatabase {
  readonly groups: GroupsRepository;
  readonly speakers: SpeakersRepository;
  readonly clips: ClipsRepository;
  readonly jobs: JobsRepository;
  readonly generations: GenerationsRepository;
  readonly models: ModelsRepository;
  readonly runs: RunsRepository;
  readonly metricPoints: MetricPointsRepository;

  constructor(readonly raw: Database) {
    this.groups = new GroupsRepository(raw);
    this.speakers = new SpeakersRepository(raw);
    this.clips = new ClipsRepository(raw);
    this.jobs = new JobsRepository(raw);
    this.generations = new GenerationsRepository(raw);
    this.models = new ModelsRepository(raw);
    this.runs = new RunsRepository(raw);
    this.metricPoints = new MetricPointsRepository(raw);
  }

  /** Runs `fn` in one transaction (nested calls become savepoints). Throwing rolls everything back. */
  transaction<T>(fn: () => T): T {
    return this.raw.transaction(fn)();
  }

  get schemaVersion(): number {
    return schemaVersion(this.raw);
  }

  close(): void {
    if (this.raw.open) this.raw.close();
  }
}

export const LATEST_SCHEMA_VERSION = migrations.length;

/**
 * Opens (creating if needed) and migrates the studio database. A file written by a newer schema is refused
 * before anything writes to it: it is first opened read-only, because switching to WAL mode or running a
 * migration would change its bytes.
 */
export function openDatabase(file: string): StudioDatabase {
  if (file !== ':memory:' && fs.existsSync(file)) {
    const found = peekVersion(file);
    if (found > LATEST_SCHEMA_VERSION) throw tooNew(found, LATEST_SCHEMA_VERSION);
  }
  if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const raw = new Sqlite(file);
  try {
    raw.pragma('journal_mode = WAL');
    // NORMAL is durable across application crashes in WAL mode; only an OS crash can lose the last commits.
    raw.pragma('synchronous = NORMAL');
    raw.pragma('foreign_keys = ON');
    raw.pragma('busy_timeout = 5000');
    runMigrations(raw, migrations);
  } catch (error) {
    raw.close();
    throw error;
  }
  return new StudioDatabase(raw);
}

function peekVersion(file: string): number {
  let probe: Database | undefined;
  try {
    probe = new Sqlite(file, { readonly: true, fileMustExist: true });
    return schemaVersion(probe);
  } catch (error) {
    if (error instanceof Error && 'code' in error && (error.code === 'SQLITE_NOTADB' || error.code === 'SQLITE_CORRUPT')) {
      throw new StudioError('internal', `${file} is not a readable SQLite database (${error.message}).`, { file });
    }
    throw error;
  } finally {
    probe?.close();
  }
}
