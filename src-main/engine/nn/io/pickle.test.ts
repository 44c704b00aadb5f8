import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { unpickle, UnpicklingError } from './pickle.js';
import { isPyTuple, NdArray, PyFloat, type PickleValue } from './pickle-values.js';

const testdata = path.join(path.dirname(fileURLToPath(import.meta.url)), 'testdata');

/** Assemble a pickle from opcode bytes and latin-1 text pieces. */
function asm(...parts: (number | string | number[])[]): Uint8Array {
  const out: number[] = [];
  for (const p of parts) {
    if (typeof p === 'number') out.push(p);
    else if (typeof p === 'string') for (const ch of p) out.push(ch.charCodeAt(0));
    else out.push(...p);
  }
  return Uint8Array.from(out);
}
const u32 = (n: number) => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
const binunicode = (s: string) => {
  const b = new TextEncoder().encode(s);
  return [0x58, ...u32(b.length), ...b];
};
const shortBinunicode = (s: string) => {
  const b = new TextEncoder().encode(s);
  return [0x8c, b.length, ...b];
};

function get(v: PickleValue, key: PickleValue): PickleValue {
  expect(v).toBeInstanceOf(Map);
  return (v as Map<PickleValue, PickleValue>).get(key) as PickleValue;
}

describe('unpickle: CPython-written samples at every protocol', () => {
  // testdata/sample-p<N>.pkl were written by CPython 3.11 from the object in testdata/make-pickles.py.
  it.each([0, 1, 2, 3, 4, 5])('protocol %i gives back the original object', (proto) => {
    const v = unpickle(readFileSync(path.join(testdata, `sample-p${proto}.pkl`)));
    expect(v).toBeInstanceOf(Map);
    expect(get(v, 'ints')).toEqual([0, 255, 256, 65535, 65536, -1, -(2 ** 31), 2 ** 31 - 1, 2 ** 31, -(2 ** 31) - 1, 2n ** 63n, -(2n ** 70n), 2n ** 100n]);
    expect(get(v, 'floats')).toEqual([0.5, -1e300, Infinity]);
    expect(get(v, 'text')).toBe('héllo ˈaɪ \u2603 \u{1F600}');
    expect(get(v, 'bytes')).toEqual(Uint8Array.from([0, 1, 0xfe, 0xff, 0, 1, 0xfe, 0xff, 0, 1, 0xfe, 0xff]));
    expect(get(v, 'bytearray')).toEqual(Uint8Array.from([0x61, 0x62]));
    const flags = get(v, 'flags');
    expect(isPyTuple(flags)).toBe(true);
    expect(flags).toEqual([true, false, null]);
    expect(get(v, 'tuples')).toEqual([[], [1], [1, 2], [1, 2, 3], [1, 2, 3, 4]]);
    expect((get(v, 'tuples') as PickleValue[]).every((t) => isPyTuple(t))).toBe(true);
    const shared = get(v, 'shared') as PickleValue[];
    expect(shared[0]).toEqual([1, 2]);
    expect(shared[0]).toBe(shared[1]); // memo: the same list twice
    expect(isPyTuple(shared[0])).toBe(false);
    expect([...(get(v, 'od') as Map<PickleValue, PickleValue>).entries()]).toEqual([
      ['z', 1],
      ['a', 2],
    ]);
    expect(get(v, 'set')).toEqual(new Set([7]));
    expect(get(v, 'frozen')).toEqual(new Set([8]));
    expect(get(v, 'many')).toEqual(Array.from({ length: 300 }, (_, i) => `s${i}`));
    expect(get(v, 3)).toBe('int key');
  });
});

