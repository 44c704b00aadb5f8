import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { isStudioError, StudioError } from '../../src-shared/api/errors.js';
import { formatDuration } from '../engine/media/audio-errors.js';
import { DEFAULT_SLICE_PARAMS, resolveSliceParams, type SliceParams } from '../engine/media/slice-plan.js';
import { sliceAudioFile, type SliceFormat, type SliceResult } from '../engine/media/slicer.js';
import { CommandFailure, EXIT_FAILED, EXIT_OK, UsageError, type CliIo } from './cli-io.js';

const d = DEFAULT_SLICE_PARAMS;

export const audioSliceHelp = `Usage: valle audio slice <input> <outdir> [options]

Slice a long recording into utterance clips at its silences, one WAV file per clip:
<outdir>/<input name>_0001.wav, _0002.wav, … in order. Reads WAV, FLAC, MP3, Ogg Vorbis and Opus as a
stream, so hours of audio take little memory. Progress goes to stderr, a summary to stdout. Ctrl+C
cancels. A failed or cancelled run writes nothing: clips appear in <outdir> only once all are complete.

Options:
  --threshold-db DB     sound starts at this RMS level, in dBFS (default ${d.thresholdDb})
  --hysteresis-db DB    ...and ends when the level falls this far below it (default ${d.hysteresisDb})
  --min-clip SEC        drop clips shorter than this, edge silence included (default ${d.minClipSec})
  --max-clip SEC        cut longer speech at its quietest point (default ${d.maxClipSec})
  --min-silence SEC     shorter pauses do not end a clip (default ${d.minSilenceSec})
  --keep-silence SEC    silence kept at each edge of a clip, at most (default ${d.keepSilenceSec})
  --format wav16|float  16-bit PCM or 32-bit float WAV (default wav16)
  --mono                mix the clips down to mono (default: keep the recording's channels)
  --force               replace clips of the same names already in <outdir>
  --json                print the result as one JSON document
  -h, --help            show this help

JSON shape (stable; fields may be added, none removed or renamed while "format" stays the same):
  {
    "format": "valle-audio-slice/1",
    "input": string, "outDir": string,
    "sampleRate": number, "channels": number, "sampleFormat": "wav16" | "float",
    "sourceDurationSec": number, "totalDurationSec": number,
    "params": { "thresholdDb", "hysteresisDb", "minClipSec", "maxClipSec", "minSilenceSec", "keepSilenceSec" },
    "clips": [ { "file": string, "startSec": number, "endSec": number, "durationSec": number } ]
  }

Exit status: 0 when the clips were written; 1 when the input is unreadable, damaged or has no speech,
the folder cannot be written, or the run was cancelled; 2 for a usage error.
`;

/** Each parameter's option name, for messages. */
const FLAGS: Record<keyof SliceParams, string> = {
  thresholdDb: '--threshold-db',
  hysteresisDb: '--hysteresis-db',
  minClipSec: '--min-clip',
  maxClipSec: '--max-clip',
  minSilenceSec: '--min-silence',
  keepSilenceSec: '--keep-silence',
};

const FORMATS: Record<string, SliceFormat> = { wav16: 'pcm16', float: 'float32' };

export interface AudioSliceReport {
  format: 'valle-audio-slice/1';
  input: string;
  outDir: string;
  sampleRate: number;
  channels: number;
  sampleFormat: 'wav16' | 'float';
  sourceDurationSec: number;
  totalDurationSec: number;
  params: SliceParams;
  clips: Array<{ file: string; startSec: number; endSec: number; durationSec: number }>;
}

