import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { DownloadRecord, InstalledModel } from '../../../../src-shared/api/models.js';
import type { JobRecord } from '../../../../src-shared/api/jobs.js';
import { openDatabase, type StudioDatabase } from '../../db/database.js';
import { memoryLog } from '../../host/host-log.js';
import { JobQueue } from '../../jobs/job-queue.js';
import { AllowedRoots } from '../../library/allowed-roots.js';
import type { CatalogueItem } from '../catalogue.js';
import { ModelService, type ModelServiceOptions } from '../model-service.js';

/** A model service on a temporary home, with a real job queue and database, recording every event. */
export interface ServiceFixture {
  home: string;
  /** Folder path imports may read. */
  allowed: string;
  db: StudioDatabase;
  jobs: JobQueue;
  service: ModelService;
  jobUpdates: JobRecord[];
  downloadEvents: { catalogueId: string; download: DownloadRecord | null }[];
  changes: { id: string; change: 'added' | 'removed' }[];
  log: ReturnType<typeof memoryLog>;
  /** Closes the service and queue, keeping the home and database (a "restart" opens a new service on them). */
  stop(): Promise<void>;
  /** A new service on the same home, as after a restart. */
  restart(): Promise<ServiceFixture>;
  dispose(): Promise<void>;
  waitForJob(jobId: string): Promise<JobRecord>;
}

export async function serviceFixture(
  options: { hubUrl?: string; catalogue?: readonly CatalogueItem[]; uploads?: Map<string, { path: string; name: string }>; home?: string } & Partial<
    Pick<ModelServiceOptions, 'download' | 'loader'>
  > = {},
): Promise<ServiceFixture> {
  const home = options.home ?? (await mkdtemp(path.join(os.tmpdir(), 'valle-models-')));
  const allowed = path.join(home, 'allowed');
  await mkdir(allowed, { recursive: true });
  const db = openDatabase(path.join(home, 'studio.db'));
  const log = memoryLog();
  const jobUpdates: JobRecord[] = [];
  const waiters = new Map<string, (job: JobRecord) => void>();
  const jobs = new JobQueue({
    repository: db.jobs,
    tasks: { run: () => Promise.reject(new Error('no worker tasks here')) },
    lanes: { network: 2 },
    onUpdate: (job) => {
      jobUpdates.push(job);
      if (['succeeded', 'failed', 'cancelled'].includes(job.state)) waiters.get(job.id)?.(job);
    },
    progressIntervalMs: 0,
    log,
  });
  const downloadEvents: ServiceFixture['downloadEvents'] = [];
  const changes: ServiceFixture['changes'] = [];
  const uploads = options.uploads ?? new Map();
  const service = await ModelService.open({
    db,
    modelsDir: path.join(home, 'models'),
    jobs,
    resolveUpload: (id) => {
      const staged = uploads.get(id);
      if (!staged) throw new Error(`no upload ${id}`);
      return staged;
    },
    allowedRoots: new AllowedRoots([allowed]),
    hubUrl: options.hubUrl,
    catalogue: options.catalogue,
    download: { retries: 0, progressIntervalMs: 0, ...options.download },
    loader: options.loader,
    events: {
      changed: (id, change) => changes.push({ id, change }),
      download: (catalogueId, download) => downloadEvents.push({ catalogueId, download }),
    },
    log,
  });
  let stopped = false;
  const fixture: ServiceFixture = {
    home,
    allowed,
    db,
    jobs,
    service,
    jobUpdates,
    downloadEvents,
    changes,
    log,
    async stop() {
      if (stopped) return;
      stopped = true;
      await jobs.close();
      await service.close();
      db.close();
    },
    async restart() {
      await fixture.stop();
      return serviceFixture({ ...options, home });
    },
    async dispose() {
      await fixture.stop();
      await rm(home, { recursive: true, force: true });
    },
    waitForJob(jobId) {
      const done = jobUpdates.find((j) => j.id === jobId && ['succeeded', 'failed', 'cancelled'].includes(j.state));
      if (done) return Promise.resolve(done);
      return new Promise((resolve) => waiters.set(jobId, resolve));
    },
  };
  return fixture;
}

export function resultModel(job: JobRecord): InstalledModel {
  if (job.state !== 'succeeded') throw new Error(`job ${job.kind} ${job.state}: ${job.error?.message}`);
  return (job.result as { model: InstalledModel }).model;
}
