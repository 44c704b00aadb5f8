import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { StudioError, type StudioErrorData } from '../../../../src-shared/api/errors.js';
import type { JobRecord } from '../../../../src-shared/api/jobs.js';
import type { DownloadRecord, InstalledModel } from '../../../../src-shared/api/models.js';
import { isStudioErrorLike } from '../../host/public-error.js';
import { silentLog, type HostLog } from '../../host/host-log.js';
import type { JobContext } from '../../jobs/job-context.js';
import type { StartJob } from '../../jobs/job-queue.js';
import type { CatalogueItem } from '../catalogue.js';
import { downloadFile } from './file-download.js';
import { isActiveState, readStoredDownload, STATE_FILE, writeStoredDownload, type StoredDownload, type StoredFile } from './download-state.js';
import type { HubClient } from './hub-client.js';
import { SpeedMeter } from './speed-meter.js';

/** A downloaded, verified file handed to the installer. */
export interface DownloadedModelFile {
  path: string;
  role: StoredFile['role'];
  optional: boolean;
  /** Where it is now (inside the download folder); the installer moves it. */
  file: string;
  bytes: number;
  sha256: string;
}

/** What the manager needs of the job queue. */
export interface DownloadJobs {
  start(job: StartJob): { jobId: string };
  cancel(jobId: string): Promise<JobRecord>;
  get(jobId: string): JobRecord;
}

export interface DownloadManagerOptions {
  /** `<home>/models/.downloads`. */
  dir: string;
  catalogue: readonly CatalogueItem[];
  hub: HubClient;
  jobs: DownloadJobs;
  /** Checks the files as a model and installs them (moving them out of the download folder). */
  install: (item: CatalogueItem, files: DownloadedModelFile[], signal: AbortSignal) => Promise<InstalledModel>;
  /** The installed model downloaded from this catalogue entry, if any. */
  installedFor: (catalogueId: string) => InstalledModel | null;
  onChange?: (catalogueId: string, download: DownloadRecord | null) => void;
  /** Passed to downloadFile. */
  retries?: number;
  retryDelaysMs?: readonly number[];
  idleTimeoutMs?: number;
  /** Minimum spacing of progress events (default 250 ms). */
  progressIntervalMs?: number;
  log?: HostLog;
  now?: () => number;
}

interface Entry {
  item: CatalogueItem;
  stored: StoredDownload;
  /** Bytes in each file's partial (or the whole file once verified). */
  fileDone: number[];
  jobId: string | null;
  /** Why the running job is being stopped: keep the partials (pause) or drop everything (cancel). */
  intent: 'pause' | 'cancel' | null;
  currentFile: string | null;
  meter: SpeedMeter;
  /** Bytes received in this job, for the meter. */
  sessionBytes: number;
  lastEmit: number;
  writing: Promise<void>;
}

/**
 * [Note: downloads] Catalogue models from the hub, as jobs in the `network` lane. Each download has a folder
 * `models/.downloads/<catalogueId>/` holding `download.json` (files, sizes, checksums, state) and one
 * `<name>.partial` per file (renamed `<name>` once verified), so it survives pauses, network failures and restarts:
 *
 * - `start` (also resume): asks the hub for sizes and checksums (a file changed upstream is fetched again), then
 *   fetches each file not yet verified with Range requests, verifies it, and finally installs the model (checked
 *   like an import) and removes the folder.
 * - `pause`: stops the job and keeps the partials (state `paused`). Cancelling the job from the job tray does the
 *   same: nothing downloaded is thrown away without `cancel`.
 * - `cancel`: stops the job and removes the folder.
 * - A network failure (after `retries` in-place retries) leaves state `interrupted` with the error; a checksum
 *   mismatch removes that file and leaves state `failed`; a download running when the engine stopped is
 *   `interrupted` at the next start.
 *
 * Progress (bytes, speed over the last seconds, ETA) goes out as `models.download` events and as job progress.
 */
export class DownloadManager {
  readonly #options: DownloadManagerOptions;
  readonly #entries = new Map<string, Entry>();
  readonly #log: HostLog;
  readonly #now: () => number;

