import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { MessageChannel, Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { connectBridge } from '../../src-shared/bridge.js';
import { createPortConnection, type DomPortLike } from '../preload/port-client-wire.js';
import { studioBridge } from '../preload/studio-bridge.js';
import type { FromEngine, ToEngine } from './utility-protocol.js';
import { noDesktop } from '../preload/testing/no-desktop.js';

/**
 * Runs the real utility entry in a worker thread, with `process.parentPort` played by the worker's own port
 * dressed as Electron's (messages arrive as `{ data, ports }`, ports queue until started). Everything the entry
 * does — open the host, say ready, serve ports, answer control messages, shut down — is the real code.
 */
const harness = `
import { parentPort, workerData } from 'node:worker_threads';
import { EventEmitter } from 'node:events';
const { register } = await import(workerData.tsxApi);
register();
function asMainPort(port) {
  const events = new EventEmitter();
  const queued = [];
  let started = false;
  port.on('message', (data) => (started ? events.emit('message', { data, ports: [] }) : queued.push(data)));
  port.on('close', () => events.emit('close'));
  return {
    on: (event, listener) => events.on(event, listener),
    off: (event, listener) => events.off(event, listener),
    postMessage: (message) => port.postMessage(message),
    start: () => { started = true; for (const data of queued.splice(0)) events.emit('message', { data, ports: [] }); },
    close: () => port.close(),
  };
}
const events = new EventEmitter();
parentPort.on('message', (message) => events.emit('message', { data: message.data, ports: (message.ports ?? []).map(asMainPort) }));
process.parentPort = { on: (event, listener) => events.on(event, listener), postMessage: (message) => parentPort.postMessage(message) };
await import(workerData.entry);
`;


const cleanup: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function startEntry() {
  const dir = await mkdtemp(join(tmpdir(), 'valle-utility-'));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  const harnessFile = join(dir, 'harness.mjs');
  await writeFile(harnessFile, harness);
  const home = join(dir, 'home');
  const worker = new Worker(harnessFile, {
    argv: [`--home=${home}`],
    workerData: {
      tsxApi: await tsxEsmApiUrl(),
      entry: new URL('./utility-entry.ts', import.meta.url).href,
    },
    stderr: true,
  });
  const exited = new Promise<number>((resolve) => worker.once('exit', resolve));
  cleanup.push(async () => {
    await worker.terminate();
  });
  const messages: FromEngine[] = [];
  worker.on('message', (message: FromEngine) => messages.push(message));
  const toEngine = (data: ToEngine, ports: MessagePort[] = []) => worker.postMessage({ data, ports }, ports as never);
  await vi.waitFor(() => expect(messages.some((m) => m.kind === 'ready')).toBe(true), { timeout: 30_000, interval: 50 });
  return { worker, home, dir, messages, toEngine, exited };
}

type MessagePort = import('node:worker_threads').MessagePort;

/** tsx's ESM register API, resolved the way `import` would (require.resolve would pick its CommonJS build). */
async function tsxEsmApiUrl(): Promise<string> {
  const packageJson = createRequire(import.meta.url).resolve('tsx/package.json');
  const { exports } = JSON.parse(await readFile(packageJson, 'utf8')) as { exports: Record<string, { import: { default: string } }> };
  return pathToFileURL(join(dirname(packageJson), exports['./esm/api'].import.default)).href;
}

function clientOver(port: MessagePort) {
  const connection = createPortConnection();
  cleanup.push(() => connection.close());
  const bridge = studioBridge(connection, noDesktop);
  connection.attach(port as unknown as DomPortLike);
  return connectBridge(bridge).client;
}

describe('utility-entry', () => {
  it('opens the host on the given home, says ready, and serves every port main sends', async () => {
    const { home, messages, toEngine } = await startEntry();
    expect(messages[0]).toMatchObject({ kind: 'ready' });

    const clients = [1, 2].map((connection) => {
      const { port1, port2 } = new MessageChannel();
      toEngine({ kind: 'connect', connection }, [port1]);
      return clientOver(port2);
    });
    for (const client of clients) {
      const info = await client.call('system.info', {});
      expect(info.host).toBe('electron');
      expect(info.home).toBe(home);
    }
    // Both connections share one host: a group made through one is listed through the other.
    const group = await clients[0].call('library.createGroup', { name: 'Narrators' });
    expect((await clients[1].call('library.listGroups', {})).map((g) => g.id)).toEqual([group.id]);
  }, 60_000);

  it('answers allow-roots, and shuts down cleanly when asked', async () => {
    const { dir, messages, toEngine, exited } = await startEntry();
    toEngine({ kind: 'allow-roots', request: 3, paths: [dir] });
    await vi.waitFor(() => expect(messages.some((m) => m.kind === 'roots-allowed')).toBe(true), { timeout: 10_000 });
    const answer = messages.find((m): m is Extract<FromEngine, { kind: 'roots-allowed' }> => m.kind === 'roots-allowed')!;
    expect(answer.request).toBe(3);
    expect(answer.error).toBeUndefined();
    toEngine({ kind: 'allow-roots', request: 4, paths: ['relative/dir'] });
    await vi.waitFor(() => expect(messages.some((m) => m.kind === 'roots-allowed' && m.request === 4)).toBe(true), { timeout: 10_000 });
    const refused = messages.find((m): m is Extract<FromEngine, { kind: 'roots-allowed' }> => m.kind === 'roots-allowed' && m.request === 4)!;
    expect(refused.error).toMatch(/Only absolute paths can be allowed/);

    toEngine({ kind: 'shutdown' });
    expect(await exited).toBe(0);
  }, 60_000);
});
