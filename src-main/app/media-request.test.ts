import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MediaStore } from '../engine/media/media-store.js';
import { mediaUrlFor } from '../preload/desktop-ipc.js';
import { createMediaHandler, mediaPathOf } from './media-request.js';

const id = 'ab'.repeat(32);
const bytes = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 251));
let root: string;
let handler: (request: Request) => Promise<Response>;

beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), 'media-protocol-'));
  mkdirSync(path.join(root, 'ab'));
  writeFileSync(path.join(root, 'ab', `${id}.wav`), bytes);
  writeFileSync(path.join(root, 'secret.txt'), 'not media');
  handler = createMediaHandler(root);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function body(response: Response): Promise<Buffer> {
  return Buffer.from(await response.arrayBuffer());
}

describe('studio-media:// handler', () => {
  it('puts items where the media store keeps them', () => {
    expect(mediaPathOf(root, id)).toBe(new MediaStore(root).pathOf(id));
  });

  it('serves a whole item for the URL the preload builds', async () => {
    const response = await handler(new Request(mediaUrlFor(id)));
    expect(response.status).toBe(200);
    expect(response.headers.get('Content-Type')).toBe('audio/wav');
    expect(response.headers.get('Accept-Ranges')).toBe('bytes');
    expect(response.headers.get('Content-Length')).toBe('1000');
    expect((await body(response)).equals(bytes)).toBe(true);
  });

  it('serves a byte range, an open range and a suffix range', async () => {
    const cases: [string, number, number][] = [
      ['bytes=10-19', 10, 19],
      ['bytes=990-', 990, 999],
      ['bytes=-5', 995, 999],
      ['bytes=900-5000', 900, 999],
    ];
    for (const [range, start, end] of cases) {
      const response = await handler(new Request(mediaUrlFor(id), { headers: { Range: range } }));
      expect(response.status, range).toBe(206);
      expect(response.headers.get('Content-Range'), range).toBe(`bytes ${start}-${end}/1000`);
      expect((await body(response)).equals(bytes.subarray(start, end + 1)), range).toBe(true);
    }
  });

  it('answers 416 for a range past the end', async () => {
    const response = await handler(new Request(mediaUrlFor(id), { headers: { Range: 'bytes=1000-' } }));
    expect(response.status).toBe(416);
    expect(response.headers.get('Content-Range')).toBe('bytes */1000');
  });

  it('answers HEAD without a body', async () => {
    const response = await handler(new Request(mediaUrlFor(id), { method: 'HEAD' }));
    expect(response.status).toBe(200);
    expect(response.headers.get('Content-Length')).toBe('1000');
    expect(response.body).toBeNull();
  });

  it('refuses anything that is not exactly a 64-hex id, before touching the disk', async () => {
    const refused = [
      `studio-media://media/${id.toUpperCase()}`,
      `studio-media://media/${id.slice(1)}`,
      `studio-media://media/${id}0`,
      'studio-media://media/secret.txt',
      'studio-media://media/..%2fsecret.txt',
      'studio-media://media/ab/../secret.txt',
      `studio-media://media/${id}?x=1`,
    ];
    for (const url of refused) {
      const response = await handler(new Request(url));
      expect(response.status, url).toBe(400);
    }
  });

  it('answers 404 for another host, and for an id that is not stored', async () => {
    expect((await handler(new Request(`studio-media://other/${id}`))).status).toBe(404);
    expect((await handler(new Request(mediaUrlFor('cd'.repeat(32))))).status).toBe(404);
  });

  it('refuses methods other than GET and HEAD', async () => {
    const response = await handler(new Request(mediaUrlFor(id), { method: 'DELETE' }));
    expect(response.status).toBe(405);
  });
});
