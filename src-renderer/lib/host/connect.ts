import { connectBridge, type DesktopServices } from '$shared/bridge.js';
import { createStudioClient, type StudioClient } from '$shared/client.js';
import { createWebServices } from './web-services.js';
import { createWebWire, type ConnectionState } from './web-wire.js';

/** Which host runs the engine for this page, and whether it can be reached. */
export interface HostConnection {
  readonly client: StudioClient;
  readonly host: 'electron' | 'web';
  readonly state: ConnectionState;
  onStateChange(listener: (state: ConnectionState) => void): () => void;
  /** Native dialogs and on-disk paths, under Electron only. */
  readonly desktop: DesktopServices | null;
}

/**
 * [Note: host choice] Under Electron the preload has put a transport on `window.studio`; the typed client is
 * built on it here, in the page's own world, so StudioErrors keep their class and code (src-shared/bridge.ts).
 * Anywhere else (the web host, the e2e tests) the client runs over WebSocket. Nothing else in the renderer
 * knows which host it runs in.
 */
export function connectToHost(win: Window = window): HostConnection {
  const debug = isDebug(win);
  if (win.studio) {
    const bridge = connectBridge(win.studio, { debug });
    return {
      client: bridge.client,
      host: 'electron',
      get state() {
        return bridge.state();
      },
      onStateChange: (listener) => bridge.onStateChange(listener),
      desktop: bridge.desktop,
    };
  }
  const base = new URL(win.location.href);
  const token = base.searchParams.get('token');
  const wsUrl = new URL('api/ws', base);
  wsUrl.protocol = base.protocol === 'https:' ? 'wss:' : 'ws:';
  wsUrl.search = '';
  wsUrl.hash = '';
  if (token) wsUrl.searchParams.set('token', token);
  const services = createWebServices({ base: withoutQuery(base), token });
  const wire = createWebWire({ url: wsUrl.href });
  const client = createStudioClient(wire, services, { debug });
  return {
    client,
    host: 'web',
    get state() {
      return wire.state;
    },
    onStateChange: (listener) => wire.onStateChange(listener),
    desktop: null,
  };
}

function withoutQuery(url: URL): URL {
  const copy = new URL(url.href);
  copy.search = '';
  copy.hash = '';
  return copy;
}

/** `?debug=1` or localStorage `valle.debug=1` logs every envelope with its id. */
function isDebug(win: Window): boolean {
  try {
    return new URL(win.location.href).searchParams.get('debug') === '1' || win.localStorage.getItem('valle.debug') === '1';
  } catch {
    return false;
  }
}
