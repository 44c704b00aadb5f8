import type { ClientEnvelope, HostEnvelope } from '$shared/api/envelope.js';
import type { ClientWire } from '$shared/api/wire.js';

export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'closed';

/** The part of the browser WebSocket the wire uses; tests pass a fake. */
export interface SocketLike {
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: Event) => void) | null;
  onmessage: ((event: MessageEvent) => void) | null;
  onclose: ((event: CloseEvent) => void) | null;
  onerror: ((event: Event) => void) | null;
}

export interface WebWireOptions {
  /** ws:// or wss:// URL of the host's `/api/ws`, token included. */
  url: string;
  createSocket?: (url: string) => SocketLike;
  /** Waits between reconnect attempts; the last one repeats. */
  reconnectDelaysMs?: readonly number[];
  /** How long a call may wait for a connection before every waiting call is rejected. */
  queueTimeoutMs?: number;
}

/** A ClientWire that also reports its connection state (shown in the status bar, used to resync). */
export interface WebWire extends ClientWire {
  readonly state: ConnectionState;
  onStateChange(listener: (state: ConnectionState) => void): () => void;
}

const defaultDelays = [250, 500, 1000, 2000, 4000];

/**
 * [Note: web wire reconnect] The host may restart (or the network drop) under a live page. The wire then:
 * - tells the client at once (onClose), so calls in flight are rejected rather than left hanging;
 * - reconnects with backoff, and counts the connection usable only after the host's `ready` envelope;
 * - replays the subscriptions it has seen go out, because the new server-side connection starts with none;
 * - holds calls made while (re)connecting and sends them on `ready`; if no connection comes within
 *   `queueTimeoutMs`, it reports a close so the client rejects them.
 * It never looks inside calls: only envelope kinds matter here.
 */
export function createWebWire(options: WebWireOptions): WebWire {
  const createSocket = options.createSocket ?? ((url: string) => new WebSocket(url) as SocketLike);
  const delays = options.reconnectDelaysMs ?? defaultDelays;
  const queueTimeoutMs = options.queueTimeoutMs ?? 15_000;

  const messageListeners = new Set<(message: HostEnvelope) => void>();
  const closeListeners = new Set<(reason: string) => void>();
  const stateListeners = new Set<(state: ConnectionState) => void>();
  const subscriptions = new Set<string>();
  let queue: ClientEnvelope[] = [];
  let queueTimer: ReturnType<typeof setTimeout> | null = null;
  let reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  let attempt = 0;
  let socket: SocketLike | null = null;
  let state: ConnectionState = 'connecting';
  let closedByClient = false;

  function setState(next: ConnectionState): void {
    if (state === next) return;
    state = next;
    for (const listener of [...stateListeners]) listener(next);
  }

  function emitClose(reason: string): void {
    for (const listener of [...closeListeners]) listener(reason);
  }

  function clearQueueTimer(): void {
    if (queueTimer !== null) clearTimeout(queueTimer);
    queueTimer = null;
  }

  function connect(): void {
    const current = createSocket(options.url);
    socket = current;
    current.onmessage = (event) => {
      if (socket !== current) return;
      const message = parse(event.data);
      if (message === null) return;
      if (message.kind === 'ready') onReady(current);
      for (const listener of [...messageListeners]) listener(message);
    };
    current.onclose = (event) => {
      if (socket !== current) return;
      socket = null;
      onLost(`connection lost${event.code ? ` (code ${event.code})` : ''}`);
    };
    // An error is always followed by a close event; the close handler does the work.
    current.onerror = () => {};
    current.onopen = () => {};
  }

  function onReady(current: SocketLike): void {
    attempt = 0;
    setState('open');
    for (const event of subscriptions) current.send(JSON.stringify({ kind: 'subscribe', event } satisfies ClientEnvelope));
    const waiting = queue;
    queue = [];
    clearQueueTimer();
    for (const message of waiting) current.send(JSON.stringify(message));
  }

  function onLost(reason: string): void {
    const wasOpen = state === 'open';
    if (closedByClient) return;
    setState('reconnecting');
    if (wasOpen) emitClose(reason);
    const delay = delays[Math.min(attempt, delays.length - 1)] ?? 1000;
    attempt += 1;
    reconnectTimer = setTimeout(() => {
      reconnectTimer = null;
      connect();
    }, delay);
  }

  function enqueue(message: ClientEnvelope): void {
    queue.push(message);
    if (queueTimer !== null) return;
    queueTimer = setTimeout(() => {
      queueTimer = null;
      if (queue.length === 0) return;
      queue = [];
      emitClose('no connection to the studio host');
    }, queueTimeoutMs);
  }

  connect();

  return {
    get state() {
      return state;
    },
    send(message) {
      if (closedByClient) return;
      if (message.kind === 'subscribe') subscriptions.add(message.event);
      if (message.kind === 'unsubscribe') subscriptions.delete(message.event);
      if (state === 'open' && socket) {
        socket.send(JSON.stringify(message));
        return;
      }
      // Subscriptions are replayed from the set on `ready`; only calls wait in the queue.
      if (message.kind === 'call') enqueue(message);
    },
    onMessage(listener) {
      messageListeners.add(listener);
      return () => messageListeners.delete(listener);
    },
    onClose(listener) {
      closeListeners.add(listener);
      return () => closeListeners.delete(listener);
    },
    onStateChange(listener) {
      stateListeners.add(listener);
      return () => stateListeners.delete(listener);
    },
    close() {
      if (closedByClient) return;
      closedByClient = true;
      if (reconnectTimer !== null) clearTimeout(reconnectTimer);
      clearQueueTimer();
      queue = [];
      const current = socket;
      socket = null;
      current?.close(1000, 'closed by client');
      setState('closed');
      emitClose('closed by client');
    },
  };
}

const hostKinds = new Set(['result', 'event', 'ready']);

/** Envelopes come from our own host, but a malformed one must not take the page down. */
function parse(data: unknown): HostEnvelope | null {
  if (typeof data !== 'string') return null;
  try {
    const value: unknown = JSON.parse(data);
    if (typeof value === 'object' && value !== null && hostKinds.has((value as { kind?: unknown }).kind as string)) {
      return value as HostEnvelope;
    }
  } catch {
    // fall through
  }
  console.warn('[studio] ignoring a malformed message from the host');
  return null;
}
