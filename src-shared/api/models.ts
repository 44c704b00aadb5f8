import { z } from 'zod';
import { defineEvent, defineProcedure } from './define.js';
import type { StudioErrorData } from './errors.js';
import { importSourceSchema } from './library.js';

/**
 * Models on this machine: VALL-E checkpoints (AR+NAR), LoRAs for them, and codec weights (EnCodec, Vocos).
 * Each lives in its own folder of the studio home (`models/<id>/`, with a `manifest.json`) and has a row in
 * the database. One VALL-E model at a time is *active* (loaded): generation runs on it; switching waits for
 * generations in flight to finish on the old model, or cancels them, as the caller chooses.
 */
export const modelKinds = ['valle', 'lora', 'codec'] as const;
export type ModelKind = (typeof modelKinds)[number];

/** Where a model came from. */
export type ModelOrigin =
  /** Imported by the user: the original file name, and its path when it was read from disk (null: uploaded). */
  | { kind: 'imported'; fileName: string; path: string | null }
  /** Downloaded from the Hugging Face hub (`catalogueId` names the catalogue entry it was downloaded for). */
  | { kind: 'hub'; repo: string; revision: string; catalogueId: string }
  /** Made on this machine without any download (the offline demo voice). */
  | { kind: 'demo' };

export type ModelFileRole = 'checkpoint' | 'yaml' | 'lora' | 'weights' | 'config';

export interface ModelFile {
  role: ModelFileRole;
  /** File name inside the model's folder. */
  name: string;
  bytes: number;
  /** sha256 hex of the file as installed. */
  sha256: string;
}

export interface ModelDimensions {
  dModel: number;
  heads: number;
  layers: number;
  /** RVQ levels the model predicts. */
  levels: number;
  langs: number;
  tasks: number;
}

export interface LoraSummary {
  rank: number;
  alpha: number;
  /** Backbone layers it adapts. */
  layers: number;
  /** Adapted projections, e.g. ['self_attn.q_proj', 'mlp.down_proj']. */
  targets: string[];
  /** Model width the LoRA fits (its input size on the attention projections). */
  dModel: number;
  parametrized: boolean;
}

export interface InstalledModel {
  id: string;
  name: string;
  kind: ModelKind;
  /** The backbone (`llama` for the released VALL-E), or the codec family for codecs. */
  architecture: string | null;
  /** The reference's engine name, e.g. `ar+nar-llama-8`; null for codecs and LoRAs. */
  fullName: string | null;
  /** `full`, `half`, `quarter`, `double`, or `custom` for an explicit size; null where it does not apply. */
  sizePreset: string | null;
  dimensions: ModelDimensions | null;
  parameterCount: number | null;
  /** The codec whose codes the model reads and writes (`vocos`, `encodec`); for a codec, itself. */
  codec: string | null;
  origin: ModelOrigin;
  files: ModelFile[];
  /** Sum of the files' sizes. */
  totalBytes: number;
  lora: LoraSummary | null;
  /** What the checks noticed but did not refuse (e.g. a missing optional tensor filled in). */
  warnings: string[];
  createdAt: string;
}

/**
 * The loaded model and what the engine is doing about it. `phase`: `idle`; `loading` (reading and checking the
 * new weights; the old model still serves); `waiting` (the new model is ready and waits for generations on the old
 * one to finish, or to stop when cancelling); `unloading`.
 */
export interface ActiveModelState {
  model: InstalledModel | null;
  loadedAt: string | null;
  phase: 'idle' | 'loading' | 'waiting' | 'unloading';
  /** The model being switched to (null while idle, and when unloading). */
  pendingId: string | null;
  /** Generations running on the active model right now. */
  generationsInFlight: number;
}

/** What a swap does with generations still running on the old model. */
export const whenBusyChoices = ['finish', 'cancel'] as const;
export type WhenBusy = (typeof whenBusyChoices)[number];

export interface CatalogueFile {
  /** Path inside the hub repository. */
  path: string;
  role: ModelFileRole;
  /** A file the model can do without: if the hub lacks it or it does not validate, the model installs without it. */
  optional: boolean;
}

/** A model the studio knows how to download (data, not code: `src-main/engine/models/catalogue.ts`). */
export interface CatalogueEntry {
  id: string;
  name: string;
  kind: ModelKind;
  description: string;
  repo: string;
  revision: string;
  files: CatalogueFile[];
  /** For codecs: which codec; for VALL-E models: the codec they are meant for. */
  codec: string | null;
  /** The repository's page, for people. */
  homepage: string;
  /** The installed model downloaded from this entry, if any. */
  installedModelId: string | null;
  /** The download in progress, paused or failed, if any. */
  download: DownloadRecord | null;
}

/**
 * `queued`/`downloading`/`verifying`/`installing`: a job is working on it. `paused`: stopped by the user (or
 * the job was cancelled), partial files kept. `interrupted`: stopped by a network failure or by the studio
 * closing; partial files kept, resumable. `failed`: refused (checksum mismatch, not a valid model); partial
 * files removed — downloading again starts over.
 */
export const downloadStates = ['queued', 'downloading', 'verifying', 'installing', 'paused', 'interrupted', 'failed'] as const;
export type DownloadState = (typeof downloadStates)[number];

export interface DownloadFileProgress {
  path: string;
  /** Size on the hub; null until the hub has been asked. */
  bytes: number | null;
  bytesDone: number;
  /** Downloaded completely and its checksum matched. */
  verified: boolean;
}

