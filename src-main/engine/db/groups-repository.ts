import type { Database } from 'better-sqlite3';
import type { Group } from '../../../src-shared/api/library.js';
import { setClause, withConflict } from './sql-helpers.js';

interface GroupRow {
  id: string;
  name: string;
  created_at: string;
  trashed_at: string | null;
}

function toGroup(row: GroupRow): Group {
  return { id: row.id, name: row.name, createdAt: row.created_at, trashedAt: row.trashed_at };
}

const taken = (name: string) => `A group named “${name}” already exists.`;

export class GroupsRepository {
  constructor(private readonly db: Database) {}

  insert(group: Group): Group {
    withConflict(taken(group.name), () =>
      this.db
        .prepare('INSERT INTO groups (id, name, created_at, trashed_at) VALUES (?, ?, ?, ?)')
        .run(group.id, group.name, group.createdAt, group.trashedAt),
    );
    return { ...group };
  }

  get(id: string): Group | null {
    const row = this.db.prepare('SELECT * FROM groups WHERE id = ?').get(id) as GroupRow | undefined;
    return row ? toGroup(row) : null;
  }

  /** Ordered by name (case-insensitive), then creation. */
  list(options: { includeTrashed: boolean }): Group[] {
    const where = options.includeTrashed ? '' : 'WHERE trashed_at IS NULL';
    const rows = this.db.prepare(`SELECT * FROM groups ${where} ORDER BY name COLLATE NOCASE, created_at`).all() as GroupRow[];
    return rows.map(toGroup);
  }

  listTrashed(): Group[] {
    const rows = this.db.prepare('SELECT * FROM groups WHERE trashed_at IS NOT NULL ORDER BY trashed_at, name').all() as GroupRow[];
    return rows.map(toGroup);
  }

  /** The live (non-trashed) group with this name, compared case-insensitively. */
  findLiveByName(name: string): Group | null {
    const row = this.db
      .prepare('SELECT * FROM groups WHERE trashed_at IS NULL AND name = ? COLLATE NOCASE')
      .get(name) as GroupRow | undefined;
    return row ? toGroup(row) : null;
  }

  /** Returns the updated group, or null when there is none with this id. */
  update(id: string, patch: { name?: string; trashedAt?: string | null }): Group | null {
    const set = setClause(patch, { name: 'name', trashedAt: 'trashed_at' });
    if (set !== null) {
      withConflict(taken(patch.name ?? ''), () =>
        this.db.prepare(`UPDATE groups SET ${set} WHERE id = @id`).run({ ...patch, id }),
      );
    }
    return this.get(id);
  }

  /** Deletes trashed groups (their speakers must be gone already); returns their ids. */
  deleteTrashed(): string[] {
    const ids = (this.db.prepare('SELECT id FROM groups WHERE trashed_at IS NOT NULL').all() as { id: string }[]).map((r) => r.id);
    this.db.prepare('DELETE FROM groups WHERE trashed_at IS NOT NULL').run();
    return ids;
  }
}
