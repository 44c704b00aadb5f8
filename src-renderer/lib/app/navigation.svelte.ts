import { InjectionToken } from '$lib/context.js';
import { isViewId, viewIds, type ViewId } from './views.js';

const defaultView: ViewId = 'library';

/**
 * Which view is shown. The view lives in the URL hash (`#/library`) so a reload, and the browser's
 * back/forward, keep the user where they were.
 */
export class NavigationService {
  view = $state<ViewId>(defaultView);
  #win: Window;
  #onHashChange = () => {
    this.view = viewFromHash(this.#win.location.hash);
  };

  constructor(win: Window = window) {
    this.#win = win;
    this.view = viewFromHash(win.location.hash);
    win.addEventListener('hashchange', this.#onHashChange);
  }

  go(view: ViewId): void {
    if (this.view === view) return;
    this.view = view;
    this.#win.location.hash = `#/${view}`;
  }

  /** Ctrl/Cmd+1..6: the n-th view (1-based); false when n is out of range. */
  goToIndex(n: number): boolean {
    const view = viewIds[n - 1];
    if (!view) return false;
    this.go(view);
    return true;
  }

  dispose(): void {
    this.#win.removeEventListener('hashchange', this.#onHashChange);
  }
}

function viewFromHash(hash: string): ViewId {
  const name = hash.replace(/^#\/?/, '').split(/[/?]/)[0] ?? '';
  return isViewId(name) ? name : defaultView;
}

export const NAVIGATION = new InjectionToken<NavigationService>('NavigationService');
