import { StudioError } from '../../src-shared/api/errors.js';
import { studioVersion } from '../engine/host/system-info.js';
import { CommandFailure, EXIT_FAILED, EXIT_OK, EXIT_USAGE, UsageError, type CliIo } from './cli-io.js';
import { libraryImportCommand, libraryImportHelp } from './library-import-command.js';
import { libraryListCommand, libraryListHelp } from './library-list-command.js';
import { serveCommand } from './serve-command.js';

export const mainHelp = `Usage: valle <command> [options]

VALL-E Studio from the command line.

Commands:
  serve                  serve the studio to a browser (headless web host)
  library import <dir>   import a <group>/<speaker>/ folder of audio into the library
  library list           list groups, speakers and clips (--json for scripts)

Options:
  -h, --help      show help (also after any command: valle library import --help)
  -v, --version   print the version

Environment:
  VALLE_STUDIO_HOME    studio home when --home is not given (default ~/.valle-studio)
  VALLE_STUDIO_TOKEN   access token for valle serve
`;

const libraryHelp = `Usage: valle library <import|list> [options]

${libraryImportHelp.split('\n')[0]}
${libraryListHelp.split('\n')[0]}

Run a subcommand with --help for its options.
`;

type Command = (args: string[], io: CliIo) => Promise<number>;

/** Runs one `valle` invocation in this process and returns its exit status. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [first, ...rest] = argv;
  let command: Command | null = null;
  let args = rest;
  if (first === undefined || first === '-h' || first === '--help' || first === 'help') {
    io.stdout(mainHelp);
    return first === undefined ? EXIT_USAGE : EXIT_OK;
  }
  if (first === '-v' || first === '--version') {
    io.stdout(`${studioVersion()}\n`);
    return EXIT_OK;
  }
  if (first === 'serve') command = serveCommand;
  if (first === 'library') {
    const [sub, ...subArgs] = rest;
    args = subArgs;
    if (sub === 'import') command = libraryImportCommand;
    else if (sub === 'list') command = libraryListCommand;
    else if (sub === undefined || sub === '-h' || sub === '--help') {
      io.stdout(libraryHelp);
      return sub === undefined ? EXIT_USAGE : EXIT_OK;
    } else {
      io.stderr(`valle library: unknown subcommand "${sub}"\n\n${libraryHelp}`);
      return EXIT_USAGE;
    }
  }
  if (command === null) {
    io.stderr(`valle: unknown command "${first}"\n\n${mainHelp}`);
    return EXIT_USAGE;
  }
  try {
    return await command(args, io);
  } catch (error) {
    return reportError(error, argv, io);
  }
}

function reportError(error: unknown, argv: string[], io: CliIo): number {
  const commandName = argv[0] === 'library' ? `valle library ${argv[1]}` : `valle ${argv[0]}`;
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
