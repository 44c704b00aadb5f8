import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { IncomingMessage } from 'node:http';

/**
 * [Note: web host access] On loopback without a token, only this machine can connect, but a web page in any
 * browser on it could still try: DNS rebinding (a foreign name resolving to 127.0.0.1) and cross-site WebSocket
 * hijacking. So the Host header must be a loopback name, and Origin (when sent) must equal the Host. Bound to
 * anything else, every request must also carry the access token (query, header, or the cookie set from the
 * query).
 */
export const TOKEN_COOKIE = 'studio_token';
export const TOKEN_HEADER = 'x-studio-token';

export function isLoopbackAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '').toLowerCase();
  if (bare === 'localhost' || bare === '::1') return true;
  if (bare.startsWith('::ffff:')) return isLoopbackAddress(bare.slice('::ffff:'.length));
  return isIP(bare) === 4 && bare.startsWith('127.');
}

export function generateToken(): string {
  return randomBytes(24).toString('base64url');
}

export type TokenSource = 'query' | 'header' | 'cookie';

/** The token a request presents, and where it came from. The first source present wins. */
export function presentedToken(request: IncomingMessage, url: URL): { token: string; source: TokenSource } | null {
  const fromQuery = url.searchParams.get('token');
  if (fromQuery) return { token: fromQuery, source: 'query' };
  const header = request.headers[TOKEN_HEADER];
  if (typeof header === 'string' && header !== '') return { token: header, source: 'header' };
  const cookie = readCookie(request.headers.cookie, TOKEN_COOKIE);
  if (cookie) return { token: cookie, source: 'cookie' };
  return null;
}

/** Constant-time comparison (hashing first makes the lengths equal). */
export function tokensMatch(presented: string, expected: string): boolean {
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** Host header names that may reach a loopback-only server. */
export function isLoopbackHostHeader(host: string | undefined): boolean {
  if (!host) return false;
  const name = /^\[[^\]]+\]/.test(host) ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0];
  return isLoopbackAddress(name);
}

/** A browser's Origin must name this very server (scheme http, same host:port as the Host header). */
export function originMatchesHost(origin: string | undefined, host: string | undefined): boolean {
  if (origin === undefined) return true; // not a browser: nothing cross-site to guard against
  if (!host) return false;
  return origin.toLowerCase() === `http://${host.toLowerCase()}`;
}

export function tokenCookie(token: string): string {
  return `${TOKEN_COOKIE}=${encodeURIComponent(token)}; Path=/; HttpOnly; SameSite=Strict`;
}

function readCookie(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return null;
      }
    }
  }
  return null;
}
