import { realpath, stat } from 'node:fs/promises';
import { resolve, sep } from 'node:path';
import { contentTypeOf } from '../server/content-types.js';
import { fileResponse, textResponse } from './file-response.js';

/** The renderer's origin in the packaged app: `app://studio/index.html`. */
export const appScheme = 'app';
export const appHost = 'studio';
export const appOrigin = `${appScheme}://${appHost}`;
export const appEntryUrl = `${appOrigin}/index.html`;

/**
 * The policy for app pages: our own scripts only, no plugins, no framing, media from our origin, the media
 * protocol and blobs. Inline styles stay allowed because Svelte transitions and wavesurfer set style
 * attributes. Under the dev server (HMR) the page also needs its WebSocket.
 */
export function contentSecurityPolicy(options: { devServer?: boolean } = {}): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "media-src 'self' studio-media: blob:",
    options.devServer ? "connect-src 'self' ws://localhost:* ws://127.0.0.1:*" : "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** Headers every app page response carries. webRequest's header hooks never see custom protocols, so we set them here. */
export function appPageHeaders(): Record<string, string> {
  return {
    'Content-Security-Policy': contentSecurityPolicy(),
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
  };
}

/**
 * Answers `app://studio/<path>` from the built renderer. The path is decoded, resolved under the root and
 * checked again after symlinks are followed, so neither `..`, `%2e%2e`, backslashes nor a link reach outside.
 * `/` is index.html; the renderer routes in the hash, so there is no fallback for unknown paths.
 */
export function createAppHandler(rendererRoot: string): (request: Request) => Promise<Response> {
  return async (request) => {
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return textResponse(400, 'Bad URL.');
    }
    if (url.protocol !== `${appScheme}:` || url.host !== appHost) return textResponse(404, 'Not found.');
    let decoded: string;
    try {
      decoded = decodeURIComponent(url.pathname);
    } catch {
      return textResponse(400, 'Bad path.');
    }
    if (decoded.includes('\0') || decoded.includes('\\')) return textResponse(404, 'Not found.');
    const root = await realpath(rendererRoot).catch(() => null);
    if (root === null) return textResponse(503, 'The renderer is not built (run `npm run build:desktop`).');
    const relative = decoded === '/' || decoded === '' ? '/index.html' : decoded;
    const file = await insideFile(root, resolve(root, `.${relative}`));
    if (file === null) return textResponse(404, 'Not found.');
    return fileResponse(request, file, { ...appPageHeaders(), 'Content-Type': contentTypeOf(file), 'Cache-Control': 'no-cache' });
  };
}

async function insideFile(root: string, candidate: string): Promise<string | null> {
  if (!isInside(root, candidate)) return null;
  try {
    const real = await realpath(candidate);
    if (!isInside(root, real) || !(await stat(real)).isFile()) return null;
    return real;
  } catch {
    return null;
  }
}

function isInside(root: string, path: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}
