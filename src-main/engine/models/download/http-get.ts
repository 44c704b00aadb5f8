import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';
import { StudioError } from '../../../../src-shared/api/errors.js';

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: IncomingMessage;
  /** The URL that answered, after redirects. */
  url: string;
}

export interface HttpGetOptions {
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
  /** No byte for this long (connecting, waiting or mid-body) ends the request (default 30 s). */
  idleTimeoutMs?: number;
  maxRedirects?: number;
}

/** Why a request failed at the network level; `offline` means nothing answered at all. */
export type NetworkFailure = 'offline' | 'dropped' | 'timeout';

const OFFLINE_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'ENETDOWN', 'EADDRNOTAVAIL']);

/**
 * One HTTP(S) request with redirects followed (the hub answers file requests with a redirect to its CDN; the Range
 * header goes along), an idle timeout, and cancellation. Network failures become StudioError('network_unavailable')
 * with `details.failure` (offline, dropped, timeout); the caller reads the body (or destroys it).
 */
export async function httpGet(url: string, options: HttpGetOptions = {}): Promise<HttpResponse> {
  let current = new URL(url);
  let method = options.method ?? 'GET';
  let body = options.body;
  for (let hop = 0; ; hop++) {
    const response = await requestOnce(current, method, body, options);
    const location = response.headers.location;
    if ([301, 302, 303, 307, 308].includes(response.status) && location) {
      response.body.resume();
      if (hop >= (options.maxRedirects ?? 10)) throw new StudioError('network_unavailable', `Too many redirects from ${url}.`, { url });
      current = new URL(location, current);
      if (response.status === 303) {
        method = 'GET';
        body = undefined;
      }
      continue;
    }
    return response;
  }
}

function requestOnce(url: URL, method: string, body: string | undefined, options: HttpGetOptions): Promise<HttpResponse> {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return Promise.reject(new StudioError('invalid_input', `Only http and https URLs can be downloaded, not ${url.protocol}`, { url: url.href }));
  }
  if (options.signal?.aborted) return Promise.reject(new StudioError('cancelled', 'Cancelled.'));
  const lib = url.protocol === 'https:' ? https : http;
  const headers: Record<string, string> = { 'user-agent': 'valle-studio', ...options.headers };
  if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
  return new Promise<HttpResponse>((resolve, reject) => {
    const request = lib.request(url, { method, headers });
    const timeoutMs = options.idleTimeoutMs ?? 30_000;
    request.setTimeout(timeoutMs, () => request.destroy(networkError(url, 'timeout', `no answer for ${Math.round(timeoutMs / 1000)} s`)));
    const onAbort = () => request.destroy(new StudioError('cancelled', 'Cancelled.'));
    options.signal?.addEventListener('abort', onAbort, { once: true });
    request.once('close', () => options.signal?.removeEventListener('abort', onAbort));
    request.on('error', (error) => reject(toNetworkError(error, url)));
    request.once('response', (message) => {
      // Errors while the body streams surface on the body; give them the same meaning.
      message.on('error', () => undefined);
      resolve({ status: message.statusCode ?? 0, headers: message.headers, body: message, url: url.href });
    });
    request.end(body);
  });
}

export function networkError(url: URL | string, failure: NetworkFailure, what: string): StudioError {
  const host = typeof url === 'string' ? new URL(url).host : url.host;
  const message =
    failure === 'offline'
      ? `Cannot reach ${host}: ${what}. Check the internet connection (or VALLE_STUDIO_HUB_URL); downloads can be resumed later.`
      : `The connection to ${host} failed: ${what}. What has arrived is kept: resume to continue.`;
  return new StudioError('network_unavailable', message, { host, failure });
}

/** A socket or DNS error as a network_unavailable StudioError (a StudioError passes through). */
export function toNetworkError(error: unknown, url: URL | string): StudioError {
  if (error instanceof StudioError) return error;
  const code = (error as NodeJS.ErrnoException).code ?? '';
  if (OFFLINE_CODES.has(code)) {
    const what = code === 'ECONNREFUSED' ? 'the connection was refused' : code === 'ENOTFOUND' || code === 'EAI_AGAIN' ? 'the name does not resolve' : 'the network is unreachable';
    return networkError(url, 'offline', `${what} (${code})`);
  }
  if (code === 'ETIMEDOUT') return networkError(url, 'timeout', 'the connection timed out');
  return networkError(url, 'dropped', `the connection dropped (${code || (error as Error).message})`);
}
