/** A CliIo for running commands in-process in tests: stdout and stderr are captured, the environment is empty. */
import type { CliIo } from '../cli-io.js';

export interface CapturedIo {
  io: CliIo;
  out(): string;
  err(): string;
}

export function captureIo(cwd: string, overrides: Partial<CliIo> = {}): CapturedIo {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: (text) => void (stdout += text),
    stderr: (text) => void (stderr += text),
    env: {},
    cwd,
    signal: new AbortController().signal,
    ...overrides,
  };
  return { io, out: () => stdout, err: () => stderr };
}
