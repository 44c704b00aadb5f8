import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseByteRange } from './byte-range.js';
import { contentTypeOf } from './content-types.js';
import { plain } from './static-files.js';

const MEDIA_ID = /^[0-9a-f]{64}$/;

/**
 * `GET /media/<sha256>`: stored audio for <audio> and wavesurfer, with Range support so players can seek
 * without downloading everything first. Media is content-addressed, so it can be cached forever.
 */
export async function serveMedia(
  mediaId: string,
  pathOf: (mediaId: string) => string,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  if (!MEDIA_ID.test(mediaId)) return plain(response, 404, 'Not found.');
  const path = pathOf(mediaId);
  let size: number;
  try {
    const info = await stat(path);
    if (!info.isFile()) return plain(response, 404, 'Not found.');
    size = info.size;
  } catch {
    return plain(response, 404, 'Not found.');
  }

  const type = contentTypeOf(path);
  response.setHeader('Accept-Ranges', 'bytes');
  response.setHeader('Cache-Control', 'private, max-age=31536000, immutable');
  response.setHeader('Content-Type', type === 'application/octet-stream' ? 'audio/wav' : type);

  const range = parseByteRange(request.headers.range, size);
  if (range === 'unsatisfiable') {
    response.setHeader('Content-Range', `bytes */${size}`);
    return plain(response, 416, 'Range not satisfiable.');
  }
  const { start, end } = range === 'none' ? { start: 0, end: size - 1 } : range;
  response.statusCode = range === 'none' ? 200 : 206;
  if (range !== 'none') response.setHeader('Content-Range', `bytes ${start}-${end}/${size}`);
  response.setHeader('Content-Length', size === 0 ? 0 : end - start + 1);
  if (request.method === 'HEAD' || size === 0) {
    response.end();
    return;
  }
  createReadStream(path, { start, end }).on('error', () => response.destroy()).pipe(response);
}
