import { EventEmitter } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { StudioError } from '../../../src-shared/api/errors.js';
import type { PortUploadReply } from '../../../src-shared/api/port-envelope.js';
import { connectBridge } from '../../../src-shared/bridge.js';
import { createPortConnection, type DomPortLike } from '../../preload/port-client-wire.js';
import { studioBridge } from '../../preload/studio-bridge.js';
import { EngineHost } from '../host/engine-host.js';
import { memoryLog } from '../host/host-log.js';
import { messagePortHostWire, type MainPortLike } from './message-port-host.js';
import { noDesktop } from '../../preload/testing/no-desktop.js';


/**
 * Node's MessagePort dressed as Electron's MessagePortMain: EventEmitter-style, and a message listener gets
 * `{ data, ports }` rather than the data itself. This is the only thing standing in for Electron here.
 */
function asMainPort(port: MessagePort, options: { queueUntilStart?: boolean } = {}): MainPortLike & { started: boolean } {
  const events = new EventEmitter();
  const queued: unknown[] = [];
  // Node starts a port as soon as it has a 'message' listener; MessagePortMain queues until start().
  const queueUntilStart = options.queueUntilStart ?? true;
  port.on('message', (data: unknown) => {
    if (queueUntilStart && !shim.started) queued.push(data);
    else events.emit('message', { data, ports: [] });
  });
  port.on('close', () => events.emit('close'));
  const shim = {
    started: false,
    on: (event: string, listener: (...args: unknown[]) => void) => events.on(event, listener),
    off: (event: string, listener: (...args: unknown[]) => void) => events.off(event, listener),
    postMessage: (message: unknown) => port.postMessage(message),
    start: () => {
      shim.started = true;
      for (const data of queued.splice(0)) events.emit('message', { data, ports: [] });
    },
    close: () => port.close(),
  };
  return shim as MainPortLike & { started: boolean };
}

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function openHost() {
  const dir = await mkdtemp(join(tmpdir(), 'valle-port-'));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  const home = join(dir, 'home');
  const log = memoryLog();
  const host = await EngineHost.open({ home, hostKind: 'electron', log, workerPoolSize: 1 });
  cleanup.push(() => host.close());
  return { host, home, log };
}

/** The whole Electron path minus Electron: client → bridge → preload wire → port → engine adapter → host. */
async function connect(host: EngineHost, options: { queueUntilStart?: boolean } = {}) {
  const { port1, port2 } = new MessageChannel();
  const enginePort = asMainPort(port1, options);
  const hostWire = messagePortHostWire(enginePort, {
    stageUpload: async (name, data) => ({ uploadId: (await host.uploads.stage(name, data)).uploadId }),
    log: memoryLog(),
  });
  const connection = createPortConnection();
  cleanup.push(() => connection.close());
  const bridge = studioBridge(connection, noDesktop);
  const { client } = connectBridge(bridge);
  connection.attach(port2 as unknown as DomPortLike);
  return { client, connection, hostWire, enginePort, rawPreloadEnd: port2 };
}

describe('Electron transport against the real engine host', () => {
  it('answers calls through the typed client, with StudioError codes intact', async () => {
    const { host, home } = await openHost();
    const { client, hostWire } = await connect(host);
    host.connect(hostWire);
    const info = await client.call('system.info', {});
    expect(info.host).toBe('electron');
    expect(info.home).toBe(home);

    const error = await client.call('library.createGroup', { name: '' }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(StudioError);
    expect((error as StudioError).code).toBe('invalid_input');
  });

  it('delivers the events the page subscribed to', async () => {
    const { host } = await openHost();
    const { client, hostWire } = await connect(host);
    host.connect(hostWire);
    const changes: string[] = [];
    client.on('library.changed', (change) => changes.push(change.entity));
    // A round trip after subscribing: the subscription is in place before the change happens.
    await client.call('system.ping', {});
    const group = await client.call('library.createGroup', { name: 'Narrators' });
    await vi.waitFor(() => expect(changes).toContain('group'));
    expect((await client.call('library.listGroups', {})).map((g) => g.id)).toEqual([group.id]);
  });

  it('does not lose calls sent before the host starts listening, whether or not the port queues them', async () => {
    const { host } = await openHost();
    for (const queueUntilStart of [true, false]) {
      const { client, hostWire, enginePort } = await connect(host, { queueUntilStart });
      const pong = client.call('system.ping', {});
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(enginePort.started).toBe(false);
      host.connect(hostWire);
      expect(enginePort.started).toBe(true);
      await expect(pong).resolves.toMatchObject({ pong: true });
    }
  });

  it('stages uploads in the engine and returns an id an import can name', async () => {
    const { host } = await openHost();
    const { client, hostWire } = await connect(host);
    host.connect(hostWire);
    const bytes = new Uint8Array(70_000).map((_, i) => (i * 31) % 256);
    const { uploadId } = await client.upload('../take 1.wav', bytes.slice().buffer);
    const staged = await host.uploads.resolve(uploadId);
    expect(staged.name).toBe('take 1.wav');
    expect(new Uint8Array(await readFile(staged.path))).toEqual(bytes);
  });

  it('answers a malformed upload with malformed_message and drops one it cannot answer', async () => {
    const { host, log } = await openHost();
    // Speak to the engine adapter directly: the preload wire would never send these.
    const direct = new MessageChannel();
    cleanup.push(() => direct.port2.close());
    const adapterLog = memoryLog();
    const stageUpload = vi.fn(async () => ({ uploadId: 'x' }));
    host.connect(messagePortHostWire(asMainPort(direct.port1), { stageUpload, log: adapterLog }));
    const replies: PortUploadReply[] = [];
    direct.port2.on('message', (message: { kind: string }) => {
      if (message.kind === 'upload-result') replies.push(message as PortUploadReply);
    });
    direct.port2.postMessage({ kind: 'upload', request: 7, name: 'a.wav', data: 'not bytes' });
    direct.port2.postMessage({ kind: 'upload', name: 'a.wav' });
    await vi.waitFor(() => expect(adapterLog.lines.some((line) => line.includes('malformed upload'))).toBe(true));
    await vi.waitFor(() => expect(replies).toHaveLength(1));
    expect(replies[0]).toMatchObject({ kind: 'upload-result', request: 7, ok: false, error: { code: 'malformed_message' } });
    expect(stageUpload).not.toHaveBeenCalled();
    expect(log.lines.filter((line) => line.startsWith('error'))).toEqual([]);
  });

  it('ends the host connection when the page side closes its port', async () => {
    const { host } = await openHost();
    const { client, hostWire } = await connect(host);
    const closed = vi.fn();
    hostWire.onClose(closed);
    host.connect(hostWire);
    await client.call('system.ping', {});
    client.close();
    await vi.waitFor(() => expect(closed).toHaveBeenCalledTimes(1));
  });

  it('fails the page’s calls in flight when the engine side ends the connection', async () => {
    const { host } = await openHost();
    const { client, hostWire, connection } = await connect(host);
    host.connect(hostWire);
    await client.call('system.ping', {});
    const pending = client.call('library.listGroups', {});
    hostWire.close();
    const error = await pending.then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(StudioError);
    expect((error as StudioError).code).toBe('engine_unavailable');
    expect(connection.state()).toBe('reconnecting');
  });
});
