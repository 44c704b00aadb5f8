import { clientEnvelopeSchema, type ClientEnvelope, type HostEnvelope } from '../../src-shared/api/envelope.js';
import type { StudioErrorData } from '../../src-shared/api/errors.js';
import type { PortUploadReply, PortUploadRequest } from '../../src-shared/api/port-envelope.js';
import type { BridgeConnectionState, UploadOutcome } from '../../src-shared/bridge.js';

/**
 * The shape of the MessagePort the preload receives (a DOM MessagePort). Node's worker_threads MessagePort has
 * the same shape, which is what lets this file be tested without Electron.
 */
export interface DomPortLike {
  postMessage(message: unknown, transfer?: ArrayBuffer[]): void;
  addEventListener(type: 'message' | 'close', listener: (event: { data?: unknown }) => void): void;
  removeEventListener(type: 'message' | 'close', listener: (event: { data?: unknown }) => void): void;
  start(): void;
  close(): void;
}

export interface PortConnectionOptions {
  /** How long calls and uploads made while there is no engine wait for one before they fail. */
  queueTimeoutMs?: number;
}

/** The preload's end of the Studio API over a MessagePort that main replaces whenever the engine restarts. */
export interface PortConnection {
  /** Sends a Studio API envelope; throws a TypeError for anything else. */
  send(message: unknown): void;
  onMessage(listener: (message: HostEnvelope) => void): () => void;
  onClose(listener: (reason: string) => void): () => void;
  state(): BridgeConnectionState;
  onStateChange(listener: (state: BridgeConnectionState) => void): () => void;
  /** Transfers `data` to the engine (the caller's buffer is detached). Never rejects. */
  upload(name: string, data: ArrayBuffer): Promise<UploadOutcome>;
  /** A port to a fresh engine connection; replaces (and closes) any earlier one. */
  attach(port: DomPortLike): void;
  /** The engine is gone; `final` when main will not restart it by itself. */
  lost(reason: string, final?: boolean): void;
  /** The page is done with the connection; later ports are refused. */
  close(): void;
}

interface QueuedUpload {
  request: PortUploadRequest;
  resolve(outcome: UploadOutcome): void;
}

const defaultQueueTimeoutMs = 30_000;

/**
 * [Note: preload port wire] Main hands the preload one MessagePort per engine connection (`attach`) and says
 * when the engine dies (`lost`). In between, this wire:
 * - forwards envelopes both ways and never looks at procedure names;
 * - on loss, reports a close, so the client rejects the calls in flight instead of leaving them hanging, and
 *   fails uploads in flight;
 * - holds calls and uploads made while there is no engine and sends them on the next port; past
 *   `queueTimeoutMs`, or at once when the loss is final, it answers each held call itself with
 *   `engine_unavailable`;
 * - replays the event subscriptions it has seen, because a new engine connection starts with none.
 */
