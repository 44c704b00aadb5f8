import path from 'node:path';
import type { EventName, PayloadOf } from '../../../src-shared/api/index.js';
import type { SystemInfo } from '../../../src-shared/api/system.js';
import type { HostWire } from '../../../src-shared/api/wire.js';
import { openDatabase, type StudioDatabase } from '../db/database.js';
import { GenerateService } from '../generate/generate-service.js';
import { PresetsStore } from '../generate/presets-store.js';
import { LibraryService } from '../library/library-service.js';
import { MediaStore } from '../media/media-store.js';
import { JobQueue } from '../jobs/job-queue.js';
import { AllowedRoots } from '../library/allowed-roots.js';
import { ModelService } from '../models/model-service.js';
import { SettingsService } from '../settings/settings-service.js';
import { SettingsStore } from '../settings/settings-store.js';
import { createTaskRegistry } from '../workers/task-registry.js';
import { WorkerPool } from '../workers/worker-pool.js';
import { EventBus } from './event-bus.js';
import { createHandlerTable } from './handlers.js';
import type { HandlerTable } from './handler-table.js';
import { consoleLog, type HostLog } from './host-log.js';
import { serveConnection } from './host-connection.js';
import type { HostParts } from './host-parts.js';
import { ensureStudioHome, type StudioHomeLayout } from './studio-home.js';
import { UploadStore } from './upload-store.js';
import { demoVoiceClip } from '../models/demo-voice/library-clip.js';

export interface EngineHostOptions {
  /** The studio home (created if missing): studio.db, media/, models/, runs/, exports/, uploads/. */
  home: string;
  hostKind: SystemInfo['host'];
  /**
   * Folders that path imports may read from (symlinks and `..` resolved before checking). Default: none,
   * so only uploads can be imported; the desktop app and the CLI pass the folders the user chose.
   */
  allowedRoots?: string[];
  log?: HostLog;
  /** Register the worker tasks used by failure tests (default: env VALLE_STUDIO_TEST_TASKS=1). */
  testTasks?: boolean;
  workerPoolSize?: number;
  /** Jobs run at once (default 1: jobs are heavy and share the machine). */
  jobConcurrency?: number;
  /** Largest accepted upload in bytes (default 2 GiB). */
  uploadMaxBytes?: number;
  /** Log every envelope (default: env VALLE_STUDIO_DEBUG_ENVELOPES=1). */
  debugEnvelopes?: boolean;
  /** Hugging Face hub for model downloads (default: env VALLE_STUDIO_HUB_URL, else https://huggingface.co). */
  hubUrl?: string;
}

/** The parts a host is made of. `EngineHost.open` builds the real ones; tests may substitute some. */
export interface EngineHostParts extends HostParts {
  bus: EventBus;
  pool: WorkerPool;
  db?: StudioDatabase;
  media?: MediaStore;
  /** The full model service (the handlers see only `models`' procedures); closed with the host. */
  modelService?: ModelService;
  debugEnvelopes?: boolean;
}

const UPLOAD_SWEEP_INTERVAL_MS = 60 * 60 * 1000;

/**
 * The engine host: the Studio API over any number of connections, composed from the database, the media
 * store, the library service, the job queue, the worker pool and the upload store. The same object runs under
 * Electron (utility process), the web host, and in-process for the CLI and tests; only the wire differs.
 */
export class EngineHost {
  readonly hostKind: SystemInfo['host'];
  readonly home: StudioHomeLayout;
  readonly jobs: JobQueue;
  readonly pool: WorkerPool;
  readonly uploads: UploadStore;
  readonly library: HostParts['library'];
  readonly db: StudioDatabase | undefined;
  readonly media: MediaStore | undefined;
  readonly models: HostParts['models'];
  readonly settings: HostParts['settings'];
  readonly generate: HostParts['generate'];
  /** The model service, for engine parts beyond the API (the generation pipeline takes the active model here). */
  readonly modelService: ModelService | undefined;
  readonly log: HostLog;
  private readonly bus: EventBus;
  private readonly handlers: HandlerTable;
  private readonly debugEnvelopes: boolean;
  private readonly connections = new Set<() => void>();
  private nextConnectionId = 1;
  private sweepTimer: NodeJS.Timeout | null = null;
  private closing: Promise<void> | null = null;

