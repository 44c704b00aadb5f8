import { stat } from 'node:fs/promises';
import path from 'node:path';
import { StudioError } from '../../../src-shared/api/errors.js';
import type { ImportSource } from '../../../src-shared/api/library.js';
import type {
  ActiveModelState,
  CatalogueEntry,
  DemoVoiceResult,
  DownloadRecord,
  InstalledModel,
  ModelKind,
  WhenBusy,
} from '../../../src-shared/api/models.js';
import type { StudioDatabase } from '../db/database.js';
import { silentLog, type HostLog } from '../host/host-log.js';
import type { JobContext } from '../jobs/job-context.js';
import { AllowedRoots } from '../library/allowed-roots.js';
import { MODEL_CATALOGUE, type CatalogueItem } from './catalogue.js';
import { createDemoVoice, planDemoVoice, type DemoVoiceClip, type DemoVoiceInput } from './demo-voice/create-demo-voice.js';
import { installDownload } from './download-install.js';
import { DownloadManager, type DownloadJobs } from './download/download-manager.js';
import { DEFAULT_HUB_URL, HubClient } from './download/hub-client.js';
import { importModel, type ImportModelInput, type ResolvedSource } from './model-import.js';
import { ModelManager, type LoadedModel, type ModelLoader } from './model-manager.js';
import { ModelRegistry } from './model-registry.js';
import { valleLoader, type LoadedValleModel } from './valle-loader.js';

export interface ModelEventSink {
  changed(id: string, change: 'added' | 'removed'): void;
  active(state: ActiveModelState): void;
  download(catalogueId: string, download: DownloadRecord | null): void;
}

export interface ModelServiceOptions<H extends LoadedModel = LoadedValleModel> {
  db: StudioDatabase;
  /** `<home>/models`. */
  modelsDir: string;
  jobs: DownloadJobs;
  /** A staged upload's file and name (the host's upload store). */
  resolveUpload: (uploadId: string) => { path: string; name: string };
  /** Folders path imports may read (shared with the library's grants). */
  allowedRoots: AllowedRoots;
  events?: Partial<ModelEventSink>;
  /** Hugging Face hub base URL (default https://huggingface.co; tests: a local server). */
  hubUrl?: string;
  catalogue?: readonly CatalogueItem[];
  /** How the active model is loaded (default: checkpoint + ValleModel). */
  loader?: (registry: ModelRegistry) => ModelLoader<H>;
  /** Library clips by id, for the demo voice (not_found for a missing or trashed clip); without it only the bundled sample can be used. */
  findClip?: (clipId: string) => DemoVoiceClip;
  /** Download tuning (tests). */
  download?: { retries?: number; retryDelaysMs?: readonly number[]; idleTimeoutMs?: number; progressIntervalMs?: number };
  log?: HostLog;
}

/**
 * `models.*`: the registry of installed models, imports, the active model (hot swap with a generation lock) and
 * downloads from the hub, composed. The generation pipeline takes the active model with `manager.acquire()`.
 */
export class ModelService<H extends LoadedModel = LoadedValleModel> {
  readonly registry: ModelRegistry;
  readonly manager: ModelManager<H>;
  readonly downloads: DownloadManager;
  readonly hub: HubClient;
  readonly #allowed: AllowedRoots;
  readonly #resolveUpload: ModelServiceOptions<H>['resolveUpload'];
  readonly #catalogue: readonly CatalogueItem[];
  readonly #findClip: ModelServiceOptions<H>['findClip'];

  private constructor(parts: {
    registry: ModelRegistry;
    manager: ModelManager<H>;
    downloads: DownloadManager;
    hub: HubClient;
    allowed: AllowedRoots;
    resolveUpload: ModelServiceOptions<H>['resolveUpload'];
    catalogue: readonly CatalogueItem[];
    findClip: ModelServiceOptions<H>['findClip'];
  }) {
    this.registry = parts.registry;
    this.manager = parts.manager;
    this.downloads = parts.downloads;
    this.hub = parts.hub;
    this.#allowed = parts.allowed;
    this.#resolveUpload = parts.resolveUpload;
    this.#catalogue = parts.catalogue;
    this.#findClip = parts.findClip;
  }

  static async open<H extends LoadedModel = LoadedValleModel>(options: ModelServiceOptions<H>): Promise<ModelService<H>> {
    const log = options.log ?? silentLog;
    const events = options.events ?? {};
    const catalogue = options.catalogue ?? MODEL_CATALOGUE;
    const registry = await ModelRegistry.open({ db: options.db, modelsDir: options.modelsDir, onChange: (id, change) => events.changed?.(id, change), log });
    const loader = options.loader ? options.loader(registry) : (valleLoader(registry) as unknown as ModelLoader<H>);
    const manager = new ModelManager<H>({ find: (id) => registry.get(id), load: loader, onChange: (state) => events.active?.(state) });
    const hub = new HubClient(options.hubUrl ?? DEFAULT_HUB_URL);
    const downloads = await DownloadManager.open({
      dir: path.join(options.modelsDir, '.downloads'),
      catalogue,
      hub,
      jobs: options.jobs,
      install: (item, files) => installDownload(registry, item, files, log),
      installedFor: (catalogueId) => registry.list().find((m) => m.origin.kind === 'hub' && m.origin.catalogueId === catalogueId) ?? null,
      onChange: (catalogueId, download) => events.download?.(catalogueId, download),
      ...options.download,
      log,
    });
    return new ModelService({ registry, manager, downloads, hub, allowed: options.allowedRoots, resolveUpload: options.resolveUpload, catalogue, findClip: options.findClip });
  }

