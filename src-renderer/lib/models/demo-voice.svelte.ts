import { InjectionToken } from '$lib/context.js';
import type { ToastService } from '$lib/notifications/toasts.svelte.js';
import type { Clip } from '$shared/api/library.js';
import type { DemoVoiceResult, InstalledModel } from '$shared/api/models.js';
import type { StudioClient } from '$shared/client.js';
import type { ModelsService } from './models.svelte.js';

/** What the demo voice is trained on: the bundled sample, or a library clip (with its text when it has none). */
export type DemoVoiceSource = { kind: 'bundled' } | { kind: 'clip'; clipId: string; transcript?: string };

export interface DemoVoiceTask {
  jobId: string | null;
  /** Engine job progress, 0..1, or null before the first report. */
  fraction: number | null;
  stage: string;
  etaSeconds: number | null;
  cancelling: boolean;
}

/** A clip the dialog offers, with its speaker's name. */
export interface DemoVoiceClipChoice {
  clip: Clip;
  speakerName: string;
}

/**
 * The offline demo voice: one `models.createDemoVoice` job (training on the CPU, then install and activate),
 * followed here for the dialog's progress and cancel; the job tray shows the same job.
 */
export class DemoVoiceService {
  task = $state.raw<DemoVoiceTask | null>(null);
  #client: StudioClient;
  #toasts: ToastService;
  #models: ModelsService;

  constructor(client: StudioClient, toasts: ToastService, models: ModelsService) {
    this.#client = client;
    this.#toasts = toasts;
    this.#models = models;
  }

  /** Every live clip of every speaker, for the picker (libraries here are small: one call per speaker). */
  async clipChoices(): Promise<DemoVoiceClipChoice[]> {
    const speakers = await this.#client.call('library.listSpeakers', {});
    const lists = await Promise.all(speakers.map(async (s) => (await this.#client.call('library.listClips', { speakerId: s.id })).map((clip) => ({ clip, speakerName: s.name }))));
    return lists.flat();
  }

  /** Answers the new (active) model, or null when it failed or was cancelled (a failure is in a toast). */
  async create(source: DemoVoiceSource): Promise<InstalledModel | null> {
    if (this.task) return null;
    this.task = { jobId: null, fraction: null, stage: 'Starting', etaSeconds: null, cancelling: false };
    try {
      const input =
        source.kind === 'bundled' ? { bundled: true as const } : { clipId: source.clipId, ...(source.transcript?.trim() ? { transcript: source.transcript.trim() } : {}) };
      const { jobId } = await this.#client.call('models.createDemoVoice', input);
      this.task = { ...this.task, jobId };
      const job = await this.#client.waitForJob(jobId, (update) => {
        if (this.task) this.task = { ...this.task, fraction: update.progress.fraction, stage: update.progress.stage, etaSeconds: update.progress.etaSeconds };
      });
      if (job.state !== 'succeeded') {
        if (job.state === 'failed') this.#toasts.error(job.error?.message ?? 'The demo voice could not be made.', 'Demo voice');
        return null;
      }
      const { model, training } = job.result as DemoVoiceResult;
      this.#toasts.info(`${model.name} is ready and active (${training.steps} training steps).`, 'success');
      await this.#models.refresh();
      return model;
    } catch (error) {
      this.#toasts.error(error, 'Demo voice');
      return null;
    } finally {
      this.task = null;
    }
  }

  async cancel(): Promise<void> {
    const jobId = this.task?.jobId;
    if (!jobId || this.task?.cancelling) return;
    this.task = { ...this.task!, cancelling: true };
    try {
      await this.#client.call('jobs.cancel', { jobId });
    } catch (error) {
      this.#toasts.error(error, 'Cancel the demo voice');
    }
  }
}

export const DEMO_VOICE = new InjectionToken<DemoVoiceService>('DemoVoiceService');
