/**
 * Electron main: app lifecycle, one window, the engine's utility process, protocols, menu and dialogs. Main
 * does no product work itself — the engine does, in its own process, and pages talk to it directly
 * ([Note: one port per page] in engine-bridge.ts).
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  app,
  BrowserWindow,
  dialog,
  Menu,
  protocol,
  session,
  shell,
  utilityProcess,
  type IpcMainEvent,
  type IpcMainInvokeEvent,
} from 'electron';
import { desktopChannels, type NavigableView } from '../preload/desktop-ipc.js';
import { buildAppMenu } from './app-menu.js';
import { appSchemePrivileges, handleAppProtocol } from './app-protocol.js';
import { registerDialogHandlers } from './dialogs.js';
import { EngineBridge } from './engine-bridge.js';
import { EngineProcess, engineEnvironment } from './engine-process.js';
import { handleMediaProtocol, mediaSchemePrivileges } from './media-protocol.js';
import { createMainWindow, isAppUrl, rendererLocation, secureSession } from './main-window.js';

const isMac = process.platform === 'darwin';
const isDev = !app.isPackaged;

// Must happen before `ready`, and in one call: a later call replaces the earlier list.
protocol.registerSchemesAsPrivileged([appSchemePrivileges, mediaSchemePrivileges]);

if (!app.requestSingleInstanceLock()) {
  // Another instance owns the studio home (and its database); it will show its window instead.
  app.quit();
} else {
  runStudio();
}

function runStudio(): void {
  const home = app.getPath('userData');
  const location = rendererLocation(process.env.ELECTRON_RENDERER_URL);
  // electron-vite puts main in out/main, the preload in out/preload, the renderer in out/renderer.
  const preloadPath = fileURLToPath(new URL('../preload/preload.cjs', import.meta.url));
  const rendererRoot = fileURLToPath(new URL('../renderer/', import.meta.url));
  let mainWindow: BrowserWindow | null = null;
  let quitting = false;

  const engine = new EngineProcess(
    {
      // The engine runs from its TypeScript sources under tsx, as in the CLI and the web host.
      modulePath: join(app.getAppPath(), 'src-main', 'engine', 'utility-bootstrap.js'),
      home,
      env: engineEnvironment(process.env, home),
    },
    {
      fork: (modulePath, args, options) => utilityProcess.fork(modulePath, args, options),
      onChildProcessGone: (listener) => {
        const onGone = (_event: Electron.Event, details: Electron.Details) => listener(details);
        app.on('child-process-gone', onGone);
        return () => app.off('child-process-gone', onGone);
      },
    },
  );

  /** Only the top frame of our own window, showing our own page, may use the desktop channels. */
  const isTrustedSender = (event: IpcMainEvent | IpcMainInvokeEvent): boolean => {
    const frame = event.senderFrame;
    return (
      frame !== null &&
      frame.parent === null &&
      mainWindow !== null &&
      !mainWindow.isDestroyed() &&
      event.sender.id === mainWindow.webContents.id &&
      isAppUrl(frame.url, location)
    );
  };

  const openWindow = () => {
    mainWindow = createMainWindow({ preloadPath, location, iconPath: join(app.getAppPath(), 'resources', 'icon.png') });
    const opened = mainWindow;
    opened.on('closed', () => {
      if (mainWindow === opened) mainWindow = null;
    });
  };

  const navigate = (view: NavigableView) => {
    if (!mainWindow) openWindow();
    mainWindow?.webContents.send(desktopChannels.navigate, view);
  };

  const showAbout = () => {
    const detail = [
      `Version ${app.getVersion()}`,
      `Electron ${process.versions.electron}, Chromium ${process.versions.chrome}, Node ${process.versions.node}`,
      `Studio folder: ${home}`,
    ].join('\n');
    const options = { type: 'info' as const, title: 'About VALL-E Studio', message: 'VALL-E Studio', detail };
    void (mainWindow ? dialog.showMessageBox(mainWindow, options) : dialog.showMessageBox(options));
  };

  const showEngineFailure = async (message: string) => {
    const options = {
      type: 'error' as const,
      title: 'VALL-E Studio',
      message: 'The studio engine has stopped.',
      detail: message,
      buttons: ['Restart Engine', 'Close'],
      defaultId: 0,
      cancelId: 1,
    };
    const { response } = mainWindow ? await dialog.showMessageBox(mainWindow, options) : await dialog.showMessageBox(options);
    if (response === 0) void engine.restart();
  };

  app.on('second-instance', () => {
    if (!mainWindow) return openWindow();
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
  });

  // Defence in depth for any web contents, not only the ones main-window.ts configures.
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  });

  app.on('window-all-closed', () => {
    if (!isMac) app.quit();
  });

  // Quit waits for the engine to finish (cancel jobs, close the database), with a kill deadline.
  app.on('before-quit', (event) => {
    if (quitting) return;
    event.preventDefault();
    quitting = true;
    void engine.stop().finally(() => app.quit());
  });

  void app.whenReady().then(() => {
    const appSession = session.defaultSession;
    secureSession(appSession, location);
    handleAppProtocol(appSession, rendererRoot);
    handleMediaProtocol(appSession, home);
    new EngineBridge(engine, isTrustedSender).start();
    registerDialogHandlers({ engine, home, isTrustedSender });
    Menu.setApplicationMenu(
      buildAppMenu(
        {
          navigate,
          openStudioFolder: () => void shell.openPath(home),
          restartEngine: () => void engine.restart(),
          showAbout,
        },
        { isMac, isDev },
      ),
    );
    engine.on('crash', ({ message, restartInMs }) => {
      if (restartInMs === null) void showEngineFailure(message);
    });
    engine.start();
    openWindow();
    app.on('activate', () => {
      if (!mainWindow) openWindow();
    });
  });
}
