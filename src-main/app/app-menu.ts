import { app, Menu, type MenuItemConstructorOptions } from 'electron';
import type { NavigableView } from '../preload/desktop-ipc.js';

export interface MenuActions {
  navigate(view: NavigableView): void;
  openStudioFolder(): void;
  restartEngine(): void;
  showAbout(): void;
}

/** View menu entries, in the renderer's navigation order; Ctrl/Cmd+1…6 match the page's own shortcuts. */
const views: { view: NavigableView; label: string }[] = [
  { view: 'generate', label: 'Generate' },
  { view: 'library', label: 'Library' },
  { view: 'dataset', label: 'Dataset' },
  { view: 'train', label: 'Train' },
  { view: 'models', label: 'Models' },
  { view: 'settings', label: 'Settings' },
];

/** File / Edit / View / Window / Help (with the app menu first on macOS). */
export function buildAppMenu(actions: MenuActions, options: { isMac: boolean; isDev: boolean }): Menu {
  const { isMac, isDev } = options;
  const template: MenuItemConstructorOptions[] = [];

  if (isMac) {
    template.push({
      label: app.name,
      submenu: [
        { role: 'about' },
        { type: 'separator' },
        { label: 'Settings…', accelerator: 'Cmd+,', click: () => actions.navigate('settings') },
        { type: 'separator' },
        { role: 'services' },
        { type: 'separator' },
        { role: 'hide' },
        { role: 'hideOthers' },
        { role: 'unhide' },
        { type: 'separator' },
        { role: 'quit' },
      ],
    });
  }

  template.push({
    label: '&File',
    submenu: [
      { label: 'Open Studio Folder', click: () => actions.openStudioFolder() },
      { type: 'separator' },
      ...(isMac ? [{ role: 'close' } as const] : [{ label: 'Settings', accelerator: 'Ctrl+,', click: () => actions.navigate('settings') }, { type: 'separator' } as const, { role: 'quit' } as const]),
    ],
  });

  template.push({ role: 'editMenu' });

  template.push({
    label: '&View',
    submenu: [
      ...views.map(({ view, label }, index): MenuItemConstructorOptions => ({
        label,
        accelerator: `CmdOrCtrl+${index + 1}`,
        click: () => actions.navigate(view),
      })),
      { type: 'separator' },
      { role: 'resetZoom' },
      { role: 'zoomIn' },
      { role: 'zoomOut' },
      { type: 'separator' },
      { role: 'togglefullscreen' },
      ...(isDev ? [{ type: 'separator' } as const, { role: 'reload' } as const, { role: 'toggleDevTools' } as const] : []),
    ],
  });

  template.push({ role: 'windowMenu' });

  template.push({
    role: 'help',
    submenu: [
      { label: 'Restart Engine', click: () => actions.restartEngine() },
      ...(isMac ? [] : [{ type: 'separator' } as const, { label: 'About VALL-E Studio', click: () => actions.showAbout() }]),
    ],
  });

  return Menu.buildFromTemplate(template);
}
