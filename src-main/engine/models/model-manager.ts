import { StudioError } from '../../../src-shared/api/errors.js';
import type { ActiveModelState, InstalledModel, WhenBusy } from '../../../src-shared/api/models.js';

/** A model in memory, ready for generation. What it holds is the loader's business (see `valleLoader`). */
export interface LoadedModel {
  readonly model: InstalledModel;
  /** Frees what loading took (sessions, weights); called once nothing uses the model any more. */
  dispose(): void | Promise<void>;
}

export type ModelLoader<H extends LoadedModel> = (model: InstalledModel) => Promise<H>;

/**
 * A generation's hold on the active model. While any lease is held, a switch waits (or, when cancelling, aborts
 * `signal` and then waits for `release`). Always release in a `finally`.
 */
export interface ModelLease<H extends LoadedModel> {
  readonly loaded: H;
  /** Aborted when a switch cancels generations on this model; stop promptly and release. */
  readonly signal: AbortSignal;
  release(): void;
}

export interface ModelManagerOptions<H extends LoadedModel> {
  /** The installed model to load, by id (throws not_found); only VALL-E models can be loaded. */
  find: (id: string) => InstalledModel;
  load: ModelLoader<H>;
  onChange?: (state: ActiveModelState) => void;
}

interface Gate {
  promise: Promise<void>;
  open(): void;
}

interface Lease {
  controller: AbortController;
}

/**
 * [Note: hot swap] The active model and the generations using it. `load` reads and checks the new model while the
 * old one keeps serving; then new generations wait at a gate, and the switch waits for the generations in flight to
 * release the old model (`whenBusy: 'finish'`, the default) or aborts them and waits for them to stop
 * (`'cancel'`). Only then does the new model become active, the waiting generations proceed on it, and the old one
 * is disposed. Switches run one after another; a `cancel` request also hurries a switch already waiting.
 * A failed load leaves the old model active.
 */
export class ModelManager<H extends LoadedModel> {
  readonly #find: ModelManagerOptions<H>['find'];
  readonly #load: ModelLoader<H>;
  readonly #onChange: (state: ActiveModelState) => void;
  #active: { loaded: H; loadedAt: string } | null = null;
  #phase: ActiveModelState['phase'] = 'idle';
  #pendingId: string | null = null;
  #gate: Gate | null = null;
  readonly #leases = new Set<Lease>();
  #drained: Gate | null = null;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: ModelManagerOptions<H>) {
    this.#find = options.find;
    this.#load = options.load;
    this.#onChange = options.onChange ?? (() => undefined);
  }

  state(): ActiveModelState {
    return {
      model: this.#active?.loaded.model ?? null,
      loadedAt: this.#active?.loadedAt ?? null,
      phase: this.#phase,
      pendingId: this.#pendingId,
      generationsInFlight: this.#leases.size,
    };
  }

  /** The id of the active model, or of the one being switched to: deleting either is refused. */
  isInUse(id: string): boolean {
    return this.#active?.loaded.model.id === id || this.#pendingId === id;
  }

  load(id: string, whenBusy: WhenBusy = 'finish'): Promise<ActiveModelState> {
    // Validate now, not when the queue gets to it: a bad id fails at once.
    const model = this.#find(id);
    if (model.kind !== 'valle') {
      throw new StudioError('invalid_input', `${model.name} is a ${model.kind === 'lora' ? 'LoRA' : 'codec'}; only VALL-E models are loaded as the active model.`, { id });
    }
    this.#hurry(whenBusy);
    return this.#serial(() => this.#switchTo(model, whenBusy));
  }

  unload(whenBusy: WhenBusy = 'finish'): Promise<ActiveModelState> {
    this.#hurry(whenBusy);
    return this.#serial(() => this.#switchTo(null, whenBusy));
  }

  /**
   * Holds the active model for one generation. Waits while a switch is between models; fails with not_found when
   * no model is loaded, and with `cancelled` if `signal` aborts while waiting.
   */
  async acquire(signal?: AbortSignal): Promise<ModelLease<H>> {
    while (this.#gate) {
      await abortable(this.#gate.promise, signal);
    }
    if (signal?.aborted) throw new StudioError('cancelled', 'Cancelled.');
    const active = this.#active;
    if (!active) throw new StudioError('not_found', 'No model is loaded: load one in the Models view first.');
    const lease: Lease = { controller: new AbortController() };
    this.#leases.add(lease);
    this.#emit();
    let released = false;
    return {
      loaded: active.loaded,
      signal: lease.controller.signal,
      release: () => {
        if (released) return;
        released = true;
        this.#leases.delete(lease);
        if (this.#leases.size === 0) this.#drained?.open();
        this.#emit();
      },
    };
  }

  /** Unloads (cancelling generations) and waits for switches in progress; for shutdown. */
  async close(): Promise<void> {
    await this.unload('cancel').catch(() => undefined);
  }

  async #switchTo(model: InstalledModel | null, whenBusy: WhenBusy): Promise<ActiveModelState> {
    if ((this.#active?.loaded.model.id ?? null) === (model?.id ?? null)) return this.state();
    let next: H | null = null;
    if (model) {
      this.#phase = 'loading';
      this.#pendingId = model.id;
      this.#emit();
      try {
        next = await this.#load(model);
      } catch (error) {
        this.#phase = 'idle';
        this.#pendingId = null;
        this.#emit();
        throw error;
      }
    }
    this.#phase = model ? 'waiting' : 'unloading';
    this.#gate = gate();
    this.#emit();
    if (whenBusy === 'cancel') this.#abortLeases();
    if (this.#leases.size > 0) {
      this.#drained = gate();
      await this.#drained.promise;
      this.#drained = null;
    }
    const old = this.#active;
    this.#active = next ? { loaded: next, loadedAt: new Date().toISOString() } : null;
    this.#phase = 'idle';
    this.#pendingId = null;
    const opened = this.#gate;
    this.#gate = null;
    opened.open();
    this.#emit();
    await old?.loaded.dispose();
    return this.state();
  }

  /** A `cancel` request queued behind a switch that waits for generations stops them now. */
  #hurry(whenBusy: WhenBusy): void {
    if (whenBusy === 'cancel' && this.#gate) this.#abortLeases();
  }

  #abortLeases(): void {
    for (const lease of this.#leases) {
      lease.controller.abort(new StudioError('cancelled', 'The active model was switched; this generation was stopped.'));
    }
  }

  #serial<T>(run: () => Promise<T>): Promise<T> {
    const result = this.#queue.then(run);
    this.#queue = result.catch(() => undefined);
    return result;
  }

  #emit(): void {
    this.#onChange(this.state());
  }
}

function gate(): Gate {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

function abortable(promise: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(new StudioError('cancelled', 'Cancelled.'));
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => reject(new StudioError('cancelled', 'Cancelled.'));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, reject);
  });
}
