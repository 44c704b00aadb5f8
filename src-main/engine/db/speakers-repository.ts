import type { Database } from 'better-sqlite3';
import type { Speaker } from '../../../src-shared/api/library.js';
import { setClause, withConflict } from './sql-helpers.js';

interface SpeakerRow {
  id: string;
  group_id: string | null;
  name: string;
  created_at: string;
  trashed_at: string | null;
  clip_count: number;
}

function toSpeaker(row: SpeakerRow): Speaker {
  return {
    id: row.id,
    groupId: row.group_id,
    name: row.name,
    createdAt: row.created_at,
    trashedAt: row.trashed_at,
    clipCount: row.clip_count,
  };
}

/** clipCount counts the speaker's clips that are not themselves trashed. */
const SELECT = `
  SELECT s.*, (SELECT COUNT(*) FROM clips c WHERE c.speaker_id = s.id AND c.trashed_at IS NULL) AS clip_count
  FROM speakers s LEFT JOIN groups g ON g.id = s.group_id`;

/** A speaker is in the trash when it was trashed itself or its group was (it is hidden with the group). */
const IN_TRASH = '(s.trashed_at IS NOT NULL OR g.trashed_at IS NOT NULL)';

const taken = (name: string) => `A speaker named “${name}” already exists in that group.`;

export interface NewSpeaker {
  id: string;
  groupId: string | null;
  name: string;
  createdAt: string;
}

export class SpeakersRepository {
  constructor(private readonly db: Database) {}

  insert(speaker: NewSpeaker): Speaker {
    withConflict(taken(speaker.name), () =>
      this.db
        .prepare('INSERT INTO speakers (id, group_id, name, created_at, trashed_at) VALUES (?, ?, ?, ?, NULL)')
        .run(speaker.id, speaker.groupId, speaker.name, speaker.createdAt),
    );
    return { ...speaker, trashedAt: null, clipCount: 0 };
  }

  get(id: string): Speaker | null {
    const row = this.db.prepare(`${SELECT} WHERE s.id = ?`).get(id) as SpeakerRow | undefined;
    return row ? toSpeaker(row) : null;
  }

  /** True when the speaker exists and neither it nor its group is in the trash. */
  isLive(id: string): boolean {
    return this.db.prepare(`SELECT 1 FROM speakers s LEFT JOIN groups g ON g.id = s.group_id WHERE s.id = ? AND NOT ${IN_TRASH}`).get(id) !== undefined;
  }

  /**
   * `groupId` undefined: every group; null: ungrouped speakers only. Without `includeTrashed`, speakers in
   * the trash (themselves or through their group) are left out.
   */
  list(options: { groupId?: string | null; includeTrashed: boolean }): Speaker[] {
    const conditions: string[] = [];
    const params: unknown[] = [];
    if (options.groupId === null) conditions.push('s.group_id IS NULL');
    else if (options.groupId !== undefined) {
      conditions.push('s.group_id = ?');
      params.push(options.groupId);
    }
    if (!options.includeTrashed) conditions.push(`NOT ${IN_TRASH}`);
    const where = conditions.length ? `WHERE ${conditions.join(' AND ')}` : '';
    const rows = this.db.prepare(`${SELECT} ${where} ORDER BY s.name COLLATE NOCASE, s.created_at`).all(...params) as SpeakerRow[];
    return rows.map(toSpeaker);
  }

  /** Speakers trashed themselves (not those only hidden with a trashed group). */
  listTrashed(): Speaker[] {
    const rows = this.db.prepare(`${SELECT} WHERE s.trashed_at IS NOT NULL ORDER BY s.trashed_at, s.name`).all() as SpeakerRow[];
    return rows.map(toSpeaker);
  }

  findLiveByName(groupId: string | null, name: string): Speaker | null {
    const row = this.db
      .prepare(`${SELECT} WHERE s.trashed_at IS NULL AND s.group_id IS ? AND s.name = ? COLLATE NOCASE`)
      .get(groupId, name) as SpeakerRow | undefined;
    return row ? toSpeaker(row) : null;
  }

  /** Returns the updated speaker, or null when there is none with this id. */
  update(id: string, patch: { name?: string; groupId?: string | null; trashedAt?: string | null }): Speaker | null {
    const set = setClause(patch, { name: 'name', groupId: 'group_id', trashedAt: 'trashed_at' });
    if (set !== null) {
      const name = patch.name ?? this.get(id)?.name ?? '';
      withConflict(taken(name), () => this.db.prepare(`UPDATE speakers SET ${set} WHERE id = @id`).run({ ...patch, id }));
    }
    return this.get(id);
  }

  /** Deletes every speaker in the trash (their clips must be gone already); returns their ids. */
  deleteInTrash(): string[] {
    const ids = (
      this.db.prepare(`SELECT s.id FROM speakers s LEFT JOIN groups g ON g.id = s.group_id WHERE ${IN_TRASH}`).all() as { id: string }[]
    ).map((r) => r.id);
    const del = this.db.prepare('DELETE FROM speakers WHERE id = ?');
    for (const id of ids) del.run(id);
    return ids;
  }
}
