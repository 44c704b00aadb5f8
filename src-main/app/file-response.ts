import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { parseByteRange } from '../server/byte-range.js';

/**
 * Fetch-API responses for files on disk, as Electron's `protocol.handle` wants them (the web host answers the
 * same requests through node:http; the Range rules are shared: server/byte-range.ts). Plain Node, so the
 * protocols are tested without Electron.
 */

export function textResponse(status: number, text: string, headers: Record<string, string> = {}): Response {
  return new Response(text, { status, headers: { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff', ...headers } });
}

/**
 * The file at `path` (which the caller has already checked it may serve), honouring GET/HEAD and a single byte
 * range. A missing file is a 404, never an error thrown into the protocol handler.
 */
export async function fileResponse(request: Request, path: string, headers: Record<string, string>): Promise<Response> {
  if (request.method !== 'GET' && request.method !== 'HEAD') return textResponse(405, 'Method not allowed.', { Allow: 'GET, HEAD' });
  let size: number;
  try {
    const info = await stat(path);
    if (!info.isFile()) return textResponse(404, 'Not found.');
    size = info.size;
  } catch {
    return textResponse(404, 'Not found.');
  }

  const common = { ...headers, 'Accept-Ranges': 'bytes', 'X-Content-Type-Options': 'nosniff' };
  const range = parseByteRange(request.headers.get('Range') ?? undefined, size);
  if (range === 'unsatisfiable') return textResponse(416, 'Range not satisfiable.', { ...common, 'Content-Range': `bytes */${size}` });

  const { start, end } = range === 'none' ? { start: 0, end: size - 1 } : range;
  const length = size === 0 ? 0 : end - start + 1;
  const responseHeaders: Record<string, string> = { ...common, 'Content-Length': String(length) };
  if (range !== 'none') responseHeaders['Content-Range'] = `bytes ${start}-${end}/${size}`;
  const status = range === 'none' ? 200 : 206;
  if (request.method === 'HEAD' || length === 0) return new Response(null, { status, headers: responseHeaders });

  const stream = Readable.toWeb(createReadStream(path, { start, end })) as ReadableStream<Uint8Array>;
  return new Response(stream, { status, headers: responseHeaders });
}
