/** Studio codes (time-major Uint16/Int16) as the int64 [T, L] tensor the decoder graphs take. */
import type { HostTensor } from '../../nn/io/host-tensor.js';
import type { Codes } from '../codes.js';

export function codesFeed(codes: Codes): HostTensor<'int64'> {
  const data = new BigInt64Array(codes.data.length);
  for (let i = 0; i < data.length; i++) data[i] = BigInt(codes.data[i]);
  return { dtype: 'int64', shape: [codes.frames, codes.levels], data };
}
