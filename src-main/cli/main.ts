import { StudioError } from '../../src-shared/api/errors.js';
import { studioVersion } from '../engine/host/system-info.js';
import { CommandFailure, EXIT_FAILED, EXIT_OK, EXIT_USAGE, UsageError, type CliIo } from './cli-io.js';
import { commands, type CliCommand } from './commands.js';

function commandList(list: readonly CliCommand[]): string {
  const heads = list.map((c) => [...c.path, c.args].filter(Boolean).join(' '));
  const width = Math.max(...heads.map((h) => h.length)) + 3;
  return list.map((c, i) => `  ${heads[i].padEnd(width)}${c.summary}`).join('\n');
}

export const mainHelp = `Usage: valle <command> [options]

VALL-E Studio from the command line.

Commands:
${commandList(commands)}

Options:
  -h, --help      show help (also after any command: valle library import --help)
  -v, --version   print the version

Environment:
  VALLE_STUDIO_HOME    studio home when --home is not given (default ~/.valle-studio)
  VALLE_STUDIO_TOKEN   access token for valle serve
`;

function groupHelp(group: string, members: readonly CliCommand[]): string {
  return `Usage: valle ${group} <${members.map((c) => c.path[1]).join('|')}> [options]

${commandList(members)}

Run a subcommand with --help for its options.
`;
}

/** Runs one `valle` invocation in this process and returns its exit status. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [first, second] = argv;
  if (first === undefined || first === '-h' || first === '--help' || first === 'help') {
    io.stdout(mainHelp);
    return first === undefined ? EXIT_USAGE : EXIT_OK;
  }
  if (first === '-v' || first === '--version') {
    io.stdout(`${studioVersion()}\n`);
    return EXIT_OK;
  }
  const single = commands.find((c) => c.path.length === 1 && c.path[0] === first);
  const group = commands.filter((c) => c.path.length === 2 && c.path[0] === first);
  let command: CliCommand | undefined = single;
  if (!single && group.length > 0) {
    command = group.find((c) => c.path[1] === second);
    if (!command) {
      const help = groupHelp(first, group);
      if (second === undefined || second === '-h' || second === '--help') {
        io.stdout(help);
        return second === undefined ? EXIT_USAGE : EXIT_OK;
      }
      io.stderr(`valle ${first}: unknown subcommand "${second}"\n\n${help}`);
      return EXIT_USAGE;
    }
  }
  if (!command) {
    io.stderr(`valle: unknown command "${first}"\n\n${mainHelp}`);
    return EXIT_USAGE;
  }
  try {
    return await command.run(argv.slice(command.path.length), io);
  } catch (error) {
    return reportError(error, `valle ${command.path.join(' ')}`, io);
  }
}

function reportError(error: unknown, commandName: string, io: CliIo): number {
  // parseArgs throws TypeErrors with codes ERR_PARSE_ARGS_* for unknown or malformed options.
  const code = (error as { code?: string }).code ?? '';
  if (error instanceof UsageError || code.startsWith('ERR_PARSE_ARGS')) {
    io.stderr(`${commandName}: ${(error as Error).message}\nRun "${commandName} --help" for usage.\n`);
    return EXIT_USAGE;
  }
  if (error instanceof StudioError || error instanceof CommandFailure) {
    io.stderr(`${commandName}: ${error.message}\n`);
    return EXIT_FAILED;
  }
  io.stderr(`${commandName} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  return EXIT_FAILED;
}

/** The real process: stdout/stderr, environment, and Ctrl+C / SIGTERM wired to the commands' abort signal. */
export async function main(argv: string[] = process.argv.slice(2)): Promise<number> {
  const controller = new AbortController();
  let interrupts = 0;
  const stop = () => {
    interrupts++;
    // A second Ctrl+C means "now": don't wait for a clean shutdown.
    if (interrupts > 1) process.exit(130);
    controller.abort();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  try {
    return await runCli(argv, {
      stdout: (text) => void process.stdout.write(text),
      stderr: (text) => void process.stderr.write(text),
      env: process.env,
      cwd: process.cwd(),
      signal: controller.signal,
    });
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
