import { z } from 'zod';
import { defineEvent, defineProcedure } from './define.js';
import type { Clip, TimeSpan } from './library.js';

/**
 * Text-to-speech on the active model, its history and its presets.
 *
 * A generation is a job (`generate.start`, `generate.rerun`): while it runs the engine sends `generate.chunk`
 * events with the audio that became final (playable before the AR has finished); its job result is
 * `{ generationId }`. Every finished generation is stored (audio in the media store, settings and timings in the
 * database) and listed by `generate.history`, newest first.
 */

const id = z.string().min(1).max(100);
const mediaId = z.string().regex(/^[0-9a-f]{64}$/);

const spanSchema = z
  .object({ startSec: z.number().min(0), endSec: z.number().min(0) })
  .strict()
  .refine((s) => s.endSec > s.startSec, 'span must end after it starts');

/**
 * The voice: a speaker's clips (each clip's own span respected), chosen clips, or a file staged with
 * `generate.stageReference`. `span` trims the reference before use (one clip or a staged file only).
 */
export const voiceSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('speaker'), speakerId: id }).strict(),
  z.object({ kind: z.literal('clips'), clipIds: z.array(id).min(1).max(50), span: spanSchema.nullable().default(null) }).strict(),
  z.object({ kind: z.literal('media'), mediaId, name: z.string().trim().min(1).max(255), span: spanSchema.nullable().default(null) }).strict(),
]);
export type VoiceInput = z.input<typeof voiceSchema>;
export type Voice = z.output<typeof voiceSchema>;

export const generationLanguages = ['en', 'en-gb', 'de', 'fr', 'es', 'ja', 'zh'] as const;
export const generationCodecs = ['lite', 'encodec', 'vocos'] as const;

/**
 * Sampler options by name (`arTemperature`, `topK`, …; null turns an optional one off). Only the shape is checked
 * here: the engine checks every name and range against its one table (`generate.options`) and names each bad one.
 */
const samplerInput = z.record(z.string().min(1).max(40), z.number().finite().nullable());

/** Everything that shapes a generation except the text and the voice: what a preset stores. */
export const generationSettingsSchema = z
  .object({
    language: z.enum(generationLanguages).default('en'),
    sampler: samplerInput.default({}),
    /** Most AR steps (75 per second) per line. */
    maxArSteps: z.number().int().min(1).max(22500).optional(),
    maxNarLevels: z.number().int().min(0).max(7).optional(),
    /** Seconds of the reference used as the prompt (0: all of it). */
    promptSec: z.number().min(0).max(300).optional(),
    lineGapSec: z.number().min(0).max(10).optional(),
    /** The codec that turns codes into audio; default: the model's own (its config's audio_backend). */
    codec: z.enum(generationCodecs).optional(),
    /** New AR frames per streamed chunk (75 = 1 s). */
    chunkFrames: z.number().int().min(1).max(1500).optional(),
  })
  .strict();
export type GenerationSettingsInput = z.input<typeof generationSettingsSchema>;
export type GenerationSettingsValues = z.output<typeof generationSettingsSchema>;

export const generateInputSchema = z
  .object({
    text: z.string().max(20000).refine((t) => t.trim().length > 0, 'text must not be empty'),
    voice: voiceSchema,
    settings: generationSettingsSchema.default({ language: 'en', sampler: {} }),
    /** Null or absent: a fresh seed is drawn (and stored with the generation). */
    seed: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).nullable().default(null),
  })
  .strict();
export type GenerateInput = z.input<typeof generateInputSchema>;

/** One line's place in the generation's audio (for regions and per-line playback). */
export interface GenerationSegment {
  line: number;
  text: string;
  startSec: number;
  endSec: number;
  /** False when the line was cut at maxArSteps instead of ending by itself. */
  stopped: boolean;
}

export interface GenerationTimings {
  totalMs: number;
  /** From the job starting to the first audio chunk. */
  firstChunkMs: number | null;
  textMs: number;
  promptMs: number;
  arMs: number;
  narMs: number;
  decodeMs: number;
}

export interface Generation {
  id: string;
  text: string;
  /** The voice as given, and a label a person reads ("Ada (3 clips)", "take-01.wav 0:01.0–0:04.0"). */
  voice: Voice;
  voiceLabel: string;
  modelId: string | null;
  modelName: string;
  codec: string;
  language: string;
  /** Every sampler option, defaults filled in (seed excluded: see `seed`). */
  sampler: Record<string, number | null>;
  settings: { maxArSteps: number; maxNarLevels: number; promptSec: number; lineGapSec: number; chunkFrames: number };
  seed: number;
  mediaId: string;
  sampleRate: number;
  durationSec: number;
  segments: GenerationSegment[];
  timings: GenerationTimings;
  /** Seconds of compute per second of audio (below 1: faster than real time). */
  realTimeFactor: number;
  /** The generation this one re-ran, if any. */
  rerunOf: string | null;
  createdAt: string;
  trashedAt: string | null;
}