describe('unpickle: refuses what it must not run, naming it', () => {
  const cases: [string, Uint8Array, string][] = [
    ['os.system via GLOBAL', asm(0x80, 2, 'cos\nsystem\n', binunicode('ls'), 0x85, 'R.'), 'os.system'],
    ['posix.system via GLOBAL (what CPython writes for os.system)', asm('cposix\nsystem\n', binunicode('id'), 0x85, 'R.'), 'posix.system'],
    [
      'os.system via STACK_GLOBAL',
      asm(0x80, 4, shortBinunicode('os'), 0x94, shortBinunicode('system'), 0x94, 0x93, shortBinunicode('ls'), 0x85, 'R.'),
      'os.system',
    ],
    ['builtins.eval', asm(0x80, 3, 'cbuiltins\neval\n', binunicode('1+1'), 0x85, 'R.'), 'builtins.eval'],
    ['builtins.getattr', asm(0x80, 3, 'cbuiltins\ngetattr\n.'), 'builtins.getattr'],
    [
      'subprocess.Popen via STACK_GLOBAL with memoized names',
      asm(0x80, 4, shortBinunicode('subprocess'), 0x94, 0x68, 0, shortBinunicode('Popen'), 0x93, ']', shortBinunicode('sh'), 'a', 0x85, 'R.'),
      'subprocess.Popen',
    ],
    ['os.system via INST (protocol 0)', asm('(', "S'ls'\n", 'ios\nsystem\n', '.'), 'os.system'],
    ['a numpy function that is not a constructor', asm(0x80, 2, 'cnumpy\nload\n.'), 'numpy.load'],
    ['torch.load', asm(0x80, 2, 'ctorch\nload\n.'), 'torch.load'],
  ];

  it.each(cases)('%s', (_what, bytes, name) => {
    expect(() => unpickle(bytes)).toThrow(new UnpicklingError(`pickle refers to ${name}, which is not allowed`));
  });

  it('stops at the forbidden global: nothing after it is even read', () => {
    // Garbage follows the GLOBAL; the error must still be the global, not the garbage.
    expect(() => unpickle(asm(0x80, 2, 'cos\nsystem\n', 0xff, 0xff))).toThrow(/pickle refers to os\.system, which is not allowed/);
  });

  it.each([
    ['EXT1 (copyreg extension registry)', asm(0x80, 2, 0x82, 1, '.'), /extension registry/],
    ['NEXT_BUFFER (out-of-band data)', asm(0x80, 5, 0x97, '.'), /out-of-band buffers/],
    ['persistent ids where none are expected', asm(0x80, 2, binunicode('x'), 'Q.'), /persistent ids/],
    ['REDUCE on a string', asm(0x80, 2, binunicode('x'), ')R.'), /REDUCE on str: only allowed constructors/],
    ['calling an allow-listed class that is data only', asm(0x80, 2, 'cnumpy\nndarray\n)R.'), /numpy\.ndarray cannot be called/],
    ['BUILD on a list', asm(0x80, 2, ']', '}', 'b.'), /BUILD on list is not allowed/],
    ['SETITEM on a list', asm(0x80, 2, ']', 'K', 1, 'K', 2, 's.'), /SETITEM\(S\) on list/],
    ['APPEND on a tuple', asm(0x80, 2, ')', 'K', 1, 'a.'), /APPEND\(S\) on tuple/],
    ['a memo miss', asm(0x80, 2, 'h', 5, '.'), /memo has no entry 5/],
    ['protocol 6', asm(0x80, 6, 'N.'), /protocol 6 is not supported/],
    ['an unknown opcode', asm(0x80, 2, 0xfe, '.'), /unknown opcode 0xfe at offset 2/],
    ['a missing STOP', asm(0x80, 2, 'N'), /ends without STOP/],
    ['a truncated string', asm(0x80, 3, 0x58, ...u32(100), 'abc'), /truncated: BINUNICODE needs 100 bytes/],
    ['a truncated BINBYTES8 length', asm(0x80, 4, 0x8e, 1, 2), /truncated/],
    ['stack underflow', asm(0x80, 2, 't.'), /no MARK to match/],
    ['NEWOBJ_EX with kwargs', asm(0x80, 4, 'ccollections\nOrderedDict\n)', '}', binunicode('k'), 'N', 's', 0x92, '.'), /keyword arguments/],
  ] as [string, Uint8Array, RegExp][])('rejects %s', (_what, bytes, message) => {
    expect(() => unpickle(bytes)).toThrow(message);
  });
});

