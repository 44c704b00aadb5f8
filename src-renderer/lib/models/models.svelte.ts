import { CoalescedReload } from '$lib/coalesced-reload.js';
import { InjectionToken } from '$lib/context.js';
import type { ToastService } from '$lib/notifications/toasts.svelte.js';
import type { ActiveModelState, CatalogueEntry, DownloadRecord, InstalledModel, WhenBusy } from '$shared/api/models.js';
import type { StudioClient } from '$shared/client.js';

const idleState: ActiveModelState = { model: null, loadedAt: null, phase: 'idle', pendingId: null, generationsInFlight: 0 };
/** Installs and deletions come in bursts; one reload serves a burst. */
const refreshDelayMs = 40;

/**
 * The models as the UI sees them: what is installed, which one is active (and any switch in progress), and the
 * catalogue of downloadable models with their downloads. Kept current by `models.changed`, `models.active` and
 * `models.download` (from this window or any other); every change goes through the engine.
 */
export class ModelsService {
  installed = $state.raw<InstalledModel[]>([]);
  active = $state.raw<ActiveModelState>(idleState);
  catalogue = $state.raw<CatalogueEntry[]>([]);
  loaded = $state(false);
  loadError = $state<string | null>(null);
  /** Catalogue ids whose pause / resume / cancel request is in flight. */
  pending = $state.raw<ReadonlySet<string>>(new Set());

  /** Downloads in progress, paused, interrupted or failed. */
  downloads: DownloadRecord[] = $derived(this.catalogue.flatMap((entry) => (entry.download ? [entry.download] : [])));
  /** Nothing installed and nothing on its way: the first-run screen. */
  firstRun: boolean = $derived(this.loaded && this.installed.length === 0 && this.downloads.length === 0);
  valleModels: InstalledModel[] = $derived(this.installed.filter((m) => m.kind === 'valle'));

  #client: StudioClient;
  #toasts: ToastService;
  #offs: (() => void)[];
  #reload = new CoalescedReload(() => this.#loadAll(), refreshDelayMs);

  constructor(client: StudioClient, toasts: ToastService) {
    this.#client = client;
    this.#toasts = toasts;
    this.#offs = [
      client.on('models.changed', () => this.#reload.schedule()),
      client.on('models.active', (state) => (this.active = state)),
      client.on('models.download', ({ catalogueId, download }) => this.#applyDownload(catalogueId, download)),
    ];
  }

  isActive(id: string): boolean {
    return this.active.model?.id === id;
  }

  /** The catalogue entry a download belongs to. */
  entry(catalogueId: string): CatalogueEntry | null {
    return this.catalogue.find((c) => c.id === catalogueId) ?? null;
  }

  /** Reload everything shown. Concurrent requests share one reload, plus one more if asked meanwhile. */
  refresh(): Promise<void> {
    return this.#reload.run();
  }

  /** Make a model the active one; resolves once the switch is over (or failed, with a toast). */
  async load(id: string, whenBusy: WhenBusy = 'finish'): Promise<boolean> {
    const name = this.installed.find((m) => m.id === id)?.name ?? id;
    try {
      this.active = await this.#client.call('models.load', { id, whenBusy });
      return true;
    } catch (error) {
      this.#toasts.error(error, `Load ${name}`);
      return false;
    }
  }

  async unload(whenBusy: WhenBusy = 'finish'): Promise<void> {
    try {
      this.active = await this.#client.call('models.unload', { whenBusy });
    } catch (error) {
      this.#toasts.error(error, 'Unload the model');
    }
  }

  async remove(id: string): Promise<boolean> {
    const name = this.installed.find((m) => m.id === id)?.name ?? id;
    try {
      await this.#client.call('models.delete', { id, confirm: true });
      this.#toasts.info(`Deleted ${name}.`, 'success');
      await this.refresh();
      return true;
    } catch (error) {
      this.#toasts.error(error, `Delete ${name}`);
      return false;
    }
  }

  /** Start or resume a download. Its progress arrives as events; the outcome is announced when its job ends. */
  async download(catalogueId: string): Promise<void> {
    const name = this.entry(catalogueId)?.name ?? catalogueId;
    await this.#pendingWhile(catalogueId, async () => {
      try {
        const { jobId } = await this.#client.call('models.download', { catalogueId });
        void this.#client.waitForJob(jobId).then(
          (job) => {
            if (job.state === 'succeeded') this.#toasts.info(`${name} is installed.`, 'success');
            else if (job.state === 'failed' && job.error) this.#toasts.error(job.error.message, `Download ${name}`);
            void this.refresh();
          },
          () => undefined,
        );
      } catch (error) {
        this.#toasts.error(error, `Download ${name}`);
      }
    });
  }

  async pause(catalogueId: string): Promise<void> {
    await this.#pendingWhile(catalogueId, async () => {
      try {
        this.#applyDownload(catalogueId, await this.#client.call('models.pauseDownload', { catalogueId }));
      } catch (error) {
        this.#toasts.error(error, 'Pause the download');
      }
    });
  }

  async cancelDownload(catalogueId: string): Promise<void> {
    await this.#pendingWhile(catalogueId, async () => {
      try {
        await this.#client.call('models.cancelDownload', { catalogueId });
        this.#applyDownload(catalogueId, null);
      } catch (error) {
        this.#toasts.error(error, 'Cancel the download');
      }
    });
  }

  dispose(): void {
    for (const off of this.#offs) off();
    this.#reload.dispose();
  }

  async #pendingWhile(catalogueId: string, run: () => Promise<void>): Promise<void> {
    if (this.pending.has(catalogueId)) return;
    this.pending = new Set([...this.pending, catalogueId]);
    try {
      await run();
    } finally {
      const next = new Set(this.pending);
      next.delete(catalogueId);
      this.pending = next;
    }
  }

  #applyDownload(catalogueId: string, download: DownloadRecord | null): void {
    this.catalogue = this.catalogue.map((entry) => (entry.id === catalogueId ? { ...entry, download } : entry));
  }

  async #loadAll(): Promise<void> {
    try {
      const [installed, active, catalogue] = await Promise.all([
        this.#client.call('models.list', {}),
        this.#client.call('models.active', {}),
        this.#client.call('models.catalogue', {}),
      ]);
      this.installed = installed;
      this.active = active;
      this.catalogue = catalogue;
      this.loadError = null;
    } catch (error) {
      this.loadError = error instanceof Error ? error.message : String(error);
      if (this.loaded) this.#toasts.error(error, 'Loading the models');
    } finally {
      this.loaded = true;
    }
  }
}

export const MODELS = new InjectionToken<ModelsService>('ModelsService');
