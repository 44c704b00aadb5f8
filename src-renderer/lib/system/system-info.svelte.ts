import { InjectionToken } from '$lib/context.js';
import type { SystemInfo } from '$shared/api/system.js';
import type { StudioClient } from '$shared/client.js';
import { messageOf } from '$lib/notifications/toasts.svelte.js';

/** The engine's version and environment, loaded once and on demand (Settings, bug reports). */
export class SystemInfoService {
  info = $state.raw<SystemInfo | null>(null);
  error = $state<string | null>(null);
  loading = $state(false);
  #client: StudioClient;

  constructor(client: StudioClient) {
    this.#client = client;
  }

  async load(): Promise<void> {
    this.loading = true;
    this.error = null;
    try {
      this.info = await this.#client.call('system.info', {});
    } catch (error) {
      this.error = messageOf(error);
    } finally {
      this.loading = false;
    }
  }
}

export const SYSTEM_INFO = new InjectionToken<SystemInfoService>('SystemInfoService');