  private constructor(options: DownloadManagerOptions) {
    this.#options = options;
    this.#log = options.log ?? silentLog;
    this.#now = options.now ?? Date.now;
  }

  /** Opens the downloads folder and picks up downloads left by a previous run. */
  static async open(options: DownloadManagerOptions): Promise<DownloadManager> {
    const manager = new DownloadManager(options);
    await mkdir(options.dir, { recursive: true });
    for (const dirent of await readdir(options.dir, { withFileTypes: true })) {
      if (!dirent.isDirectory()) continue;
      const folder = path.join(options.dir, dirent.name);
      const stored = await readStoredDownload(path.join(folder, STATE_FILE));
      const item = options.catalogue.find((c) => c.id === dirent.name);
      if (!stored || !item || stored.catalogueId !== item.id) {
        options.log?.warn(`removing unknown download folder ${folder}`);
        await rm(folder, { recursive: true, force: true });
        continue;
      }
      if (isActiveState(stored.state)) {
        stored.state = 'interrupted';
        stored.error = { code: 'engine_unavailable', message: 'The studio closed during the download; resume to continue where it stopped.' };
      }
      const entry = manager.#newEntry(item, stored);
      entry.fileDone = await manager.#partialSizes(entry);
      manager.#entries.set(item.id, entry);
      await manager.#persist(entry);
    }
    return manager;
  }

  list(): DownloadRecord[] {
    return [...this.#entries.values()].map((e) => this.#record(this.#settle(e)));
  }

  get(catalogueId: string): DownloadRecord | null {
    const entry = this.#entries.get(catalogueId);
    return entry ? this.#record(this.#settle(entry)) : null;
  }

  /**
   * A job cancelled (from the job tray) while still queued never ran its body, so nothing marked the download
   * stopped: notice it when asked.
   */
  #settle(entry: Entry): Entry {
    if (entry.jobId === null || !isActiveState(entry.stored.state)) return entry;
    let finished: boolean;
    try {
      const state = this.#options.jobs.get(entry.jobId).state;
      finished = state !== 'queued' && state !== 'running';
    } catch {
      finished = true;
    }
    if (finished) this.#stopped(entry, 'paused', null).catch((error: unknown) => this.#log.warn(`could not record the stop of ${entry.item.id}`, error));
    return entry;
  }

