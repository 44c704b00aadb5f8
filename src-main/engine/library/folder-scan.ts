import fs from 'node:fs';
import path from 'node:path';
import { StudioError, type StudioErrorData } from '../../../src-shared/api/errors.js';
import type { AllowedRoots } from './allowed-roots.js';

export const AUDIO_EXTENSIONS = ['.wav', '.flac', '.mp3', '.ogg', '.opus'];
const MAX_NAME = 200;

export interface FolderFile {
  group: string;
  speaker: string;
  /** Real path of the file. */
  path: string;
  /** File name, as the clip's name. */
  name: string;
  /** `group/speaker/file`, for the import result. */
  label: string;
  /** Set when the file cannot be imported for a reason known before decoding. */
  error: StudioErrorData | null;
}

/**
 * Lists `<root>/<group>/<speaker>/<file>` audio files (the reference's voices/ layout), sorted. Hidden
 * entries and anything at other depths are ignored. A symlink leading outside the allowed roots, or a
 * folder name that cannot be a group or speaker name, is reported per file rather than failing the scan.
 */
export function scanVoicesFolder(root: string, allowed: AllowedRoots): FolderFile[] {
  const files: FolderFile[] = [];
  for (const group of subdirectories(root)) {
    for (const speaker of subdirectories(path.join(root, group))) {
      const dir = path.join(root, group, speaker);
      for (const name of listNames(dir)) {
        if (!AUDIO_EXTENSIONS.includes(path.extname(name).toLowerCase())) continue;
        const full = path.join(dir, name);
        if (!isFile(full)) continue;
        const label = `${group}/${speaker}/${name}`;
        let real = full;
        let error: StudioErrorData | null = null;
        try {
          real = allowed.check(full);
        } catch (e) {
          error = (e as StudioError).toData();
        }
        error ??= nameProblem('group', group) ?? nameProblem('speaker', speaker);
        files.push({ group: group.trim(), speaker: speaker.trim(), path: real, name, label, error });
      }
    }
  }
  return files;
}

function nameProblem(kind: string, name: string): StudioErrorData | null {
  const trimmed = name.trim();
  if (trimmed.length === 0) return { code: 'invalid_input', message: `The ${kind} folder name “${name}” is blank.` };
  if (trimmed.length > MAX_NAME) return { code: 'invalid_input', message: `The ${kind} folder name “${trimmed.slice(0, 40)}…” is longer than ${MAX_NAME} characters.` };
  return null;
}

function listNames(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((n) => !n.startsWith('.'))
    .sort((a, b) => a.localeCompare(b, 'en'));
}

function subdirectories(dir: string): string[] {
  return listNames(dir).filter((n) => {
    try {
      return fs.statSync(path.join(dir, n)).isDirectory();
    } catch {
      return false; // a dangling symlink
    }
  });
}

function isFile(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}
