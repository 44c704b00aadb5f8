import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { writeWavFile } from '../engine/codec/codec-files.js';
import { decodeAudioFile } from '../engine/media/decode.js';
import type { Pcm } from '../engine/media/pcm.js';
import { DEFAULT_LINE_GAP_SEC, DEFAULT_MAX_AR_STEPS, DEFAULT_PROMPT_SEC } from '../engine/valle/pipeline/generation-options.js';
import { DEFAULT_CHUNK_FRAMES } from '../engine/valle/pipeline/streaming.js';
import { synthesize, type SynthesisProgress } from '../engine/valle/pipeline/tts.js';
import { CommandFailure, EXIT_OK, UsageError, type CliIo } from './cli-io.js';
import { inputPath, outputPath } from './codec-options.js';
import { loadSpeechSetup, MODEL_OPTION_HELP, modelOptionSpecs, samplerFlagHelp, samplerOptionSpecs, samplerOptionsFromFlags } from './speech-options.js';

export const ttsHelp = `Usage: valle tts <text> --ref a.wav [--ref b.wav …] --out out.wav [options]

Speak <text> in the voice of the reference clip(s) (seed spec §6.2): the clips are encoded and joined,
the first --prompt-sec seconds become the voice prompt, the AR writes the first codebook, the NAR the
other seven, and the codec turns the codes into audio (a 32-bit float WAV at the codec's rate).

Each line of the text is one utterance. With several lines, --out gets all of them joined (with
--line-gap seconds of silence between them) and out-1.wav, out-2.wav, … get each line on its own.

Text and voice:
  --ref FILE          a reference clip (WAV, FLAC, MP3, Ogg; any rate); repeat for more; none = no prompt
  --text-file FILE    read the text from a UTF-8 file instead of <text>
  --out FILE          where to write the result (required)
  --language CODE     phonemization language: en, en-gb, de, fr, es, ja (kana), zh (default en)

Model:
${MODEL_OPTION_HELP}

Generation:
  --max-ar-steps N    most codes per line, 75 per second (default ${DEFAULT_MAX_AR_STEPS})
  --max-nar-levels N  NAR levels to add, 0…7 (default 7)
  --prompt-sec S      seconds of the joined references to use; 0 = all (default ${DEFAULT_PROMPT_SEC})
  --line-gap S        silence between lines in the joined result (default ${DEFAULT_LINE_GAP_SEC})
  --stream            generate in streaming mode (chunks reported on stderr as they are ready)
  --chunk-frames N    streaming: new AR frames per chunk (default ${DEFAULT_CHUNK_FRAMES})

Sampling (the reference's flags):
${samplerFlagHelp()}

Output:
  --json              print the result as JSON (for scripts)
  -h, --help          show this help

Exit status: 0 on success, 1 when synthesis fails (nothing is written), 2 for a usage error.
`;

export interface TtsReport {
  seed: number;
  output: string;
  sampleRate: number;
  durationSec: number;
  codec: string;
  model: string;
  lines: { text: string; phonemes: string; frames: number; durationSec: number; stopped: boolean; output: string | null }[];
  timings: Record<string, number | null>;
}

function numberOption(value: string | undefined, flag: string, integer: boolean): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n))) throw new UsageError(`${flag} must be ${integer ? 'a whole number' : 'a number'}, got "${value}"`);
  return n;
}

/** out.wav → out-1.wav, out-2.wav, … */
export function lineOutputPath(out: string, line: number): string {
  const ext = path.extname(out);
  return `${ext ? out.slice(0, -ext.length) : out}-${line}${ext || '.wav'}`;
}