/** Job result of `generate.start` and `generate.rerun`. */
export interface GenerateResult {
  generationId: string;
}

/**
 * A streamed piece of audio. `samples` is base64 of little-endian int16 PCM, mono, at `sampleRate`: half the
 * bytes of float32 and exact enough to listen to while generating; the stored generation (float32 WAV in the
 * media store) is the exact audio. `startSec` is where the chunk begins in the joined audio.
 */
export interface GenerateChunk {
  jobId: string;
  index: number;
  line: number;
  kind: 'speech' | 'gap';
  sampleRate: number;
  startSec: number;
  samples: string;
  /** The line has no more audio to come. */
  lineDone: boolean;
  lines: number;
}

/** One sampler option as the UI shows it: the engine's own table (limits, default, one-line help). */
export interface SamplerOptionInfo {
  key: string;
  label: string;
  help: string;
  appliesTo: 'ar' | 'nar' | 'both';
  min: number;
  max: number;
  integer: boolean;
  /** null is allowed and means off. */
  nullable: boolean;
  default: number | null;
}

export interface NumberSettingInfo {
  key: 'maxArSteps' | 'maxNarLevels' | 'promptSec' | 'lineGapSec' | 'chunkFrames';
  label: string;
  help: string;
  min: number;
  max: number;
  integer: boolean;
  default: number;
}

export interface GenerateOptions {
  sampler: SamplerOptionInfo[];
  settings: NumberSettingInfo[];
  languages: readonly string[];
  codecs: readonly string[];
}

export interface GenerationPreset {
  name: string;
  settings: GenerationSettingsValues;
  updatedAt: string;
}

/** A reference file staged for use as a voice: decoded and stored, ready to trim on its waveform. */
export interface StagedReference {
  mediaId: string;
  name: string;
  durationSec: number;
}

export type { Clip, TimeSpan };

export const generateProcedures = {
  'generate.options': defineProcedure(z.object({}).strict(), 'Every setting with its limits, default and one-line help.').returns<GenerateOptions>(),
  'generate.start': defineProcedure(generateInputSchema, 'Speak text in a voice on the active model, streaming `generate.chunk`. Job result: GenerateResult.').startsJob(),
  'generate.rerun': defineProcedure(
    z.object({ id }).strict(),
    'Generate again with exactly the text, voice, settings and seed of a stored generation. Job result: GenerateResult.',
  ).startsJob(),
  'generate.stageReference': defineProcedure(
    z.object({ uploadId: id, name: z.string().trim().min(1).max(255) }).strict(),
    'Decode an uploaded (dropped or recorded) file and store it for use as a voice.',
  ).returns<StagedReference>(),
  'generate.history': defineProcedure(
    z
      .object({
        query: z.string().max(200).default(''),
        limit: z.number().int().min(1).max(1000).default(200),
        trashed: z.boolean().default(false),
      })
      .strict(),
    'Stored generations, newest first; `query` matches the text, voice or model; `trashed` lists the trash instead.',
  ).returns<Generation[]>(),
  'generate.get': defineProcedure(z.object({ id }).strict(), 'One stored generation.').returns<Generation>(),
  'generate.trash': defineProcedure(z.object({ id }).strict(), 'Move a generation to the trash.').returns<Generation>(),
  'generate.restore': defineProcedure(z.object({ id }).strict(), 'Bring a generation back from the trash.').returns<Generation>(),
  'generate.sendToLibrary': defineProcedure(
    z.object({ id, speakerId: id, name: z.string().trim().min(1).max(200).optional() }).strict(),
    'Add a generation’s audio to a speaker as a new clip (its text as the transcript).',
  ).returns<Clip>(),
  'generate.presets.list': defineProcedure(z.object({}).strict(), 'Saved presets, by name.').returns<GenerationPreset[]>(),
  'generate.presets.save': defineProcedure(
    z.object({ name: z.string().trim().min(1).max(100), settings: generationSettingsSchema }).strict(),
    'Save (or replace) a preset of settings.',
  ).returns<GenerationPreset>(),
  'generate.presets.delete': defineProcedure(z.object({ name: z.string().trim().min(1).max(100) }).strict(), 'Delete a preset.').returns<{ deleted: string }>(),
};

export const generateEvents = {
  'generate.chunk': defineEvent<GenerateChunk>('Audio of a running generation that became final.'),
  'generate.changed': defineEvent<{ id: string; change: 'added' | 'trashed' | 'restored' }>('A stored generation was added, trashed or restored.'),
  'generate.presetsChanged': defineEvent<{ names: string[] }>('Presets were saved or deleted.'),
};
