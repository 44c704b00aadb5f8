import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Where everything of one studio lives on disk (Electron `userData`, or `--home DIR`). */
export interface StudioHomeLayout {
  root: string;
  database: string;
  media: string;
  models: string;
  runs: string;
  exports: string;
  uploads: string;
}

export function studioHomeLayout(home: string): StudioHomeLayout {
  const root = resolve(home);
  return {
    root,
    database: join(root, 'studio.db'),
    media: join(root, 'media'),
    models: join(root, 'models'),
    runs: join(root, 'runs'),
    exports: join(root, 'exports'),
    uploads: join(root, 'uploads'),
  };
}

/** Creates the home and its folders if missing (idempotent). */
export function ensureStudioHome(home: string): StudioHomeLayout {
  const layout = studioHomeLayout(home);
  for (const dir of [layout.root, layout.media, layout.models, layout.runs, layout.exports, layout.uploads]) {
    mkdirSync(dir, { recursive: true });
  }
  return layout;
}
