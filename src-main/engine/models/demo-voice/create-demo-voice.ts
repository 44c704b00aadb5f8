/**
 * `models.createDemoVoice`, the job body: the offline first-run voice. The clip (a library clip with its
 * transcript, or the bundled sample) is checked and read here; the training runs in a worker task
 * ('models.demoVoice', train-demo-voice.ts) so the host keeps answering; the checkpoint it writes into a staging
 * folder is then checked like an import (loadCheckpoint with its YAML), installed (origin `demo`) and made active.
 * A failure or cancellation at any point removes the staging folder: nothing half-made is ever listed.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { StudioError } from '../../../../src-shared/api/errors.js';
import type { TimeSpan } from '../../../../src-shared/api/library.js';
import type { DemoVoiceResult, InstalledModel, ModelFile } from '../../../../src-shared/api/models.js';
import type { JobContext } from '../../jobs/job-context.js';
import { decodeAudioFile } from '../../media/decode.js';
import { mixdownToMono } from '../../media/mixdown.js';
import { durationSec, type Pcm } from '../../media/pcm.js';
import { loadCheckpoint } from '../../valle/checkpoint/load-checkpoint.js';
import { loadConfigFile } from '../../valle/config/index.js';
import { sha256File } from '../file-hash.js';
import type { ModelRegistry, NewModel } from '../model-registry.js';
import { valleFacts } from '../valle-summary.js';
import { DEMO_VOICE_CHECKPOINT, DEMO_VOICE_YAML, type TrainDemoVoiceInput, type TrainDemoVoiceResult } from './train-demo-voice.js';

export type DemoVoiceInput = { clipId: string; transcript?: string; steps?: number } | { bundled: true; steps?: number };

/** A library clip as the demo voice needs it (the host reads it from the database and the media store). */
export interface DemoVoiceClip {
  name: string;
  speakerName: string;
  transcript: string;
  language: string;
  span: TimeSpan | null;
  read(): Promise<Pcm>;
}

export interface DemoVoiceDeps {
  registry: ModelRegistry;
  /** The clip by id, or a not_found StudioError (also for a trashed clip). */
  findClip: (clipId: string) => DemoVoiceClip;
  /** Makes the new model the active one. */
  activate: (id: string) => Promise<unknown>;
}

/**
 * Clip length accepted. The prompt is the first second, so the clip must be longer; the step cost grows with the
 * clip's length (a 3–4 s clip trains in about a minute on two cores), so long recordings are refused.
 */
export const DEMO_VOICE_MIN_SEC = 1.5;
export const DEMO_VOICE_MAX_SEC = 12;

/**
 * Default step budget when the input names none (test-only: e2e runs set a handful so a run takes seconds; the
 * product leaves it unset and trains with Try Me's cap).
 */
export const DEMO_VOICE_STEPS_ENV = 'VALLE_STUDIO_DEMO_VOICE_STEPS';

function stepsFromEnv(): number | undefined {
  const raw = process.env[DEMO_VOICE_STEPS_ENV];
  const steps = raw ? Number(raw) : NaN;
  return Number.isInteger(steps) && steps > 0 ? steps : undefined;
}

/** Share of the job's progress the training takes; the rest is checking, installing and loading. */
const TRAINING_SHARE = 0.92;

export function demoVoiceResourceDir(): string {
  return fileURLToPath(new URL('../../../../resources/demo-voice', import.meta.url));
}

/** The bundled sample: a short espeak-ng utterance (no real person's voice ships) and its text. */
export async function bundledDemoSample(): Promise<{ pcm: Pcm; transcript: string }> {
  const dir = demoVoiceResourceDir();
  const [{ pcm }, text] = await Promise.all([decodeAudioFile(path.join(dir, 'sample.wav'), 'sample.wav'), readFile(path.join(dir, 'sample.txt'), 'utf8')]);
  return { pcm, transcript: text.trim() };
}

interface PlannedSource {
  name: string;
  language: string;
  /** The audio and what it says. */
  load(): Promise<{ pcm: Pcm; transcript: string }>;
}

/** Checks the input without reading audio: a missing clip or transcript fails before the job does any work. */
export function planDemoVoice(input: DemoVoiceInput, deps: Pick<DemoVoiceDeps, 'findClip'>): PlannedSource {
  if ('bundled' in input) return { name: 'Demo voice — bundled sample', language: 'en', load: bundledDemoSample };
  const clip = deps.findClip(input.clipId);
  const transcript = (input.transcript ?? clip.transcript).trim();
  if (transcript === '') {
    throw new StudioError('invalid_input', `${clip.name} has no transcript: type what it says to train a voice on it.`, { clipId: input.clipId });
  }
  return {
    name: `Demo voice — ${clip.speakerName}`,
    language: clip.language || 'en',
    load: async () => {
      const pcm = await clip.read();
      return { pcm: clip.span ? trim(pcm, clip.span) : pcm, transcript };
    },
  };
}

