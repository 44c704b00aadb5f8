import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project root: the nearest folder above this file with our package.json. */
export function findPackageRoot(from = dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  for (;;) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate) && readPackage(candidate)?.name === 'valle-studio') return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`No valle-studio package.json above ${from}`);
    dir = parent;
  }
}

export function studioVersion(): string {
  return readPackage(join(findPackageRoot(), 'package.json'))?.version ?? '0.0.0';
}

/** Versions of the parts that matter in a bug report; a dependency that cannot be found says so. */
export function componentVersions(): Record<string, string> {
  const versions: Record<string, string> = { node: process.versions.node, v8: process.versions.v8 };
  if (process.versions.electron) versions.electron = process.versions.electron;
  const require = createRequire(join(findPackageRoot(), 'package.json'));
  for (const name of ['onnxruntime-node', 'better-sqlite3']) versions[name] = dependencyVersion(require, name);
  return versions;
}

function dependencyVersion(require: NodeJS.Require, name: string): string {
  // Resolve the package's entry, then walk up to its package.json: `exports` maps may hide package.json itself.
  try {
    let dir = dirname(require.resolve(name));
    for (;;) {
      const pkg = readPackage(join(dir, 'package.json'));
      if (pkg?.name === name && pkg.version) return pkg.version;
      const parent = dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  } catch {
    // fall through
  }
  return 'not installed';
}

function readPackage(file: string): { name?: string; version?: string } | null {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
  } catch {
    return null;
  }
}
