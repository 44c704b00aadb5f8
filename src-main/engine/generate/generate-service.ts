/**
 * `generate.*`: text-to-speech jobs on the active model, their history, presets, staged reference files and
 * "send to library".
 *
 * A generation job: check everything cheap first (sampler options, voice) so bad input fails before a job
 * exists → hold the active model (a model switch waits for us, or cancels us) → read the voice → run the
 * pipeline in a worker ('generate.speech'; onnxruntime blocks its thread) → forward each streamed chunk as a
 * `generate.chunk` event → store the joined audio (media store) and the record (database) → `generate.changed`.
 *
 * Re-running uses the stored text, voice, settings and seed; the pipeline draws every random number from
 * (seed, line, level, step), so the same model, voice audio and execution provider give the same audio — and,
 * the media store being content-addressed, the same media id.
 */
import { StudioError } from '../../../src-shared/api/errors.js';
import type {
  GenerateChunk,
  Generation,
  GenerationPreset,
  GenerationSegment,
  GenerationSettingsValues,
  StagedReference,
  Voice,
} from '../../../src-shared/api/generate.js';
import type { Clip } from '../../../src-shared/api/library.js';
import type { StudioDatabase } from '../db/database.js';
import type { HostLog } from '../host/host-log.js';
import type { JobContext, TaskRunner } from '../jobs/job-context.js';
import type { StartJob } from '../jobs/job-queue.js';
import type { IngestInput, IngestResult } from '../media/ingest.js';
import { integratedLoudness, samplePeakDb } from '../media/loudness.js';
import type { MediaStore } from '../media/media-store.js';
import type { ModelLease } from '../models/model-manager.js';
import type { LoadedValleModel } from '../models/valle-loader.js';
import type { SessionOptions } from '../nn/runtime/session.js';
import { resolveGenerationSettings } from '../valle/pipeline/generation-options.js';
import { DEFAULT_CHUNK_FRAMES } from '../valle/pipeline/streaming.js';
import { splitLines } from '../valle/pipeline/text-lines.js';
import { resolveSeed } from '../valle/sampling/sampler.js';
import { parseSamplerOptions, type SamplerOptions } from '../valle/sampling/sampler-options.js';
import { encodeChunkSamples } from './chunk-encoding.js';
import { generateOptions } from './generate-options.js';
import { fromRecord, toRecord } from './generation-record.js';
import type { PresetsStore } from './presets-store.js';
import { planVoice, readVoice } from './reference-audio.js';
import { isChunkReport, type GenerateSpeechInput, type GenerateSpeechResult } from './speech-task.js';

export const GENERATE_TASK = 'generate.speech';
const INGEST_TASK = 'media.ingest';
/** A reference longer than this is refused: the prompt uses a few seconds, and the whole file is encoded. */
const MAX_REFERENCE_SEC = 5 * 60;

/** What generation needs of the model service: a hold on the active model (`ModelManager.acquire`). */
export interface ActiveModelSource {
  acquire(signal?: AbortSignal): Promise<ModelLease<LoadedValleModel>>;
}

export interface GenerateEvents {
  chunk(chunk: GenerateChunk): void;
  changed(id: string, change: 'added' | 'trashed' | 'restored'): void;
  presetsChanged(names: string[]): void;
  libraryChanged(entity: 'clip', id: string): void;
}

export interface GenerateServiceOptions {
  db: StudioDatabase;
  media: MediaStore;
  jobs: { start(job: StartJob): { jobId: string } };
  /** Worker tasks outside jobs (staging a reference file). */
  tasks: TaskRunner;
  models: ActiveModelSource;
  /** The studio home's models folder (codec weights). */
  modelsDir: string;
  /** Read at every generation, so a settings change applies to the next one. */
  sessionOptions: () => SessionOptions;
  resolveUpload: (uploadId: string) => { path: string };
  discardUpload?: (uploadId: string) => Promise<void>;
  presets: PresetsStore;
  events: GenerateEvents;
  log: HostLog;
}

type Request = { text: string; voice: Voice; settings: GenerationSettingsValues; seed: number | null };

export class GenerateService {
  readonly #o: GenerateServiceOptions;

  constructor(options: GenerateServiceOptions) {
    this.#o = options;
  }

  options() {
    return generateOptions();
  }

