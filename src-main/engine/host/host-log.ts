/**
 * The host's log. Everything goes to stderr: stdout belongs to the CLI's output (`valle library list --json`,
 * the URL line of `valle serve`). Workers never log on their own; the host writes for them.
 */
export interface HostLog {
  info(message: string, ...details: unknown[]): void;
  warn(message: string, ...details: unknown[]): void;
  error(message: string, ...details: unknown[]): void;
}

export function consoleLog(prefix = '[engine]'): HostLog {
  return {
    info: (message, ...details) => console.error(`${prefix} ${message}`, ...details),
    warn: (message, ...details) => console.error(`${prefix} warning: ${message}`, ...details),
    error: (message, ...details) => console.error(`${prefix} error: ${message}`, ...details),
  };
}

export const silentLog: HostLog = { info() {}, warn() {}, error() {} };

/** A log that keeps its lines, for tests that assert what was (or was not) logged. */
export function memoryLog(): HostLog & { lines: string[] } {
  const lines: string[] = [];
  const keep = (level: string) => (message: string, ...details: unknown[]) => {
    const rest = details.map((d) => (d instanceof Error ? (d.stack ?? d.message) : typeof d === 'string' ? d : JSON.stringify(d)));
    lines.push([`${level}: ${message}`, ...rest].join(' '));
  };
  return { lines, info: keep('info'), warn: keep('warn'), error: keep('error') };
}
