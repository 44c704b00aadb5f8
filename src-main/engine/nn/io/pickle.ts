/**
 * A restricted unpickler: a small VM over the pickle opcodes of protocols 0–5 that builds plain JS data
 * (./pickle-values.ts) and never executes anything. The only callables a pickle may name are the allow-listed
 * constructors below (numpy arrays and dtypes, torch tensors and storages, OrderedDict, bytes/set helpers); a
 * GLOBAL / STACK_GLOBAL / INST naming anything else (os.system, builtins.eval, subprocess.Popen, …) stops the
 * load at that opcode with "pickle refers to <module>.<name>, which is not allowed".
 */
import { latin1Bytes, makeDType, numpyScalar, reconstruct, setDTypeState, setNdArrayState } from './pickle-numpy.js';
import { rebuildParameter, rebuildTensorV2, torchStorageTypes } from './pickle-torch.js';
import { NdArray, NumpyDType, PyFloat, PyGlobal, describePickleValue, isPyTuple, pyTuple, type PickleValue } from './pickle-values.js';

export class UnpicklingError extends Error {
  override name = 'UnpicklingError';
}

function fail(message: string): never {
  throw new UnpicklingError(message);
}

type Call = (args: readonly PickleValue[]) => PickleValue;

interface Allowed {
  /** Called by REDUCE (and by NEWOBJ / INST / OBJ for classes). Absent: the global may only be passed around as a value. */
  call?: Call;
}

const orderedDict: Call = (args) => {
  const map = new Map<PickleValue, PickleValue>();
  const init = args[0];
  if (init === undefined || init === null) return map;
  if (init instanceof Map) return new Map(init);
  if (!Array.isArray(init)) fail(`OrderedDict(${describePickleValue(init)}) is not supported`);
  for (const pair of init) {
    if (!Array.isArray(pair) || pair.length !== 2) fail('OrderedDict items must be (key, value) pairs');
    map.set(pair[0] as PickleValue, pair[1] as PickleValue);
  }
  return map;
};

function bytesFrom(args: readonly PickleValue[], what: string): Uint8Array {
  const [src, encoding] = args;
  if (src === undefined) return new Uint8Array(0);
  if (src instanceof Uint8Array) return new Uint8Array(src);
  if (Array.isArray(src)) {
    return Uint8Array.from(src, (v) => {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 255) fail(`${what}: list items must be ints 0..255`);
      return v;
    });
  }
  if (typeof src === 'string') {
    if (encoding !== 'latin1' && encoding !== 'latin-1') fail(`${what}: only latin1-encoded str is supported`);
    return latin1Bytes(src);
  }
  fail(`${what}(${describePickleValue(src)}) is not supported`);
}

function setFrom(args: readonly PickleValue[]): Set<PickleValue> {
  const src = args[0];
  if (src === undefined) return new Set();
  if (Array.isArray(src)) return new Set(src as PickleValue[]);
  if (src instanceof Set) return new Set(src);
  fail(`set(${describePickleValue(src)}) is not supported`);
}

const builtins = (name: string): [string, string][] => [
  ['builtins', name],
  ['__builtin__', name], // protocol 2 pickles written by Python 3 name the Python 2 module
];

/** The allow-list: "module.name" → what it may do. */
const allowed = new Map<string, Allowed>([
  ['collections.OrderedDict', { call: orderedDict }],
  ['torch._utils._rebuild_tensor_v2', { call: rebuildTensorV2 }],
  ['torch._utils._rebuild_parameter', { call: rebuildParameter }],
  ['torch._utils._rebuild_parameter_with_state', { call: rebuildParameter }],
  ...Object.keys(torchStorageTypes).map((name): [string, Allowed] => [name, {}]),
  ['numpy.core.multiarray._reconstruct', { call: reconstruct }],
  ['numpy._core.multiarray._reconstruct', { call: reconstruct }],
  ['numpy.ndarray', {}],
  ['numpy.dtype', { call: makeDType }],
  ['numpy.core.multiarray.scalar', { call: numpyScalar }],
  ['numpy._core.multiarray.scalar', { call: numpyScalar }],
  ['_codecs.encode', { call: (args) => bytesFrom(args, '_codecs.encode') }],
  ...[
    ...builtins('bytes').map(([m, n]): [string, Allowed] => [`${m}.${n}`, { call: (args) => bytesFrom(args, 'bytes') }]),
    ...builtins('bytearray').map(([m, n]): [string, Allowed] => [`${m}.${n}`, { call: (args) => bytesFrom(args, 'bytearray') }]),
    ...builtins('set').map(([m, n]): [string, Allowed] => [`${m}.${n}`, { call: setFrom }]),
    ...builtins('frozenset').map(([m, n]): [string, Allowed] => [`${m}.${n}`, { call: setFrom }]),
  ],
]);