export async function createDemoVoice(input: DemoVoiceInput, deps: DemoVoiceDeps, job: JobContext): Promise<DemoVoiceResult> {
  const planned = planDemoVoice(input, deps);
  job.progress({ fraction: 0, stage: 'Reading the clip' });
  const { pcm, transcript } = await planned.load();
  const seconds = durationSec(pcm);
  if (seconds < DEMO_VOICE_MIN_SEC || seconds > DEMO_VOICE_MAX_SEC) {
    throw new StudioError(
      'invalid_input',
      `The clip is ${seconds.toFixed(1)} s long; a demo voice needs ${DEMO_VOICE_MIN_SEC}–${DEMO_VOICE_MAX_SEC} s of speech (trim it in the Library).`,
      { seconds },
    );
  }
  if (job.signal.aborted) throw new StudioError('cancelled', 'Cancelled.');

  const staging = await deps.registry.createStaging();
  try {
    const mono = mixdownToMono(pcm);
    const taskInput: TrainDemoVoiceInput = {
      samples: mono.channels[0],
      sampleRate: mono.sampleRate,
      transcript,
      language: planned.language,
      outDir: staging,
      steps: input.steps ?? stepsFromEnv(),
    };
    const trained = await job.tasks.run<TrainDemoVoiceInput, TrainDemoVoiceResult>('models.demoVoice', taskInput, {
      signal: job.signal,
      onProgress: (r) => job.progress({ fraction: r.fraction === null ? null : r.fraction * TRAINING_SHARE, stage: r.stage, etaSeconds: r.etaSeconds }),
    });
    if (job.signal.aborted) throw new StudioError('cancelled', 'Cancelled.');

    job.progress({ fraction: TRAINING_SHARE, stage: 'Checking the trained model' });
    const checkpointFile = path.join(staging, DEMO_VOICE_CHECKPOINT);
    const yamlFile = path.join(staging, DEMO_VOICE_YAML);
    const loaded = await loadCheckpoint(checkpointFile, { baseConfig: (await loadConfigFile(yamlFile)).config });
    const files: ModelFile[] = [];
    for (const [role, name] of [['checkpoint', DEMO_VOICE_CHECKPOINT], ['yaml', DEMO_VOICE_YAML]] as const) {
      const file = path.join(staging, name);
      files.push({ role, name, bytes: (await readFile(file)).byteLength, sha256: await sha256File(file, job.signal) });
    }
    const warnings = trained.passed
      ? []
      : [`Training stopped after ${trained.steps} steps before the voice reproduced its clip (AR ${(100 * trained.arAccuracy).toFixed(0)}%): it may sound rough.`];
    const model: NewModel = {
      name: planned.name,
      kind: 'valle',
      ...valleFacts(loaded),
      origin: { kind: 'demo' },
      files,
      totalBytes: files.reduce((n, f) => n + f.bytes, 0),
      lora: null,
      warnings: [...loaded.warnings, ...warnings],
    };
    job.progress({ fraction: 0.95, stage: 'Installing' });
    if (job.signal.aborted) throw new StudioError('cancelled', 'Cancelled.');
    const installed: InstalledModel = await deps.registry.install(staging, model);
    job.progress({ fraction: 0.97, stage: 'Loading the voice' });
    await deps.activate(installed.id);
    return {
      model: installed,
      training: {
        steps: trained.steps,
        maxSteps: trained.maxSteps,
        passed: trained.passed,
        arAccuracy: trained.arAccuracy,
        narAccuracy: trained.narAccuracy,
        frames: trained.frames,
        trainSec: trained.trainSec,
      },
    };
  } catch (error) {
    // Once installed the folder is no longer staging (the rename moved it): discarding is then a no-op.
    await deps.registry.discardStaging(staging);
    throw error;
  }
}

function trim(pcm: Pcm, span: TimeSpan): Pcm {
  const frames = pcm.channels[0]?.length ?? 0;
  const start = Math.min(frames, Math.round(span.startSec * pcm.sampleRate));
  const end = Math.min(frames, Math.round(span.endSec * pcm.sampleRate));
  return { sampleRate: pcm.sampleRate, channels: pcm.channels.map((c) => c.slice(start, end)) };
}