  /** Starts (or resumes) a download as a job; a download already running answers with its job. */
  async start(catalogueId: string): Promise<{ jobId: string }> {
    const item = this.#item(catalogueId);
    const existing = this.#entries.get(catalogueId);
    if (existing?.jobId) return { jobId: existing.jobId };
    const installed = this.#options.installedFor(catalogueId);
    if (installed) {
      throw new StudioError('conflict', `${item.name} is already installed (as “${installed.name}”); delete it first to download it again.`, { catalogueId, id: installed.id });
    }
    const entry = existing ?? this.#newEntry(item, this.#freshStored(item));
    this.#entries.set(catalogueId, entry);
    await mkdir(this.#folder(item), { recursive: true });
    entry.intent = null;
    entry.stored.state = 'queued';
    entry.stored.error = null;
    const { jobId } = this.#options.jobs.start({
      kind: 'models.download',
      title: `Download ${item.name}`,
      input: { catalogueId },
      lane: 'network',
      run: (ctx) => this.#run(entry, ctx),
    });
    entry.jobId = jobId;
    await this.#persist(entry);
    this.#emit(entry, true);
    return { jobId };
  }

  /** Stops a download, keeping what arrived. A download that is not running is answered as it is. */
  async pause(catalogueId: string): Promise<DownloadRecord> {
    const entry = this.#entry(catalogueId);
    if (entry.jobId) {
      entry.intent = 'pause';
      await this.#options.jobs.cancel(entry.jobId);
      // A job cancelled before it ran never reached its own clean-up.
      if (entry.jobId !== null) await this.#stopped(entry, 'paused', null);
    }
    return this.#record(entry);
  }

  /** Stops a download and removes everything it fetched. */
  async cancel(catalogueId: string): Promise<void> {
    const entry = this.#entry(catalogueId);
    if (entry.jobId) {
      entry.intent = 'cancel';
      await this.#options.jobs.cancel(entry.jobId);
    }
    await this.#discard(entry);
  }

  async #run(entry: Entry, ctx: JobContext): Promise<{ model: InstalledModel }> {
    const { item, stored } = entry;
    const signal = ctx.signal;
    entry.meter.reset();
    entry.sessionBytes = 0;
    stored.state = 'downloading';
    await this.#persist(entry);
    this.#emit(entry, true);
    try {
      await this.#askHub(entry, signal);
      for (const [index, file] of stored.files.entries()) {
        if (file.verified) continue;
        entry.currentFile = file.path;
        this.#emit(entry, true);
        const result = await downloadFile({
          url: this.#options.hub.fileUrl(item.repo, item.revision, file.path),
          partial: this.#partialPath(item, file),
          expected: { bytes: file.bytes, sha256: file.sha256, gitSha1: file.gitSha1 },
          signal,
          retries: this.#options.retries,
          retryDelaysMs: this.#options.retryDelaysMs,
          idleTimeoutMs: this.#options.idleTimeoutMs,
          onBytes: (done) => {
            // A restart from zero (server ignored the range) must not count as negative speed.
            if (done >= entry.fileDone[index]) entry.sessionBytes += done - entry.fileDone[index];
            entry.fileDone[index] = done;
            entry.meter.add(this.#now(), entry.sessionBytes);
            this.#tick(entry, ctx);
          },
          onVerify: (done, total) => {
            if (stored.state !== 'verifying') {
              stored.state = 'verifying';
              this.#emit(entry, true);
            }
            ctx.progress({ fraction: this.#fraction(entry), stage: `Verifying ${path.posix.basename(file.path)} · ${Math.round((done / Math.max(1, total)) * 100)}%`, etaSeconds: null });
          },
        }).catch(async (error: unknown) => {
          // A checksum mismatch removed the file: count it as gone.
          if (isStudioErrorLike(error) && error.code === 'checksum_mismatch') entry.fileDone[index] = 0;
          throw error;
        });
        await rename(this.#partialPath(item, file), this.#donePath(item, file));
        file.verified = true;
        file.actualSha256 = result.sha256;
        entry.fileDone[index] = result.bytes;
        stored.state = 'downloading';
        await this.#persist(entry);
        this.#emit(entry, true);
      }
      entry.currentFile = null;
      stored.state = 'installing';
      await this.#persist(entry);
      this.#emit(entry, true);
      ctx.progress({ fraction: 1, stage: 'Checking and installing', etaSeconds: null });
      const files: DownloadedModelFile[] = stored.files.map((f) => ({
        path: f.path,
        role: f.role,
        optional: f.optional,
        file: this.#donePath(item, f),
        bytes: f.bytes ?? 0,
        sha256: f.actualSha256 ?? '',
      }));
      const model = await this.#options.install(item, files, signal);
      await this.#discard(entry);
      return { model };
    } catch (error) {
      if (signal.aborted || (isStudioErrorLike(error) && error.code === 'cancelled')) {
        if (entry.intent === 'cancel') await this.#discard(entry);
        else await this.#stopped(entry, 'paused', null);
        throw new StudioError('cancelled', 'Cancelled.');
      }
      const data = errorData(error);
      if (data.code === 'invalid_input') {
        // Verified bytes that are not a usable model will not become one by downloading them again.
        await this.#dropFiles(entry);
      }
      await this.#stopped(entry, data.code === 'network_unavailable' ? 'interrupted' : 'failed', data);
      throw error;
    }
  }

  /** Sizes and checksums from the hub, reconciled with what earlier runs fetched. */
  async #askHub(entry: Entry, signal: AbortSignal): Promise<void> {
    const { item, stored } = entry;
    const infos = await this.#options.hub.pathsInfo(item.repo, item.revision, stored.files.map((f) => f.path), signal);
    const keep: StoredFile[] = [];
    const keepDone: number[] = [];
    for (const [index, file] of stored.files.entries()) {
      // A verified file that is gone (an install that failed after moving it) is fetched again.
      if (file.verified && !(await exists(this.#donePath(item, file)))) {
        file.verified = false;
        file.actualSha256 = null;
        entry.fileDone[index] = await stat(this.#partialPath(item, file)).then((s) => s.size, () => 0);
      }
      const info = infos.get(file.path);
      if (!info) {
        if (!file.optional) throw new StudioError('not_found', `The hub's ${item.repo} has no ${file.path} at ${item.revision}.`, { repo: item.repo, path: file.path });
        this.#log.warn(`${item.repo} has no ${file.path}; installing ${item.name} without it`);
        await rm(this.#partialPath(item, file), { force: true });
        continue;
      }
      const changed = file.bytes !== null && (file.bytes !== info.bytes || file.sha256 !== info.sha256 || file.gitSha1 !== info.gitSha1);
      if (changed) {
        this.#log.info(`${item.repo}/${file.path} changed on the hub; fetching it again`);
        await rm(this.#partialPath(item, file), { force: true });
        await rm(this.#donePath(item, file), { force: true });
        file.verified = false;
        file.actualSha256 = null;
        entry.fileDone[index] = 0;
      }
      file.bytes = info.bytes;
      file.sha256 = info.sha256;
      file.gitSha1 = info.gitSha1;
      keep.push(file);
      keepDone.push(entry.fileDone[index]);
    }
    stored.files = keep;
    entry.fileDone = keepDone;
    await this.#persist(entry);
    this.#emit(entry, true);
  }

  /** A job ended without installing: record why, keep the partials. */
  async #stopped(entry: Entry, state: 'paused' | 'interrupted' | 'failed', error: StudioErrorData | null): Promise<void> {
    if (!this.#entries.has(entry.item.id)) return;
    entry.jobId = null;
    entry.intent = null;
    entry.currentFile = null;
    entry.meter.reset();
    entry.stored.state = state;
    entry.stored.error = error;
    entry.fileDone = await this.#partialSizes(entry);
    await this.#persist(entry);
    this.#emit(entry, true);
  }

  async #discard(entry: Entry): Promise<void> {
    if (this.#entries.get(entry.item.id) !== entry) return;
    this.#entries.delete(entry.item.id);
    entry.jobId = null;
    await entry.writing;
    await rm(this.#folder(entry.item), { recursive: true, force: true });
    this.#options.onChange?.(entry.item.id, null);
  }

  async #dropFiles(entry: Entry): Promise<void> {
    for (const file of entry.stored.files) {
      await rm(this.#partialPath(entry.item, file), { force: true });
      await rm(this.#donePath(entry.item, file), { force: true });
      file.verified = false;
      file.actualSha256 = null;
    }
  }

  #tick(entry: Entry, ctx: JobContext): void {
    const now = this.#now();
    if (now - entry.lastEmit < (this.#options.progressIntervalMs ?? 250)) return;
    const record = this.#emit(entry, true);
    const name = entry.currentFile ? path.posix.basename(entry.currentFile) : '';
    const speed = record.bytesPerSecond === null ? '' : ` · ${formatBytes(record.bytesPerSecond)}/s`;
    const of = record.bytesTotal === null ? formatBytes(record.bytesDone) : `${formatBytes(record.bytesDone)} of ${formatBytes(record.bytesTotal)}`;
    ctx.progress({ fraction: this.#fraction(entry), stage: `${name} · ${of}${speed}`, etaSeconds: record.etaSeconds });
  }

  #fraction(entry: Entry): number | null {
    const total = this.#total(entry);
    return total === null || total === 0 ? null : Math.min(1, this.#done(entry) / total);
  }

  #emit(entry: Entry, force: boolean): DownloadRecord {
    const record = this.#record(entry);
    if (force) {
      entry.lastEmit = this.#now();
      this.#options.onChange?.(entry.item.id, record);
    }
    return record;
  }

  #record(entry: Entry): DownloadRecord {
    const { item, stored } = entry;
    const bytesDone = this.#done(entry);
    const bytesTotal = this.#total(entry);
    const downloading = stored.state === 'downloading';
    const speed = downloading ? entry.meter.bytesPerSecond() : null;
    return {
      catalogueId: item.id,
      name: item.name,
      repo: item.repo,
      revision: item.revision,
      state: stored.state,
      jobId: entry.jobId,
      bytesDone,
      bytesTotal,
      bytesPerSecond: speed,
      etaSeconds: downloading && bytesTotal !== null ? entry.meter.etaSeconds(bytesTotal - bytesDone) : null,
      currentFile: entry.currentFile,
      files: stored.files.map((f, i) => ({ path: f.path, bytes: f.bytes, bytesDone: entry.fileDone[i] ?? 0, verified: f.verified })),
      error: stored.error,
      startedAt: stored.startedAt,
      updatedAt: new Date(this.#now()).toISOString(),
    };
  }

  #done(entry: Entry): number {
    return entry.fileDone.reduce((n, b) => n + b, 0);
  }

  #total(entry: Entry): number | null {
    let total = 0;
    for (const f of entry.stored.files) {
      if (f.bytes === null) return null;
      total += f.bytes;
    }
    return total;
  }

  async #partialSizes(entry: Entry): Promise<number[]> {
    return Promise.all(
      entry.stored.files.map(async (f) => {
        const file = f.verified ? this.#donePath(entry.item, f) : this.#partialPath(entry.item, f);
        return stat(file).then(
          (s) => s.size,
          () => 0,
        );
      }),
    );
  }

  #persist(entry: Entry): Promise<void> {
    entry.stored.updatedAt = new Date(this.#now()).toISOString();
    const snapshot = structuredClone(entry.stored);
    const file = path.join(this.#folder(entry.item), STATE_FILE);
    const write = entry.writing.then(() => writeStoredDownload(file, snapshot));
    entry.writing = write.catch((error: unknown) => this.#log.warn(`could not save ${file}`, error));
    return write;
  }

  #newEntry(item: CatalogueItem, stored: StoredDownload): Entry {
    return {
      item,
      stored,
      fileDone: stored.files.map(() => 0),
      jobId: null,
      intent: null,
      currentFile: null,
      meter: new SpeedMeter(),
      sessionBytes: 0,
      lastEmit: Number.NEGATIVE_INFINITY,
      writing: Promise.resolve(),
    };
  }

  #freshStored(item: CatalogueItem): StoredDownload {
    const now = new Date(this.#now()).toISOString();
    return {
      version: 1,
      catalogueId: item.id,
      repo: item.repo,
      revision: item.revision,
      state: 'queued',
      files: item.files.map((f) => ({ path: f.path, role: f.role, optional: f.optional, bytes: null, sha256: null, gitSha1: null, verified: false, actualSha256: null })),
      error: null,
      startedAt: now,
      updatedAt: now,
    };
  }

  #item(catalogueId: string): CatalogueItem {
    const item = this.#options.catalogue.find((c) => c.id === catalogueId);
    if (!item) throw new StudioError('not_found', `There is no downloadable model ${catalogueId}.`, { catalogueId });
    return item;
  }

  #entry(catalogueId: string): Entry {
    this.#item(catalogueId);
    const entry = this.#entries.get(catalogueId);
    if (!entry) throw new StudioError('not_found', `There is no download of ${catalogueId} to stop.`, { catalogueId });
    return entry;
  }

  #folder(item: CatalogueItem): string {
    return path.join(this.#options.dir, item.id);
  }

  #partialPath(item: CatalogueItem, file: StoredFile): string {
    return `${this.#donePath(item, file)}.partial`;
  }

  #donePath(item: CatalogueItem, file: StoredFile): string {
    return path.join(this.#folder(item), path.posix.basename(file.path));
  }
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

function errorData(error: unknown): StudioErrorData {
  if (isStudioErrorLike(error)) return error.toData();
  return { code: 'internal', message: 'The download failed inside the studio engine; the details are in its log.' };
}

export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${Math.round(bytes)} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = bytes / 1000;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value >= 100 ? value.toFixed(0) : value.toFixed(1)} ${units[unit]}`;
}
