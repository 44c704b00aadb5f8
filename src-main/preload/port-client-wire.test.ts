import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ClientEnvelope, HostEnvelope } from '../../src-shared/api/envelope.js';
import { StudioError } from '../../src-shared/api/errors.js';
import type { PortUploadReply, PortUploadRequest } from '../../src-shared/api/port-envelope.js';
import { connectBridge } from '../../src-shared/bridge.js';
import { createPortConnection, type DomPortLike, type PortConnection } from './port-client-wire.js';
import { studioBridge } from './studio-bridge.js';
import { noDesktop } from './testing/no-desktop.js';


/**
 * The engine's end, played by the test over Node's MessageChannel (the same postMessage / message-event shape
 * as the DOM MessagePort the preload gets). It records what arrives and answers `system.ping` calls.
 */
class ScriptedEngine {
  readonly received: (ClientEnvelope | PortUploadRequest)[] = [];
  readonly preloadEnd: DomPortLike;
  private readonly engineEnd: MessagePort;

  constructor(options: { answerPings?: boolean } = {}) {
    const { port1, port2 } = new MessageChannel();
    this.engineEnd = port1;
    this.preloadEnd = port2 as unknown as DomPortLike;
    port1.on('message', (message: ClientEnvelope | PortUploadRequest) => {
      this.received.push(message);
      if (options.answerPings !== false && message.kind === 'call' && message.procedure === 'system.ping') {
        this.send({ kind: 'result', id: message.id, ok: true, value: { pong: true, at: 'now' } });
      }
    });
  }

  send(message: HostEnvelope | PortUploadReply): void {
    this.engineEnd.postMessage(message);
  }

  close(): void {
    this.engineEnd.close();
  }

  calls(): string[] {
    return this.received.flatMap((m) => (m.kind === 'call' ? [m.procedure] : []));
  }
}

const open: { connection: PortConnection; engines: ScriptedEngine[] }[] = [];

function setup(options: { queueTimeoutMs?: number } = {}) {
  const connection = createPortConnection(options);
  const engines: ScriptedEngine[] = [];
  open.push({ connection, engines });
  const bridge = studioBridge(connection, noDesktop);
  const { client } = connectBridge(bridge);
  const attachEngine = (engine = new ScriptedEngine()) => {
    engines.push(engine);
    connection.attach(engine.preloadEnd);
    return engine;
  };
  return { connection, client, attachEngine };
}

afterEach(() => {
  for (const { connection, engines } of open.splice(0)) {
    connection.close();
    for (const engine of engines) engine.close();
  }
  vi.useRealTimers();
});

async function rejection(promise: Promise<unknown>): Promise<StudioError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StudioError);
  return error as StudioError;
}

