/**
 * The JS values a restricted unpickle produces (see ./pickle.ts):
 * - None → null, bool → boolean, float → number, int → number (bigint beyond ±2^53), str → string,
 *   bytes / bytearray → Uint8Array;
 * - list → array; tuple → frozen array (`isPyTuple`); dict / OrderedDict → Map (keys keep their Python values
 *   and order, so no key can reach an object prototype); set / frozenset → Set;
 * - numpy arrays → NdArray, numpy dtypes → NumpyDType; torch tensors → HostTensor (materialised, C order);
 *   classes named by an allowed GLOBAL → PyGlobal (only ever an argument of one of the allowed constructors).
 */
import type { HostDType, HostTensor } from './host-tensor.js';

export type PickleValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | PickleValue[]
  | readonly PickleValue[]
  | Map<PickleValue, PickleValue>
  | Set<PickleValue>
  | NdArray
  | NumpyDType
  | TorchStorage
  | HostTensor
  | PyGlobal
  | PyFloat;

/**
 * A Python float kept apart from ints (JS has one number type). Produced only with `wrapFloats`; writers
 * accept it to force a float where the value is integral (3.0).
 */
export class PyFloat {
  constructor(readonly value: number) {}
}

/** A class or function named in the pickle that passed the allow-list. */
export class PyGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
  ) {}

  get qualifiedName(): string {
    return `${this.module}.${this.name}`;
  }
}

/** A numpy dtype: `descr` as in .npy headers, e.g. '<u2', '|b1', '|O', '<f4'. */
export class NumpyDType {
  constructor(
    /** One of b i u f c O S U V M m. */
    public kind: string,
    public itemsize: number,
    /** '<', '>' or '|' (not applicable). */
    public byteorder: '<' | '>' | '|',
  ) {}

  get descr(): string {
    return this.kind === 'O' ? '|O' : `${this.byteorder}${this.kind}${this.itemsize}`;
  }
}

/**
 * A numpy array. Numeric arrays carry `tensor` (C order; a Fortran-ordered source is reordered on load) and
 * object arrays carry `objects` (C order).
 */
export class NdArray {
  constructor(
    public dtype: NumpyDType,
    public shape: number[],
    public tensor: HostTensor | null,
    public objects: PickleValue[] | null,
  ) {}
}

/** Raw bytes of one torch storage, as found in a checkpoint. */
export class TorchStorage {
  constructor(
    readonly key: string,
    readonly dtype: HostDType,
    readonly bytes: Uint8Array,
    readonly location: string,
  ) {}
}

export function isPyTuple(value: unknown): value is readonly PickleValue[] {
  return Array.isArray(value) && Object.isFrozen(value);
}

export function pyTuple(items: PickleValue[]): readonly PickleValue[] {
  return Object.freeze(items);
}

/** A short description of a value's kind for error messages. */
export function describePickleValue(value: unknown): string {
  if (value === null) return 'None';
  if (Array.isArray(value)) return isPyTuple(value) ? 'tuple' : 'list';
  if (value instanceof Uint8Array) return 'bytes';
  if (value instanceof Map) return 'dict';
  if (value instanceof Set) return 'set';
  if (value instanceof PyGlobal) return value.qualifiedName;
  if (value instanceof PyFloat) return 'float';
  if (value instanceof NdArray) return 'numpy.ndarray';
  if (value instanceof NumpyDType) return 'numpy.dtype';
  if (value instanceof TorchStorage) return 'torch storage';
  if (typeof value === 'object' && value && 'dtype' in value && 'shape' in value) return 'tensor';
  if (typeof value === 'bigint') return 'int';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float';
  if (typeof value === 'string') return 'str';
  if (typeof value === 'boolean') return 'bool';
  return typeof value;
}
