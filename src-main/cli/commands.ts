import { audioSliceCommand } from './audio-slice-command.js';
import type { CliIo } from './cli-io.js';
import { exportCommand } from './export-command.js';
import { codecDecodeCommand } from './codec-decode-command.js';
import { codecEncodeCommand } from './codec-encode-command.js';
import { codecRoundtripCommand } from './codec-roundtrip-command.js';
import { libraryImportCommand } from './library-import-command.js';
import { libraryListCommand } from './library-list-command.js';
import { serveCommand } from './serve-command.js';
import { tryMeCommand } from './try-me-command.js';
import { sttCommand } from './stt-command.js';
import { ttsCommand } from './tts-command.js';

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
  { path: ['export'], args: '<checkpoint> <out.sft>', summary: 'write a checkpoint (.sft/.pth) as a reference .sft (dtype f32/f16/bf16)', run: exportCommand },
  { path: ['try-me'], args: '', summary: "the model's self-test: overfit one utterance on the CPU, check it (--json)", run: tryMeCommand },
  { path: ['codec', 'encode'], args: '<audio> <out.enc>', summary: 'encode audio into codec codes (.enc, the reference layout)', run: codecEncodeCommand },
  { path: ['codec', 'decode'], args: '<in.enc> <out.wav>', summary: 'decode a .enc codes file to a WAV', run: codecDecodeCommand },
  { path: ['codec', 'roundtrip'], args: '<audio> <out.wav>', summary: 'encode + decode, print quality metrics (--json)', run: codecRoundtripCommand },
  { path: ['tts'], args: '<text>', summary: 'speak text in the voice of reference clips (--ref, --out; one file per line)', run: ttsCommand },
  { path: ['stt'], args: '<audio>', summary: 'transcribe speech into IPA phonemes', run: sttCommand },
];
