/**
 * A pickle writer for plain data and numpy arrays, emitting protocol 3 exactly as CPython's pickler does for
 * the same objects (opcode choice, memo numbering, SETITEMS/APPENDS batching) and numpy arrays as numpy 1.x
 * reduces them. That makes a .enc written here byte-identical to one written by `np.save` in the reference.
 *
 * Python memoizes by object identity; strings are memoized here by value, which matches CPython whenever equal
 * strings are the same object (interned names, single characters) — the case for numpy's own output.
 */
import { tensorBytes } from './host-tensor.js';
import { numpyDescrOf, parseDescr } from './pickle-numpy.js';
import { NdArray, NumpyDType, PyFloat, PyGlobal, describePickleValue, isPyTuple, pyTuple } from './pickle-values.js';

export class PicklingError extends Error {
  override name = 'PicklingError';
}

function fail(message: string): never {
  throw new PicklingError(message);
}

const BATCHSIZE = 1000;

/**
 * Writer-side: `callable(*args)` to be rebuilt on load (pickled as callable, args, REDUCE), then given
 * `dictItems` with SETITEM(S) — how CPython pickles an OrderedDict.
 */
export class PyReduce {
  constructor(
    readonly callable: PyGlobal,
    readonly args: readonly unknown[],
    readonly dictItems?: ReadonlyMap<unknown, unknown>,
  ) {}
}

/** Writer-side: an object stored outside the pickle, named by `pid` (pickled as pid, BINPERSID). */
export class PersistentId {
  constructor(readonly pid: unknown) {}
}

export interface PicklerOptions {
  /** 3 (default; what numpy 1.x uses) or 2 (what torch.save uses; no bytes objects). */
  protocol?: 2 | 3;
  /** Module numpy's `_reconstruct` lives in: numpy 1.x writes numpy.core.multiarray (default), numpy 2 numpy._core.multiarray. */
  numpyCoreModule?: 'numpy.core.multiarray' | 'numpy._core.multiarray';
}

class Writer {
  private chunks: Uint8Array[] = [];
  private cur = new Uint8Array(65536);
  private len = 0;

  byte(b: number): void {
    if (this.len === this.cur.length) this.flush();
    this.cur[this.len++] = b;
  }
  bytes(b: Uint8Array): void {
    if (b.byteLength > 4096) {
      this.flush();
      this.chunks.push(b);
      return;
    }
    if (this.len + b.byteLength > this.cur.length) this.flush();
    this.cur.set(b, this.len);
    this.len += b.byteLength;
  }
  u16(v: number): void {
    this.byte(v & 0xff);
    this.byte((v >>> 8) & 0xff);
  }
  u32(v: number): void {
    this.u16(v & 0xffff);
    this.u16((v >>> 16) & 0xffff);
  }
  text(s: string): void {
    for (let i = 0; i < s.length; i++) this.byte(s.charCodeAt(i));
  }
  private flush(): void {
    if (this.len > 0) this.chunks.push(this.cur.slice(0, this.len));
    this.cur = new Uint8Array(65536);
    this.len = 0;
  }
  finish(): Uint8Array {
    this.flush();
    const total = this.chunks.reduce((n, c) => n + c.byteLength, 0);
    const out = new Uint8Array(total);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.byteLength;
    }
    return out;
  }
}

const utf8 = new TextEncoder();

/** Minimal little-endian two's complement, as CPython's encode_long. */
function encodeLong(x: bigint): Uint8Array {
  if (x === 0n) return new Uint8Array(0);
  const bitLength = (x < 0n ? -x - 1n : x).toString(2).length;
  let n = (bitLength >> 3) + 1;
  const out: number[] = [];
  let v = x < 0n ? (1n << BigInt(8 * n)) + x : x;
  for (let i = 0; i < n; i++) {
    out.push(Number(v & 0xffn));
    v >>= 8n;
  }
  if (x < 0n && n > 1 && out[n - 1] === 0xff && (out[n - 2] & 0x80) !== 0) {
    out.pop();
    n--;
  }
  return Uint8Array.from(out);
}

/**
 * Serialize `value` (pickle values as in ./pickle-values.ts, plus PyReduce / PersistentId) as a protocol 3
 * (or 2) pickle.
 */
