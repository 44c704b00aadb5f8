import { parseArgs } from 'node:util';
import { roundTripAudioFile } from '../engine/codec/codec-files.js';
import type { RoundTripMetrics } from '../engine/codec/metrics.js';
import { EXIT_OK, type CliIo } from './cli-io.js';
import { CODEC_OPTION_HELP, CODEC_PARSE_OPTIONS, codecFromOption, inputPath, levelsOption, outputPath, twoPaths } from './codec-options.js';

export const codecRoundtripHelp = `Usage: valle codec roundtrip <audio> <out.wav> [--codec NAME] [--levels N] [--json]

Encode an audio file and decode it again, write the result as a 32-bit float WAV at the codec's rate, and
print how far it is from the input (mixed to mono, resampled to the codec's rate):
  MCD   mel-cepstral distortion, dB (24 coefficients, c0 excluded)
  LSD   log-spectral distance, dB
  F0    RMSE in cents over frames voiced in both, gross pitch errors (> 20 %), voicing disagreement
See docs/codecs.md for what the numbers mean and what the built-in codec reaches.

Options:
${CODEC_OPTION_HELP}
  --levels N        residual levels to use, 1..8 (default 8)
  --json            print the result as JSON (for scripts)
  -h, --help        show this help

Exit status: 0 on success, 1 when the audio cannot be encoded (nothing is written), 2 for a usage error.
`;

export interface RoundTripReport {
  codec: string;
  levels: number;
  frames: number;
  durationSec: number;
  output: string;
  metrics: RoundTripMetrics;
}

export async function codecRoundtripCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      ...CODEC_PARSE_OPTIONS,
      levels: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
  });
  if (values.help) {
    io.stdout(codecRoundtripHelp);
    return EXIT_OK;
  }
  const [input, output] = twoPaths(positionals, 'codec roundtrip takes an audio file and an output .wav path');
  const inPath = await inputPath(io, input);
  const outPath = await outputPath(io, output);
  const levels = levelsOption(values.levels);
  const codec = await codecFromOption(values.codec ?? 'lite', io, values.home);
  const result = await roundTripAudioFile(codec, inPath, outPath, { levels, signal: io.signal, name: input });
  const report: RoundTripReport = {
    codec: codec.name,
    levels: result.codes.levels,
    frames: result.codes.frames,
    durationSec: result.durationSec,
    output,
    metrics: result.metrics,
  };
  if (values.json) {
    io.stdout(`${JSON.stringify(report, null, 2)}\n`);
    return EXIT_OK;
  }
  const m = result.metrics;
  const opt = (v: number | null, digits: number, unit: string) => (v === null ? 'n/a (no frame voiced in both)' : `${v.toFixed(digits)} ${unit}`);
  io.stdout(
    [
      `Round trip through ${codec.name} (${report.levels} levels, ${report.frames} frames, ${report.durationSec.toFixed(2)} s) → ${output}`,
      `  MCD            ${m.mcdDb.toFixed(2)} dB`,
      `  LSD            ${m.lsdDb.toFixed(2)} dB`,
      `  F0 RMSE        ${opt(m.f0RmseCents, 0, 'cents')}${m.f0RmseHz === null ? '' : ` (${m.f0RmseHz.toFixed(1)} Hz)`}`,
      `  gross F0 err.  ${m.grossPitchErrorRate === null ? 'n/a' : `${(100 * m.grossPitchErrorRate).toFixed(1)} %`}`,
      `  voicing error  ${(100 * m.voicingErrorRate).toFixed(1)} % of ${m.frames} speech frames`,
      '',
    ].join('\n'),
  );
  return EXIT_OK;
}