  static async open(options: EngineHostOptions): Promise<EngineHost> {
    const log = options.log ?? consoleLog();
    const home = ensureStudioHome(options.home);
    const bus = new EventBus();
    const db = openDatabase(home.database);
    let pool: WorkerPool | undefined;
    let jobs: JobQueue | undefined;
    try {
      const media = new MediaStore(home.media);
      const uploads = new UploadStore(home.uploads, { maxBytes: options.uploadMaxBytes, log });
      pool = new WorkerPool({ registry: createTaskRegistry({ testTasks: options.testTasks }), size: options.workerPoolSize, log });
      jobs = new JobQueue({
        repository: db.jobs,
        tasks: pool,
        concurrency: options.jobConcurrency,
        // Downloads wait on the network: two may run beside the compute jobs without slowing them.
        lanes: { network: 2 },
        onUpdate: (job) => bus.emit('job.updated', job),
        log,
      });
      const library = new LibraryService({
        db,
        media,
        allowedRoots: options.allowedRoots ?? [],
        resolveUpload: (uploadId) => uploads.resolve(uploadId),
        onChange: (entity, id) => bus.emit('library.changed', { entity, id }),
      });
      const modelService = await ModelService.open({
        db,
        modelsDir: home.models,
        jobs,
        resolveUpload: (uploadId) => uploads.resolve(uploadId),
        allowedRoots: new AllowedRoots(options.allowedRoots ?? []),
        hubUrl: options.hubUrl ?? (process.env.VALLE_STUDIO_HUB_URL || undefined),
        findClip: (clipId) => demoVoiceClip(db, media, clipId),
        events: {
          changed: (id, change) => bus.emit('models.changed', { id, change }),
          active: (state) => bus.emit('models.active', state),
          download: (catalogueId, download) => bus.emit('models.download', { catalogueId, download }),
        },
        log,
      });
      const settings = new SettingsService({
        store: await SettingsStore.open(path.join(home.root, 'settings.json'), log),
        home: home.root,
        onChange: (view) => bus.emit('settings.changed', view),
      });
      const generate = new GenerateService({
        db,
        media,
        jobs,
        tasks: pool,
        models: modelService.manager,
        modelsDir: home.models,
        sessionOptions: () => settings.sessionOptions(),
        resolveUpload: (uploadId) => uploads.resolve(uploadId),
        discardUpload: (uploadId) => uploads.discard(uploadId),
        presets: await PresetsStore.open(path.join(home.root, 'generate-presets.json'), log),
        events: {
          chunk: (chunk) => bus.emit('generate.chunk', chunk),
          changed: (id, change) => bus.emit('generate.changed', { id, change }),
          presetsChanged: (names) => bus.emit('generate.presetsChanged', { names }),
          libraryChanged: (entity, id) => bus.emit('library.changed', { entity, id }),
        },
        log,
      });
      const host = new EngineHost({
        hostKind: options.hostKind,
        home,
        jobs,
        library,
        uploads,
        models: modelService,
        modelService,
        settings,
        generate,
        log,
        bus,
        pool,
        db,
        media,
        debugEnvelopes: options.debugEnvelopes,
      });
      host.startUploadSweeps();
      return host;
    } catch (error) {
      await jobs?.close();
      await pool?.close();
      db.close();
      throw error;
    }
  }

  constructor(parts: EngineHostParts) {
    this.hostKind = parts.hostKind;
    this.home = parts.home;
    this.jobs = parts.jobs;
    this.pool = parts.pool;
    this.uploads = parts.uploads;
    this.library = parts.library;
    this.db = parts.db;
    this.media = parts.media;
    this.models = parts.models;
    this.settings = parts.settings;
    this.generate = parts.generate;
    this.modelService = parts.modelService;
    this.log = parts.log;
    this.bus = parts.bus;
    this.debugEnvelopes = parts.debugEnvelopes ?? process.env.VALLE_STUDIO_DEBUG_ENVELOPES === '1';
    this.handlers = createHandlerTable(parts);
  }

  /** Lets path imports read these folders from now on (desktop dialogs and drops; see src-main/app/path-grants.ts). */
  allowRoots(paths: readonly string[]): void {
    this.library.allowRoots(paths);
    this.modelService?.allowRoots(paths);
  }

  /** Serves one connection until its wire closes or the returned function is called. */
  connect(wire: HostWire, options: { sendReady?: boolean } = {}): () => void {
    if (this.closing) throw new Error('The engine host is closed');
    const end = serveConnection(wire, {
      id: this.nextConnectionId++,
      handlers: this.handlers,
      bus: this.bus,
      log: this.log,
      debug: this.debugEnvelopes,
      sendReady: options.sendReady,
    });
    const disconnect = () => {
      this.connections.delete(disconnect);
      end();
    };
    this.connections.add(disconnect);
    wire.onClose(disconnect);
    return disconnect;
  }

  /** Announces an event to every connection subscribed to it. */
  emit<E extends EventName>(event: E, payload: PayloadOf<E>): void {
    this.bus.emit(event, payload);
  }

  /** Cancels running jobs, ends workers and connections, closes the database. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      if (this.sweepTimer) clearInterval(this.sweepTimer);
      await this.jobs.close();
      await this.modelService?.close();
      await this.pool.close();
      for (const disconnect of [...this.connections]) disconnect();
      this.db?.close();
    })();
    return this.closing;
  }

  private startUploadSweeps(): void {
    const sweep = () => {
      this.uploads.sweep().then(
        (removed) => removed > 0 && this.log.info(`removed ${removed} expired upload(s)`),
        (error: unknown) => this.log.warn('upload sweep failed', error),
      );
    };
    sweep();
    this.sweepTimer = setInterval(sweep, UPLOAD_SWEEP_INTERVAL_MS);
    this.sweepTimer.unref();
  }
}
