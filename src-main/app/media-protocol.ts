import { join } from 'node:path';
import type { CustomScheme, Session } from 'electron';
import { mediaScheme } from '../preload/desktop-ipc.js';
import { createMediaHandler } from './media-request.js';

/**
 * `studio-media://media/<sha256>`: stored audio for <audio> and wavesurfer. Standard and secure so it behaves
 * like a web origin; `stream` so players can seek through Range requests; `bypassCSP` stays off, so pages may
 * use it only because their CSP names it (media-src studio-media:).
 */
export const mediaSchemePrivileges: CustomScheme = {
  scheme: mediaScheme,
  privileges: { standard: true, secure: true, stream: true, supportFetchAPI: true, bypassCSP: false },
};

/** Serves the media store under `home` on the session the app's windows use. */
export function handleMediaProtocol(session: Session, home: string): void {
  session.protocol.handle(mediaScheme, createMediaHandler(join(home, 'media')));
}
