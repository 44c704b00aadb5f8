import type { ServerResponse } from 'node:http';

/**
 * Headers on every response. The CSP allows only our own scripts and this server's WebSocket; inline styles
 * stay allowed because Svelte transitions and wavesurfer set style attributes.
 */
export function setSecurityHeaders(response: ServerResponse, wsHost: string): void {
  response.setHeader(
    'Content-Security-Policy',
    [
      "default-src 'self'",
      "script-src 'self'",
      "style-src 'self' 'unsafe-inline'",
      "img-src 'self' data: blob:",
      "media-src 'self' blob:",
      `connect-src 'self' ws://${wsHost}`,
      "object-src 'none'",
      "base-uri 'none'",
      "frame-ancestors 'none'",
    ].join('; '),
  );
  response.setHeader('X-Content-Type-Options', 'nosniff');
  // The token may sit in the page URL; never send it on as a Referer.
  response.setHeader('Referrer-Policy', 'no-referrer');
  response.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
}
