import type { WebSocket } from 'ws';
import type { HostEnvelope } from '../../src-shared/api/envelope.js';
import type { HostWire } from '../../src-shared/api/wire.js';
import type { HostLog } from '../engine/host/host-log.js';

/**
 * The host side of a WebSocket: one envelope per JSON text frame. A frame that is not JSON cannot reach the
 * host's validation, so it is answered here: with a `malformed_message` result when a call id can still be
 * read from it (so the caller's promise settles), otherwise it is logged and dropped.
 */
export function webSocketHostWire(socket: WebSocket, log: HostLog): HostWire {
  return {
    send(message) {
      if (socket.readyState !== socket.OPEN) return;
      socket.send(JSON.stringify(message));
    },
    onMessage(listener) {
      const handle = (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
        const text = isBinary ? null : Buffer.isBuffer(data) ? data.toString('utf8') : Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data).toString('utf8');
        let parsed: unknown;
        try {
          if (text === null) throw new Error('binary frame');
          parsed = JSON.parse(text);
        } catch {
          const id = text === null ? null : recoverCallId(text);
          if (id === null) {
            log.warn('dropped a WebSocket frame that is not a JSON text frame');
            return;
          }
          const reply: HostEnvelope = {
            kind: 'result',
            id,
            ok: false,
            error: { code: 'malformed_message', message: 'Malformed message: the frame is not valid JSON.' },
          };
          if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(reply));
          return;
        }
        listener(parsed);
      };
      socket.on('message', handle);
      return () => void socket.off('message', handle);
    },
    onClose(listener) {
      const handle = () => listener();
      socket.on('close', handle);
      return () => void socket.off('close', handle);
    },
  };
}

/** Best effort: the id of a call whose JSON is broken further on (`{"kind":"call","id":7,…`). */
function recoverCallId(text: string): number | null {
  const match = /"id"\s*:\s*(\d{1,15})\s*[,}]/.exec(text);
  return match ? Number(match[1]) : null;
}
