import { realpath, stat } from 'node:fs/promises';
import { dirname, isAbsolute } from 'node:path';
import { StudioError } from '../../src-shared/api/errors.js';

export const maxGrantedPathsPerRequest = 1000;

/**
 * [Note: path grants] Path imports may read only inside the engine's allowed roots. Under Electron a path gets
 * there only through a user's own gesture: a native dialog (dialogs.ts), or a file dropped on / picked in the
 * page, whose path only the preload can read (`webUtils.getPathForFile`; a File made in script has none). Main
 * still checks what it is sent: absolute paths to existing files or folders, resolved through symlinks so the
 * grant names what will really be read, and never a whole file-system root. The engine is then told the real
 * paths (EngineProcess.allowRoots), and the page imports by those.
 */
export async function resolveGrantablePaths(raw: unknown): Promise<string[]> {
  if (!Array.isArray(raw) || raw.length === 0) throw new StudioError('invalid_input', 'Expected a list of file paths.');
  if (raw.length > maxGrantedPathsPerRequest) {
    throw new StudioError('invalid_input', `At most ${maxGrantedPathsPerRequest} files can be added at once.`, { count: raw.length });
  }
  const granted = new Set<string>();
  for (const path of raw) {
    if (typeof path !== 'string' || path.length === 0 || path.length > 4096 || path.includes('\0') || !isAbsolute(path)) {
      throw new StudioError('invalid_input', 'Every path must be an absolute file path.');
    }
    let real: string;
    try {
      real = await realpath(path);
    } catch {
      throw new StudioError('not_found', `“${path}” does not exist (any more).`, { path });
    }
    const info = await stat(real);
    if (!info.isFile() && !info.isDirectory()) throw new StudioError('path_not_allowed', `“${path}” is neither a file nor a folder.`, { path });
    if (dirname(real) === real) throw new StudioError('path_not_allowed', 'A whole disk cannot be opened; choose a folder on it.', { path });
    granted.add(real);
  }
  return [...granted];
}