export async function ttsCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      ref: { type: 'string', multiple: true },
      'text-file': { type: 'string' },
      out: { type: 'string' },
      language: { type: 'string' },
      ...modelOptionSpecs,
      'max-ar-steps': { type: 'string' },
      'max-nar-levels': { type: 'string' },
      'prompt-sec': { type: 'string' },
      'line-gap': { type: 'string' },
      stream: { type: 'boolean' },
      'chunk-frames': { type: 'string' },
      ...samplerOptionSpecs(),
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
  });
  if (values.help) {
    io.stdout(ttsHelp);
    return EXIT_OK;
  }
  const textFile = values['text-file'] as string | undefined;
  if (textFile !== undefined && positionals.length > 0) throw new UsageError('give the text either as <text> or with --text-file, not both');
  if (textFile === undefined && positionals.length !== 1) {
    throw new UsageError(positionals.length === 0 ? 'tts needs the text to speak' : 'tts takes one text argument: put the text in quotes');
  }
  const out = values.out as string | undefined;
  if (!out) throw new UsageError('--out is required (the WAV file to write)');
  const outPath = await outputPath(io, out);
  const sampler = samplerOptionsFromFlags(values);
  const settings = {
    maxArSteps: numberOption(values['max-ar-steps'] as string | undefined, '--max-ar-steps', true),
    maxNarLevels: numberOption(values['max-nar-levels'] as string | undefined, '--max-nar-levels', true),
    promptSec: numberOption(values['prompt-sec'] as string | undefined, '--prompt-sec', false),
    lineGapSec: numberOption(values['line-gap'] as string | undefined, '--line-gap', false),
  };
  const chunkFrames = numberOption(values['chunk-frames'] as string | undefined, '--chunk-frames', true);
  if (chunkFrames !== undefined && !values.stream) throw new UsageError('--chunk-frames needs --stream');

  let text: string;
  if (textFile !== undefined) {
    const file = await inputPath(io, textFile);
    text = await readFile(file, 'utf8').catch((error: Error) => {
      throw new CommandFailure(`cannot read ${textFile}: ${error.message}`);
    });
  } else {
    text = positionals[0];
  }
  const refs: Pcm[] = [];
  for (const ref of (values.ref as string[] | undefined) ?? []) {
    const file = await inputPath(io, ref);
    refs.push((await decodeAudioFile(file, ref, { signal: io.signal })).pcm);
  }

  const { voice, codec, provider } = await loadSpeechSetup(values as Record<string, string | undefined>, io);
  let lastReported = -1;
  const onProgress = (p: SynthesisProgress) => {
    if (values.json) return;
    if (p.stage === 'ar') {
      const second = Math.floor(p.done / 75);
      if (second === lastReported) return;
      lastReported = second;
      io.stderr(`[ar] ${p.line !== undefined ? `line ${p.line + 1}: ` : ''}${p.done} codes (${(p.done / 75).toFixed(1)} s)\n`);
    } else if (p.stage !== 'decode') {
      io.stderr(`[${p.stage}] done\n`);
      lastReported = -1;
    }
  };
  const result = await synthesize({
    model: voice.model,
    session: { provider },
    codec,
    text,
    refs,
    language: (values.language as string | undefined) ?? 'en',
    sampler,
    ...settings,
    signal: io.signal,
    onProgress,
    ...(values.stream
      ? {
          stream: { chunkFrames },
          onChunk: (c) => {
            if (c.kind === 'speech' && !values.json) {
              io.stderr(`[chunk ${c.index}] line ${c.line + 1}, frames ${c.fromFrame}–${c.toFrame}, ${(c.pcm.channels[0].length / codec.sampleRate).toFixed(2)} s of audio\n`);
            }
          },
        }
      : {}),
  });

  const several = result.lines.length > 1;
  const lineFiles = result.lines.map((_, i) => (several ? lineOutputPath(outPath, i + 1) : null));
  for (const [i, line] of result.lines.entries()) if (lineFiles[i]) await writeWavFile(lineFiles[i]!, line.pcm);
  await writeWavFile(outPath, result.joined);

  const report: TtsReport = {
    seed: result.seed,
    output: out,
    sampleRate: result.sampleRate,
    durationSec: result.joined.channels[0].length / result.sampleRate,
    codec: codec.name,
    model: voice.location.file,
    lines: result.lines.map((l, i) => ({
      text: l.text,
      phonemes: l.phonemes,
      frames: l.codes.frames,
      durationSec: l.pcm.channels[0].length / result.sampleRate,
      stopped: l.stopped,
      output: lineFiles[i] ? lineOutputPath(out, i + 1) : null,
    })),
    timings: { ...result.timings },
  };
  if (values.json) {
    io.stdout(`${JSON.stringify(report, null, 2)}\n`);
    return EXIT_OK;
  }
  for (const [i, l] of report.lines.entries()) {
    const cut = l.stopped ? '' : ' (cut at --max-ar-steps)';
    io.stdout(`line ${i + 1}: ${l.phonemes}  ${l.durationSec.toFixed(2)} s${cut}${l.output ? ` → ${l.output}` : ''}\n`);
  }
  io.stdout(`Wrote ${out} (${report.durationSec.toFixed(2)} s, ${codec.name}, seed ${result.seed}).\n`);
  return EXIT_OK;
}
