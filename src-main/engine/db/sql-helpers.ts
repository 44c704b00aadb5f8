import { StudioError } from '../../../src-shared/api/errors.js';

/** True for a UNIQUE (or PRIMARY KEY) constraint failure from better-sqlite3. */
export function isUniqueViolation(error: unknown): boolean {
  return (
    error instanceof Error &&
    'code' in error &&
    (error.code === 'SQLITE_CONSTRAINT_UNIQUE' || error.code === 'SQLITE_CONSTRAINT_PRIMARYKEY')
  );
}

/** Runs a write and turns a unique-index failure into a user-facing `conflict`. */
export function withConflict<T>(message: string, write: () => T): T {
  try {
    return write();
  } catch (error) {
    if (isUniqueViolation(error)) throw new StudioError('conflict', message);
    throw error;
  }
}

/**
 * Builds `col = @key, …` for the keys of `patch` that are present (undefined means "leave as is"), mapping
 * each property to its column. Returns null when nothing is to change.
 */
export function setClause(patch: Record<string, unknown>, columns: Record<string, string>): string | null {
  const parts: string[] = [];
  for (const [key, column] of Object.entries(columns)) {
    if (patch[key] !== undefined) parts.push(`${column} = @${key}`);
  }
  return parts.length === 0 ? null : parts.join(', ');
}

export function parseJson<T>(text: string | null, fallback: T): T {
  if (text === null) return fallback;
  return JSON.parse(text) as T;
}

export function nowIso(): string {
  return new Date().toISOString();
}
