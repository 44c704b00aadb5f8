import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { HostLog } from '../engine/host/host-log.js';

/** Everything a command touches of its process, so tests can run commands in-process. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  env: Record<string, string | undefined>;
  cwd: string;
  /** Aborted when the user interrupts (Ctrl+C): long commands stop cleanly. */
  signal: AbortSignal;
  /** `serve` calls this once it listens (tests learn the URL from it). */
  onServing?(info: { url: string; port: number; token: string | null }): void;
}

/** Exit codes of every command. */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

export class UsageError extends Error {}

/** A failure whose message says everything (no stack): exit status 1. */
export class CommandFailure extends Error {}

/** `--home DIR`, else $VALLE_STUDIO_HOME, else ~/.valle-studio. */
export function resolveHome(option: string | undefined, io: CliIo): string {
  if (option) return resolve(io.cwd, option);
  const fromEnv = io.env.VALLE_STUDIO_HOME;
  if (fromEnv) return resolve(io.cwd, fromEnv);
  return join(homedir(), '.valle-studio');
}

/** Engine log lines go to stderr: stdout carries the command's output. */
export function cliLog(io: CliIo): HostLog {
  const line = (prefix: string, message: string, details: unknown[]) => {
    const rest = details.map((d) => (d instanceof Error ? (d.stack ?? d.message) : typeof d === 'string' ? d : JSON.stringify(d)));
    io.stderr(`${[prefix + message, ...rest].join(' ')}\n`);
  };
  return {
    info: (message, ...details) => line('[engine] ', message, details),
    warn: (message, ...details) => line('[engine] warning: ', message, details),
    error: (message, ...details) => line('[engine] error: ', message, details),
  };
}
