import { InjectionToken } from '$lib/context.js';
import type { ToastService } from '$lib/notifications/toasts.svelte.js';
import type { DesktopServices } from '$shared/bridge.js';
import type { ImportSource } from '$shared/api/library.js';
import type { ImportModelResult, InstalledModel } from '$shared/api/models.js';
import type { StudioClient } from '$shared/client.js';
import type { ModelsService } from './models.svelte.js';

export const checkpointExtensions = ['sft', 'safetensors', 'pth', 'pt'] as const;
export const checkpointAccept = checkpointExtensions.map((ext) => `.${ext}`).join(',');
export const yamlAccept = '.yaml,.yml';

export function isCheckpointName(name: string): boolean {
  const ext = name.toLowerCase().split('.').pop() ?? '';
  return name.includes('.') && (checkpointExtensions as readonly string[]).includes(ext);
}

export interface ModelImportRequest {
  checkpoint: File;
  yaml: File | null;
  /** Defaults to the file's name. */
  name?: string;
}

export interface ModelImportTask {
  fileName: string;
  phase: 'uploading' | 'importing';
  /** Engine job progress while importing, 0..1 or null. */
  fraction: number | null;
  stage: string;
}

/**
 * Importing a checkpoint (with an optional YAML) or a LoRA: on the desktop the engine reads the files where they
 * are (see [Note: paths on the desktop] in clip-import); on the web they are uploaded first. Then one
 * `models.import` job checks and installs them; this follows it and says how it ended.
 */
export class ModelImportService {
  task = $state.raw<ModelImportTask | null>(null);
  #client: StudioClient;
  #toasts: ToastService;
  #models: ModelsService;
  #desktop: DesktopServices | null;

  constructor(client: StudioClient, toasts: ToastService, models: ModelsService, desktop: DesktopServices | null = null) {
    this.#client = client;
    this.#toasts = toasts;
    this.#models = models;
    this.#desktop = desktop;
  }

  /** Answers the installed model, or null (the reason is in a toast). */
  async importModel(request: ModelImportRequest): Promise<InstalledModel | null> {
    if (this.task) return null;
    const fileName = request.checkpoint.name;
    if (!isCheckpointName(fileName)) {
      this.#toasts.error(`Not a checkpoint: use a ${checkpointExtensions.map((e) => `.${e}`).join(', ')} file.`, `Import ${fileName}`);
      return null;
    }
    this.task = { fileName, phase: 'uploading', fraction: null, stage: 'Reading the file' };
    try {
      const checkpoint = await this.#stage(request.checkpoint);
      const yaml = request.yaml ? await this.#stage(request.yaml) : null;
      this.task = { ...this.task, phase: 'importing', stage: 'Starting' };
      const name = request.name?.trim();
      const { jobId } = await this.#client.call('models.import', { checkpoint, yaml, ...(name ? { name } : {}) });
      const job = await this.#client.waitForJob(jobId, (update) => {
        if (this.task) this.task = { ...this.task, fraction: update.progress.fraction, stage: update.progress.stage };
      });
      if (job.state !== 'succeeded') {
        if (job.state === 'failed') this.#toasts.error(job.error?.message ?? 'The import failed.', `Import ${fileName}`);
        return null;
      }
      const model = (job.result as ImportModelResult).model;
      this.#toasts.info(`Imported ${model.name}.`, 'success');
      await this.#models.refresh();
      return model;
    } catch (error) {
      this.#toasts.error(error, `Import ${fileName}`);
      return null;
    } finally {
      this.task = null;
    }
  }

  async #stage(file: File): Promise<ImportSource> {
    const [path] = this.#desktop ? await this.#desktop.pathsForFiles([file]) : [];
    if (path) return { kind: 'path', path };
    const { uploadId } = await this.#client.upload(file.name, await file.arrayBuffer());
    return { kind: 'upload', uploadId, name: file.name };
  }
}

export const MODEL_IMPORT = new InjectionToken<ModelImportService>('ModelImportService');
