import type { StudioBridge } from '$shared/bridge.js';

declare global {
  interface Window {
    /** Put there by the Electron preload (a transport, not a client: see src-shared/bridge.ts); absent under the web host. */
    studio?: StudioBridge;
  }
}

export {};
