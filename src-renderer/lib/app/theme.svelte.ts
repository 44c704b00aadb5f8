import { InjectionToken } from '$lib/context.js';

export type ThemePreference = 'light' | 'dark' | 'system';
export type ResolvedTheme = 'light' | 'dark';

const storageKey = 'valle.theme';

/**
 * Light, dark, or follow the system. The choice is kept in localStorage and applied as
 * `data-theme` on <html>; the stylesheet's variables do the rest. [Note: theme before paint] main.ts
 * calls `applyStoredTheme` before mounting, and the stylesheet already follows `prefers-color-scheme`
 * without JS, so there is no flash of the wrong theme and no inline script is needed.
 */
export class ThemeService {
  preference = $state<ThemePreference>('system');
  #systemDark = $state(false);
  resolved: ResolvedTheme = $derived(this.preference === 'system' ? (this.#systemDark ? 'dark' : 'light') : this.preference);
  #win: Window;
  #media: MediaQueryList;
  #onSystemChange = (event: MediaQueryListEvent) => {
    this.#systemDark = event.matches;
    this.#apply();
  };

  constructor(win: Window = window) {
    this.#win = win;
    this.#media = win.matchMedia('(prefers-color-scheme: dark)');
    this.#systemDark = this.#media.matches;
    this.preference = readPreference(win);
    this.#media.addEventListener('change', this.#onSystemChange);
    this.#apply();
  }

  set(preference: ThemePreference): void {
    this.preference = preference;
    try {
      this.#win.localStorage.setItem(storageKey, preference);
    } catch {
      // Storage can be unavailable (private mode, quota); the choice then lasts for this session.
    }
    this.#apply();
  }

  #apply(): void {
    applyTheme(this.#win.document, this.resolved);
  }

  dispose(): void {
    this.#media.removeEventListener('change', this.#onSystemChange);
  }
}

function readPreference(win: Window): ThemePreference {
  try {
    const stored = win.localStorage.getItem(storageKey);
    if (stored === 'light' || stored === 'dark' || stored === 'system') return stored;
  } catch {
    // fall through
  }
  return 'system';
}

function applyTheme(doc: Document, theme: ResolvedTheme): void {
  doc.documentElement.dataset.theme = theme;
  doc.documentElement.style.colorScheme = theme;
}

/** Before the app mounts: set the stored theme so the first paint is right. */
export function applyStoredTheme(win: Window = window): void {
  const preference = readPreference(win);
  const dark = preference === 'dark' || (preference === 'system' && win.matchMedia('(prefers-color-scheme: dark)').matches);
  applyTheme(win.document, dark ? 'dark' : 'light');
}

export const THEME = new InjectionToken<ThemeService>('ThemeService');
