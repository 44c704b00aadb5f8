import { parseArgs } from 'node:util';
import { encodeAudioFile } from '../engine/codec/codec-files.js';
import { EXIT_OK, type CliIo } from './cli-io.js';
import { CODEC_OPTION_HELP, CODEC_PARSE_OPTIONS, codecFromOption, inputPath, levelsOption, outputPath, twoPaths } from './codec-options.js';

export const codecEncodeHelp = `Usage: valle codec encode <audio> <out.enc> [--codec NAME] [--levels N] [--language CODE]

Encode an audio file (WAV, FLAC, MP3, Ogg Vorbis, Opus; any rate and channel count — mixed to mono and
resampled to the codec's rate) into codes, written in the reference's .enc layout: codes uint16
[1, levels, frames] and metadata {original_length, sample_rate, language, codec}.

Options:
${CODEC_OPTION_HELP}
  --levels N        residual levels to keep, 1..8 (default 8)
  --language CODE   language recorded in the metadata (e.g. en)
  -h, --help        show this help

Exit status: 0 on success, 1 when the audio cannot be encoded (nothing is written), 2 for a usage error.
`;

export async function codecEncodeCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      ...CODEC_PARSE_OPTIONS,
      levels: { type: 'string' },
      language: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
  });
  if (values.help) {
    io.stdout(codecEncodeHelp);
    return EXIT_OK;
  }
  const [input, output] = twoPaths(positionals, 'codec encode takes an audio file and an output .enc path');
  const inPath = await inputPath(io, input);
  const outPath = await outputPath(io, output);
  const levels = levelsOption(values.levels);
  const codec = await codecFromOption(values.codec ?? 'lite', io, values.home);
  const result = await encodeAudioFile(codec, inPath, outPath, { levels, language: values.language, signal: io.signal, name: input });
  io.stdout(`Encoded ${result.durationSec.toFixed(2)} s into ${result.codes.frames} frames × ${result.codes.levels} levels (${codec.name}) → ${output}\n`);
  return EXIT_OK;
}
