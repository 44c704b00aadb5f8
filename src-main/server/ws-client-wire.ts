import WebSocket from 'ws';
import { hostEnvelopeSchema, type HostEnvelope } from '../../src-shared/api/envelope.js';
import { errorCodes, StudioError, type ErrorCode } from '../../src-shared/api/errors.js';
import type { ClientWire, HostServices } from '../../src-shared/api/wire.js';

export interface WebSocketConnectOptions {
  /** Access token of a server bound beyond loopback. */
  token?: string;
  /** Origin header to send (browsers always send one; Node clients need not). */
  origin?: string;
}

/**
 * A Node client for a web host: the Studio API over its WebSocket, uploads over HTTP. Resolves once the server
 * said `ready`. (The browser renderer has its own wire; this one serves the CLI and tests.)
 */
export async function connectWebSocket(baseUrl: string, options: WebSocketConnectOptions = {}): Promise<{ wire: ClientWire; services: HostServices; socket: WebSocket }> {
  const base = new URL(baseUrl);
  const wsUrl = new URL('/api/ws', base);
  wsUrl.protocol = base.protocol === 'https:' ? 'wss:' : 'ws:';
  const headers: Record<string, string> = {};
  if (options.token) headers['X-Studio-Token'] = options.token;
  const socket = new WebSocket(wsUrl, { headers, origin: options.origin });

  const listeners = new Set<(message: HostEnvelope) => void>();
  const closers = new Set<(reason: string) => void>();
  let closed = false;
  const closeWith = (reason: string) => {
    if (closed) return;
    closed = true;
    for (const listener of [...closers]) listener(reason);
  };

  await new Promise<void>((resolve, reject) => {
    const fail = (error: Error) => reject(new StudioError('engine_unavailable', `Cannot connect to ${wsUrl.origin}: ${error.message}`));
    socket.once('error', fail);
    socket.once('unexpected-response', (_request, response) => {
      socket.off('error', fail);
      reject(new StudioError(response.statusCode === 401 ? 'unauthorized' : 'engine_unavailable', `The server refused the connection (HTTP ${response.statusCode}).`));
      socket.terminate();
    });
    socket.on('message', (data, isBinary) => {
      if (isBinary) return;
      let json: unknown;
      try {
        json = JSON.parse(String(data));
      } catch {
        return;
      }
      const parsed = hostEnvelopeSchema.safeParse(json);
      if (!parsed.success) return;
      const message = parsed.data as HostEnvelope;
      if (message.kind === 'ready') {
        socket.off('error', fail);
        resolve();
      }
      for (const listener of [...listeners]) listener(message);
    });
  });
  socket.on('close', (code, reason) => closeWith(`connection closed (${code}${reason.length ? ` ${reason.toString()}` : ''})`));
  socket.on('error', (error) => closeWith(error.message));

  const wire: ClientWire = {
    send: (message) => {
      if (socket.readyState !== WebSocket.OPEN) throw new StudioError('engine_unavailable', 'The connection to the studio engine is closed.');
      socket.send(JSON.stringify(message));
    },
    onMessage: (listener) => (listeners.add(listener), () => void listeners.delete(listener)),
    onClose: (listener) => (closers.add(listener), () => void closers.delete(listener)),
    close: () => socket.close(),
  };

  const services: HostServices = {
    async upload(name, data) {
      const url = new URL('/api/upload', base);
      url.searchParams.set('name', name);
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/octet-stream', ...headers },
        body: new Uint8Array(data),
      });
      const body = (await response.json().catch(() => ({}))) as { uploadId?: string; error?: { code: string; message: string } };
      if (!response.ok || !body.uploadId) {
        const code = errorCodes.find((c) => c === body.error?.code) ?? ('internal' satisfies ErrorCode);
        throw new StudioError(code, body.error?.message ?? `Upload failed (HTTP ${response.status}).`);
      }
      return { uploadId: body.uploadId };
    },
    mediaUrl: (mediaId) => new URL(`/media/${mediaId}`, base).href,
  };
  return { wire, services, socket };
}
