import { parseArgs } from 'node:util';
import { decodeEncFile } from '../engine/codec/codec-files.js';
import { readEncFile } from '../engine/codec/enc-file.js';
import { CommandFailure, EXIT_OK, type CliIo } from './cli-io.js';
import { CODEC_OPTION_HELP, CODEC_PARSE_OPTIONS, codecFromOption, inputPath, outputPath, twoPaths } from './codec-options.js';

export const codecDecodeHelp = `Usage: valle codec decode <in.enc> <out.wav> [--codec NAME]

Decode a codes file in the reference's .enc layout to a 32-bit float WAV at the codec's rate, cut to the
original duration when the file's metadata records it.

The codec is the one named in the file (the "codec" metadata key this studio writes). Files without it come
from the reference and hold EnCodec codes: they need --codec encodec (or --codec lite to decode them with
the built-in codec anyway, which will not sound like the original).

Options:
${CODEC_OPTION_HELP.replace('default lite', 'default: the file’s codec')}
  -h, --help        show this help

Exit status: 0 on success, 1 when the codes cannot be decoded (nothing is written), 2 for a usage error.
`;

export async function codecDecodeCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { ...CODEC_PARSE_OPTIONS, help: { type: 'boolean', short: 'h' } },
    allowPositionals: true,
  });
  if (values.help) {
    io.stdout(codecDecodeHelp);
    return EXIT_OK;
  }
  const [input, output] = twoPaths(positionals, 'codec decode takes an input .enc file and an output .wav path');
  const inPath = await inputPath(io, input);
  const outPath = await outputPath(io, output);
  const file = await readEncFile(inPath, input);
  const name = values.codec ?? file.codec;
  if (!name) {
    throw new CommandFailure(
      `${input} does not say which codec made it; files from the reference hold EnCodec codes. Pass --codec encodec (needs its weights, see docs/codecs.md) or --codec lite.`,
    );
  }
  if (file.codec && values.codec && file.codec !== values.codec) {
    io.stderr(`warning: ${input} was made by the ${file.codec} codec; decoding it with ${values.codec} will not sound like the original.\n`);
  }
  const codec = await codecFromOption(name, io, values.home);
  const result = await decodeEncFile(codec, inPath, outPath, { signal: io.signal, name: input, file });
  io.stdout(
    `Decoded ${file.codes.frames} frames × ${file.codes.levels} levels (${codec.name}) into ${(result.samples / result.sampleRate).toFixed(2)} s at ${result.sampleRate} Hz → ${output}\n`,
  );
  return EXIT_OK;
}
