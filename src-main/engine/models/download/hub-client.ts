import { text } from 'node:stream/consumers';
import { StudioError } from '../../../../src-shared/api/errors.js';
import { httpGet, toNetworkError } from './http-get.js';

export const DEFAULT_HUB_URL = 'https://huggingface.co';

/** What the hub says about one file: its size and the checksum to verify it with. */
export interface HubFileInfo {
  path: string;
  bytes: number;
  /** sha256 of an LFS file (its `lfs.oid`); null for files kept in git. */
  sha256: string | null;
  /** git blob id (`oid`) of a file kept in git; null for LFS files (whose oid is the pointer's). */
  gitSha1: string | null;
}

interface PathInfo {
  path?: unknown;
  type?: unknown;
  oid?: unknown;
  size?: unknown;
  lfs?: { oid?: unknown; size?: unknown } | null;
}

/**
 * The two Hugging Face hub endpoints a download needs:
 * - `POST /api/models/{repo}/paths-info/{revision}` `{paths}` → per file `{path, type, oid, size, lfs?: {oid, size}}`:
 *   sizes and checksums before any byte is fetched (LFS files: sha256 in `lfs.oid`; git files: the blob sha1 `oid`);
 * - `GET /{repo}/resolve/{revision}/{path}`: the bytes (usually a redirect to the CDN), with Range support.
 * The base URL is configurable (VALLE_STUDIO_HUB_URL), which is how tests use a local server.
 */
export class HubClient {
  readonly baseUrl: string;

  constructor(baseUrl: string = DEFAULT_HUB_URL) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
  }

  fileUrl(repo: string, revision: string, path: string): string {
    return `${this.baseUrl}/${repoPath(repo)}/resolve/${encodeURIComponent(revision)}/${path.split('/').map(encodeURIComponent).join('/')}`;
  }

  /** Sizes and checksums of `paths` at `revision`; a path the repository lacks is absent from the map. */
  async pathsInfo(repo: string, revision: string, paths: readonly string[], signal?: AbortSignal): Promise<Map<string, HubFileInfo>> {
    const url = `${this.baseUrl}/api/models/${repoPath(repo)}/paths-info/${encodeURIComponent(revision)}`;
    const response = await httpGet(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ paths, expand: false }),
      signal,
    });
    const body = await text(response.body).catch((error: unknown) => {
      throw toNetworkError(error, url);
    });
    if (response.status === 404) throw new StudioError('not_found', `The hub has no repository ${repo} at revision ${revision}.`, { repo, revision });
    if (response.status === 401 || response.status === 403) {
      throw new StudioError('unauthorized', `The hub refused access to ${repo} (HTTP ${response.status}); the repository may be gated or private.`, { repo });
    }
    if (response.status !== 200) {
      throw new StudioError('network_unavailable', `The hub answered HTTP ${response.status} for ${repo}; try again later.`, { repo, status: response.status, failure: 'dropped' });
    }
    let list: unknown;
    try {
      list = JSON.parse(body);
    } catch {
      throw new StudioError('network_unavailable', `The hub's answer about ${repo} is not JSON (a proxy or captive portal in the way?).`, { repo, failure: 'dropped' });
    }
    const out = new Map<string, HubFileInfo>();
    if (!Array.isArray(list)) return out;
    for (const item of list as PathInfo[]) {
      if (typeof item.path !== 'string' || item.type !== 'file' || typeof item.size !== 'number') continue;
      const lfs = item.lfs && typeof item.lfs.oid === 'string' ? item.lfs : null;
      out.set(item.path, {
        path: item.path,
        bytes: lfs && typeof lfs.size === 'number' ? lfs.size : item.size,
        sha256: lfs ? String(lfs.oid).toLowerCase() : null,
        gitSha1: lfs ? null : typeof item.oid === 'string' ? item.oid.toLowerCase() : null,
      });
    }
    return out;
  }
}

/** `owner/name`, each part URL-encoded (the slash stays). */
function repoPath(repo: string): string {
  return repo.split('/').map(encodeURIComponent).join('/');
}
