import { randomBytes } from 'node:crypto';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createStudioClient } from '../../src-shared/client.js';
import { EngineHost } from '../engine/host/engine-host.js';
import { memoryLog } from '../engine/host/host-log.js';
import { startWebServer, type RunningWebServer } from './web-server.js';
import { connectWebSocket } from './ws-client-wire.js';

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** A raw HTTP request to 127.0.0.1 (the path is sent exactly as given: no client-side normalisation). */
function send(port: number, path: string, options: { method?: string; headers?: Record<string, string>; body?: Uint8Array } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers: options.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Opens a raw WebSocket; resolves with the socket and its first message, or the HTTP status of a refusal. */
function openSocket(url: string, options: WebSocket.ClientOptions = {}): Promise<{ socket: WebSocket; first: unknown } | { refused: number }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, options);
    socket.once('unexpected-response', (_req, res) => resolve({ refused: res.statusCode ?? 0 }));
    socket.once('message', (data) => resolve({ socket, first: JSON.parse(String(data)) }));
    socket.once('error', reject);
  });
}

function nextMessage(socket: WebSocket): Promise<Record<string, unknown>> {
  return new Promise((resolve) => socket.once('message', (data) => resolve(JSON.parse(String(data)) as Record<string, unknown>)));
}

let root: string;
let staticDir: string;
let host: EngineHost;
let server: RunningWebServer;
const mediaId = 'ab'.repeat(32);
const mediaBytes = randomBytes(10_000);

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'valle-web-'));
  staticDir = join(root, 'renderer');
  await mkdir(join(staticDir, 'assets'), { recursive: true });
  await writeFile(join(staticDir, 'index.html'), '<!doctype html><title>VALL-E Studio</title>');
  await writeFile(join(staticDir, 'assets', 'app-1234.js'), 'console.log("app")');
  await writeFile(join(staticDir, 'assets', 'style.css'), 'body{}');
  await writeFile(join(root, 'secret.txt'), 'TOP SECRET');
  await symlink(join(root, 'secret.txt'), join(staticDir, 'link-out.txt'));
  host = await EngineHost.open({ home: join(root, 'home'), hostKind: 'web', log: memoryLog(), uploadMaxBytes: 1000 });
  const mediaPath = host.media!.pathOf(mediaId);
  await mkdir(dirname(mediaPath), { recursive: true });
  await writeFile(mediaPath, mediaBytes);
  server = await startWebServer({ host, port: 0, staticDir, log: memoryLog() });
});

afterAll(async () => {
  await server?.close();
  await host?.close();
  await rm(root, { recursive: true, force: true });
});

