import { BrowserWindow, shell, type Session, type WebContents } from 'electron';
import { appEntryUrl, appOrigin, contentSecurityPolicy } from './app-request.js';

/** Where the window's page comes from, and which origins count as ours. */
export interface RendererLocation {
  url: string;
  origins: readonly string[];
  /** True under electron-vite's dev server (HMR), whose pages come over http. */
  devServer: boolean;
}

/** The packaged renderer on app://, or electron-vite's dev server when it set ELECTRON_RENDERER_URL. */
export function rendererLocation(devServerUrl: string | undefined): RendererLocation {
  if (devServerUrl) {
    const origin = originOf(devServerUrl);
    if (origin && /^http:\/\/(localhost|127\.0\.0\.1)(:\d+)?$/.test(origin)) return { url: devServerUrl, origins: [origin], devServer: true };
  }
  return { url: appEntryUrl, origins: [appOrigin], devServer: false };
}

/** `scheme://host[:port]`, computed by hand: Node's URL reports the origin of custom schemes as "null". */
export function originOf(url: string): string | null {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}`;
  } catch {
    return null;
  }
}

export function isAppUrl(url: string, location: RendererLocation): boolean {
  const origin = originOf(url);
  return origin !== null && location.origins.includes(origin);
}

/**
 * Session-wide rules for app pages: no permission prompts (nothing here needs the camera, notifications or the
 * like; writing to the clipboard is the one thing pages may do), and the CSP on dev-server pages. Packaged
 * pages get their CSP from the app:// handler: webRequest's header hooks do not run for custom protocols.
 */
export function secureSession(session: Session, location: RendererLocation): void {
  const allowed = (permission: string, requestingUrl: string) => permission === 'clipboard-sanitized-write' && isAppUrl(requestingUrl, location);
  session.setPermissionRequestHandler((_contents, permission, callback, details) => callback(allowed(permission, details.requestingUrl)));
  session.setPermissionCheckHandler((_contents, permission, requestingOrigin) => allowed(permission, requestingOrigin));
  if (location.devServer) {
    const policy = contentSecurityPolicy({ devServer: true });
    session.webRequest.onHeadersReceived({ urls: location.origins.map((origin) => `${origin}/*`) }, (details, callback) => {
      const headers = Object.fromEntries(Object.entries(details.responseHeaders ?? {}).filter(([name]) => name.toLowerCase() !== 'content-security-policy'));
      callback({ responseHeaders: { ...headers, 'Content-Security-Policy': [policy] } });
    });
  }
}

/**
 * The one studio window. The page is untrusted as far as main is concerned: it is sandboxed, isolated from the
 * preload, has no Node and no <webview>, and can neither navigate away from the app nor open windows (https
 * links go to the system browser instead).
 */
export function createMainWindow(options: { preloadPath: string; location: RendererLocation; iconPath?: string }): BrowserWindow {
  const window = new BrowserWindow({
    // Linux takes the window icon from here; Windows and macOS from the packaged executable.
    ...(process.platform === 'linux' && options.iconPath ? { icon: options.iconPath } : {}),
    width: 1280,
    height: 820,
    minWidth: 900,
    minHeight: 600,
    show: false,
    title: 'VALL-E Studio',
    webPreferences: {
      preload: options.preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webviewTag: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      // A file dropped outside a drop zone must not replace the app with the file.
      navigateOnDragDrop: false,
      spellcheck: false,
    },
  });
  guardNavigation(window.webContents, options.location);
  window.once('ready-to-show', () => window.show());
  window.webContents.on('render-process-gone', (_event, details) => {
    console.error(`[window] renderer gone (${details.reason}, exit code ${details.exitCode})`);
  });
  void window.loadURL(options.location.url);
  return window;
}

function guardNavigation(contents: WebContents, location: RendererLocation): void {
  contents.on('will-frame-navigate', (event) => {
    if (!isAppUrl(event.url, location)) {
      event.preventDefault();
      console.warn(`[window] blocked navigation to ${event.url}`);
    }
  });
  contents.on('will-redirect', (event) => {
    if (!isAppUrl(event.url, location)) event.preventDefault();
  });
  contents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https://')) void shell.openExternal(url);
    return { action: 'deny' };
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
}
