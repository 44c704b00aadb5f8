import { BrowserWindow, dialog, ipcMain, type IpcMainInvokeEvent } from 'electron';
import { StudioError } from '../../src-shared/api/errors.js';
import { desktopChannels, type DesktopInvokes } from '../preload/desktop-ipc.js';
import { join } from 'node:path';
import type { EngineProcess } from './engine-process.js';
import { exportMedia } from './media-export.js';
import { resolveGrantablePaths } from './path-grants.js';

/** Formats the engine decodes (engine/media); "All files" stays available for the rest. */
const audioExtensions = ['wav', 'flac', 'mp3', 'ogg', 'oga', 'opus'];

export interface DialogDeps {
  engine: EngineProcess;
  /** The studio home; saved media is copied out of `<home>/media`. */
  home: string;
  isTrustedSender(event: IpcMainInvokeEvent): boolean;
}

/**
 * Native open dialogs and path grants for the page ([Note: path grants] in path-grants.ts). The Studio API has
 * no dialog procedures — the web host has no native dialogs — so these are desktop helpers next to it
 * (`window.studio.desktop`). Whatever the user picks is granted to the engine before the page sees the paths,
 * so an import that names them is allowed. Saving copies a stored media item to the path the user chose.
 */
export function registerDialogHandlers(deps: DialogDeps): void {
  handle(deps, desktopChannels.grantPaths, async (_event, paths) => grant(deps.engine, await resolveGrantablePaths(paths)));

  handle(deps, desktopChannels.chooseAudioFiles, async (event) => {
    const options: Electron.OpenDialogOptions = {
      title: 'Add audio files',
      buttonLabel: 'Add',
      properties: ['openFile', 'multiSelections'],
      filters: [
        { name: 'Audio', extensions: audioExtensions },
        { name: 'All files', extensions: ['*'] },
      ],
    };
    const window = BrowserWindow.fromWebContents(event.sender);
    const result = window ? await dialog.showOpenDialog(window, options) : await dialog.showOpenDialog(options);
    if (result.canceled || result.filePaths.length === 0) return [];
    return grant(deps.engine, await resolveGrantablePaths(result.filePaths));
  });

  handle(deps, desktopChannels.saveMedia, (event, mediaId, suggestedName) => saveMediaHandler(deps, event, mediaId, suggestedName));

  handle(deps, desktopChannels.chooseFolder, async (event) => {
    const options: Electron.OpenDialogOptions = {
      title: 'Import a voices folder',
      buttonLabel: 'Import',
      message: 'Choose a folder laid out as {group}/{speaker}/*.wav',
      properties: ['openDirectory'],
    };
    const window = BrowserWindow.fromWebContents(event.sender);
    const result = window ? await dialog.showOpenDialog(window, options) : await dialog.showOpenDialog(options);
    if (result.canceled || result.filePaths.length === 0) return null;
    const [folder] = await grant(deps.engine, await resolveGrantablePaths(result.filePaths.slice(0, 1)));
    return folder ?? null;
  });
}

async function saveMediaHandler(deps: DialogDeps, event: IpcMainInvokeEvent, mediaId: string, suggestedName: string): Promise<string | null> {
  // The name only seeds the dialog; the user picks the real path.
  const name = `${String(suggestedName).replace(/[\\/:*?"<>|\u0000-\u001f]/g, '_').slice(0, 120) || 'generation'}`;
  const options: Electron.SaveDialogOptions = {
    title: 'Save audio',
    defaultPath: name.toLowerCase().endsWith('.wav') ? name : `${name}.wav`,
    filters: [{ name: 'WAV audio', extensions: ['wav'] }],
  };
  const window = BrowserWindow.fromWebContents(event.sender);
  const result = window ? await dialog.showSaveDialog(window, options) : await dialog.showSaveDialog(options);
  if (result.canceled || !result.filePath) return null;
  await exportMedia(join(deps.home, 'media'), String(mediaId), result.filePath);
  return result.filePath;
}

async function grant(engine: EngineProcess, paths: string[]): Promise<string[]> {
  await engine.allowRoots(paths);
  return paths;
}

/** `ipcMain.handle`, typed by the channel map and refusing senders that are not our pages. */
function handle<C extends keyof DesktopInvokes>(
  deps: DialogDeps,
  channel: C,
  handler: (event: IpcMainInvokeEvent, ...args: DesktopInvokes[C]['args']) => Promise<DesktopInvokes[C]['result']>,
): void {
  ipcMain.handle(channel, (event, ...args: unknown[]) => {
    if (!deps.isTrustedSender(event)) throw new StudioError('unauthorized', 'This page may not use desktop services.');
    return handler(event, ...(args as DesktopInvokes[C]['args']));
  });
}