describe('web host on loopback', () => {
  it('serves the renderer with a strict CSP and correct content types', async () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/`);
    expect(server.token).toBeNull();
    const index = await send(server.port, '/');
    expect(index.status).toBe(200);
    expect(index.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(index.body.toString()).toContain('VALL-E Studio');
    expect(index.headers['content-security-policy']).toBe(
      "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; media-src 'self' blob:; " +
        `connect-src 'self' ws://127.0.0.1:${server.port}; object-src 'none'; base-uri 'none'; frame-ancestors 'none'`,
    );
    expect(index.headers['x-content-type-options']).toBe('nosniff');
    expect((await send(server.port, '/assets/app-1234.js')).headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect((await send(server.port, '/assets/style.css')).headers['content-type']).toBe('text/css; charset=utf-8');
    const head = await send(server.port, '/assets/app-1234.js', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
  });

  it('falls back to index.html for app routes but not for missing files', async () => {
    const route = await send(server.port, '/speakers/123');
    expect(route.status).toBe(200);
    expect(route.body.toString()).toContain('VALL-E Studio');
    expect((await send(server.port, '/assets/missing.js')).status).toBe(404);
  });

  it('never serves a file outside the static folder', async () => {
    for (const path of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt', '/..%5csecret.txt', '/assets/%2e%2e/%2e%2e/secret.txt', '/link-out.txt', '/%00']) {
      const reply = await send(server.port, path);
      expect(reply.body.toString(), path).not.toContain('TOP SECRET');
      expect(reply.status === 404 || reply.status === 400 || (reply.status === 200 && reply.body.toString().includes('VALL-E Studio')), path).toBe(true);
    }
  });

  it('refuses Host headers that are not loopback (DNS rebinding)', async () => {
    const reply = await send(server.port, '/', { headers: { Host: `evil.example:${server.port}` } });
    expect(reply.status).toBe(403);
    expect((await send(server.port, '/', { headers: { Host: `localhost:${server.port}` } })).status).toBe(200);
  });

  it('streams media with byte-exact ranges', async () => {
    const full = await send(server.port, `/media/${mediaId}`);
    expect(full.status).toBe(200);
    expect(full.headers['accept-ranges']).toBe('bytes');
    expect(full.headers['content-type']).toBe('audio/wav');
    expect(full.body.equals(mediaBytes)).toBe(true);

    const cases: Array<[string, number, number]> = [
      ['bytes=100-199', 100, 199],
      ['bytes=0-0', 0, 0],
      ['bytes=9990-', 9990, 9999],
      ['bytes=-500', 9500, 9999],
      ['bytes=9000-20000', 9000, 9999],
    ];
    for (const [range, start, end] of cases) {
      const part = await send(server.port, `/media/${mediaId}`, { headers: { Range: range } });
      expect(part.status, range).toBe(206);
      expect(part.headers['content-range'], range).toBe(`bytes ${start}-${end}/10000`);
      expect(Number(part.headers['content-length']), range).toBe(end - start + 1);
      expect(part.body.equals(mediaBytes.subarray(start, end + 1)), range).toBe(true);
    }
    for (const range of ['bytes=10000-', 'bytes=50-10', 'bytes=x-y']) {
      const bad = await send(server.port, `/media/${mediaId}`, { headers: { Range: range } });
      expect(bad.status, range).toBe(416);
      expect(bad.headers['content-range'], range).toBe('bytes */10000');
    }
    expect((await send(server.port, `/media/${'cd'.repeat(32)}`)).status).toBe(404);
    expect((await send(server.port, '/media/..%2f..%2fsecret.txt')).status).toBe(404);
  });

  it('stages uploads, refusing oversized, unnamed and cross-origin ones', async () => {
    const bytes = randomBytes(600);
    const ok = await send(server.port, '/api/upload?name=take%201.wav', { method: 'POST', body: bytes });
    expect(ok.status).toBe(200);
    const { uploadId } = JSON.parse(ok.body.toString()) as { uploadId: string };
    const staged = host.uploads.resolve(uploadId);
    expect(staged.name).toBe('take 1.wav');
    expect((await readFile(staged.path)).equals(bytes)).toBe(true);

    const big = await send(server.port, '/api/upload?name=big.wav', { method: 'POST', body: randomBytes(1001) });
    expect(big.status).toBe(413);
    expect(JSON.parse(big.body.toString())).toMatchObject({ error: { code: 'invalid_input' } });
    expect((await send(server.port, '/api/upload', { method: 'POST', body: bytes })).status).toBe(400);
    const crossSite = await send(server.port, '/api/upload?name=x.wav', { method: 'POST', body: bytes, headers: { Origin: 'http://evil.example' } });
    expect(crossSite.status).toBe(403);
    expect((await send(server.port, '/api/upload?name=x.wav')).status).toBe(405);
  });

  it('carries the Studio API over the WebSocket', async () => {
    const { wire, services } = await connectWebSocket(server.url);
    const client = createStudioClient(wire, services);
    try {
      expect(await client.call('system.ping', {})).toMatchObject({ pong: true });
      expect((await client.call('system.info', {})).host).toBe('web');
      await expect(client.call('no.such' as 'system.ping', {})).rejects.toMatchObject({ code: 'unknown_procedure' });
      await expect(client.call('jobs.list', { limit: -1 })).rejects.toMatchObject({ code: 'invalid_input' });
      const { uploadId } = await client.upload('clip.wav', new Uint8Array([1, 2, 3]).buffer);
      expect(host.uploads.resolve(uploadId).name).toBe('clip.wav');
      expect(client.mediaUrl(mediaId)).toBe(`http://127.0.0.1:${server.port}/media/${mediaId}`);
    } finally {
      client.close();
    }
  });

  it('answers malformed frames with typed errors and keeps the connection usable', async () => {
    const opened = await openSocket(`ws://127.0.0.1:${server.port}/api/ws`);
    if (!('socket' in opened)) throw new Error(`refused: ${opened.refused}`);
    const { socket, first } = opened;
    expect(first).toEqual({ kind: 'ready' });
    try {
      const broken = nextMessage(socket);
      socket.send('{"kind":"call","id":5,"procedure":"system.ping",');
      expect(await broken).toMatchObject({ kind: 'result', id: 5, ok: false, error: { code: 'malformed_message' } });

      const wrongShape = nextMessage(socket);
      socket.send(JSON.stringify({ kind: 'call', id: 6, procedure: ['system.ping'] }));
      expect(await wrongShape).toMatchObject({ kind: 'result', id: 6, ok: false, error: { code: 'malformed_message' } });

      socket.send('garbage without any id');
      socket.send(Buffer.from([1, 2, 3]), { binary: true });
      const unknown = nextMessage(socket);
      socket.send(JSON.stringify({ kind: 'call', id: 7, procedure: 'system.nope', input: {} }));
      expect(await unknown).toMatchObject({ kind: 'result', id: 7, ok: false, error: { code: 'unknown_procedure' } });

      const pong = nextMessage(socket);
      socket.send(JSON.stringify({ kind: 'call', id: 8, procedure: 'system.ping', input: {} }));
      expect(await pong).toMatchObject({ kind: 'result', id: 8, ok: true, value: { pong: true } });
    } finally {
      socket.close();
    }
  });

  it('refuses WebSocket upgrades from another origin, or on another path', async () => {
    const crossSite = await openSocket(`ws://127.0.0.1:${server.port}/api/ws`, { origin: 'http://evil.example' });
    expect(crossSite).toEqual({ refused: 403 });
    const sameSite = await openSocket(`ws://127.0.0.1:${server.port}/api/ws`, { origin: `http://127.0.0.1:${server.port}` });
    expect('socket' in sameSite).toBe(true);
    if ('socket' in sameSite) sameSite.socket.close();
    expect(await openSocket(`ws://127.0.0.1:${server.port}/elsewhere`)).toEqual({ refused: 404 });
  });
});

