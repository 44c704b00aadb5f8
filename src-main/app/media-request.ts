import { join } from 'node:path';
import { mediaScheme } from '../preload/desktop-ipc.js';
import { fileResponse, textResponse } from './file-response.js';

const MEDIA_ID = /^[0-9a-f]{64}$/;

/**
 * Where the media store keeps an item: `<home>/media/<first two hex digits>/<sha256>.wav`. Restated here, not
 * imported, so main does not load the engine's decoders; media-request.test.ts checks it against MediaStore.
 */
export function mediaPathOf(mediaRoot: string, mediaId: string): string {
  return join(mediaRoot, mediaId.slice(0, 2), `${mediaId}.wav`);
}

/**
 * Answers `studio-media://media/<sha256>` from the media store: GET/HEAD, single byte ranges (for seeking),
 * cached for good (items are content-addressed, so immutable). Anything that is not exactly a 64-hex id is
 * refused before the file system is touched, so no URL can name another file.
 */
export function createMediaHandler(mediaRoot: string): (request: Request) => Promise<Response> {
  return async (request) => {
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return textResponse(400, 'Bad media URL.');
    }
    if (url.protocol !== `${mediaScheme}:` || url.hostname !== 'media') return textResponse(404, 'Not found.');
    const mediaId = url.pathname.slice(1);
    if (!MEDIA_ID.test(mediaId) || url.search !== '') return textResponse(400, 'Not a media id (64 lower-case hex digits).');
    return fileResponse(request, mediaPathOf(mediaRoot, mediaId), {
      'Content-Type': 'audio/wav',
      'Cache-Control': 'private, max-age=31536000, immutable',
    });
  };
}
