import type { DesktopServices, StudioBridge } from '../../src-shared/bridge.js';
import { mediaUrlFor } from './desktop-ipc.js';
import type { PortConnection } from './port-client-wire.js';

/**
 * `window.studio`: plain functions over the port connection. Plain on purpose — contextBridge copies objects and
 * drops prototypes, so a class instance would arrive without its methods.
 */
export function studioBridge(connection: PortConnection, desktop: DesktopServices): StudioBridge {
  return {
    host: 'electron',
    send: (message) => connection.send(message),
    onMessage: (listener) => connection.onMessage(listener),
    onClose: (listener) => connection.onClose(listener),
    state: () => connection.state(),
    onStateChange: (listener) => connection.onStateChange(listener),
    upload: (name, data) => connection.upload(name, data),
    mediaUrl: (mediaId) => mediaUrlFor(mediaId),
    close: () => connection.close(),
    desktop,
  };
}