describe('web host bound beyond loopback', () => {
  let open: RunningWebServer;
  beforeAll(async () => {
    open = await startWebServer({ host, hostname: '0.0.0.0', port: 0, staticDir, log: memoryLog() });
  });
  afterAll(async () => {
    await open?.close();
  });

  it('generates a token and prints it in the URL', () => {
    expect(open.token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(open.url).toBe(`http://127.0.0.1:${open.port}/?token=${open.token}`);
  });

  it('refuses every request without the token', async () => {
    for (const path of ['/', '/assets/app-1234.js', `/media/${mediaId}`, '/speakers/1']) {
      expect((await send(open.port, path)).status, path).toBe(401);
    }
    expect((await send(open.port, '/api/upload?name=a.wav', { method: 'POST', body: new Uint8Array(3) })).status).toBe(401);
    expect((await send(open.port, '/?token=wrong')).status).toBe(401);
    expect((await send(open.port, '/', { headers: { 'X-Studio-Token': 'wrong' } })).status).toBe(401);
    expect((await send(open.port, '/', { headers: { Cookie: 'studio_token=wrong' } })).status).toBe(401);
    expect(await openSocket(`ws://127.0.0.1:${open.port}/api/ws`)).toEqual({ refused: 401 });
  });

  it('accepts the token from the query (setting the cookie), a header, or the cookie', async () => {
    const token = open.token!;
    const viaQuery = await send(open.port, `/?token=${token}`);
    expect(viaQuery.status).toBe(200);
    const cookie = String(viaQuery.headers['set-cookie']);
    expect(cookie).toContain(`studio_token=${token}`);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    expect((await send(open.port, `/media/${mediaId}`, { headers: { 'X-Studio-Token': token, Range: 'bytes=0-9' } })).status).toBe(206);
    expect((await send(open.port, '/', { headers: { Cookie: `other=1; studio_token=${token}` } })).status).toBe(200);
    // The Host header is not restricted once a token guards the server.
    expect((await send(open.port, '/', { headers: { 'X-Studio-Token': token, Host: `studio.lan:${open.port}` } })).status).toBe(200);

    const { wire, services } = await connectWebSocket(`http://127.0.0.1:${open.port}/`, { token });
    const client = createStudioClient(wire, services);
    expect(await client.call('system.ping', {})).toMatchObject({ pong: true });
    client.close();
    const viaQuerySocket = await openSocket(`ws://127.0.0.1:${open.port}/api/ws?token=${token}`);
    expect('socket' in viaQuerySocket && viaQuerySocket.first).toEqual({ kind: 'ready' });
    if ('socket' in viaQuerySocket) viaQuerySocket.socket.close();
  });
});
