import { audioSliceCommand } from './audio-slice-command.js';
import type { CliIo } from './cli-io.js';
import { libraryImportCommand } from './library-import-command.js';
import { libraryListCommand } from './library-list-command.js';
import { serveCommand } from './serve-command.js';

export type CommandRun = (args: string[], io: CliIo) => Promise<number>;

export interface CliCommand {
  /** The words that select it: ['serve'] or ['library', 'import']. */
  path: readonly string[];
  /** Arguments as shown in the command list, e.g. '<dir>'. */
  args: string;
  summary: string;
  run: CommandRun;
}

/** Every `valle` command. Help texts and dispatch are derived from this table. */
export const commands: readonly CliCommand[] = [
  { path: ['serve'], args: '', summary: 'serve the studio to a browser (headless web host)', run: serveCommand },
  { path: ['library', 'import'], args: '<dir>', summary: 'import a <group>/<speaker>/ folder of audio into the library', run: libraryImportCommand },
  { path: ['library', 'list'], args: '', summary: 'list groups, speakers and clips (--json for scripts)', run: libraryListCommand },
  { path: ['audio', 'slice'], args: '<input> <outdir>', summary: 'slice a long recording into utterance clips at its silences', run: audioSliceCommand },
];
