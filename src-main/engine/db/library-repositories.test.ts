import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StudioError } from '../../../src-shared/api/errors.js';
import { openDatabase, type StudioDatabase } from './database.js';

let db: StudioDatabase;
beforeEach(() => {
  db = openDatabase(':memory:');
});
afterEach(() => db.close());

const at = '2026-01-01T00:00:00.000Z';
const conflictOf = (write: () => unknown) => {
  try {
    write();
  } catch (error) {
    return error instanceof StudioError ? error.code : String(error);
  }
  return 'no error';
};

// The service checks names first for a friendly message; these indexes are what makes it hold under races.
describe('unique live names, enforced by the schema', () => {
  it('groups: unique among live groups, case-insensitively; trashed ones do not count', () => {
    db.groups.insert({ id: 'g1', name: 'LibriTTS', createdAt: at, trashedAt: null });
    expect(conflictOf(() => db.groups.insert({ id: 'g2', name: 'libritts', createdAt: at, trashedAt: null }))).toBe('conflict');
    db.groups.update('g1', { trashedAt: at });
    db.groups.insert({ id: 'g2', name: 'libritts', createdAt: at, trashedAt: null });
    expect(conflictOf(() => db.groups.update('g1', { trashedAt: null }))).toBe('conflict');
  });

  it('speakers: unique per group, ungrouped speakers included', () => {
    db.groups.insert({ id: 'g1', name: 'G1', createdAt: at, trashedAt: null });
    db.groups.insert({ id: 'g2', name: 'G2', createdAt: at, trashedAt: null });
    db.speakers.insert({ id: 's1', groupId: 'g1', name: 'Alice', createdAt: at });
    db.speakers.insert({ id: 's2', groupId: 'g2', name: 'alice', createdAt: at });
    db.speakers.insert({ id: 's3', groupId: null, name: 'alice', createdAt: at });
    expect(conflictOf(() => db.speakers.insert({ id: 's4', groupId: 'g1', name: 'ALICE', createdAt: at }))).toBe('conflict');
    expect(conflictOf(() => db.speakers.insert({ id: 's4', groupId: null, name: 'Alice', createdAt: at }))).toBe('conflict');
    expect(conflictOf(() => db.speakers.update('s2', { groupId: 'g1' }))).toBe('conflict');
    db.speakers.update('s1', { trashedAt: at });
    db.speakers.update('s2', { groupId: 'g1' });
    expect(db.speakers.get('s2')?.groupId).toBe('g1');
  });

  it('speakers in a trashed group are in the trash but keep their own trashedAt', () => {
    db.groups.insert({ id: 'g1', name: 'G1', createdAt: at, trashedAt: null });
    db.speakers.insert({ id: 's1', groupId: 'g1', name: 'Alice', createdAt: at });
    expect(db.speakers.isLive('s1')).toBe(true);
    db.groups.update('g1', { trashedAt: at });
    expect(db.speakers.isLive('s1')).toBe(false);
    expect(db.speakers.get('s1')?.trashedAt).toBeNull();
    expect(db.speakers.list({ includeTrashed: false })).toEqual([]);
    expect(db.speakers.listTrashed()).toEqual([]);
  });
});
