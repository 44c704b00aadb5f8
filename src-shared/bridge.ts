import type { ClientEnvelope, HostEnvelope } from './api/envelope.js';
import { StudioError, type StudioErrorData } from './api/errors.js';
import type { ClientWire, HostServices } from './api/wire.js';
import { createStudioClient, type StudioClient } from './client.js';

export type BridgeConnectionState = 'connecting' | 'open' | 'reconnecting' | 'closed';

/** An upload's answer as plain data: a rejected Error would lose its code on the way through contextBridge. */
export type UploadOutcome = { ok: true; uploadId: string } | { ok: false; error: StudioErrorData };

/** Desktop-only helpers; the web host has none of them. */
export interface DesktopServices {
  /**
   * The absolute paths of files the user dropped or picked in an `<input type="file">` (files not on disk are
   * left out), after the engine has been allowed to read them, so they can be imported as `path` sources.
   */
  pathsForFiles(files: readonly File[]): Promise<string[]>;
  /** Native open dialog for audio files; the chosen paths are readable by the engine. Empty when cancelled. */
  chooseAudioFiles(): Promise<string[]>;
  /** Native folder dialog (for `library.importFolder`); null when cancelled. */
  chooseFolder(): Promise<string | null>;
  /** Native save dialog, then a copy of stored media (a generation's WAV) at the chosen path; null when cancelled. */
  saveMedia(mediaId: string, suggestedName: string): Promise<string | null>;
}

/**
 * [Note: bridge, not client] What the Electron preload puts on `window.studio`. contextBridge copies every value
 * and rebuilds a rejected Error from its message alone (electron/electron#25596), so a StudioError's `code` would
 * not survive if the typed client lived in the preload, and `instanceof StudioError` could never hold in the
 * page. The preload therefore exposes only the transport — envelopes in, envelopes out, outcomes as plain data —
 * and the page builds the typed client on top with `connectBridge`, in its own world, exactly as it does over
 * WebSocket.
 */
export interface StudioBridge {
  readonly host: 'electron';
  /** Studio API envelopes only; anything else is dropped by the preload. */
  send(message: ClientEnvelope): void;
  onMessage(listener: (message: HostEnvelope) => void): () => void;
  /** The engine went away: calls in flight will never be answered. */
  onClose(listener: (reason: string) => void): () => void;
  state(): BridgeConnectionState;
  onStateChange(listener: (state: BridgeConnectionState) => void): () => void;
  upload(name: string, data: ArrayBuffer): Promise<UploadOutcome>;
  mediaUrl(mediaId: string): string;
  close(): void;
  readonly desktop: DesktopServices;
}

export interface BridgeConnection {
  client: StudioClient;
  state(): BridgeConnectionState;
  onStateChange(listener: (state: BridgeConnectionState) => void): () => void;
  desktop: DesktopServices;
}

/** The typed Studio client over the preload's bridge. */
export function connectBridge(bridge: StudioBridge, options: { debug?: boolean } = {}): BridgeConnection {
  const wire: ClientWire = {
    send: (message) => bridge.send(message),
    onMessage: (listener) => bridge.onMessage(listener),
    onClose: (listener) => bridge.onClose(listener),
    close: () => bridge.close(),
  };
  const services: HostServices = {
    async upload(name, data) {
      const outcome = await bridge.upload(name, data);
      if (!outcome.ok) throw StudioError.fromData(outcome.error);
      return { uploadId: outcome.uploadId };
    },
    mediaUrl: (mediaId) => bridge.mediaUrl(mediaId),
  };
  return {
    client: createStudioClient(wire, services, options),
    state: () => bridge.state(),
    onStateChange: (listener) => bridge.onStateChange(listener),
    desktop: bridge.desktop,
  };
}