export function createPortConnection(options: PortConnectionOptions = {}): PortConnection {
  const queueTimeoutMs = options.queueTimeoutMs ?? defaultQueueTimeoutMs;
  const messageListeners = new Set<(message: HostEnvelope) => void>();
  const closeListeners = new Set<(reason: string) => void>();
  const stateListeners = new Set<(state: BridgeConnectionState) => void>();
  const subscriptions = new Set<string>();
  const inFlightUploads = new Map<number, (outcome: UploadOutcome) => void>();
  let queuedCalls: Extract<ClientEnvelope, { kind: 'call' }>[] = [];
  let queuedUploads: QueuedUpload[] = [];
  let queueTimer: ReturnType<typeof setTimeout> | null = null;
  let port: DomPortLike | null = null;
  let detachPort: (() => void) | null = null;
  let state: BridgeConnectionState = 'connecting';
  let closedByPage = false;
  let nextUpload = 1;

  function setState(next: BridgeConnectionState): void {
    if (state === next) return;
    state = next;
    for (const listener of [...stateListeners]) listener(next);
  }

  function deliver(message: HostEnvelope): void {
    for (const listener of [...messageListeners]) listener(message);
  }

  function unavailable(reason: string): StudioErrorData {
    return { code: 'engine_unavailable', message: `The studio engine is not reachable (${reason}).` };
  }

  /** Answers every held call and upload with engine_unavailable. */
  function failQueued(reason: string): void {
    if (queueTimer !== null) clearTimeout(queueTimer);
    queueTimer = null;
    const calls = queuedCalls;
    const uploads = queuedUploads;
    queuedCalls = [];
    queuedUploads = [];
    for (const call of calls) deliver({ kind: 'result', id: call.id, ok: false, error: unavailable(reason) });
    for (const upload of uploads) upload.resolve({ ok: false, error: unavailable(reason) });
  }

  function armQueueTimer(): void {
    if (queueTimer !== null) return;
    queueTimer = setTimeout(() => {
      queueTimer = null;
      failQueued('no engine connection came in time');
    }, queueTimeoutMs);
  }

  function onPortMessage(data: unknown): void {
    if (typeof data !== 'object' || data === null || typeof (data as { kind?: unknown }).kind !== 'string') return;
    const message = data as HostEnvelope | PortUploadReply;
    if (message.kind === 'upload-result') {
      const resolve = inFlightUploads.get(message.request);
      if (!resolve) return;
      inFlightUploads.delete(message.request);
      resolve(message.ok ? { ok: true, uploadId: message.uploadId } : { ok: false, error: message.error });
      return;
    }
    deliver(message);
  }

  function postUpload(target: DomPortLike, upload: QueuedUpload): void {
    inFlightUploads.set(upload.request.request, upload.resolve);
    target.postMessage(upload.request, [upload.request.data]);
  }

  function dropPort(): void {
    detachPort?.();
    detachPort = null;
    const old = port;
    port = null;
    try {
      old?.close();
    } catch {
      // Already closed from the other side.
    }
  }

  function lost(reason: string, final = false): void {
    const wasOpen = state === 'open';
    dropPort();
    const uploads = [...inFlightUploads.values()];
    inFlightUploads.clear();
    for (const resolve of uploads) resolve({ ok: false, error: unavailable(reason) });
    setState(final ? 'closed' : 'reconnecting');
    if (wasOpen) for (const listener of [...closeListeners]) listener(reason);
    if (final) failQueued(reason);
    else if (queuedCalls.length > 0 || queuedUploads.length > 0) armQueueTimer();
  }

  return {
    send(message) {
      const parsed = clientEnvelopeSchema.safeParse(message);
      if (!parsed.success) throw new TypeError('window.studio.send takes Studio API envelopes only');
      const envelope = parsed.data;
      if (envelope.kind === 'subscribe') subscriptions.add(envelope.event);
      if (envelope.kind === 'unsubscribe') subscriptions.delete(envelope.event);
      if (state === 'open' && port) {
        port.postMessage(envelope);
        return;
      }
      // Subscriptions are replayed from the set on the next port; only calls wait.
      if (envelope.kind !== 'call') return;
      if (state === 'closed') {
        const reason = closedByPage ? 'the connection was closed' : 'the engine has stopped';
        queueMicrotask(() => deliver({ kind: 'result', id: envelope.id, ok: false, error: unavailable(reason) }));
        return;
      }
      queuedCalls.push(envelope);
      armQueueTimer();
    },
    onMessage(listener) {
      messageListeners.add(listener);
      return () => void messageListeners.delete(listener);
    },
    onClose(listener) {
      closeListeners.add(listener);
      return () => void closeListeners.delete(listener);
    },
    state: () => state,
    onStateChange(listener) {
      stateListeners.add(listener);
      return () => void stateListeners.delete(listener);
    },
    upload(name, data) {
      return new Promise<UploadOutcome>((resolve) => {
        if (!isArrayBuffer(data) || typeof name !== 'string' || name.length === 0) {
          resolve({ ok: false, error: { code: 'invalid_input', message: 'An upload needs a file name and an ArrayBuffer.' } });
          return;
        }
        const upload: QueuedUpload = { request: { kind: 'upload', request: nextUpload++, name, data }, resolve };
        if (state === 'open' && port) postUpload(port, upload);
        else if (state === 'closed') resolve({ ok: false, error: unavailable('the engine has stopped') });
        else {
          queuedUploads.push(upload);
          armQueueTimer();
        }
      });
    },
    attach(next) {
      if (closedByPage) {
        next.close();
        return;
      }
      if (port) lost('the engine connection was replaced');
      const onMessage = (event: { data?: unknown }) => onPortMessage(event.data);
      const onClose = () => {
        if (port === next) lost('the engine connection closed');
      };
      next.addEventListener('message', onMessage);
      next.addEventListener('close', onClose);
      detachPort = () => {
        next.removeEventListener('message', onMessage);
        next.removeEventListener('close', onClose);
      };
      port = next;
      next.start();
      setState('open');
      if (queueTimer !== null) clearTimeout(queueTimer);
      queueTimer = null;
      for (const event of subscriptions) next.postMessage({ kind: 'subscribe', event } satisfies ClientEnvelope);
      const calls = queuedCalls;
      const uploads = queuedUploads;
      queuedCalls = [];
      queuedUploads = [];
      for (const call of calls) next.postMessage(call);
      for (const upload of uploads) postUpload(next, upload);
    },
    lost,
    close() {
      if (closedByPage) return;
      closedByPage = true;
      lost('the connection was closed', true);
    },
  };
}

/** Realm-independent: the buffer was made in the page's world and copied into the preload's by contextBridge. */
function isArrayBuffer(value: unknown): value is ArrayBuffer {
  return Object.prototype.toString.call(value) === '[object ArrayBuffer]';
}
