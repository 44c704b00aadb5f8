import type { CustomScheme, Session } from 'electron';
import { appScheme, createAppHandler } from './app-request.js';

/**
 * `app://studio/…`: the built renderer, served as a proper origin rather than file:// — so `'self'` in the CSP
 * means our files only, fetch and module scripts behave as on the web, and navigation checks can compare
 * origins. Requests never leave the app directory (app-request.ts).
 */
export const appSchemePrivileges: CustomScheme = {
  scheme: appScheme,
  privileges: { standard: true, secure: true, supportFetchAPI: true, bypassCSP: false },
};

export function handleAppProtocol(session: Session, rendererRoot: string): void {
  session.protocol.handle(appScheme, createAppHandler(rendererRoot));
}
