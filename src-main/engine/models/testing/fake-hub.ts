/**
 * A local stand-in for the Hugging Face hub, for download tests (vitest and Playwright): the two endpoints the
 * downloader uses (`POST /api/models/{repo}/paths-info/{revision}`, `GET /{repo}/resolve/{revision}/{path}` with
 * Range), plus switches for what real networks do: redirect to a CDN path, throttle, drop the connection at a byte
 * offset, serve bytes that differ from the announced checksum, ignore Range. Every request is recorded.
 */
import { createHash } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeHubFile {
  path: string;
  bytes: Uint8Array;
  /** Kept in LFS (announced with `lfs.oid` = sha256) or in git (announced with the git blob id). Default: LFS. */
  lfs?: boolean;
}

export interface FakeHubRepo {
  repo: string;
  revision?: string;
  files: FakeHubFile[];
}

export interface RecordedRequest {
  method: string;
  path: string;
  range: string | null;
}

export class FakeHub {
  readonly requests: RecordedRequest[] = [];
  /** Send file bodies at about this many bytes per second (null: as fast as possible). */
  bytesPerSecond: number | null = null;
  /** Answer `resolve` with a redirect to a CDN-like path, as the hub does. */
  redirect = true;
  /** Answer ranged requests with the whole file (200). */
  ignoreRange = false;
  /** Drop the connection when a response reaches this file offset, `drops` times. */
  dropAt: number | null = null;
  drops = 0;
  /** The network is down: every request's connection is cut at once (set by a drop when `downAfterDrop`). */
  down = false;
  /** After a drop, stay down until the test clears `down` (retries then fail too). */
  downAfterDrop = false;
  /** Paths (in any repo) whose served bytes are corrupted (one byte flipped) while the announced checksum is not. */
  readonly corrupt = new Set<string>();
  readonly #repos: Map<string, FakeHubRepo>;
  readonly #server: http.Server;

