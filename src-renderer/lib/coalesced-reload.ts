/**
 * A reload that coalesces requests, shared by the services that mirror engine state: concurrent `run()` calls
 * share one load, plus one more if asked while it runs (so the last request always sees fresh data), and
 * `schedule()` waits `delayMs` so a burst of change events costs one reload. `load` reports its own errors.
 */
export class CoalescedReload {
  #load: () => Promise<void>;
  #delayMs: number;
  #running: Promise<void> | null = null;
  #dirty = false;
  #timer: ReturnType<typeof setTimeout> | null = null;

  constructor(load: () => Promise<void>, delayMs: number) {
    this.#load = load;
    this.#delayMs = delayMs;
  }

  run(): Promise<void> {
    this.#dirty = true;
    this.#running ??= this.#loop().finally(() => {
      this.#running = null;
    });
    return this.#running;
  }

  schedule(): void {
    if (this.#timer !== null) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.run();
    }, this.#delayMs);
  }

  dispose(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
  }

  async #loop(): Promise<void> {
    while (this.#dirty) {
      this.#dirty = false;
      await this.#load();
    }
  }
}
