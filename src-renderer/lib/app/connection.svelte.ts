import { InjectionToken } from '$lib/context.js';
import type { HostConnection } from '$lib/host/connect.js';
import type { ConnectionState } from '$lib/host/web-wire.js';

/** Whether the engine can be reached, for the status bar, and a hook to resync after a reconnect. */
export class ConnectionService {
  state = $state<ConnectionState>('connecting');
  readonly host: 'electron' | 'web';
  #reconnectListeners = new Set<() => void>();
  #hasBeenOpen = false;
  #off: () => void;

  constructor(connection: HostConnection) {
    this.host = connection.host;
    this.state = connection.state;
    this.#hasBeenOpen = connection.state === 'open';
    this.#off = connection.onStateChange((state) => {
      this.state = state;
      if (state !== 'open') return;
      // Events sent while we were away are lost: whoever shows engine state reloads it.
      if (this.#hasBeenOpen) for (const listener of [...this.#reconnectListeners]) listener();
      this.#hasBeenOpen = true;
    });
  }

  /** Called after every reconnect (not the first connect). Returns an unsubscribe. */
  onReconnect(listener: () => void): () => void {
    this.#reconnectListeners.add(listener);
    return () => this.#reconnectListeners.delete(listener);
  }

  dispose(): void {
    this.#off();
  }
}

export const CONNECTION = new InjectionToken<ConnectionService>('ConnectionService');