/** Names a pickle may refer to (for documentation and tests). */
export const allowedGlobals: readonly string[] = [...allowed.keys()];

function resolveGlobal(module: string, name: string): PyGlobal {
  const qualified = `${module}.${name}`;
  if (!allowed.has(qualified)) fail(`pickle refers to ${qualified}, which is not allowed`);
  return new PyGlobal(module, name);
}

function callGlobal(callable: PickleValue, args: PickleValue, opcode: string): PickleValue {
  if (!(callable instanceof PyGlobal)) fail(`${opcode} on ${describePickleValue(callable)}: only allowed constructors can be called`);
  if (!Array.isArray(args)) fail(`${opcode} of ${callable.qualifiedName} needs an argument tuple, got ${describePickleValue(args)}`);
  const call = allowed.get(callable.qualifiedName)?.call;
  if (!call) fail(`${callable.qualifiedName} cannot be called while unpickling`);
  return call(args as readonly PickleValue[]);
}

export interface UnpickleOptions {
  /** Resolves BINPERSID / PERSID ids (torch checkpoints name their storages this way). Without it they are refused. */
  persistentLoad?: (pid: PickleValue) => PickleValue;
  /** Return Python floats as PyFloat, so 3.0 stays distinguishable from the int 3 (default: plain numbers). */
  wrapFloats?: boolean;
}

const MARK = Symbol('mark');
type Slot = PickleValue | typeof MARK;

class Reader {
  pos = 0;
  private view: DataView;
  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  need(n: number, what: string): void {
    if (n > this.bytes.byteLength - this.pos) {
      fail(`pickle is truncated: ${what} needs ${n} bytes at offset ${this.pos}, only ${this.bytes.byteLength - this.pos} left`);
    }
  }
  u8(): number {
    this.need(1, 'opcode argument');
    return this.bytes[this.pos++];
  }
  u16(): number {
    this.need(2, 'opcode argument');
    const v = this.view.getUint16(this.pos, true);
    this.pos += 2;
    return v;
  }
  i32(): number {
    this.need(4, 'opcode argument');
    const v = this.view.getInt32(this.pos, true);
    this.pos += 4;
    return v;
  }
  u32(): number {
    this.need(4, 'opcode argument');
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }
  u64(): number {
    this.need(8, 'opcode argument');
    const v = this.view.getBigUint64(this.pos, true);
    this.pos += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) fail(`pickle length ${v} at offset ${this.pos - 8} is absurd`);
    return Number(v);
  }
  f64be(): number {
    this.need(8, 'BINFLOAT');
    const v = this.view.getFloat64(this.pos, false);
    this.pos += 8;
    return v;
  }
  take(n: number, what: string): Uint8Array {
    if (n < 0) fail(`pickle has a negative length for ${what} at offset ${this.pos}`);
    this.need(n, what);
    // A plain Uint8Array view (a Buffer's subarray would be a Buffer).
    const out = new Uint8Array(this.bytes.buffer, this.bytes.byteOffset + this.pos, n);
    this.pos += n;
    return out;
  }
  line(what: string): string {
    const end = this.bytes.indexOf(0x0a, this.pos);
    if (end < 0) fail(`pickle is truncated: ${what} has no end of line`);
    const text = latin1(this.bytes.subarray(this.pos, end));
    this.pos = end + 1;
    return text;
  }
}

function latin1(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 8192) s += String.fromCharCode(...bytes.subarray(i, i + 8192));
  return s;
}

const utf8 = new TextDecoder('utf-8');

function intValue(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

/** Little-endian two's complement (LONG1 / LONG4). */
function decodeLong(bytes: Uint8Array): number | bigint {
  if (bytes.length === 0) return 0;
  let v = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]);
  if (bytes[bytes.length - 1] & 0x80) v -= 1n << BigInt(8 * bytes.length);
  return intValue(v);
}

