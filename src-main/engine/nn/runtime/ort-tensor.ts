/**
 * Conversion between host tensors and ORT tensors. Both directions share the typed array (no copy) wherever
 * ORT's JS binding takes the same array type.
 */
import * as ort from 'onnxruntime-node';
import { checkHostTensor, type HostDType, type HostTensor } from '../io/host-tensor.js';

type OrtType = ort.Tensor.Type;

const toOrt: Partial<Record<HostDType, OrtType>> = {
  float64: 'float64',
  float32: 'float32',
  float16: 'float16',
  int64: 'int64',
  int32: 'int32',
  int16: 'int16',
  int8: 'int8',
  uint64: 'uint64',
  uint32: 'uint32',
  uint16: 'uint16',
  uint8: 'uint8',
  bool: 'bool',
};

/** Host tensor → ORT tensor over the same memory. bfloat16 has no ORT-JS tensor type, so it is refused. */
export function toOrtTensor(t: HostTensor, name = 'tensor'): ort.Tensor {
  checkHostTensor(t, name);
  const type = toOrt[t.dtype];
  if (type === undefined) {
    throw new Error(`${name}: dtype ${t.dtype} cannot be passed to ONNX Runtime from JS; convert it to float32 first`);
  }
  return new ort.Tensor(type, t.data as never, t.shape);
}

/** ORT tensor (CPU data) → host tensor over the same memory. */
export function fromOrtTensor(t: ort.Tensor, name = 'tensor'): HostTensor {
  const shape = [...t.dims];
  const data = t.data as unknown;
  switch (t.type) {
    case 'float16': {
      // Builds with a global Float16Array hand that back; keep raw bits to match the host convention.
      if (data instanceof Uint16Array) return { dtype: 'float16', shape, data };
      const d = data as { buffer: ArrayBufferLike; byteOffset: number; length: number };
      return { dtype: 'float16', shape, data: new Uint16Array(d.buffer, d.byteOffset, d.length) };
    }
    case 'float64':
    case 'float32':
    case 'int64':
    case 'int32':
    case 'int16':
    case 'int8':
    case 'uint64':
    case 'uint32':
    case 'uint16':
    case 'uint8':
    case 'bool': {
      const out = { dtype: t.type, shape, data } as HostTensor;
      checkHostTensor(out, name);
      return out;
    }
    default:
      throw new Error(`${name}: ONNX Runtime returned a ${t.type} tensor, which nn does not handle`);
  }
}