export interface DownloadRecord {
  catalogueId: string;
  name: string;
  repo: string;
  revision: string;
  state: DownloadState;
  /** The job moving it now (null while paused, interrupted or failed). */
  jobId: string | null;
  bytesDone: number;
  bytesTotal: number | null;
  /** Recent speed (a few seconds' window); null when not downloading. */
  bytesPerSecond: number | null;
  etaSeconds: number | null;
  /** The file being downloaded now. */
  currentFile: string | null;
  files: DownloadFileProgress[];
  /** Why it stopped (interrupted or failed). */
  error: StudioErrorData | null;
  startedAt: string;
  updatedAt: string;
}

/** Result of a `models.import` job. */
export interface ImportModelResult {
  model: InstalledModel;
}

/** Result of a `models.download` job: the model it installed. */
export interface DownloadModelResult {
  model: InstalledModel;
}

/** Result of a `models.createDemoVoice` job: the installed (and now active) model and how its training went. */
export interface DemoVoiceResult {
  model: InstalledModel;
  training: {
    /** Steps taken (training stops early once the model reproduces the clip). */
    steps: number;
    maxSteps: number;
    /** Whether it met the Try Me thresholds; a voice that did not still generates, only rougher. */
    passed: boolean;
    /** Greedy AR / teacher-forced NAR accuracy on the clip, 0…1. */
    arAccuracy: number;
    narAccuracy: number;
    /** Frames of the clip (75 per second). */
    frames: number;
    trainSec: number;
  };
}

/** Most training steps a demo voice may be given (the default is 600: Try Me's cap). */
export const DEMO_VOICE_MAX_STEPS = 5000;

const id = z.string().min(1).max(100);
const catalogueId = z.object({ catalogueId: id }).strict();
const whenBusy = z.enum(whenBusyChoices).default('finish');

export const modelProcedures = {
  'models.list': defineProcedure(
    z.object({ kind: z.enum(modelKinds).optional() }).strict(),
    'Installed models, by name (optionally of one kind).',
  ).returns<InstalledModel[]>(),
  'models.get': defineProcedure(z.object({ id }).strict(), 'One installed model.').returns<InstalledModel>(),
  'models.import': defineProcedure(
    z
      .object({
        checkpoint: importSourceSchema,
        /** A reference YAML whose settings fill what the checkpoint does not carry. */
        yaml: importSourceSchema.nullable().default(null),
        name: z.string().trim().min(1).max(200).optional(),
        /** `auto`: a file whose tensors are all LoRA tensors is a LoRA, anything else a VALL-E checkpoint. */
        kind: z.enum(['auto', 'valle', 'lora']).default('auto'),
      })
      .strict(),
    'Copy a checkpoint (.sft/.pth, optional YAML) or a LoRA into the models folder after checking it. Job result: ImportModelResult.',
  ).startsJob(),
  'models.delete': defineProcedure(
    z.object({ id, confirm: z.literal(true) }).strict(),
    'Delete an installed model and its files for good (models are large: there is no trash). Refused while it is loaded.',
  ).returns<{ deleted: string }>(),
  'models.load': defineProcedure(
    z.object({ id, whenBusy }).strict(),
    'Make a VALL-E model the active one (hot swap). Resolves once it is active.',
  ).returns<ActiveModelState>(),
  'models.unload': defineProcedure(z.object({ whenBusy }).strict(), 'Unload the active model, freeing its memory.').returns<ActiveModelState>(),
  'models.active': defineProcedure(z.object({}).strict(), 'Which model is loaded, and any switch in progress.').returns<ActiveModelState>(),
  'models.catalogue': defineProcedure(
    z.object({}).strict(),
    'Models the studio can download, with what is installed and any download in progress.',
  ).returns<CatalogueEntry[]>(),
  'models.downloads': defineProcedure(z.object({}).strict(), 'Downloads in progress, paused, interrupted or failed.').returns<DownloadRecord[]>(),
  'models.download': defineProcedure(
    catalogueId,
    'Download a catalogue model from the hub (continuing a paused or interrupted download). Job result: DownloadModelResult.',
  ).startsJob(),
  'models.pauseDownload': defineProcedure(catalogueId, 'Stop a download, keeping what has arrived; it resumes later, even after a restart.').returns<DownloadRecord>(),
  'models.resumeDownload': defineProcedure(catalogueId, 'Continue a paused or interrupted download from where it stopped.').startsJob(),
  'models.cancelDownload': defineProcedure(catalogueId, 'Stop a download and remove what has arrived.').returns<{ cancelled: string }>(),
  'models.createDemoVoice': defineProcedure(
    z.union([
      z
        .object({
          /** A library clip of one speaker, a few seconds of clear speech. */
          clipId: id,
          /** What the clip says: required when the clip has no transcript, else it replaces it. */
          transcript: z.string().trim().min(1).max(1000).optional(),
          /** Most training steps (default 600); fewer make a rougher voice sooner (tests use a handful). */
          steps: z.number().int().min(1).max(DEMO_VOICE_MAX_STEPS).optional(),
        })
        .strict(),
      z.object({ bundled: z.literal(true), steps: z.number().int().min(1).max(DEMO_VOICE_MAX_STEPS).optional() }).strict(),
    ]),
    'Offline demo voice: train a small model on the CPU from a library clip (or the bundled sample) with the built-in lite codec, install it and make it active. Job result: DemoVoiceResult.',
  ).startsJob(),
};

export const modelEvents = {
  'models.changed': defineEvent<{ id: string; change: 'added' | 'removed' }>('A model was installed or deleted.'),
  'models.active': defineEvent<ActiveModelState>('The active model, or a switch in progress, changed.'),
  /** `download` is null once the download is gone (installed or cancelled). Progress is sent a few times a second. */
  'models.download': defineEvent<{ catalogueId: string; download: DownloadRecord | null }>('A download progressed or changed state.'),
};
