import type { HostEnvelope } from '../../../src-shared/api/envelope.js';
import type { StudioErrorData } from '../../../src-shared/api/errors.js';
import { portUploadRequestSchema, type PortUploadReply } from '../../../src-shared/api/port-envelope.js';
import type { HostWire } from '../../../src-shared/api/wire.js';
import { silentLog, type HostLog } from '../host/host-log.js';
import { toPublicError } from '../host/public-error.js';

/**
 * The MessagePortMain shape (Electron's main and utility processes): EventEmitter-style, and a message listener
 * receives `{ data, ports }`. Declared structurally so the engine never imports `electron`.
 */
export interface MainPortLike {
  on(event: 'message', listener: (event: { data: unknown }) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
  off(event: 'message', listener: (event: { data: unknown }) => void): unknown;
  off(event: 'close', listener: () => void): unknown;
  postMessage(message: unknown): void;
  start(): void;
  close(): void;
}

export interface MessagePortHostOptions {
  /** Stages the bytes of an `upload` message (see [Note: uploads over the MessagePort]). */
  stageUpload(name: string, data: ArrayBuffer): Promise<{ uploadId: string }>;
  log?: HostLog;
}

/** A HostWire over a MessagePortMain, plus a way to end it from the engine's side. */
export interface MessagePortHostWire extends HostWire {
  close(): void;
}

/**
 * The engine's end of one Electron connection. Envelopes pass through untouched (the host validates them);
 * `upload` messages are answered here, because staging bytes is a transport matter, like the web host's
 * POST /api/upload. The port is started when the host first listens (MessagePortMain queues until then), and
 * anything a port delivers earlier is held for the host, so nothing the page sent first is lost.
 */
export function messagePortHostWire(port: MainPortLike, options: MessagePortHostOptions): MessagePortHostWire {
  const log = options.log ?? silentLog;
  const messageListeners = new Set<(message: unknown) => void>();
  const closeListeners = new Set<() => void>();
  let open = true;
  let started = false;
  /** Envelopes that arrived before the host listened (a port that was already started); null once it has. */
  let early: unknown[] | null = [];

  const onMessage = (event: { data: unknown }) => {
    const data = event.data;
    if (isUploadMessage(data)) {
      void stage(data);
      return;
    }
    if (early) early.push(data);
    else for (const listener of [...messageListeners]) listener(data);
  };

  const onClose = () => {
    if (!open) return;
    open = false;
    port.off('message', onMessage);
    port.off('close', onClose);
    for (const listener of [...closeListeners]) listener();
    closeListeners.clear();
    messageListeners.clear();
  };

  port.on('message', onMessage);
  port.on('close', onClose);

  function reply(message: PortUploadReply): void {
    if (open) port.postMessage(message);
  }

  async function stage(data: { request?: unknown }): Promise<void> {
    const parsed = portUploadRequestSchema.safeParse(data);
    const request = typeof data.request === 'number' && Number.isSafeInteger(data.request) ? data.request : null;
    if (!parsed.success) {
      if (request === null) log.warn('dropped a malformed upload message');
      else reply({ kind: 'upload-result', request, ok: false, error: { code: 'malformed_message', message: 'Malformed upload: it needs a name and an ArrayBuffer.' } });
      return;
    }
    try {
      const { uploadId } = await options.stageUpload(parsed.data.name, parsed.data.data);
      reply({ kind: 'upload-result', request: parsed.data.request, ok: true, uploadId });
    } catch (error) {
      const publicError: StudioErrorData = toPublicError(error, log, 'upload');
      reply({ kind: 'upload-result', request: parsed.data.request, ok: false, error: publicError });
    }
  }

  return {
    send(message: HostEnvelope) {
      if (open) port.postMessage(message);
    },
    onMessage(listener) {
      messageListeners.add(listener);
      if (early) {
        // After the host has finished connecting (it registers its listeners first, then says ready).
        const waiting = early;
        early = null;
        if (waiting.length > 0) queueMicrotask(() => waiting.forEach((data) => onMessage({ data })));
      }
      if (!started) {
        started = true;
        port.start();
      }
      return () => void messageListeners.delete(listener);
    },
    onClose(listener) {
      if (!open) {
        queueMicrotask(listener);
        return () => {};
      }
      closeListeners.add(listener);
      return () => void closeListeners.delete(listener);
    },
    close() {
      if (!open) return;
      port.close();
      // MessagePortMain emits 'close' on the closing side too, but not every port does: end here either way.
      onClose();
    },
  };
}

function isUploadMessage(data: unknown): data is { kind: 'upload'; request?: unknown } {
  return typeof data === 'object' && data !== null && (data as { kind?: unknown }).kind === 'upload';
}