function parseIntText(text: string, what: string): number | bigint {
  const t = text.endsWith('L') ? text.slice(0, -1) : text;
  if (!/^[+-]?\d+$/.test(t)) fail(`pickle ${what} "${text}" is not an integer`);
  return intValue(BigInt(t));
}

/** Python 2 repr of a str, as written by STRING: quoted, with backslash escapes. */
function parseQuoted(text: string): string {
  const q = text[0];
  if ((q !== "'" && q !== '"') || text[text.length - 1] !== q || text.length < 2) fail('pickle STRING argument is not quoted');
  const body = text.slice(1, -1);
  return body.replace(/\\(x[0-9a-fA-F]{2}|[0-7]{1,3}|.)/g, (_, e: string) => {
    if (e[0] === 'x') return String.fromCharCode(parseInt(e.slice(1), 16));
    if (/^[0-7]/.test(e)) return String.fromCharCode(parseInt(e, 8));
    const map: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', v: '\v' };
    return map[e] ?? `\\${e}`;
  });
}

/** raw-unicode-escape, as written by UNICODE: latin-1 text with \uXXXX and \UXXXXXXXX escapes. */
function parseRawUnicode(text: string): string {
  return text.replace(/\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})/g, (_, u: string | undefined, U: string | undefined) =>
    String.fromCodePoint(parseInt((u ?? U)!, 16)),
  );
}

