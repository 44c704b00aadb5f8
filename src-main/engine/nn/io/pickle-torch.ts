/**
 * The torch constructors a restricted unpickle may call: storage classes (only as part of a persistent id),
 * `torch._utils._rebuild_tensor_v2` and `_rebuild_parameter(_with_state)`. Tensors come out as host tensors in
 * C order; a non-contiguous view (e.g. a saved transpose) is gathered into a fresh array.
 */
import { bytesPerElement, elementCount, typedFromBytes, type HostDType, type HostTensor, type HostTypedArray } from './host-tensor.js';
import { PyGlobal, TorchStorage, describePickleValue, type PickleValue } from './pickle-values.js';
import { gatherStrided, isContiguous, lastIndex } from './strided.js';

export class TorchFormatError extends Error {
  override name = 'TorchFormatError';
}

function fail(message: string): never {
  throw new TorchFormatError(message);
}

/** Storage classes (as named in checkpoints) and the element type each holds. */
export const torchStorageTypes: Record<string, HostDType> = {
  'torch.DoubleStorage': 'float64',
  'torch.FloatStorage': 'float32',
  'torch.HalfStorage': 'float16',
  'torch.BFloat16Storage': 'bfloat16',
  'torch.LongStorage': 'int64',
  'torch.IntStorage': 'int32',
  'torch.ShortStorage': 'int16',
  'torch.CharStorage': 'int8',
  'torch.ByteStorage': 'uint8',
  'torch.BoolStorage': 'bool',
  'torch.UntypedStorage': 'uint8',
  'torch.storage.UntypedStorage': 'uint8',
};

/** Storage class name for a dtype (the inverse of torchStorageTypes, for writers). */
export function torchStorageName(dtype: HostDType): string {
  const hit = Object.entries(torchStorageTypes).find(([, d]) => d === dtype);
  if (!hit) fail(`torch has no storage type for ${dtype}`);
  return hit[0];
}

export function storageDTypeOf(storageType: PickleValue): HostDType {
  if (!(storageType instanceof PyGlobal)) fail(`persistent id names ${describePickleValue(storageType)} instead of a storage type`);
  const dtype = torchStorageTypes[storageType.qualifiedName];
  if (dtype === undefined) fail(`storage type ${storageType.qualifiedName} is not supported`);
  return dtype;
}

const storageElements = new WeakMap<TorchStorage, HostTypedArray>();

function elementsOf(storage: TorchStorage, dtype: HostDType): HostTypedArray {
  let arr = storageElements.get(storage);
  if (!arr) {
    const size = bytesPerElement(dtype);
    if (storage.bytes.byteLength % size !== 0) {
      fail(`storage ${storage.key}: ${storage.bytes.byteLength} bytes is not a whole number of ${dtype} elements`);
    }
    arr = typedFromBytes(dtype, storage.bytes);
    storageElements.set(storage, arr);
  }
  return arr;
}

function intTuple(value: PickleValue, what: string): number[] {
  if (!Array.isArray(value)) fail(`${what} must be a tuple of ints, got ${describePickleValue(value)}`);
  return value.map((v, i) => {
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) fail(`${what}[${i}] must be a non-negative int`);
    return v;
  });
}

/**
 * `_rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])`.
 * A contiguous tensor views its storage's bytes; a strided one is copied into C order.
 */
export function rebuildTensorV2(args: readonly PickleValue[]): HostTensor {
  const [storage, offsetV, sizeV, strideV] = args;
  if (!(storage instanceof TorchStorage)) fail(`_rebuild_tensor_v2 needs a storage, got ${describePickleValue(storage)}`);
  if (typeof offsetV !== 'number' || !Number.isSafeInteger(offsetV) || offsetV < 0) fail('_rebuild_tensor_v2 storage offset must be a non-negative int');
  const shape = intTuple(sizeV, 'tensor size');
  const strides = intTuple(strideV, 'tensor stride');
  if (strides.length !== shape.length) fail(`tensor size [${shape.join(', ')}] and stride [${strides.join(', ')}] differ in rank`);
  const dtype = storage.dtype;
  const src = elementsOf(storage, dtype);
  const last = lastIndex(shape, strides, offsetV);
  if (last >= src.length) {
    fail(`tensor [${shape.join(', ')}] at offset ${offsetV} with stride [${strides.join(', ')}] reaches element ${last} of storage ${storage.key}, which holds ${src.length}`);
  }
  const n = elementCount(shape);
  const data = isContiguous(shape, strides)
    ? src.subarray(offsetV, offsetV + n)
    : gatherStrided(dtype, src as never, shape, strides, offsetV);
  return { dtype, shape, data } as HostTensor;
}

/** `_rebuild_parameter(data, requires_grad, backward_hooks)`: a Parameter is just its tensor here. */
export function rebuildParameter(args: readonly PickleValue[]): PickleValue {
  const data = args[0];
  if (!(typeof data === 'object' && data !== null && 'dtype' in data && 'shape' in data && 'data' in data)) {
    fail(`_rebuild_parameter needs a tensor, got ${describePickleValue(data)}`);
  }
  return data;
}
