import { parseArgs } from 'node:util';
import { EngineHost } from '../engine/host/engine-host.js';
import { startWebServer } from '../server/web-server.js';
import { CommandFailure, EXIT_OK, cliLog, resolveHome, UsageError, type CliIo } from './cli-io.js';
import { resolve } from 'node:path';

export const serveHelp = `Usage: valle serve [options]

Serve VALL-E Studio to a browser: the built renderer, stored media and the Studio API (WebSocket).
The first line of stdout is the address to open:
  VALL-E Studio web host: http://127.0.0.1:7860/
(followed by ?token=… when a token is required). Logs go to stderr. Stop with Ctrl+C.

Options:
  --home DIR         studio home (default: $VALLE_STUDIO_HOME or ~/.valle-studio)
  --port N           port to listen on (default 7860; 0 picks a free port)
  --host ADDR        address to bind (default 127.0.0.1). Any address other than loopback
                     requires an access token.
  --token TOKEN      access token (default: $VALLE_STUDIO_TOKEN; generated when binding beyond
                     loopback and none is given). Requests must carry it as ?token=, the
                     X-Studio-Token header, or the studio_token cookie set from the query.
  --static DIR       built renderer to serve (default: out/renderer, from npm run build:web)
  --allow-path DIR   a folder path imports may read (repeatable; default: none, use uploads)
  -h, --help         show this help
`;

export async function serveCommand(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      home: { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      token: { type: 'string' },
      static: { type: 'string' },
      'allow-path': { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: false,
  });
  if (values.help) {
    io.stdout(serveHelp);
    return EXIT_OK;
  }
  const port = values.port === undefined ? 7860 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be a whole number from 0 to 65535, not "${values.port}"`);
  const token = values.token ?? io.env.VALLE_STUDIO_TOKEN ?? undefined;
  if (token !== undefined && token.length < 16) throw new UsageError('--token must be at least 16 characters long');

  const home = resolveHome(values.home, io);
  const log = cliLog(io);
  const host = await EngineHost.open({
    home,
    hostKind: 'web',
    allowedRoots: (values['allow-path'] ?? []).map((p) => resolve(io.cwd, p)),
    log,
  });
  try {
    const hostname = values.host ?? '127.0.0.1';
    const server = await startWebServer({
      host,
      hostname,
      port,
      staticDir: values.static === undefined ? undefined : resolve(io.cwd, values.static),
      token,
      log,
    }).catch((error: unknown) => {
      const code = (error as { code?: string }).code;
      if (code === 'EADDRINUSE') throw new CommandFailure(`port ${port} on ${hostname} is already in use; pick another with --port (0: any free port)`);
      if (code === 'EACCES') throw new CommandFailure(`not allowed to listen on ${hostname}:${port}; try a port above 1023`);
      if (code === 'EADDRNOTAVAIL') throw new CommandFailure(`${hostname} is not an address of this machine`);
      throw error;
    });
    io.stdout(`VALL-E Studio web host: ${server.url}\n`);
    io.stderr(`Studio home: ${home}\nPress Ctrl+C to stop.\n`);
    io.onServing?.({ url: server.url, port: server.port, token: server.token });
    await new Promise<void>((done) => {
      if (io.signal.aborted) done();
      else io.signal.addEventListener('abort', () => done(), { once: true });
    });
    io.stderr('Stopping…\n');
    await server.close();
  } finally {
    await host.close();
  }
  return EXIT_OK;
}