  list(input: { kind?: ModelKind }): InstalledModel[] {
    return this.registry.list(input.kind);
  }

  get(input: { id: string }): InstalledModel {
    return this.registry.get(input.id);
  }

  /** The body of a `models.import` job. */
  async importModel(input: ImportModelInput, job: JobContext): Promise<{ model: InstalledModel }> {
    // Sources are checked before the job does anything: a path outside the granted folders changes nothing.
    const resolved = new Map<ImportSource, ResolvedSource>();
    for (const source of [input.checkpoint, input.yaml]) if (source) resolved.set(source, await this.#resolve(source));
    const model = await importModel(input, { registry: this.registry, resolve: (source) => resolved.get(source)! }, job);
    return { model };
  }

  /** The body of a `models.createDemoVoice` job: train, install and activate the offline demo voice. */
  createDemoVoice(input: DemoVoiceInput, job: JobContext): Promise<DemoVoiceResult> {
    return createDemoVoice(input, { registry: this.registry, findClip: (id) => this.#clip(id), activate: (id) => this.manager.load(id, 'finish') }, job);
  }

  /** Checks a demo voice request without reading audio (missing clip, missing transcript). */
  checkDemoVoice(input: DemoVoiceInput): void {
    planDemoVoice(input, { findClip: (id) => this.#clip(id) });
  }

  #clip(clipId: string): DemoVoiceClip {
    if (!this.#findClip) throw new StudioError('not_found', 'Library clips are not available here; use the bundled sample.', { clipId });
    return this.#findClip(clipId);
  }

  async delete(input: { id: string }): Promise<{ deleted: string }> {
    const model = this.registry.get(input.id);
    if (this.manager.isInUse(model.id)) {
      throw new StudioError('conflict', `${model.name} is the active model (or being loaded); unload it or load another one first.`, { id: model.id });
    }
    await this.registry.remove(model.id);
    return { deleted: model.id };
  }

  load(input: { id: string; whenBusy: WhenBusy }): Promise<ActiveModelState> {
    return this.manager.load(input.id, input.whenBusy);
  }

  unload(input: { whenBusy: WhenBusy }): Promise<ActiveModelState> {
    return this.manager.unload(input.whenBusy);
  }

  active(): ActiveModelState {
    return this.manager.state();
  }

  catalogue(): CatalogueEntry[] {
    const installed = this.registry.list();
    return this.#catalogue.map((item) => ({
      id: item.id,
      name: item.name,
      kind: item.kind,
      description: item.description,
      repo: item.repo,
      revision: item.revision,
      files: item.files.map((f) => ({ ...f })),
      codec: item.codec,
      homepage: item.homepage,
      installedModelId: installed.find((m) => m.origin.kind === 'hub' && m.origin.catalogueId === item.id)?.id ?? null,
      download: this.downloads.get(item.id),
    }));
  }

  listDownloads(): DownloadRecord[] {
    return this.downloads.list();
  }

  download(input: { catalogueId: string }): Promise<{ jobId: string }> {
    return this.downloads.start(input.catalogueId);
  }

  pauseDownload(input: { catalogueId: string }): Promise<DownloadRecord> {
    return this.downloads.pause(input.catalogueId);
  }

  async cancelDownload(input: { catalogueId: string }): Promise<{ cancelled: string }> {
    await this.downloads.cancel(input.catalogueId);
    return { cancelled: input.catalogueId };
  }

  /** Desktop grants: folders the user chose may be imported from. */
  allowRoots(paths: readonly string[]): void {
    this.#allowed.add(paths);
  }

  /** Unloads the active model (after the job queue has stopped the generations). */
  close(): Promise<void> {
    return this.manager.close();
  }

  async #resolve(source: ImportSource): Promise<ResolvedSource> {
    if (source.kind === 'upload') {
      const staged = this.#resolveUpload(source.uploadId);
      return { file: staged.path, displayName: source.name, originalPath: null, movable: true };
    }
    const real = this.#allowed.check(source.path);
    const info = await stat(real).catch(() => null);
    if (!info) throw new StudioError('not_found', `${source.path} does not exist.`, { path: source.path });
    if (!info.isFile()) throw new StudioError('invalid_input', `${source.path} is not a file.`, { path: source.path });
    return { file: real, displayName: path.basename(source.path), originalPath: source.path, movable: false };
  }
}