describe('unpickle: hand-assembled opcodes', () => {
  it('protocol 2: bytes through _codecs.encode, LONG1, BINFLOAT, LONG_BINPUT/LONG_BINGET', () => {
    const bytes = asm(
      0x80, 2,
      ']', // EMPTY_LIST
      '(',
      'c_codecs\nencode\n', binunicode('\u00ff\u0001'), binunicode('latin1'), 0x86, 'R',
      0x8a, 2, 0x00, 0x80, // LONG1 -32768
      0x8a, 0, // LONG1 0
      'G', 0x3f, 0xf8, 0, 0, 0, 0, 0, 0, // BINFLOAT 1.5 (big-endian)
      'N', 0x88, 0x89,
      'r', ...u32(1000), // LONG_BINPUT 1000
      'j', ...u32(1000), // LONG_BINGET 1000
      'e', // APPENDS
      '.',
    );
    expect(unpickle(bytes)).toEqual([Uint8Array.from([0xff, 1]), -32768, 0, 1.5, null, true, false, false]);
  });

  it('protocol 4: FRAME, MEMOIZE, STACK_GLOBAL of OrderedDict via NEWOBJ, BINUNICODE8, BINBYTES8, EMPTY_SET/ADDITEMS', () => {
    const body = asm(
      shortBinunicode('collections'), 0x94, shortBinunicode('OrderedDict'), 0x94, 0x93, 0x94, ')', 0x81, 0x94,
      '(',
      shortBinunicode('k'), 0x8d, 2, 0, 0, 0, 0, 0, 0, 0, 'hi',
      shortBinunicode('b'), 0x8e, 3, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3,
      shortBinunicode('s'), 0x8f, '(', 'K', 4, 'K', 5, 0x90,
      'u', '.',
    );
    const bytes = asm(0x80, 4, 0x95, ...u32(body.length), 0, 0, 0, 0, [...body]);
    const v = unpickle(bytes) as Map<PickleValue, PickleValue>;
    expect([...v.keys()]).toEqual(['k', 'b', 's']);
    expect(v.get('k')).toBe('hi');
    expect(v.get('b')).toEqual(Uint8Array.from([1, 2, 3]));
    expect(v.get('s')).toEqual(new Set([4, 5]));
  });

  it('protocol 5: BYTEARRAY8 and READONLY_BUFFER', () => {
    const bytes = asm(0x80, 5, 0x96, 2, 0, 0, 0, 0, 0, 0, 0, 9, 8, 0x98, '.');
    expect(unpickle(bytes)).toEqual(Uint8Array.from([9, 8]));
  });

  it('protocol 0/1 text opcodes: INT, LONG, FLOAT, STRING, UNICODE, DICT, LIST, TUPLE, PUT/GET, POP, DUP', () => {
    const bytes = asm(
      '(',
      "S'a\\n\\x41'\n", 'I42\n', 'I01\n', 'L-12345678901234567890L\n', 'F-0.25\n', 'Vsnow \\u2603\n',
      'p7\n', 'g7\n', 'N0', 'K', 9, '2', 'K', 10,
      'd',
      '.',
    );
    const v = unpickle(bytes) as Map<PickleValue, PickleValue>;
    expect([...v.entries()]).toEqual([
      ['a\nA', 42],
      [true, -12345678901234567890n],
      [-0.25, 'snow \u2603'],
      ['snow \u2603', 9],
      [9, 10],
    ]);
  });

  it('keeps floats apart from ints when asked', () => {
    const bytes = asm(0x80, 2, 'G', 0x40, 0x08, 0, 0, 0, 0, 0, 0, '.');
    expect(unpickle(bytes)).toBe(3);
    expect(unpickle(bytes, { wrapFloats: true })).toEqual(new PyFloat(3));
  });

  it('a "__proto__" dict key is plain data', () => {
    const v = unpickle(asm(0x80, 2, '}', binunicode('__proto__'), binunicode('x'), 's.')) as Map<PickleValue, PickleValue>;
    expect(v.get('__proto__')).toBe('x');
    expect(Object.getPrototypeOf({})).toBe(Object.prototype);
  });

  it('rebuilds numpy arrays and scalars written by numpy 2 (protocol 4, numpy._core)', () => {
    // testdata/numpy2-object.npy: see make-numpy2-object.py. Header is 128 bytes; the rest is the pickle.
    const bytes = readFileSync(path.join(testdata, 'numpy2-object.npy')).subarray(128);
    const arr = unpickle(bytes) as NdArray;
    expect(arr).toBeInstanceOf(NdArray);
    expect(arr.shape).toEqual([]);
    const dict = arr.objects![0] as Map<PickleValue, PickleValue>;
    const codes = dict.get('codes') as NdArray;
    expect(codes.tensor).toMatchObject({ dtype: 'uint16', shape: [1, 2, 3] });
    expect([...codes.tensor!.data]).toEqual([0, 1, 2, 3, 4, 5]);
    const meta = dict.get('metadata') as Map<PickleValue, PickleValue>;
    expect(meta.get('sample_rate')).toBe(24000);
    expect(meta.get('x')).toBe(1.5);
    expect(meta.get('flag')).toBe(true);
    expect(meta.get('big')).toBe(2n ** 70n);
    expect([...(meta.get('arr') as NdArray).tensor!.data]).toEqual([1.5, -2]);
    // Fortran-ordered [[1, 2], [3, 4]] comes back in C order.
    const f8 = (meta.get('f8') as NdArray).tensor!;
    expect(f8.shape).toEqual([2, 2]);
    expect([...f8.data]).toEqual([1, 2, 3, 4]);
    // Big-endian int32 is byte-swapped.
    expect([...(meta.get('be') as NdArray).tensor!.data]).toEqual([1, 258]);
    expect(meta.get('scalar')).toBe(0.25);
    expect(meta.get('nested')).toEqual([1, [2, 'two']]);
    expect(meta.get('none')).toBeNull();
    expect(meta.get('bytes')).toEqual(Uint8Array.from([0, 255]));
  });
});