  private constructor(repos: FakeHubRepo[]) {
    this.#repos = new Map(repos.map((r) => [`${r.repo}@${r.revision ?? 'main'}`, r]));
    this.#server = http.createServer((req, res) => {
      this.#handle(req, res).catch(() => res.destroy());
    });
  }

  /** Listens on 127.0.0.1 (`port` 0: any free port). */
  static async start(repos: FakeHubRepo[], port = 0): Promise<FakeHub> {
    const hub = new FakeHub(repos);
    await new Promise<void>((resolve, reject) => {
      hub.#server.once('error', reject);
      hub.#server.listen(port, '127.0.0.1', () => resolve());
    });
    return hub;
  }

  get url(): string {
    const { port } = this.#server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  /** Ranged file requests seen so far (`bytes=N-`), in order. */
  ranges(): string[] {
    return this.requests.filter((r) => r.range !== null).map((r) => r.range!);
  }

  setFiles(repo: string, files: FakeHubFile[], revision = 'main'): void {
    this.#repos.set(`${repo}@${revision}`, { repo, revision, files });
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    this.requests.push({ method: req.method ?? 'GET', path: url.pathname, range: typeof req.headers.range === 'string' ? req.headers.range : null });
    if (this.down) {
      req.socket.destroy();
      return;
    }

    // POST /api/models/{owner}/{name}/paths-info/{revision}
    if (req.method === 'POST' && parts[0] === 'api' && parts[1] === 'models' && parts[4] === 'paths-info') {
      const repo = this.#repos.get(`${parts[2]}/${parts[3]}@${parts[5] ?? 'main'}`);
      if (!repo) return json(res, 404, { error: 'Repository not found' });
      const body = JSON.parse(await readBody(req)) as { paths?: string[] };
      const infos = (body.paths ?? []).flatMap((p) => {
        const file = repo.files.find((f) => f.path === p);
        return file ? [pathInfo(file)] : [];
      });
      return json(res, 200, infos);
    }
    // GET /{owner}/{name}/resolve/{revision}/{path…} (→ /cdn/{owner}/{name}/{revision}/{path…})
    const resolve = parts[2] === 'resolve' ? { repo: `${parts[0]}/${parts[1]}`, revision: parts[3], path: parts.slice(4).join('/') } : null;
    const cdn = parts[0] === 'cdn' ? { repo: `${parts[1]}/${parts[2]}`, revision: parts[3], path: parts.slice(4).join('/') } : null;
    const target = resolve ?? cdn;
    if (req.method === 'GET' && target) {
      const file = this.#repos.get(`${target.repo}@${target.revision}`)?.files.find((f) => f.path === target.path);
      if (!file) return json(res, 404, { error: 'Entry not found' });
      if (resolve && this.redirect) {
        const location = `/cdn/${target.repo.split('/').map(encodeURIComponent).join('/')}/${encodeURIComponent(target.revision)}/${target.path.split('/').map(encodeURIComponent).join('/')}`;
        res.writeHead(302, { location, 'content-length': '0' });
        return void res.end();
      }
      return this.#serve(req, res, file);
    }
    json(res, 404, { error: 'not found' });
  }

  async #serve(req: IncomingMessage, res: ServerResponse, file: FakeHubFile): Promise<void> {
    let bytes = file.bytes;
    if (this.corrupt.has(file.path)) {
      bytes = Uint8Array.from(bytes);
      bytes[Math.floor(bytes.length / 2)] ^= 0xff;
    }
    const match = /^bytes=(\d+)-$/.exec(String(req.headers.range ?? ''));
    let start = 0;
    if (match && !this.ignoreRange) {
      start = Number(match[1]);
      if (start >= bytes.length) {
        res.writeHead(416, { 'content-range': `bytes */${bytes.length}` });
        return void res.end();
      }
      res.writeHead(206, { 'content-range': `bytes ${start}-${bytes.length - 1}/${bytes.length}`, 'content-length': String(bytes.length - start), 'accept-ranges': 'bytes' });
    } else {
      res.writeHead(200, { 'content-length': String(bytes.length), 'accept-ranges': 'bytes', etag: `"${sha256(file.bytes)}"` });
    }
    const chunk = 16 * 1024;
    for (let at = start; at < bytes.length; ) {
      let end = Math.min(bytes.length, at + chunk);
      const dropping = this.dropAt !== null && this.drops > 0 && at < this.dropAt && end >= this.dropAt;
      if (dropping) end = this.dropAt!;
      if (end > at && !res.write(bytes.subarray(at, end))) await new Promise((r) => res.once('drain', r));
      at = end;
      if (dropping) {
        this.drops--;
        if (this.downAfterDrop) this.down = true;
        // Let the bytes before the drop leave, then cut the connection mid-body.
        await new Promise((r) => setTimeout(r, 20));
        res.socket?.destroy();
        return;
      }
      if (this.bytesPerSecond !== null) await new Promise((r) => setTimeout(r, (chunk / this.bytesPerSecond!) * 1000));
      if (res.destroyed) return;
    }
    res.end();
  }
}

function pathInfo(file: FakeHubFile): Record<string, unknown> {
  const lfs = file.lfs ?? true;
  if (!lfs) return { type: 'file', path: file.path, size: file.bytes.length, oid: gitBlobId(file.bytes) };
  const pointer = `version https://git-lfs.github.com/spec/v1\noid sha256:${sha256(file.bytes)}\nsize ${file.bytes.length}\n`;
  return {
    type: 'file',
    path: file.path,
    size: file.bytes.length,
    oid: gitBlobId(Buffer.from(pointer)),
    lfs: { oid: sha256(file.bytes), size: file.bytes.length, pointerSize: pointer.length },
  };
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** git's blob id: sha1 of "blob <size>\0" + content. */
export function gitBlobId(bytes: Uint8Array): string {
  return createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
