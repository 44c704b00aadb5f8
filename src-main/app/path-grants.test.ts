import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StudioError } from '../../src-shared/api/errors.js';
import { resolveGrantablePaths } from './path-grants.js';

let base: string;

beforeAll(() => {
  base = realpathSync(mkdtempSync(path.join(tmpdir(), 'grants-')));
  mkdirSync(path.join(base, 'voices'));
  writeFileSync(path.join(base, 'voices', 'a.wav'), 'RIFF');
  symlinkSync(path.join(base, 'voices'), path.join(base, 'link-to-voices'));
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

async function codeOf(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StudioError);
  return (error as StudioError).code;
}

describe('resolveGrantablePaths', () => {
  it('grants existing files and folders, once each', async () => {
    const file = path.join(base, 'voices', 'a.wav');
    const folder = path.join(base, 'voices');
    expect(await resolveGrantablePaths([file, folder, file])).toEqual([file, folder]);
  });

  it('grants what a symlink points at, since that is what will be read', async () => {
    expect(await resolveGrantablePaths([path.join(base, 'link-to-voices', 'a.wav')])).toEqual([path.join(base, 'voices', 'a.wav')]);
  });

  it('refuses relative paths, non-strings and empty lists', async () => {
    expect(await codeOf(resolveGrantablePaths(['voices/a.wav']))).toBe('invalid_input');
    expect(await codeOf(resolveGrantablePaths([42]))).toBe('invalid_input');
    expect(await codeOf(resolveGrantablePaths([]))).toBe('invalid_input');
    expect(await codeOf(resolveGrantablePaths('/etc/passwd'))).toBe('invalid_input');
    expect(await codeOf(resolveGrantablePaths([`${base}/a\0b`]))).toBe('invalid_input');
  });

  it('refuses paths that do not exist', async () => {
    expect(await codeOf(resolveGrantablePaths([path.join(base, 'missing.wav')]))).toBe('not_found');
  });

  it('refuses a whole file-system root', async () => {
    expect(await codeOf(resolveGrantablePaths([path.parse(base).root]))).toBe('path_not_allowed');
  });

  it('refuses too many paths at once', async () => {
    const many = Array.from({ length: 1001 }, () => path.join(base, 'voices', 'a.wav'));
    expect(await codeOf(resolveGrantablePaths(many))).toBe('invalid_input');
  });
});
