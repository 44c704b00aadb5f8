import os from 'node:os';
import type { ProviderReport, SettingsView, StudioSettings } from '../../../src-shared/api/settings.js';
import { probeProviders, type ProbeSession } from './provider-probe.js';
import type { SettingsStore } from './settings-store.js';

export interface SettingsServiceOptions {
  store: SettingsStore;
  /** The studio home's root folder. */
  home: string;
  onChange?: (view: SettingsView) => void;
  /** Replaces the worker-thread probe (tests). */
  probe?: ProbeSession;
}

export const HOME_HOW_TO_CHANGE =
  'The studio home is chosen when the studio starts: pass --home DIR (valle serve, the desktop app) or set VALLE_STUDIO_HOME. ' +
  'To move a studio, quit it, move the folder, and start it with the new location.';

/**
 * `settings.*`: the stored settings, and what execution provider they actually give. Engine parts that create
 * ONNX Runtime sessions read `current` (or `sessionOptions()`) when they create one, so a change applies to the
 * next session; sessions already open keep the provider they were created with.
 */
export class SettingsService {
  readonly #store: SettingsStore;
  readonly #home: string;
  readonly #onChange: (view: SettingsView) => void;
  readonly #probe: ProbeSession | undefined;
  /** One probe per distinct settings, shared by concurrent callers; dropped when the settings change. */
  #report: { key: string; promise: Promise<ProviderReport> } | null = null;

  constructor(options: SettingsServiceOptions) {
    this.#store = options.store;
    this.#home = options.home;
    this.#onChange = options.onChange ?? (() => undefined);
    this.#probe = options.probe;
  }

  get current(): StudioSettings {
    return this.#store.current;
  }

  /** Session options for nn/runtime from the current settings (0 threads = ORT's default, so left out). */
  sessionOptions(): { provider: StudioSettings['executionProvider']; intraOpThreads?: number; interOpThreads?: number } {
    const s = this.current;
    return {
      provider: s.executionProvider,
      ...(s.intraOpThreads > 0 ? { intraOpThreads: s.intraOpThreads } : {}),
      ...(s.interOpThreads > 0 ? { interOpThreads: s.interOpThreads } : {}),
    };
  }

  get(): SettingsView {
    return { settings: this.current, home: { path: this.#home, howToChange: HOME_HOW_TO_CHANGE }, cpuCount: os.availableParallelism() };
  }

  async update(patch: Partial<StudioSettings>): Promise<SettingsView> {
    await this.#store.update(patch);
    const view = this.get();
    this.#onChange(view);
    return view;
  }

  providers(input: { refresh: boolean }): Promise<ProviderReport> {
    const settings = this.current;
    const key = JSON.stringify(settings);
    if (input.refresh || this.#report?.key !== key) {
      const promise = probeProviders(settings, this.#probe);
      const entry = { key, promise };
      this.#report = entry;
      // A failed probe is not remembered: the next call tries again.
      promise.catch(() => {
        if (this.#report === entry) this.#report = null;
      });
    }
    return this.#report!.promise;
  }
}
