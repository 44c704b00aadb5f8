import fs from 'node:fs';
import path from 'node:path';
import { StudioError } from '../../../src-shared/api/errors.js';

const caseInsensitive = process.platform === 'win32' || process.platform === 'darwin';
const norm = (p: string) => (caseInsensitive ? p.toLowerCase() : p);

/** Resolves symlinks and `..`; for a path that does not exist (yet), resolves its nearest existing parent. */
export function realPath(p: string): string {
  const abs = path.resolve(p);
  try {
    return fs.realpathSync.native(abs);
  } catch {
    const parent = path.dirname(abs);
    return parent === abs ? abs : path.join(realPath(parent), path.basename(abs));
  }
}

/**
 * The folders the user allowed the engine to read from. A renderer is untrusted, so every path it sends
 * is resolved to its real location (symlinks and `..` followed) before it is compared with the roots.
 */
export class AllowedRoots {
  private readonly roots: string[];

  constructor(roots: readonly string[]) {
    this.roots = roots.map((r) => realPath(r));
  }

  /** Adds roots the user granted at run time; each must be an absolute path that exists. */
  add(paths: readonly string[]): void {
    for (const p of paths) {
      if (!path.isAbsolute(p)) throw new StudioError('invalid_input', `Only absolute paths can be allowed: ${p}`, { path: p });
      if (!fs.existsSync(p)) throw new StudioError('not_found', `${p} does not exist.`, { path: p });
    }
    for (const p of paths) {
      const real = realPath(p);
      if (!this.roots.includes(real)) this.roots.push(real);
    }
  }

  contains(realFile: string): boolean {
    const file = norm(realFile);
    return this.roots.some((root) => {
      const r = norm(root);
      return file === r || file.startsWith(r.endsWith(path.sep) ? r : r + path.sep);
    });
  }

  /** The real path of `p`, or StudioError('path_not_allowed') when it lies outside every root. */
  check(p: string): string {
    const real = realPath(p);
    if (!this.contains(real)) {
      throw new StudioError('path_not_allowed', `${p} is outside the folders VALL-E Studio may read. Add its folder in Settings first.`, { path: p });
    }
    return real;
  }
}
