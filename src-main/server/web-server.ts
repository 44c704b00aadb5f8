import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { join } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { isStudioErrorLike } from '../engine/host/public-error.js';
import type { EngineHost } from '../engine/host/engine-host.js';
import { consoleLog, type HostLog } from '../engine/host/host-log.js';
import { findPackageRoot } from '../engine/host/system-info.js';
import {
  generateToken,
  isLoopbackAddress,
  isLoopbackHostHeader,
  originMatchesHost,
  presentedToken,
  tokenCookie,
  tokensMatch,
} from './access-control.js';
import { serveMedia } from './media-route.js';
import { setSecurityHeaders } from './security-headers.js';
import { plain, serveStatic } from './static-files.js';
import { webSocketHostWire } from './ws-host-wire.js';

export interface WebServerOptions {
  host: EngineHost;
  /** Address to bind (default 127.0.0.1). Anything but loopback requires a token. */
  hostname?: string;
  /** Port (default 7860; 0 picks a free one). */
  port?: number;
  /** The built renderer (default `out/renderer` of the package). */
  staticDir?: string;
  /** Access token; generated when binding beyond loopback and none is given. */
  token?: string;
  log?: HostLog;
}

export interface RunningWebServer {
  /** The address to open, with `?token=…` when a token is required. */
  url: string;
  port: number;
  hostname: string;
  token: string | null;
  close(): Promise<void>;
}

const WS_PATH = '/api/ws';
const MAX_FRAME_BYTES = 16 * 1024 * 1024;
const HEARTBEAT_MS = 30_000;

export function defaultStaticDir(): string {
  return join(findPackageRoot(), 'out', 'renderer');
}

/**
 * The headless web host: serves the built renderer, stored media (with ranges), uploads, and the Studio API
 * over a WebSocket at /api/ws, for the same EngineHost the desktop app uses. See [Note: web host access].
 */
