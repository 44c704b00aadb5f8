import { pathToFileURL } from 'node:url';
import type { ClientEnvelope, HostEnvelope } from '../../../src-shared/api/envelope.js';
import type { ClientWire, HostServices, HostWire } from '../../../src-shared/api/wire.js';
import type { EngineHost } from '../host/engine-host.js';

/**
 * A connection to a host in the same process (CLI, tests). Envelopes are structured-cloned and delivered on a
 * later turn of the event loop, as a real boundary would: nothing can share objects with the engine or rely on
 * a reply arriving synchronously.
 */
export function connectInProcess(host: EngineHost): { wire: ClientWire; services: HostServices } {
  const toClient = new Set<(message: HostEnvelope) => void>();
  const toHost = new Set<(message: unknown) => void>();
  const clientClosed = new Set<(reason: string) => void>();
  const hostClosed = new Set<() => void>();
  let open = true;

  const deliver = <T>(listeners: Set<(message: T) => void>, message: T) => {
    const copy = structuredClone(message);
    setImmediate(() => {
      if (!open) return;
      for (const listener of [...listeners]) listener(copy);
    });
  };
  const subscribe = <T>(set: Set<T>, listener: T) => {
    set.add(listener);
    return () => void set.delete(listener);
  };
  const close = (reason: string) => {
    if (!open) return;
    open = false;
    for (const listener of [...hostClosed]) listener();
    for (const listener of [...clientClosed]) listener(reason);
  };

  const hostWire: HostWire = {
    send: (message) => {
      if (open) deliver(toClient, message);
    },
    onMessage: (listener) => subscribe(toHost, listener),
    onClose: (listener) => subscribe(hostClosed, listener),
  };
  const wire: ClientWire = {
    send: (message: ClientEnvelope) => {
      if (!open) throw new Error('The in-process connection is closed');
      deliver(toHost, message);
    },
    onMessage: (listener) => subscribe(toClient, listener),
    onClose: (listener) => subscribe(clientClosed, listener),
    close: () => close('closed by the client'),
  };

  host.connect(hostWire);

  const services: HostServices = {
    upload: async (name, data) => {
      const staged = await host.uploads.stage(name, new Uint8Array(structuredClone(data)));
      return { uploadId: staged.uploadId };
    },
    mediaUrl: (mediaId) => {
      if (!host.media) throw new Error('This host has no media store');
      return pathToFileURL(host.media.pathOf(mediaId)).href;
    },
  };
  return { wire, services };
}