/** Unpickle `bytes`. Throws UnpicklingError (or a numpy/torch format error) naming what is wrong. */
export function unpickle(bytes: Uint8Array, options: UnpickleOptions = {}): PickleValue {
  const r = new Reader(bytes);
  let stack: Slot[] = [];
  const metastack: Slot[][] = [];
  const memo = new Map<number, PickleValue>();
  const float = (v: number): PickleValue => (options.wrapFloats ? new PyFloat(v) : v);

  // Not `stack.push(x)`: x may come from popMark(), which swaps `stack`, and the member would be read first.
  const push = (v: PickleValue): void => {
    stack.push(v);
  };
  const pop = (): PickleValue => {
    if (stack.length === 0) fail(`pickle stack underflow at offset ${r.pos - 1}`);
    const v = stack.pop()!;
    if (v === MARK) fail(`pickle has an unexpected MARK at offset ${r.pos - 1}`);
    return v;
  };
  const top = (): PickleValue => {
    const v = stack[stack.length - 1];
    if (v === undefined || v === MARK) fail(`pickle stack is empty at offset ${r.pos - 1}`);
    return v;
  };
  const popMark = (): PickleValue[] => {
    const items = stack as PickleValue[];
    const prev = metastack.pop();
    if (prev === undefined) fail(`pickle has no MARK to match at offset ${r.pos - 1}`);
    stack = prev;
    return items;
  };
  const memoGet = (i: number): PickleValue => {
    if (!memo.has(i)) fail(`pickle memo has no entry ${i} (offset ${r.pos})`);
    return memo.get(i)!;
  };
  const setItems = (dict: PickleValue, items: PickleValue[]) => {
    if (!(dict instanceof Map)) fail(`SETITEM(S) on ${describePickleValue(dict)}: only dicts take items`);
    if (items.length % 2 !== 0) fail('SETITEMS has an odd number of items');
    for (let i = 0; i < items.length; i += 2) dict.set(items[i], items[i + 1]);
  };
  const appendItems = (list: PickleValue, items: PickleValue[]) => {
    if (!Array.isArray(list) || isPyTuple(list)) fail(`APPEND(S) on ${describePickleValue(list)}: only lists take items`);
    for (const it of items) (list as PickleValue[]).push(it);
  };
  const persistent = (pid: PickleValue): PickleValue => {
    if (!options.persistentLoad) fail('pickle refers to external objects (persistent ids), which this file type does not allow');
    return options.persistentLoad(pid);
  };
  const build = (obj: PickleValue, state: PickleValue) => {
    if (obj instanceof NdArray) setNdArrayState(obj, state);
    else if (obj instanceof NumpyDType) setDTypeState(obj, state);
    else if (obj instanceof Map) {
      // An OrderedDict's instance attributes (torch's `_metadata`) carry no tensor data: accepted, not kept.
      if (state !== null && !(state instanceof Map) && !isPyTuple(state)) fail(`BUILD on a dict with ${describePickleValue(state)} state`);
    } else fail(`BUILD on ${describePickleValue(obj)} is not allowed`);
  };

  for (;;) {
    if (r.pos >= bytes.byteLength) fail('pickle is truncated: it ends without STOP');
    const at = r.pos;
    const op = bytes[r.pos++];
    switch (op) {
      case 0x80: {
        // PROTO
        const proto = r.u8();
        if (proto > 5) fail(`pickle protocol ${proto} is not supported (0–5)`);
        break;
      }
      case 0x95: {
        // FRAME: only a read-ahead hint
        const len = r.u64();
        r.need(len, 'FRAME');
        break;
      }
      case 0x2e: // STOP
        return pop();
      case 0x28: // MARK
        metastack.push(stack);
        stack = [];
        break;
      case 0x30: // POP
        if (stack.length > 0) stack.pop();
        else popMark();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        push(top());
        break;

      // --- constants and numbers
      case 0x4e: // NONE
        push(null);
        break;
      case 0x88: // NEWTRUE
        push(true);
        break;
      case 0x89: // NEWFALSE
        push(false);
        break;
      case 0x4a: // BININT
        push(r.i32());
        break;
      case 0x4b: // BININT1
        push(r.u8());
        break;
      case 0x4d: // BININT2
        push(r.u16());
        break;
      case 0x8a: // LONG1
        push(decodeLong(r.take(r.u8(), 'LONG1')));
        break;
      case 0x8b: // LONG4
        push(decodeLong(r.take(r.i32(), 'LONG4')));
        break;
      case 0x49: {
        // INT (protocol 0): "I01" / "I00" are True / False
        const text = r.line('INT');
        push(text === '01' ? true : text === '00' ? false : parseIntText(text, 'INT'));
        break;
      }
      case 0x4c: // LONG (protocol 0)
        push(parseIntText(r.line('LONG'), 'LONG'));
        break;
      case 0x46: {
        // FLOAT (protocol 0)
        // Python's repr: digits, or inf / -inf / nan.
        const text = r.line('FLOAT');
        let v: number;
        if (/^[+-]?inf$/i.test(text)) v = text.startsWith('-') ? -Infinity : Infinity;
        else if (/^[+-]?nan$/i.test(text)) v = NaN;
        else {
          v = Number(text);
          if (text.trim() === '' || Number.isNaN(v)) fail(`pickle FLOAT "${text}" is not a number`);
        }
        push(float(v));
        break;
      }
      case 0x47: // BINFLOAT
        push(float(r.f64be()));
        break;

      // --- strings and bytes
      case 0x58: // BINUNICODE
        push(utf8.decode(r.take(r.u32(), 'BINUNICODE')));
        break;
      case 0x8c: // SHORT_BINUNICODE
        push(utf8.decode(r.take(r.u8(), 'SHORT_BINUNICODE')));
        break;
      case 0x8d: // BINUNICODE8
        push(utf8.decode(r.take(r.u64(), 'BINUNICODE8')));
        break;
      case 0x56: // UNICODE (protocol 0)
        push(parseRawUnicode(r.line('UNICODE')));
        break;
      case 0x53: // STRING (protocol 0)
        push(parseQuoted(r.line('STRING')));
        break;
      case 0x54: // BINSTRING (Python 2 str): kept as a latin-1 string
        push(latin1(r.take(r.i32(), 'BINSTRING')));
        break;
      case 0x55: // SHORT_BINSTRING
        push(latin1(r.take(r.u8(), 'SHORT_BINSTRING')));
        break;
      case 0x42: // BINBYTES
        push(r.take(r.u32(), 'BINBYTES'));
        break;
      case 0x43: // SHORT_BINBYTES
        push(r.take(r.u8(), 'SHORT_BINBYTES'));
        break;
      case 0x8e: // BINBYTES8
        push(r.take(r.u64(), 'BINBYTES8'));
        break;
      case 0x96: // BYTEARRAY8
        push(new Uint8Array(r.take(r.u64(), 'BYTEARRAY8')));
        break;
      case 0x97: // NEXT_BUFFER
        fail('pickle uses out-of-band buffers (NEXT_BUFFER), which are not supported');
      case 0x98: // READONLY_BUFFER: read-only-ness does not matter here
        top();
        break;

      // --- containers
      case 0x29: // EMPTY_TUPLE
        push(pyTuple([]));
        break;
      case 0x85: // TUPLE1
        push(pyTuple([pop()]));
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        const a = pop();
        push(pyTuple([a, b]));
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        const a = pop();
        push(pyTuple([a, b, c]));
        break;
      }
      case 0x74: // TUPLE
        push(pyTuple(popMark()));
        break;
      case 0x5d: // EMPTY_LIST
        push([]);
        break;
      case 0x6c: // LIST
        push(popMark());
        break;
      case 0x61: {
        // APPEND
        const v = pop();
        appendItems(top(), [v]);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        appendItems(top(), items);
        break;
      }
      case 0x7d: // EMPTY_DICT
        push(new Map());
        break;
      case 0x64: {
        // DICT
        const items = popMark();
        const d = new Map<PickleValue, PickleValue>();
        setItems(d, items);
        push(d);
        break;
      }
      case 0x73: {
        // SETITEM
        const v = pop();
        const k = pop();
        setItems(top(), [k, v]);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        setItems(top(), items);
        break;
      }
      case 0x8f: // EMPTY_SET
        push(new Set());
        break;
      case 0x90: {
        // ADDITEMS
        const items = popMark();
        const s = top();
        if (!(s instanceof Set)) fail(`ADDITEMS on ${describePickleValue(s)}`);
        for (const it of items) s.add(it);
        break;
      }
      case 0x91: // FROZENSET
        push(new Set(popMark()));
        break;

      // --- memo
      case 0x70: // PUT (protocol 0)
        memo.set(Number(parseIntText(r.line('PUT'), 'PUT')), top());
        break;
      case 0x71: // BINPUT
        memo.set(r.u8(), top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(r.u32(), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x67: // GET (protocol 0)
        push(memoGet(Number(parseIntText(r.line('GET'), 'GET'))));
        break;
      case 0x68: // BINGET
        push(memoGet(r.u8()));
        break;
      case 0x6a: // LONG_BINGET
        push(memoGet(r.u32()));
        break;

      // --- globals and calls (all checked against the allow-list)
      case 0x63: {
        // GLOBAL "module\nname\n"
        const module = r.line('GLOBAL module');
        const name = r.line('GLOBAL name');
        push(resolveGlobal(module, name));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') fail('STACK_GLOBAL needs two strings');
        push(resolveGlobal(module, name));
        break;
      }
      case 0x69: {
        // INST "module\nname\n" with args from the mark (protocol 0)
        const module = r.line('INST module');
        const name = r.line('INST name');
        const cls = resolveGlobal(module, name);
        push(callGlobal(cls, popMark(), 'INST'));
        break;
      }
      case 0x6f: {
        // OBJ: class and args from the mark (protocol 1)
        const items = popMark();
        if (items.length === 0) fail('OBJ without a class');
        push(callGlobal(items[0], items.slice(1), 'OBJ'));
        break;
      }
      case 0x52: {
        // REDUCE
        const args = pop();
        const callable = pop();
        push(callGlobal(callable, args, 'REDUCE'));
        break;
      }
      case 0x81: {
        // NEWOBJ: cls.__new__(cls, *args); only allow-listed classes, built by their constructor
        const args = pop();
        const cls = pop();
        push(callGlobal(cls, args, 'NEWOBJ'));
        break;
      }
      case 0x92: {
        // NEWOBJ_EX
        const kwargs = pop();
        const args = pop();
        const cls = pop();
        if (!(kwargs instanceof Map) || kwargs.size > 0) fail('NEWOBJ_EX with keyword arguments is not supported');
        push(callGlobal(cls, args, 'NEWOBJ_EX'));
        break;
      }
      case 0x62: {
        // BUILD
        const state = pop();
        build(top(), state);
        break;
      }
      case 0x51: // BINPERSID
        push(persistent(pop()));
        break;
      case 0x50: // PERSID (protocol 0)
        push(persistent(r.line('PERSID')));
        break;
      case 0x82:
      case 0x83:
      case 0x84:
        fail('pickle uses the copyreg extension registry (EXT1/EXT2/EXT4), which is not allowed');
      default:
        fail(`pickle has unknown opcode 0x${op.toString(16).padStart(2, '0')} at offset ${at}`);
    }
  }
}