export function pickle(value: unknown, options: PicklerOptions = {}): Uint8Array {
  const protocol = options.protocol ?? 3;
  const w = new Writer();
  const coreModule = options.numpyCoreModule ?? 'numpy.core.multiarray';
  const memoObjects = new Map<object, number>();
  const memoStrings = new Map<string, number>();
  const memoGlobals = new Map<string, number>();
  let memoSize = 0;
  // Objects this pickler creates itself (reduce arguments, dtype states) are kept alive and unique here.
  const dtypeByDescr = new Map<string, NumpyDType>();
  const oneByteB = Uint8Array.from([0x62]); // b'b', a cached singleton in CPython

  const put = (): number => {
    const i = memoSize++;
    if (i < 256) {
      w.byte(0x71); // BINPUT
      w.byte(i);
    } else {
      w.byte(0x72); // LONG_BINPUT
      w.u32(i);
    }
    return i;
  };
  const get = (i: number) => {
    if (i < 256) {
      w.byte(0x68); // BINGET
      w.byte(i);
    } else {
      w.byte(0x6a); // LONG_BINGET
      w.u32(i);
    }
  };

  const saveInt = (v: number | bigint) => {
    const big = BigInt(v);
    if (big >= 0n && big <= 0xffn) {
      w.byte(0x4b); // BININT1
      w.byte(Number(big));
    } else if (big >= 0n && big <= 0xffffn) {
      w.byte(0x4d); // BININT2
      w.u16(Number(big));
    } else if (big >= -0x80000000n && big <= 0x7fffffffn) {
      w.byte(0x4a); // BININT
      w.u32(Number(big) >>> 0);
    } else {
      const enc = encodeLong(big);
      if (enc.length < 256) {
        w.byte(0x8a); // LONG1
        w.byte(enc.length);
      } else {
        w.byte(0x8b); // LONG4
        w.u32(enc.length);
      }
      w.bytes(enc);
    }
  };

  const saveFloat = (v: number) => {
    w.byte(0x47); // BINFLOAT
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, v, false);
    w.bytes(b);
  };

  const saveGlobal = (module: string, name: string) => {
    const key = `${module}.${name}`;
    const hit = memoGlobals.get(key);
    if (hit !== undefined) return get(hit);
    w.byte(0x63); // GLOBAL
    w.text(`${module}\n${name}\n`);
    memoGlobals.set(key, put());
  };

  const saveTuple = (items: readonly unknown[], identity: object | null) => {
    if (items.length === 0) {
      w.byte(0x29); // EMPTY_TUPLE
      return;
    }
    if (items.length <= 3) {
      for (const it of items) save(it);
      w.byte([0x85, 0x86, 0x87][items.length - 1]); // TUPLE1/2/3
    } else {
      w.byte(0x28); // MARK
      for (const it of items) save(it);
      w.byte(0x74); // TUPLE
    }
    const i = put();
    if (identity) memoObjects.set(identity, i);
  };

  const saveDType = (dt: NumpyDType) => {
    const hit = memoObjects.get(dt);
    if (hit !== undefined) return get(hit);
    // numpy: dtype.__reduce__() = (dtype, (kind+size, False, True), (3, endian, None, None, None, -1, -1, flags))
    saveGlobal('numpy', 'dtype');
    saveTuple([`${dt.kind}${dt.itemsize}`, false, true], null);
    w.byte(0x52); // REDUCE
    memoObjects.set(dt, put());
    const endian = dt.kind === 'O' || dt.itemsize === 1 ? '|' : dt.byteorder === '>' ? '>' : '<';
    saveTuple([3, endian, null, null, null, -1, -1, dt.kind === 'O' ? 63 : 0], null);
    w.byte(0x62); // BUILD
  };

  /** A canonical dtype object per descr, like numpy's builtin dtype singletons (so reuse pickles as a memo get). */
  const dtypeFor = (arr: NdArray): NumpyDType => {
    const descr = arr.dtype.kind === 'O' ? '|O' : arr.tensor ? numpyDescrOf(arr.tensor.dtype) : arr.dtype.descr;
    let dt = dtypeByDescr.get(descr);
    if (!dt) {
      dt = descr === '|O' ? new NumpyDType('O', 8, '|') : parseDescr(descr);
      dtypeByDescr.set(descr, dt);
    }
    return dt;
  };

  const saveNdArray = (arr: NdArray) => {
    const hit = memoObjects.get(arr);
    if (hit !== undefined) return get(hit);
    // numpy: ndarray.__reduce__() = (_reconstruct, (ndarray, (0,), b'b'), (1, shape, dtype, is_fortran, data))
    saveGlobal(coreModule, '_reconstruct');
    saveGlobal('numpy', 'ndarray');
    saveTuple([0], null);
    save(oneByteB);
    w.byte(0x87); // TUPLE3 of (ndarray, (0,), b'b')
    put();
    w.byte(0x52); // REDUCE
    memoObjects.set(arr, put());
    const dt = dtypeFor(arr);
    let data: unknown;
    if (dt.kind === 'O') {
      if (!arr.objects) fail('object ndarray without objects');
      data = arr.objects;
    } else {
      if (!arr.tensor) fail('numeric ndarray without a tensor');
      data = tensorBytes(arr.tensor); // a fresh view object: never a memo hit
    }
    w.byte(0x28); // MARK
    saveInt(1);
    saveTuple(pyTuple([...arr.shape]), null);
    saveDType(dt);
    w.byte(0x89); // NEWFALSE (C order)
    save(data);
    w.byte(0x74); // TUPLE
    put();
    w.byte(0x62); // BUILD
  };

  /** CPython writes containers in batches of 1000: a lone item with APPEND/SETITEM, more with MARK … APPENDS/SETITEMS. */
  const batched = (n: number, one: () => void, many: (to: number) => void) => {
    for (let from = 0; from < n; from += BATCHSIZE) {
      const to = Math.min(n, from + BATCHSIZE);
      if (to - from > 1) many(to);
      else one();
    }
  };

  const save = (v: unknown): void => {
    if (v === null) return w.byte(0x4e); // NONE
    if (v === true) return w.byte(0x88);
    if (v === false) return w.byte(0x89);
    if (typeof v === 'number') return Number.isInteger(v) && Number.isSafeInteger(v) ? saveInt(v) : saveFloat(v);
    if (typeof v === 'bigint') return saveInt(v);
    if (v instanceof PyFloat) return saveFloat(v.value);
    if (typeof v === 'string') {
      const hit = memoStrings.get(v);
      if (hit !== undefined) return get(hit);
      const enc = utf8.encode(v);
      w.byte(0x58); // BINUNICODE
      w.u32(enc.byteLength);
      w.bytes(enc);
      memoStrings.set(v, put());
      return;
    }
    if (v instanceof Uint8Array) {
      if (protocol < 3) fail('bytes need pickle protocol 3');
      const hit = memoObjects.get(v);
      if (hit !== undefined) return get(hit);
      if (v.byteLength < 256) {
        w.byte(0x43); // SHORT_BINBYTES
        w.byte(v.byteLength);
      } else {
        if (v.byteLength > 0xffffffff) fail('bytes over 4 GiB need pickle protocol 4');
        w.byte(0x42); // BINBYTES
        w.u32(v.byteLength);
      }
      w.bytes(v);
      memoObjects.set(v, put());
      return;
    }
    if (typeof v !== 'object') fail(`cannot pickle ${describePickleValue(v)}`);
    if (v instanceof PyReduce) {
      const hit = memoObjects.get(v);
      if (hit !== undefined) return get(hit);
      save(v.callable);
      saveTuple(v.args, null);
      w.byte(0x52); // REDUCE
      memoObjects.set(v, put());
      if (v.dictItems) saveDictItems([...v.dictItems.entries()]);
      return;
    }
    if (v instanceof PersistentId) {
      save(v.pid);
      w.byte(0x51); // BINPERSID
      return;
    }
    if (Array.isArray(v) && isPyTuple(v)) {
      const hit = memoObjects.get(v);
      if (hit !== undefined) return get(hit);
      return saveTuple(v, v);
    }
    if (Array.isArray(v)) {
      const hit = memoObjects.get(v);
      if (hit !== undefined) return get(hit);
      w.byte(0x5d); // EMPTY_LIST
      memoObjects.set(v, put());
      const list = v as unknown[];
      let at = 0;
      batched(
        list.length,
        () => {
          save(list[at++]);
          w.byte(0x61); // APPEND
        },
        (to) => {
          w.byte(0x28);
          for (; at < to; at++) save(list[at]);
          w.byte(0x65); // APPENDS
        },
      );
      return;
    }
    if (v instanceof Map) {
      const hit = memoObjects.get(v);
      if (hit !== undefined) return get(hit);
      w.byte(0x7d); // EMPTY_DICT
      memoObjects.set(v, put());
      saveDictItems([...v.entries()]);
      return;
    }
    if (v instanceof NdArray) return saveNdArray(v);
    if (v instanceof NumpyDType) return saveDType(v);
    if (v instanceof PyGlobal) return saveGlobal(v.module, v.name);
    fail(`cannot pickle ${describePickleValue(v)}`);
  };

  const saveDictItems = (entries: [unknown, unknown][]) => {
    let at = 0;
    batched(
      entries.length,
      () => {
        save(entries[at][0]);
        save(entries[at][1]);
        at++;
        w.byte(0x73); // SETITEM
      },
      (to) => {
        w.byte(0x28);
        for (; at < to; at++) {
          save(entries[at][0]);
          save(entries[at][1]);
        }
        w.byte(0x75); // SETITEMS
      },
    );
  };

  w.byte(0x80); // PROTO
  w.byte(protocol);
  save(value);
  w.byte(0x2e); // STOP
  return w.finish();
}
