import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, resolve, sep } from 'node:path';
import { contentTypeOf } from './content-types.js';

/**
 * Serves the built renderer. Paths are decoded, resolved under the root and checked again after symlinks are
 * followed, so neither `..`, encoded `%2e%2e`, backslashes nor a link can reach outside it. Requests for
 * paths without an extension get index.html (the app routes on the client).
 */
export async function serveStatic(root: string, pathname: string, request: IncomingMessage, response: ServerResponse): Promise<void> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return plain(response, 400, 'Bad request path.');
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return plain(response, 404, 'Not found.');
  const rootReal = await realpath(root).catch(() => null);
  if (rootReal === null) {
    return plain(response, 503, 'The renderer is not built: run `npm run build:web`, or pass --static DIR.');
  }
  const candidate = resolve(rootReal, `.${decoded.startsWith('/') ? decoded : `/${decoded}`}`);
  if (!isInside(rootReal, candidate)) return plain(response, 404, 'Not found.');

  let file = await existingFile(rootReal, candidate);
  if (file === null && extname(decoded) === '') file = await existingFile(rootReal, resolve(rootReal, 'index.html'));
  if (file === null) return plain(response, 404, 'Not found.');

  const isIndex = file.path.endsWith(`${sep}index.html`);
  response.statusCode = 200;
  response.setHeader('Content-Type', contentTypeOf(file.path));
  response.setHeader('Content-Length', file.size);
  // Vite names assets by content hash; index.html must be revalidated to pick up a new build.
  response.setHeader('Cache-Control', isIndex || !decoded.startsWith('/assets/') ? 'no-cache' : 'public, max-age=31536000, immutable');
  if (request.method === 'HEAD') {
    response.end();
    return;
  }
  createReadStream(file.path).on('error', () => response.destroy()).pipe(response);
}

async function existingFile(rootReal: string, path: string): Promise<{ path: string; size: number } | null> {
  try {
    const real = await realpath(path);
    if (!isInside(rootReal, real)) return null;
    const info = await stat(real);
    if (!info.isFile()) return null;
    return { path: real, size: info.size };
  } catch {
    return null;
  }
}

function isInside(root: string, path: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}

export function plain(response: ServerResponse, status: number, text: string): void {
  response.statusCode = status;
  response.setHeader('Content-Type', 'text/plain; charset=utf-8');
  response.setHeader('Content-Length', Buffer.byteLength(text));
  response.end(text);
}