describe('preload port wire', () => {
  it('holds calls made before the first port and sends them when it arrives', async () => {
    const { client, connection, attachEngine } = setup();
    expect(connection.state()).toBe('connecting');
    const pong = client.call('system.ping', {});
    const engine = attachEngine();
    await expect(pong).resolves.toEqual({ pong: true, at: 'now' });
    expect(connection.state()).toBe('open');
    expect(engine.calls()).toEqual(['system.ping']);
  });

  it('delivers events only for subscribed names, and replays subscriptions on a new port', async () => {
    const { client, connection, attachEngine } = setup();
    const first = attachEngine();
    const seen: string[] = [];
    const off = client.on('library.changed', (change) => seen.push(`${change.entity}:${change.id}`));
    await vi.waitFor(() => expect(first.received).toContainEqual({ kind: 'subscribe', event: 'library.changed' }));
    first.send({ kind: 'event', event: 'library.changed', payload: { entity: 'group', id: 'g1' } });
    await vi.waitFor(() => expect(seen).toEqual(['group:g1']));

    connection.lost('engine restarted');
    const second = attachEngine();
    await vi.waitFor(() => expect(second.received).toContainEqual({ kind: 'subscribe', event: 'library.changed' }));
    second.send({ kind: 'event', event: 'library.changed', payload: { entity: 'clip', id: 'c1' } });
    await vi.waitFor(() => expect(seen).toEqual(['group:g1', 'clip:c1']));

    off();
    await vi.waitFor(() => expect(second.received).toContainEqual({ kind: 'unsubscribe', event: 'library.changed' }));
  });

  it('rejects calls in flight with engine_unavailable when main says the engine died', async () => {
    const { client, connection, attachEngine } = setup();
    const engine = attachEngine(new ScriptedEngine({ answerPings: false }));
    const pending = client.call('system.ping', {});
    await vi.waitFor(() => expect(engine.calls()).toEqual(['system.ping']));
    const states: string[] = [];
    connection.onStateChange((state) => states.push(state));
    connection.lost('the engine crashed (oom)');
    const error = await rejection(pending);
    expect(error.code).toBe('engine_unavailable');
    expect(error.message).toContain('the engine crashed (oom)');
    expect(states).toEqual(['reconnecting']);
  });

  it('notices the engine closing its end of the port', async () => {
    const { client, connection, attachEngine } = setup();
    const engine = attachEngine(new ScriptedEngine({ answerPings: false }));
    const pending = client.call('system.ping', {});
    await vi.waitFor(() => expect(engine.calls()).toEqual(['system.ping']));
    engine.close();
    expect((await rejection(pending)).code).toBe('engine_unavailable');
    expect(connection.state()).toBe('reconnecting');
  });

  it('holds calls while the engine restarts and sends them to the new one', async () => {
    const { client, connection, attachEngine } = setup();
    attachEngine();
    connection.lost('restarting');
    const pong = client.call('system.ping', {});
    const second = attachEngine();
    await expect(pong).resolves.toEqual({ pong: true, at: 'now' });
    expect(second.calls()).toEqual(['system.ping']);
  });

  it('fails held calls and uploads with engine_unavailable when no engine comes in time', async () => {
    vi.useFakeTimers();
    const { client, connection } = setup({ queueTimeoutMs: 1_000 });
    const pong = client.call('system.ping', {});
    const upload = client.upload('a.wav', new ArrayBuffer(4));
    const pongError = rejection(pong);
    const uploadError = rejection(upload);
    vi.advanceTimersByTime(1_000);
    expect((await pongError).code).toBe('engine_unavailable');
    expect((await uploadError).code).toBe('engine_unavailable');
    expect(connection.state()).toBe('connecting');
  });

  it('after a final loss answers every call at once with engine_unavailable', async () => {
    const { client, connection, attachEngine } = setup();
    attachEngine();
    const held = client.call('system.ping', {});
    connection.lost('the engine crashed 5 times', true);
    expect(connection.state()).toBe('closed');
    // `held` was sent to the engine that died (no answer): rejected by the close.
    expect((await rejection(held)).code).toBe('engine_unavailable');
    expect((await rejection(client.call('system.ping', {}))).code).toBe('engine_unavailable');
    // A restarted engine (Help → Restart Engine) brings it back.
    attachEngine();
    await expect(client.call('system.ping', {})).resolves.toEqual({ pong: true, at: 'now' });
  });

  it('transfers an upload over the port and maps the engine answer to an id or a StudioError', async () => {
    const { client, attachEngine } = setup();
    const engine = attachEngine();
    const data = new Uint8Array([1, 2, 3, 250]).buffer;
    const uploaded = client.upload('take 1.wav', data);
    await vi.waitFor(() => expect(engine.received.some((m) => m.kind === 'upload')).toBe(true));
    const request = engine.received.find((m): m is PortUploadRequest => m.kind === 'upload')!;
    expect(request.name).toBe('take 1.wav');
    expect([...new Uint8Array(request.data)]).toEqual([1, 2, 3, 250]);
    expect(data.byteLength).toBe(0); // transferred, not copied
    engine.send({ kind: 'upload-result', request: request.request, ok: true, uploadId: 'u1' });
    await expect(uploaded).resolves.toEqual({ uploadId: 'u1' });

    const refused = client.upload('huge.wav', new ArrayBuffer(8));
    await vi.waitFor(() => expect(engine.received.filter((m) => m.kind === 'upload')).toHaveLength(2));
    const second = engine.received.filter((m): m is PortUploadRequest => m.kind === 'upload')[1];
    engine.send({ kind: 'upload-result', request: second.request, ok: false, error: { code: 'invalid_input', message: 'The upload is too large.' } });
    const error = await rejection(refused);
    expect(error.code).toBe('invalid_input');
    expect(error.message).toBe('The upload is too large.');
  });

  it('refuses anything that is not a Studio API envelope', () => {
    const { connection } = setup();
    expect(() => connection.send({ kind: 'call', id: 1, procedure: 'system.ping', input: {}, extra: 1 })).toThrow(TypeError);
    expect(() => connection.send({ kind: 'eval', code: '1' })).toThrow(TypeError);
    expect(() => connection.send('system.ping')).toThrow(TypeError);
  });

  it('replaces a port that main sends again, failing what was in flight on the old one', async () => {
    const { client, attachEngine } = setup();
    const first = attachEngine(new ScriptedEngine({ answerPings: false }));
    const pending = client.call('system.ping', {});
    await vi.waitFor(() => expect(first.calls()).toEqual(['system.ping']));
    attachEngine();
    expect((await rejection(pending)).code).toBe('engine_unavailable');
    await expect(client.call('system.ping', {})).resolves.toEqual({ pong: true, at: 'now' });
  });
});
