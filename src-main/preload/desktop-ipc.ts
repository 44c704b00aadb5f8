/**
 * Every IPC channel between Electron main and the preload, declared once with its payload types (Comfy's
 * `IPC_CHANNELS` idea, without the preload owning any domain type). Studio API traffic never uses these: it
 * flows over the MessagePort that `port` delivers, straight to the engine.
 */
export const desktopChannels = {
  /** preload → main: this page is up; send it a port to the engine (again after every reload). */
  hello: 'studio:hello',
  /** main → preload: a MessagePort (in `event.ports[0]`) to a fresh engine connection. */
  port: 'studio:port',
  /** main → preload: the engine went away ({@link EngineStatus}). */
  engine: 'studio:engine',
  /** main → preload: show a view (menu View → …). */
  navigate: 'studio:navigate',
  /** preload → main (invoke): let the engine read these user-chosen paths; returns the ones granted. */
  grantPaths: 'studio:grant-paths',
  /** preload → main (invoke): native open dialog for audio files; returns granted paths. */
  chooseAudioFiles: 'studio:choose-audio-files',
  /** preload → main (invoke): native folder dialog; returns the granted folder or null. */
  chooseFolder: 'studio:choose-folder',
  /** preload → main (invoke): native save dialog, then a copy of a stored media item there; the path or null. */
  saveMedia: 'studio:save-media',
} as const;

/** Arguments and results of the `invoke` channels. */
export interface DesktopInvokes {
  [desktopChannels.grantPaths]: { args: [paths: string[]]; result: string[] };
  [desktopChannels.chooseAudioFiles]: { args: []; result: string[] };
  [desktopChannels.chooseFolder]: { args: []; result: string | null };
  [desktopChannels.saveMedia]: { args: [mediaId: string, suggestedName: string]; result: string | null };
}

/** Sent on `engine` when the connection is gone: `restarting` comes back by itself, `failed` does not. */
export interface EngineStatus {
  state: 'restarting' | 'failed';
  reason: string;
}

/** View ids main may send on `navigate`: the renderer's `#/<view>` routes. */
export const navigableViews = ['generate', 'library', 'dataset', 'train', 'models', 'settings'] as const;
export type NavigableView = (typeof navigableViews)[number];

export function isNavigableView(value: unknown): value is NavigableView {
  return typeof value === 'string' && (navigableViews as readonly string[]).includes(value);
}

/** The scheme main serves stored media on (media-protocol.ts). */
export const mediaScheme = 'studio-media';

/**
 * `studio-media://media/<sha256>`. The id goes in the path, not the host: a 64-character host label is longer
 * than DNS allows (63), and standard-scheme hosts are lower-cased and IDNA-checked by URL parsers.
 */
export function mediaUrlFor(mediaId: string): string {
  return `${mediaScheme}://media/${encodeURIComponent(mediaId)}`;
}
