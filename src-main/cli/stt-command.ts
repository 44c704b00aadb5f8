import { parseArgs } from 'node:util';
import { decodeAudioFile } from '../engine/media/decode.js';
import { STT_MIN_STEPS, STT_STEPS_PER_SECOND, transcribe } from '../engine/valle/pipeline/stt.js';
import { EXIT_OK, UsageError, type CliIo } from './cli-io.js';
import { inputPath } from './codec-options.js';
import { loadSpeechSetup, MODEL_OPTION_HELP, modelOptionSpecs, samplerFlagHelp, samplerOptionSpecs, samplerOptionsFromFlags } from './speech-options.js';

export const sttHelp = `Usage: valle stt <audio> [options]

Transcribe speech into IPA phonemes with the model's speech-to-text task (seed spec §6.4): the audio is
encoded with the codec and the model writes phoneme tokens until it ends the text. The output is the
phoneme string the model was trained on (e.g. "həlˈoʊ wˈɜːld"), not spelled-out words.

Options:
${MODEL_OPTION_HELP}
  --language CODE     the model's language token, for models that have one (default en)
  --max-ar-steps N    most tokens (default ${STT_STEPS_PER_SECOND} per second of audio, at least ${STT_MIN_STEPS})
  --json              print the result as JSON (for scripts)
  -h, --help          show this help

Sampling (the reference's flags; speech-to-text defaults to --ar-temp 0, always the most likely token;
beam search is not available here):
${samplerFlagHelp()}

Exit status: 0 on success, 1 when the audio cannot be transcribed, 2 for a usage error.
`;

export async function sttCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      ...modelOptionSpecs,
      language: { type: 'string' },
      'max-ar-steps': { type: 'string' },
      ...samplerOptionSpecs(),
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
  });
  if (values.help) {
    io.stdout(sttHelp);
    return EXIT_OK;
  }
  if (positionals.length !== 1) throw new UsageError('stt takes one audio file');
  const maxRaw = values['max-ar-steps'] as string | undefined;
  const maxSteps = maxRaw === undefined ? undefined : Number(maxRaw);
  if (maxSteps !== undefined && !(/^\d+$/.test(maxRaw!) && maxSteps >= 1)) throw new UsageError(`--max-ar-steps must be a whole number ≥ 1, got "${maxRaw}"`);
  const sampler = samplerOptionsFromFlags(values, { arTemperature: 0 });
  const file = await inputPath(io, positionals[0]);
  const { pcm } = await decodeAudioFile(file, positionals[0], { signal: io.signal });
  const { voice, codec, provider } = await loadSpeechSetup(values as Record<string, string | undefined>, io);
  const result = await transcribe({
    model: voice.model,
    session: { provider },
    codec,
    audio: pcm,
    language: (values.language as string | undefined) ?? 'en',
    maxSteps,
    sampler,
    signal: io.signal,
  });
  if (values.json) {
    io.stdout(
      `${JSON.stringify(
        { phonemes: result.phonemes, ids: result.ids, stopped: result.stopped, seed: result.seed, audioFrames: result.audioFrames, codec: codec.name, model: voice.location.file, timings: result.timings },
        null,
        2,
      )}\n`,
    );
    return EXIT_OK;
  }
  io.stdout(`${result.phonemes}\n`);
  if (!result.stopped) io.stderr(`warning: the transcription was cut at ${result.ids.length} tokens (--max-ar-steps)\n`);
  return EXIT_OK;
}