export async function audioSliceCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: joinNegativeValues(args),
    options: {
      'threshold-db': { type: 'string' },
      'hysteresis-db': { type: 'string' },
      'min-clip': { type: 'string' },
      'max-clip': { type: 'string' },
      'min-silence': { type: 'string' },
      'keep-silence': { type: 'string' },
      format: { type: 'string' },
      mono: { type: 'boolean' },
      force: { type: 'boolean' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
  });
  if (values.help) {
    io.stdout(audioSliceHelp);
    return EXIT_OK;
  }
  if (positionals.length !== 2) throw new UsageError('audio slice takes an input file and an output folder');
  const sampleFormat = values.format ?? 'wav16';
  const format = FORMATS[sampleFormat];
  if (!format) throw new UsageError(`--format must be wav16 or float (got "${sampleFormat}")`);

  const given: Partial<SliceParams> = {};
  for (const [param, flag] of Object.entries(FLAGS) as [keyof SliceParams, string][]) {
    const text = values[flag.slice(2) as keyof typeof values];
    if (typeof text === 'string') given[param] = parseNumber(flag, text);
  }
  let params: SliceParams;
  try {
    params = resolveSliceParams(given);
  } catch (error) {
    if (isStudioError(error) && error.code === 'invalid_input') throw new UsageError(withFlagNames(error.message));
    throw error;
  }

  const input = resolve(io.cwd, positionals[0]);
  const outDir = resolve(io.cwd, positionals[1]);
  let lastLine = '';
  let result: SliceResult;
  try {
    result = await sliceAudioFile(input, outDir, {
      params,
      format,
      mono: values.mono ?? false,
      overwrite: values.force ?? false,
      signal: io.signal,
      onProgress: ({ fraction, stage }) => {
        const line = `[${`${Math.floor(fraction * 100)}%`.padStart(4)}] ${stage === 'scanning' ? 'finding utterances' : 'writing clips'}`;
        if (line !== lastLine) io.stderr(`${line}\n`);
        lastLine = line;
      },
    });
  } catch (error) {
    if (error instanceof StudioError && error.code === 'cancelled') {
      io.stderr('Slicing cancelled; no clips were written.\n');
      return EXIT_FAILED;
    }
    if (error instanceof StudioError && error.code === 'conflict' && error.details?.taken) {
      throw new CommandFailure(error.message.replace(/allow overwriting\.$/, 'use --force to replace them.'));
    }
    throw error;
  }

  if (values.json) {
    const report: AudioSliceReport = {
      format: 'valle-audio-slice/1',
      input,
      outDir: result.outDir,
      sampleRate: result.sampleRate,
      channels: result.channels,
      sampleFormat: sampleFormat as 'wav16' | 'float',
      sourceDurationSec: result.sourceDurationSec,
      totalDurationSec: result.totalDurationSec,
      params: result.params,
      clips: result.slices,
    };
    io.stdout(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    io.stdout(
      `Wrote ${result.slices.length} clip(s), ${formatDuration(result.totalDurationSec)} of the ${formatDuration(result.sourceDurationSec)} recording, to ${result.outDir}.\n`,
    );
    if (result.droppedShort > 0) io.stdout(`Left out ${result.droppedShort} sound(s) shorter than ${params.minClipSec} s.\n`);
  }
  return EXIT_OK;
}

/**
 * parseArgs takes "-40" after an option for another option and refuses it as ambiguous; thresholds are
 * negative, so `--threshold-db -40` is rewritten to `--threshold-db=-40` for the numeric options.
 */
function joinNegativeValues(args: string[]): string[] {
  const numeric = new Set(Object.values(FLAGS));
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const next = args[i + 1];
    if (numeric.has(args[i]) && next !== undefined && /^-\d|^-\.\d/.test(next)) {
      out.push(`${args[i]}=${next}`);
      i++;
    } else {
      out.push(args[i]);
    }
  }
  return out;
}

function parseNumber(flag: string, text: string): number {
  const value = text.trim() === '' ? NaN : Number(text);
  if (!Number.isFinite(value)) throw new UsageError(`${flag} must be a number (got "${text}")`);
  return value;
}

/** The engine names parameters as in the API (minClipSec); the user typed options (--min-clip). */
function withFlagNames(message: string): string {
  return message.replace(/\b(thresholdDb|hysteresisDb|minClipSec|maxClipSec|minSilenceSec|keepSilenceSec)\b/g, (name) => FLAGS[name as keyof SliceParams]);
}
