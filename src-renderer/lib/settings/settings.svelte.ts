import { InjectionToken } from '$lib/context.js';
import { messageOf, type ToastService } from '$lib/notifications/toasts.svelte.js';
import type { ProviderReport, SettingsView, StudioSettings } from '$shared/api/settings.js';
import type { StudioClient } from '$shared/client.js';

/**
 * The engine's settings (execution provider, threads, the studio home) and what the provider choice actually gives
 * on this machine. Changes go to the engine, which stores them; `settings.changed` keeps other windows current.
 * The provider report is asked for again after every change of provider or threads.
 */
export class SettingsService {
  view = $state.raw<SettingsView | null>(null);
  report = $state.raw<ProviderReport | null>(null);
  error = $state<string | null>(null);
  probing = $state(false);
  saving = $state(false);
  #client: StudioClient;
  #toasts: ToastService;
  #off: () => void;

  constructor(client: StudioClient, toasts: ToastService) {
    this.#client = client;
    this.#toasts = toasts;
    this.#off = client.on('settings.changed', (view) => {
      this.view = view;
      void this.probe(false);
    });
  }

  async load(): Promise<void> {
    try {
      this.view = await this.#client.call('settings.get', {});
      this.error = null;
    } catch (error) {
      this.error = messageOf(error);
      return;
    }
    await this.probe(false);
  }

  async update(patch: Partial<StudioSettings>): Promise<void> {
    this.saving = true;
    try {
      this.view = await this.#client.call('settings.update', patch);
      await this.probe(false);
    } catch (error) {
      this.#toasts.error(error, 'Save settings');
    } finally {
      this.saving = false;
    }
  }

  /** Which provider a session gets now; `refresh` re-creates the probe session even if nothing changed. */
  async probe(refresh: boolean): Promise<void> {
    this.probing = true;
    try {
      this.report = await this.#client.call('settings.providers', { refresh });
    } catch (error) {
      this.#toasts.error(error, 'Check the execution provider');
    } finally {
      this.probing = false;
    }
  }

  dispose(): void {
    this.#off();
  }
}

export const SETTINGS = new InjectionToken<SettingsService>('SettingsService');
