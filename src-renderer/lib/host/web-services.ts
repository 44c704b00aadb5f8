import { StudioError, errorCodes, type ErrorCode } from '$shared/api/errors.js';
import type { HostServices } from '$shared/api/wire.js';

export interface WebServicesOptions {
  /** The page's own URL: every host path is resolved against it, so a sub-path deployment works. */
  base: URL;
  /** Access token, when the host requires one (it also sets a cookie; we pass it explicitly anyway). */
  token: string | null;
  fetch?: typeof fetch;
}

/** Uploads and media URLs over plain HTTP, for the web host. */
export function createWebServices(options: WebServicesOptions): HostServices {
  const doFetch = options.fetch ?? ((input, init) => fetch(input, init));

  return {
    async upload(name, data) {
      const url = new URL(`api/upload?name=${encodeURIComponent(name)}`, options.base);
      const headers: Record<string, string> = { 'Content-Type': 'application/octet-stream' };
      if (options.token) headers['X-Studio-Token'] = options.token;
      let response: Response;
      try {
        response = await doFetch(url, { method: 'POST', body: data, headers, credentials: 'same-origin' });
      } catch {
        throw new StudioError('engine_unavailable', `Could not upload “${name}”: the studio host is not reachable.`);
      }
      const body = await readJson(response);
      if (!response.ok) throw errorFromBody(body, `Upload of “${name}” failed (HTTP ${response.status}).`);
      const uploadId = (body as { uploadId?: unknown } | null)?.uploadId;
      if (typeof uploadId !== 'string' || uploadId === '') {
        throw new StudioError('internal', `Upload of “${name}” failed: the host sent no upload id.`);
      }
      return { uploadId };
    },
    mediaUrl(mediaId) {
      const url = new URL(`media/${encodeURIComponent(mediaId)}`, options.base);
      if (options.token) url.searchParams.set('token', options.token);
      return url.href;
    },
  };
}

async function readJson(response: Response): Promise<unknown> {
  try {
    return await response.json();
  } catch {
    return null;
  }
}

/** The host answers errors as `{ code, message }`, possibly wrapped in `{ error: … }`. */
function errorFromBody(body: unknown, fallback: string): StudioError {
  const candidate = (body as { error?: unknown } | null)?.error ?? body;
  if (typeof candidate === 'object' && candidate !== null) {
    const { code, message } = candidate as { code?: unknown; message?: unknown };
    if (typeof message === 'string' && typeof code === 'string' && (errorCodes as readonly string[]).includes(code)) {
      return new StudioError(code as ErrorCode, message);
    }
    if (typeof message === 'string') return new StudioError('internal', message);
  }
  return new StudioError('internal', fallback);
}
