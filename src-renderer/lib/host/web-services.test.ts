import { describe, expect, it } from 'vitest';
import { createWebServices } from './web-services.js';

function recordingFetch(response: () => Response) {
  const requests: { url: string; init: RequestInit | undefined }[] = [];
  const fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    requests.push({ url: String(input), init });
    return response();
  }) as typeof globalThis.fetch;
  return { fetch, requests };
}

describe('web host services', () => {
  const base = new URL('http://127.0.0.1:17861/');

  it('posts the raw bytes with the name in the query and the token in a header', async () => {
    const { fetch, requests } = recordingFetch(() => Response.json({ uploadId: 'u-1' }));
    const services = createWebServices({ base, token: 'secret-token-123456', fetch });
    const bytes = new Uint8Array([1, 2, 3]).buffer;
    await expect(services.upload('take 1 (ä).wav', bytes)).resolves.toEqual({ uploadId: 'u-1' });
    expect(requests).toHaveLength(1);
    const url = new URL(requests[0]!.url);
    expect(url.pathname).toBe('/api/upload');
    expect(url.searchParams.get('name')).toBe('take 1 (ä).wav');
    expect(requests[0]!.init?.method).toBe('POST');
    expect(requests[0]!.init?.body).toBe(bytes);
    expect((requests[0]!.init?.headers as Record<string, string>)['X-Studio-Token']).toBe('secret-token-123456');
  });

  it('resolves paths against a sub-path deployment', async () => {
    const { fetch, requests } = recordingFetch(() => Response.json({ uploadId: 'u' }));
    const services = createWebServices({ base: new URL('https://box.example/studio/'), token: null, fetch });
    await services.upload('a.wav', new ArrayBuffer(1));
    expect(requests[0]!.url.startsWith('https://box.example/studio/api/upload?')).toBe(true);
    expect((requests[0]!.init?.headers as Record<string, string>)['X-Studio-Token']).toBeUndefined();
    expect(services.mediaUrl('ab12')).toBe('https://box.example/studio/media/ab12');
  });

  it('turns the host’s error body into a StudioError with its code', async () => {
    const { fetch } = recordingFetch(() => Response.json({ error: { code: 'unauthorized', message: 'A valid token is required.' } }, { status: 401 }));
    const services = createWebServices({ base, token: null, fetch });
    await expect(services.upload('a.wav', new ArrayBuffer(1))).rejects.toMatchObject({ code: 'unauthorized', message: 'A valid token is required.' });
  });

  it('says which upload failed when the body is not JSON', async () => {
    const { fetch } = recordingFetch(() => new Response('Payload Too Large', { status: 413 }));
    const services = createWebServices({ base, token: null, fetch });
    await expect(services.upload('big.wav', new ArrayBuffer(1))).rejects.toMatchObject({ code: 'internal', message: 'Upload of “big.wav” failed (HTTP 413).' });
  });

  it('reports an unreachable host as engine_unavailable', async () => {
    const fetch = (async () => {
      throw new TypeError('Failed to fetch');
    }) as typeof globalThis.fetch;
    const services = createWebServices({ base, token: null, fetch });
    await expect(services.upload('a.wav', new ArrayBuffer(1))).rejects.toMatchObject({ code: 'engine_unavailable' });
  });

  it('puts the token on media URLs', () => {
    const services = createWebServices({ base, token: 'tok/en+=', fetch: globalThis.fetch });
    const url = new URL(services.mediaUrl('f'.repeat(64)));
    expect(url.pathname).toBe(`/media/${'f'.repeat(64)}`);
    expect(url.searchParams.get('token')).toBe('tok/en+=');
  });
});
