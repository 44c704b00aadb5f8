import { migration0001 } from './0001-initial.js';
import { migration0002 } from './0002-metric-points.js';
import type { Migration } from './migration.js';

export type { Migration } from './migration.js';

/** Every migration, in order. Versions are 1, 2, 3, … with no gaps; never edit one that has shipped. */
export const migrations: readonly Migration[] = [migration0001, migration0002];