  /** Starts a generation job; throws at once (no job) for bad sampler options or a voice that does not exist. */
  start(input: Request, rerunOf: string | null = null): { jobId: string } {
    const sampler = this.#sampler(input.settings.sampler, input.seed);
    const plan = planVoice(this.#o.db, this.#o.media, input.voice);
    const lines = splitLines(input.text);
    if (lines.length === 0) throw new StudioError('invalid_input', 'There is no text to speak.');
    const first = lines[0].length > 40 ? `${lines[0].slice(0, 40)}…` : lines[0];
    // The body starts on a later tick than `start` returns, so the id is known by the time chunks carry it.
    let jobId = '';
    const started = this.#o.jobs.start({
      kind: 'generate',
      title: `${rerunOf ? 'Re-run' : 'Generate'} “${first}”${lines.length > 1 ? ` (+${lines.length - 1} line${lines.length > 2 ? 's' : ''})` : ''}`,
      input: { ...input, rerunOf },
      run: (job) => this.#generate(job, jobId, input, sampler, plan, rerunOf),
    });
    jobId = started.jobId;
    return started;
  }

  rerun(input: { id: string }): { jobId: string } {
    const g = this.get(input);
    const settings: GenerationSettingsValues = {
      language: g.language as GenerationSettingsValues['language'],
      sampler: g.sampler,
      maxArSteps: g.settings.maxArSteps,
      maxNarLevels: g.settings.maxNarLevels,
      promptSec: g.settings.promptSec,
      lineGapSec: g.settings.lineGapSec,
      chunkFrames: g.settings.chunkFrames,
      codec: g.codec as GenerationSettingsValues['codec'],
    };
    return this.start({ text: g.text, voice: g.voice, settings, seed: g.seed }, g.id);
  }

  history(input: { query: string; limit: number; trashed: boolean }): Generation[] {
    return this.#o.db.generations.list({ limit: input.limit, query: input.query, trashed: input.trashed }).map(fromRecord);
  }

  get(input: { id: string }): Generation {
    const r = this.#o.db.generations.get(input.id);
    if (!r) throw new StudioError('not_found', 'That generation does not exist.', { id: input.id });
    return fromRecord(r);
  }

  trash(input: { id: string }): Generation {
    const g = this.get(input);
    if (g.trashedAt) return g;
    const out = fromRecord(this.#o.db.generations.setTrashed(g.id, new Date().toISOString())!);
    this.#o.events.changed(g.id, 'trashed');
    return out;
  }

  restore(input: { id: string }): Generation {
    const g = this.get(input);
    if (!g.trashedAt) return g;
    const out = fromRecord(this.#o.db.generations.setTrashed(g.id, null)!);
    this.#o.events.changed(g.id, 'restored');
    return out;
  }

  /** A new clip of `speakerId` holding the generation's audio (the same stored media), its text as the transcript. */
  async sendToLibrary(input: { id: string; speakerId: string; name?: string }): Promise<Clip> {
    const g = this.get(input);
    const { db, media } = this.#o;
    const speaker = db.speakers.get(input.speakerId);
    if (!speaker || speaker.trashedAt) throw new StudioError('not_found', 'That speaker does not exist (or is in the trash).', { speakerId: input.speakerId });
    const pcm = await media.read(g.mediaId);
    const firstLine = splitLines(g.text)[0] ?? 'generation';
    const name = input.name ?? `${firstLine.slice(0, 60).replace(/[\\/:*?"<>|]/g, '')}.wav`;
    const clip = db.clips.insert({
      id: crypto.randomUUID(),
      speakerId: speaker.id,
      mediaId: g.mediaId,
      name,
      durationSec: g.durationSec,
      sampleRate: pcm.sampleRate,
      channels: pcm.channels.length,
      loudnessLufs: integratedLoudness(pcm),
      peakDb: samplePeakDb(pcm),
      span: null,
      transcript: g.text,
      phonemes: '',
      language: g.language,
      codesRef: null,
      metrics: {},
      flags: ['generated'],
      createdAt: new Date().toISOString(),
      trashedAt: null,
    });
    this.#o.events.libraryChanged('clip', clip.id);
    return clip;
  }

  /** Decodes an uploaded file (dropped or recorded) into the media store, for use as a `media` voice. */
  async stageReference(input: { uploadId: string; name: string }): Promise<StagedReference> {
    const upload = this.#o.resolveUpload(input.uploadId);
    try {
      const result = await this.#o.tasks.run<IngestInput, IngestResult>(
        INGEST_TASK,
        { sourcePath: upload.path, name: input.name, mediaRoot: this.#o.media.root, maxDurationSec: MAX_REFERENCE_SEC },
        { signal: new AbortController().signal },
      );
      return { mediaId: result.mediaId, name: input.name, durationSec: result.durationSec };
    } finally {
      await this.#o.discardUpload?.(input.uploadId).catch((error: unknown) => this.#o.log.warn(`could not remove upload ${input.uploadId}`, error));
    }
  }

  presetsList(): GenerationPreset[] {
    return this.#o.presets.list();
  }

  async presetsSave(input: { name: string; settings: GenerationSettingsValues }): Promise<GenerationPreset> {
    // A preset that could never run is refused now, not when it is used.
    this.#sampler(input.settings.sampler, null);
    const preset = await this.#o.presets.save(input.name, input.settings);
    this.#o.events.presetsChanged(this.#o.presets.list().map((p) => p.name));
    return preset;
  }

  async presetsDelete(input: { name: string }): Promise<{ deleted: string }> {
    await this.#o.presets.delete(input.name);
    this.#o.events.presetsChanged(this.#o.presets.list().map((p) => p.name));
    return { deleted: input.name };
  }

  /** The sampler options, complete and checked; the seed is a field of its own, not a sampler option here. */
  #sampler(raw: Record<string, number | null>, seed: number | null): SamplerOptions {
    if ('seed' in raw) throw new StudioError('invalid_input', 'Give the seed as `seed`, not as a sampler option.');
    return parseSamplerOptions({ ...raw, seed });
  }

  async #generate(job: JobContext, jobId: string, input: Request, sampler: SamplerOptions, plan: ReturnType<typeof planVoice>, rerunOf: string | null): Promise<{ generationId: string }> {
    const started = performance.now();
    job.progress({ fraction: null, stage: 'waiting for the model' });
    const lease = await this.#o.models.acquire(job.signal);
    try {
      const signal = AbortSignal.any([job.signal, lease.signal]);
      const loaded = lease.loaded;
      const s = input.settings;
      const settings = resolveGenerationSettings(loaded.valle.spec, s);
      const chunkFrames = s.chunkFrames ?? DEFAULT_CHUNK_FRAMES;
      const codec = s.codec ?? loaded.model.codec ?? (loaded.checkpoint.config.audio_backend || 'vocos');
      const seed = resolveSeed(sampler);
      job.progress({ fraction: null, stage: 'reading the voice' });
      const refs = await readVoice(this.#o.media, plan.parts);
      const taskInput: GenerateSpeechInput = {
        checkpoint: loaded.files.checkpoint,
        yaml: loaded.files.yaml,
        codec,
        modelsDir: this.#o.modelsDir,
        session: this.#o.sessionOptions(),
        text: input.text,
        refs,
        language: s.language,
        sampler: { ...sampler, seed },
        ...settings,
        chunkFrames,
      };
      const lineCount = splitLines(input.text).length;
      let firstChunkMs: number | null = null;
      let samplesSent = 0;
      const result = await job.tasks.run<GenerateSpeechInput, GenerateSpeechResult>(GENERATE_TASK, taskInput, {
        signal,
        onProgress: (report) => {
          if (!isChunkReport(report)) {
            job.progress(report);
            return;
          }
          const c = report.chunk;
          firstChunkMs ??= performance.now() - started;
          this.#o.events.chunk({
            jobId,
            index: c.index,
            line: c.line,
            kind: c.kind,
            sampleRate: c.sampleRate,
            startSec: samplesSent / c.sampleRate,
            samples: encodeChunkSamples(c.samples),
            lineDone: c.lineDone,
            lines: lineCount,
          });
          samplesSent += c.samples.length;
          job.progress({ fraction: report.fraction, stage: report.stage });
        },
      });
      if (signal.aborted) throw new StudioError('cancelled', 'Cancelled.');
      job.progress({ fraction: 0.99, stage: 'saving' });
      const { mediaId } = await this.#o.media.put({ sampleRate: result.sampleRate, channels: [result.joined] });
      const totalMs = performance.now() - started;
      const durationSec = result.joined.length / result.sampleRate;
      const { seed: _seed, ...samplerWithoutSeed } = sampler;
      const generation: Generation = {
        id: crypto.randomUUID(),
        text: input.text,
        voice: input.voice,
        voiceLabel: plan.label,
        modelId: loaded.model.id,
        modelName: loaded.model.name,
        codec,
        language: s.language,
        sampler: samplerWithoutSeed,
        settings: { ...settings, chunkFrames },
        seed: result.seed,
        mediaId,
        sampleRate: result.sampleRate,
        durationSec,
        segments: segmentsOf(result),
        timings: { ...result.timings, totalMs, firstChunkMs },
        realTimeFactor: durationSec > 0 ? totalMs / 1000 / durationSec : 0,
        rerunOf,
        createdAt: new Date().toISOString(),
        trashedAt: null,
      };
      this.#o.db.generations.insert(toRecord(generation, plan.speakerId));
      this.#o.events.changed(generation.id, 'added');
      return { generationId: generation.id };
    } finally {
      lease.release();
    }
  }
}

function segmentsOf(r: GenerateSpeechResult): GenerationSegment[] {
  const out: GenerationSegment[] = [];
  let at = 0;
  for (const [line, l] of r.lines.entries()) {
    if (line > 0) at += r.gapSamples;
    out.push({ line, text: l.text, startSec: at / r.sampleRate, endSec: (at + l.samples) / r.sampleRate, stopped: l.stopped });
    at += l.samples;
  }
  return out;
}
