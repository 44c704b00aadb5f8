/**
 * Which buffers may be moved (transferred) to the other thread instead of copied: only an ArrayBuffer that a
 * tensor's array covers entirely — detaching a buffer that other views share would break those views.
 */
import type { HostTensor } from '../../io/host-tensor.js';

export function transferablesOf(tensors: Iterable<HostTensor | Uint8Array>): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  for (const t of tensors) {
    const arr = t instanceof Uint8Array ? t : t.data;
    const buf = arr.buffer;
    if (!(buf instanceof ArrayBuffer)) continue; // SharedArrayBuffer: shared, never transferred
    if (arr.byteOffset === 0 && arr.byteLength === buf.byteLength && buf.byteLength > 0) out.add(buf);
  }
  return [...out];
}