export async function startWebServer(options: WebServerOptions): Promise<RunningWebServer> {
  const engine = options.host;
  const log = options.log ?? consoleLog('[web]');
  const hostname = options.hostname ?? '127.0.0.1';
  const staticDir = options.staticDir ?? defaultStaticDir();
  const loopback = isLoopbackAddress(hostname);
  const token = options.token ?? (loopback ? null : generateToken());
  if (!loopback && !token) throw new Error('Binding beyond loopback requires an access token');

  let boundPort = 0;
  const wsHostFor = (request: IncomingMessage) => {
    const header = request.headers.host;
    return header && /^[A-Za-z0-9.\-:[\]]+$/.test(header) ? header : `${urlHost(hostname)}:${boundPort}`;
  };

  /** Null when the request may proceed; otherwise the status to refuse it with. */
  const refusal = (request: IncomingMessage, url: URL): { status: number; text: string } | null => {
    if (token === null) {
      if (!isLoopbackHostHeader(request.headers.host)) return { status: 403, text: 'This server answers only to localhost.' };
      return null;
    }
    const presented = presentedToken(request, url);
    if (!presented || !tokensMatch(presented.token, token)) {
      return { status: 401, text: 'An access token is required: open the URL printed by `valle serve` (it ends in ?token=…).' };
    }
    return null;
  };

  const server: Server = createServer((request, response) => {
    void handleRequest(request, response).catch((error: unknown) => {
      log.error('request failed', error);
      if (!response.headersSent) plain(response, 500, 'Internal error.');
      else response.destroy();
    });
  });

  async function handleRequest(request: IncomingMessage, response: ServerResponse): Promise<void> {
    setSecurityHeaders(response, wsHostFor(request));
    const url = new URL(request.url ?? '/', 'http://placeholder');
    const refused = refusal(request, url);
    if (refused) return plain(response, refused.status, refused.text);
    if (token !== null && url.searchParams.get('token') !== null) response.setHeader('Set-Cookie', tokenCookie(token));

    const method = request.method ?? 'GET';
    if (url.pathname === '/api/upload') {
      if (method !== 'POST') return methodNotAllowed(response, 'POST');
      return handleUpload(request, response, url);
    }
    if (url.pathname.startsWith('/api/')) return plain(response, 404, 'Not found.');
    if (method !== 'GET' && method !== 'HEAD') return methodNotAllowed(response, 'GET, HEAD');
    if (url.pathname.startsWith('/media/')) {
      const media = engine.media;
      if (!media) return plain(response, 404, 'Not found.');
      return serveMedia(url.pathname.slice('/media/'.length), (id) => media.pathOf(id), request, response);
    }
    return serveStatic(staticDir, url.pathname, request, response);
  }

  async function handleUpload(request: IncomingMessage, response: ServerResponse, url: URL): Promise<void> {
    // A cross-site form could POST here too; browsers always send Origin on such requests.
    if (!originMatchesHost(header(request, 'origin'), request.headers.host)) return json(response, 403, errorBody('unauthorized', 'Cross-origin uploads are not allowed.'));
    const name = url.searchParams.get('name');
    if (!name) return json(response, 400, errorBody('invalid_input', 'The upload needs a ?name= query parameter.'));
    const declared = request.headers['content-length'] === undefined ? undefined : Number(request.headers['content-length']);
    try {
      const staged = await engine.uploads.stageStream(name, request, Number.isFinite(declared) ? declared : undefined);
      json(response, 200, { uploadId: staged.uploadId });
    } catch (error) {
      if (isStudioErrorLike(error)) {
        const tooLarge = error.code === 'invalid_input' && error.details?.maxBytes !== undefined;
        // Stop reading a body we refused; the client learns why from the response.
        response.setHeader('Connection', 'close');
        json(response, tooLarge ? 413 : 400, { error: error.toData() });
        request.resume();
        return;
      }
      throw error;
    }
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });
  const alive = new WeakSet<WebSocket>();
  wss.on('connection', (socket: WebSocket) => {
    alive.add(socket);
    socket.on('pong', () => alive.add(socket));
    socket.on('error', (error) => log.warn('WebSocket error', error));
    engine.connect(webSocketHostWire(socket, log));
  });
  // A peer that vanished without a close frame is found by ping/pong and dropped.
  const heartbeat = setInterval(() => {
    for (const socket of wss.clients) {
      if (!alive.has(socket)) {
        socket.terminate();
        continue;
      }
      alive.delete(socket);
      socket.ping();
    }
  }, HEARTBEAT_MS);
  heartbeat.unref();

  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(request.url ?? '/', 'http://placeholder');
    const reject = (status: number, reason: string) => {
      socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    if (url.pathname !== WS_PATH) return reject(404, 'Not Found');
    const refused = refusal(request, url);
    if (refused) return reject(refused.status, refused.status === 401 ? 'Unauthorized' : 'Forbidden');
    if (!originMatchesHost(header(request, 'origin'), request.headers.host)) return reject(403, 'Forbidden');
    wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 7860, hostname, () => {
      server.off('error', reject);
      resolve();
    });
  });
  boundPort = (server.address() as AddressInfo).port;

  const shownHost = hostname === '0.0.0.0' || hostname === '::' ? '127.0.0.1' : urlHost(hostname);
  const url = `http://${shownHost}:${boundPort}/${token ? `?token=${encodeURIComponent(token)}` : ''}`;
  return {
    url,
    port: boundPort,
    hostname,
    token,
    close: async () => {
      clearInterval(heartbeat);
      for (const socket of wss.clients) socket.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function urlHost(hostname: string): string {
  return hostname.includes(':') && !hostname.startsWith('[') ? `[${hostname}]` : hostname;
}

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function methodNotAllowed(response: ServerResponse, allow: string): void {
  response.setHeader('Allow', allow);
  plain(response, 405, 'Method not allowed.');
}

function errorBody(code: string, message: string) {
  return { error: { code, message } };
}

function json(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.statusCode = status;
  response.setHeader('Content-Type', 'application/json; charset=utf-8');
  response.setHeader('Content-Length', Buffer.byteLength(text));
  response.end(text);
}
