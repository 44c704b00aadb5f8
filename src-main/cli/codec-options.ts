/** Argument handling shared by the `valle codec …` commands. */
import { stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Codec } from '../engine/codec/codec.js';
import { createCodec, KNOWN_CODECS } from '../engine/codec/registry.js';
import { CommandFailure, resolveHome, UsageError, type CliIo } from './cli-io.js';

export const CODEC_OPTION_HELP = `  --codec NAME      ${KNOWN_CODECS.join(' | ')} (default lite; encodec and vocos need their weights, see docs/codecs.md)
  --home DIR        studio home whose models/ folder holds codec weights (default: $VALLE_STUDIO_HOME or ~/.valle-studio)`;

/** The options every codec command takes for choosing its codec. */
export const CODEC_PARSE_OPTIONS = { codec: { type: 'string' }, home: { type: 'string' } } as const;

export function twoPaths(positionals: string[], message: string): [string, string] {
  if (positionals.length !== 2) throw new UsageError(message);
  return [positionals[0], positionals[1]];
}

export function levelsOption(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1) throw new UsageError(`--levels must be a whole number ≥ 1, got "${value}"`);
  return n;
}

/** The named codec; neural codecs look for their weights under <home>/models/. */
export async function codecFromOption(name: string, io: CliIo, home: string | undefined): Promise<Codec> {
  return createCodec(name, { modelsDir: join(resolveHome(home, io), 'models') });
}

/** The input path resolved against the working directory; a clear failure when it is missing or a folder. */
export async function inputPath(io: CliIo, path: string): Promise<string> {
  const full = resolve(io.cwd, path);
  const info = await stat(full).catch(() => null);
  if (!info) throw new CommandFailure(`${path} does not exist.`);
  if (info.isDirectory()) throw new CommandFailure(`${path} is a folder, not a file.`);
  return full;
}

/** The output path resolved; its folder must exist (nothing is created behind the user's back). */
export async function outputPath(io: CliIo, path: string): Promise<string> {
  const full = resolve(io.cwd, path);
  const dir = await stat(dirname(full)).catch(() => null);
  if (!dir?.isDirectory()) throw new CommandFailure(`cannot write ${path}: the folder ${dirname(path) || '.'} does not exist.`);
  const target = await stat(full).catch(() => null);
  if (target?.isDirectory()) throw new CommandFailure(`cannot write ${path}: it is a folder.`);
  return full;
}
