/**
 * The sandboxed preload: the keyhole between the page and everything else. It exposes `window.studio` — the
 * Studio API transport ([Note: bridge, not client] in src-shared/bridge.ts) plus three desktop helpers — and
 * nothing of Node or Electron. A sandboxed preload may only `require('electron')`'s renderer modules; the bundler
 * inlines everything else imported here (src-shared, zod), so nothing else is required at run time.
 */
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import type { DesktopServices } from '../../src-shared/bridge.js';
import { desktopChannels, isNavigableView, type DesktopInvokes, type EngineStatus } from './desktop-ipc.js';
import { createPortConnection, type DomPortLike } from './port-client-wire.js';
import { studioBridge } from './studio-bridge.js';

/** The page's location, as far as the preload needs it (the preload is type-checked without the DOM library). */
declare const window: { location: { hash: string } };

const connection = createPortConnection();

function invoke<C extends keyof DesktopInvokes>(channel: C, ...args: DesktopInvokes[C]['args']): Promise<DesktopInvokes[C]['result']> {
  return ipcRenderer.invoke(channel, ...args) as Promise<DesktopInvokes[C]['result']>;
}

ipcRenderer.on(desktopChannels.port, (event) => {
  const port = event.ports[0] as unknown as DomPortLike | undefined;
  if (port) connection.attach(port);
});

ipcRenderer.on(desktopChannels.engine, (_event, status: EngineStatus) => {
  connection.lost(status.reason, status.state === 'failed');
});

// The renderer keeps its view in the URL hash (`#/library`), so a menu command needs no code of its own there.
ipcRenderer.on(desktopChannels.navigate, (_event, view: unknown) => {
  if (isNavigableView(view)) window.location.hash = `#/${view}`;
});

const desktop: DesktopServices = {
  async pathsForFiles(files) {
    // Only File objects the user gave the page (input or drop) have a path; anything made in script has none.
    const paths = Array.from(files, (file) => webUtils.getPathForFile(file)).filter((path) => path !== '');
    if (paths.length === 0) return [];
    return invoke(desktopChannels.grantPaths, paths);
  },
  chooseAudioFiles: () => invoke(desktopChannels.chooseAudioFiles),
  chooseFolder: () => invoke(desktopChannels.chooseFolder),
  saveMedia: (mediaId: string, suggestedName: string) => invoke(desktopChannels.saveMedia, mediaId, suggestedName),
};

contextBridge.exposeInMainWorld('studio', studioBridge(connection, desktop));
ipcRenderer.send(desktopChannels.hello);
