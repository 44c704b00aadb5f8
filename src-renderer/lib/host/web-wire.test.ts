import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createStudioClient } from '$shared/client.js';
import type { ClientEnvelope } from '$shared/api/envelope.js';
import { createWebWire, type SocketLike } from './web-wire.js';

/** A stand-in for the browser WebSocket that records what the wire sends and lets the test play the host. */
class FakeSocket implements SocketLike {
  sent: ClientEnvelope[] = [];
  closed = false;
  onopen: ((event: Event) => void) | null = null;
  onmessage: ((event: MessageEvent) => void) | null = null;
  onclose: ((event: CloseEvent) => void) | null = null;
  onerror: ((event: Event) => void) | null = null;

  constructor(readonly url: string) {}

  send(data: string): void {
    this.sent.push(JSON.parse(data) as ClientEnvelope);
  }

  close(): void {
    this.closed = true;
  }

  /** Host side: deliver a message. */
  receive(message: unknown): void {
    this.onmessage?.({ data: typeof message === 'string' ? message : JSON.stringify(message) } as MessageEvent);
  }

  /** Host side: drop the connection. */
  drop(code = 1006): void {
    this.onclose?.({ code } as CloseEvent);
  }
}

function setup(options: { queueTimeoutMs?: number } = {}) {
  const sockets: FakeSocket[] = [];
  const wire = createWebWire({
    url: 'ws://host/api/ws?token=t',
    createSocket: (url) => {
      const socket = new FakeSocket(url);
      sockets.push(socket);
      return socket;
    },
    reconnectDelaysMs: [100, 200],
    ...options,
  });
  const latest = () => sockets[sockets.length - 1]!;
  return { wire, sockets, latest };
}

describe('web wire', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('holds calls until the host says ready, then sends them in order', () => {
    const { wire, latest } = setup();
    const first: ClientEnvelope = { kind: 'call', id: 1, procedure: 'system.ping', input: {} };
    const second: ClientEnvelope = { kind: 'call', id: 2, procedure: 'system.info', input: {} };
    wire.send(first);
    wire.send(second);
    expect(latest().sent).toEqual([]);
    expect(wire.state).toBe('connecting');
    latest().receive({ kind: 'ready' });
    expect(wire.state).toBe('open');
    expect(latest().sent).toEqual([first, second]);
  });

  it('passes host envelopes to listeners and ignores malformed ones', () => {
    const { wire, latest } = setup();
    const seen: unknown[] = [];
    wire.onMessage((message) => seen.push(message));
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    latest().receive({ kind: 'ready' });
    latest().receive('{not json');
    latest().receive({ kind: 'bogus' });
    latest().receive({ kind: 'event', event: 'library.changed', payload: { entity: 'clip', id: 'c1' } });
    expect(seen).toEqual([{ kind: 'ready' }, { kind: 'event', event: 'library.changed', payload: { entity: 'clip', id: 'c1' } }]);
    expect(warn).toHaveBeenCalledTimes(2);
    warn.mockRestore();
  });

  it('after a drop: reports the close, reconnects with backoff and replays live subscriptions', () => {
    const { wire, sockets, latest } = setup();
    const reasons: string[] = [];
    const states: string[] = [];
    wire.onClose((reason) => reasons.push(reason));
    wire.onStateChange((state) => states.push(state));
    latest().receive({ kind: 'ready' });
    wire.send({ kind: 'subscribe', event: 'job.updated' });
    wire.send({ kind: 'subscribe', event: 'library.changed' });
    wire.send({ kind: 'unsubscribe', event: 'library.changed' });

    latest().drop(1001);
    expect(reasons).toEqual(['connection lost (code 1001)']);
    expect(wire.state).toBe('reconnecting');
    expect(sockets).toHaveLength(1);
    vi.advanceTimersByTime(99);
    expect(sockets).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(sockets).toHaveLength(2);

    // The second attempt fails before ready: no second close report (nothing was in flight), longer wait.
    latest().drop();
    expect(reasons).toHaveLength(1);
    vi.advanceTimersByTime(199);
    expect(sockets).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(sockets).toHaveLength(3);

    latest().receive({ kind: 'ready' });
    expect(latest().sent).toEqual([{ kind: 'subscribe', event: 'job.updated' }]);
    expect(states).toEqual(['open', 'reconnecting', 'open']);
    expect(latest().url).toBe('ws://host/api/ws?token=t');
  });

  it('rejects calls in flight when the connection drops, and serves new calls after reconnecting', async () => {
    const { wire, latest } = setup();
    const client = createStudioClient(wire, { upload: async () => ({ uploadId: 'u' }), mediaUrl: (id) => id });
    latest().receive({ kind: 'ready' });
    const inFlight = client.call('system.ping', {});
    const id = (latest().sent[0] as { id: number }).id;
    latest().drop();
    await expect(inFlight).rejects.toMatchObject({ code: 'engine_unavailable' });

    const later = client.call('system.ping', {});
    vi.advanceTimersByTime(100);
    latest().receive({ kind: 'ready' });
    const sent = latest().sent[0] as { id: number; procedure: string };
    expect(sent.procedure).toBe('system.ping');
    expect(sent.id).not.toBe(id);
    latest().receive({ kind: 'result', id: sent.id, ok: true, value: { pong: true, at: 'now' } });
    await expect(later).resolves.toEqual({ pong: true, at: 'now' });
  });

  it('rejects waiting calls when no connection comes within the queue timeout', async () => {
    const { wire } = setup({ queueTimeoutMs: 1000 });
    const client = createStudioClient(wire, { upload: async () => ({ uploadId: 'u' }), mediaUrl: (id) => id });
    const waiting = client.call('system.ping', {});
    vi.advanceTimersByTime(999);
    let settled = false;
    waiting.then(
      () => (settled = true),
      () => (settled = true),
    );
    await Promise.resolve();
    expect(settled).toBe(false);
    vi.advanceTimersByTime(1);
    await expect(waiting).rejects.toMatchObject({ code: 'engine_unavailable' });
  });

  it('close() stops reconnecting and sends nothing more', () => {
    const { wire, sockets, latest } = setup();
    const reasons: string[] = [];
    wire.onClose((reason) => reasons.push(reason));
    latest().receive({ kind: 'ready' });
    wire.close();
    expect(latest().closed).toBe(true);
    expect(wire.state).toBe('closed');
    expect(reasons).toEqual(['closed by client']);
    latest().drop();
    vi.advanceTimersByTime(10_000);
    expect(sockets).toHaveLength(1);
    wire.send({ kind: 'call', id: 9, procedure: 'system.ping', input: {} });
    expect(latest().sent).toEqual([]);
  });
});
