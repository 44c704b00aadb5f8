/**
 * What Electron's utility process runs (through utility-bootstrap.js, which registers tsx first). It opens the
 * engine host on the studio home main names, serves every MessagePort main sends as a Studio API connection,
 * and answers main's control messages (utility-protocol.ts). It never imports `electron`: `process.parentPort`
 * is all it needs of it, typed locally below.
 */
import { parseArgs } from 'node:util';
import { EngineHost } from './host/engine-host.js';
import type { HostLog } from './host/host-log.js';
import { isStudioErrorLike } from './host/public-error.js';
import { messagePortHostWire, type MainPortLike } from './transport/message-port-host.js';
import { engineEnv, toEngineSchema, type FromEngine, type ToEngine } from './utility-protocol.js';

/** Electron's `process.parentPort` in a utility process. */
interface ParentPortLike {
  on(event: 'message', listener: (event: { data: unknown; ports: MainPortLike[] }) => void): unknown;
  postMessage(message: unknown): void;
}

/** Host start-up failures that a restart cannot fix: main is told, and stops trying. */
const fatalCodes = new Set(['db_version_too_new', 'disk_full', 'path_not_allowed']);

/**
 * Main prefixes every line of our stdout/stderr with `[engine <pid>]` (one log writer: main), so the log adds
 * no prefix of its own.
 */
const log: HostLog = {
  info: (message, ...details) => console.error(message, ...details),
  warn: (message, ...details) => console.error(`warning: ${message}`, ...details),
  error: (message, ...details) => console.error(`error: ${message}`, ...details),
};

function studioHome(): string {
  const { values } = parseArgs({ args: process.argv.slice(2), options: { home: { type: 'string' } }, strict: false });
  const home = typeof values.home === 'string' ? values.home : process.env[engineEnv.home];
  if (!home) throw new Error(`utility-entry needs --home=DIR or ${engineEnv.home}`);
  return home;
}


async function main(parentPort: ParentPortLike): Promise<void> {
  const send = (message: FromEngine) => parentPort.postMessage(message);
  let host: EngineHost | null = null;
  // Connections and grants that arrive while the host is still opening wait for it.
  const early: { message: ToEngine; ports: MainPortLike[] }[] = [];

  const handle = async (message: ToEngine, ports: MainPortLike[], open: EngineHost): Promise<void> => {
    switch (message.kind) {
      case 'connect': {
        const port = ports[0];
        if (!port) {
          log.warn(`connection ${message.connection} arrived without a port`);
          return;
        }
        const wire = messagePortHostWire(port, {
          stageUpload: async (name, data) => ({ uploadId: (await open.uploads.stage(name, data)).uploadId }),
          log,
        });
        open.connect(wire);
        return;
      }
      case 'allow-roots': {
        try {
          open.allowRoots(message.paths);
          send({ kind: 'roots-allowed', request: message.request });
        } catch (error) {
          send({ kind: 'roots-allowed', request: message.request, error: error instanceof Error ? error.message : String(error) });
        }
        return;
      }
      case 'shutdown': {
        await open.close();
        process.exit(0);
      }
    }
  };

  parentPort.on('message', (event) => {
    const parsed = toEngineSchema.safeParse(event.data);
    if (!parsed.success) {
      log.warn('ignored a malformed control message from main');
      return;
    }
    if (!host) {
      if (parsed.data.kind === 'shutdown') process.exit(0);
      early.push({ message: parsed.data, ports: event.ports });
      return;
    }
    void handle(parsed.data, event.ports, host);
  });

  try {
    host = await EngineHost.open({ home: studioHome(), hostKind: 'electron', log });
  } catch (error) {
    if (isStudioErrorLike(error) && fatalCodes.has(error.code)) {
      send({ kind: 'fatal', code: error.code, message: error.message });
      // Let the message reach main before the process goes.
      setTimeout(() => process.exit(1), 100);
      return;
    }
    throw error;
  }
  send({ kind: 'ready', pid: process.pid });
  for (const { message, ports } of early.splice(0)) await handle(message, ports, host);
}

const parentPort = (process as unknown as { parentPort?: ParentPortLike }).parentPort;
if (!parentPort) throw new Error('utility-entry.ts must run in an Electron utility process (process.parentPort is missing)');
await main(parentPort);
