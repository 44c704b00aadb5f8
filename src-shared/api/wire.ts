import type { ClientEnvelope, HostEnvelope } from './envelope.js';

/** The client side of a transport: moves envelopes, knows nothing of procedures. */
export interface ClientWire {
  send(message: ClientEnvelope): void;
  /** Returns an unsubscribe function. */
  onMessage(listener: (message: HostEnvelope) => void): () => void;
  /** Fires when the connection is lost for good or until reconnect; pending calls are then rejected. */
  onClose(listener: (reason: string) => void): () => void;
  close(): void;
}

/** What differs per host beyond envelopes: how bytes get in and how stored media is addressed. */
export interface HostServices {
  /** Stage a file's bytes in the engine; the id is then used as an import source. */
  upload(name: string, data: ArrayBuffer): Promise<{ uploadId: string }>;
  /** A URL the renderer's <audio>/wavesurfer can fetch (http with range support, or studio-media://). */
  mediaUrl(mediaId: string): string;
}

/** The host side of one connection. */
export interface HostWire {
  send(message: HostEnvelope): void;
  onMessage(listener: (message: unknown) => void): () => void;
  onClose(listener: () => void): () => void;
}
