import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostTensor, type HostTensor } from './host-tensor.js';
import { encodeNpy, readNpy, readNpyFile, writeNpy } from './npy.js';
import { NdArray, type PickleValue } from './pickle-values.js';

const testdata = path.join(path.dirname(fileURLToPath(import.meta.url)), 'testdata');

/** A .npy file assembled by hand: magic, version, header length, header text (padded by the caller), data. */
function npy(major: number, header: string, data: number[] | Uint8Array): Uint8Array {
  const text = new TextEncoder().encode(header);
  const lenBytes = major === 1 ? 2 : 4;
  const out = new Uint8Array(8 + lenBytes + text.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0]);
  const view = new DataView(out.buffer);
  if (major === 1) view.setUint16(8, text.length, true);
  else view.setUint32(8, text.length, true);
  out.set(text, 8 + lenBytes);
  out.set(data, 8 + lenBytes + text.length);
  return out;
}
const bytesOf = (a: ArrayBufferView) => [...new Uint8Array(a.buffer, a.byteOffset, a.byteLength)];

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'nn-npy-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('encodeNpy', () => {
  // Header lines as printed by np.save (numpy 1.24 and 2.4 agree) for the same arrays.
  it.each([
    ['uint16', [1, 8, 310], "{'descr': '<u2', 'fortran_order': False, 'shape': (1, 8, 310), }"],
    ['float32', [3], "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }"],
    ['int64', [], "{'descr': '<i8', 'fortran_order': False, 'shape': (), }"],
    ['bool', [0], "{'descr': '|b1', 'fortran_order': False, 'shape': (0,), }"],
  ] as const)('writes the header numpy writes for %s %j', (dtype, shape, header) => {
    const n = shape.reduce((a: number, b: number) => a * b, 1);
    const t = { dtype, shape: [...shape], data: new (({ uint16: Uint16Array, float32: Float32Array, int64: BigInt64Array, bool: Uint8Array }) as const)[dtype](n) } as HostTensor;
    const bytes = encodeNpy(t);
    const expectedHeader = `\x93NUMPY\x01\x00v\x00${header}`.padEnd(127, ' ') + '\n';
    expect(new TextDecoder('latin1').decode(bytes.subarray(0, 128))).toBe(expectedHeader);
    expect(bytes.byteLength).toBe(128 + t.data.byteLength);
  });

  it('pads a long header to 64 bytes and keeps numpy growth space', () => {
    const shape = [1000, ...new Array<number>(30).fill(1)];
    const bytes = encodeNpy({ dtype: 'uint8', shape, data: new Uint8Array(shape.reduce((a, b) => a * b, 1)) });
    const len = bytes[8] | (bytes[9] << 8);
    expect((10 + len) % 64).toBe(0);
    const header = new TextDecoder('latin1').decode(bytes.subarray(10, 10 + len));
    expect(header).toMatch(/^\{'descr': '\|u1', 'fortran_order': False, 'shape': \(1000, 1, .*, 1\), \} {18,}\n$/);
  });

  it('refuses bfloat16, which numpy has no dtype for', () => {
    expect(() => encodeNpy(hostTensor('bfloat16', [1], new Uint16Array(1)))).toThrow(/bfloat16 has no numpy dtype/);
  });
});

describe('readNpy', () => {
  it('round-trips every numpy-representable dtype through a file', async () => {
    const tensors: HostTensor[] = [
      hostTensor('float64', [2], Float64Array.from([Math.PI, -0])),
      hostTensor('float32', [2, 2], Float32Array.from([1, 2, 3, 4])),
      hostTensor('float16', [1], Uint16Array.from([0x3c00])),
      hostTensor('int64', [1], BigInt64Array.from([-(2n ** 62n)])),
      hostTensor('int32', [1], Int32Array.from([-7])),
      hostTensor('int16', [1], Int16Array.from([-300])),
      hostTensor('int8', [1], Int8Array.from([-128])),
      hostTensor('uint64', [1], BigUint64Array.from([2n ** 64n - 1n])),
      hostTensor('uint32', [1], Uint32Array.from([2 ** 32 - 1])),
      hostTensor('uint16', [3], Uint16Array.from([0, 1023, 65535])),
      hostTensor('uint8', [0, 4], new Uint8Array(0)),
      hostTensor('bool', [2], Uint8Array.from([1, 0])),
    ];
    for (const t of tensors) {
      const file = path.join(dir, `${t.dtype}.npy`);
      await writeNpy(file, t);
      const back = await readNpyFile(file);
      expect(back.tensor?.dtype).toBe(t.dtype);
      expect(back.shape).toEqual(t.shape);
      expect([...back.tensor!.data]).toEqual([...t.data]);
      expect(new Uint8Array(await readFile(file))).toEqual(encodeNpy(t));
    }
  });

  it('reads format 2.0 and 3.0 headers', () => {
    const data = bytesOf(Int32Array.from([5, -6]));
    const v2 = readNpy(npy(2, "{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }\n", data));
    expect([...v2.tensor!.data]).toEqual([5, -6]);
    const v3 = readNpy(npy(3, "{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }    \n", data));
    expect([...v3.tensor!.data]).toEqual([5, -6]);
  });

  it('reorders Fortran-order data and byte-swaps big-endian data', () => {
    // [[1, 2, 3], [4, 5, 6]] stored column-major: 1 4 2 5 3 6.
    const f = readNpy(npy(1, "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }\n", bytesOf(Float64Array.from([1, 4, 2, 5, 3, 6]))));
    expect(f.shape).toEqual([2, 3]);
    expect([...f.tensor!.data]).toEqual([1, 2, 3, 4, 5, 6]);
    const be = readNpy(npy(1, "{'descr': '>u2', 'fortran_order': False, 'shape': (2,), }\n", [0x01, 0x02, 0xff, 0x00]));
    expect([...be.tensor!.data]).toEqual([0x0102, 0xff00]);
  });

  it('reads an object array written by numpy 2 through the restricted unpickler', () => {
    const arr = readNpy(readFileSync(path.join(testdata, 'numpy2-object.npy')));
    expect(arr.dtype.descr).toBe('|O');
    const dict = arr.objects![0] as Map<PickleValue, PickleValue>;
    expect([...dict.keys()]).toEqual(['codes', 'metadata']);
    expect([...(dict.get('codes') as NdArray).tensor!.data]).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('refuses an object array whose pickle calls something not allowed', () => {
    // {'descr': '|O'} followed by a pickle of os.system('ls').
    const evil = npy(1, "{'descr': '|O', 'fortran_order': False, 'shape': (), }\n", [
      0x80, 2, ...new TextEncoder().encode('cos\nsystem\nX\x02\x00\x00\x00ls\x85R.'),
    ]);
    expect(() => readNpy(evil)).toThrow(/pickle refers to os\.system, which is not allowed/);
  });

  it.each([
    ['bad magic', new Uint8Array([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x58, 1, 0, 0, 0]), /not a \.npy file/],
    ['unknown version', npy(1, '{}', []).map((b, i) => (i === 6 ? 4 : b)), /format version 4\.0 is not supported/],
    ['truncated header', npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }\n", []).subarray(0, 30), /truncated: header needs/],
    ['truncated data', npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }\n", [0, 0, 0, 0]), /truncated: <f4 \[2\] needs 8 bytes of data, 4 present/],
    ['structured dtype', npy(1, "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }\n", [0, 0, 0, 0]), /structured dtypes are not/],
    ['complex dtype', npy(1, "{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }\n", new Array(8).fill(0)), /numpy dtype "<c8" is not supported/],
    ['header that is not a dict', npy(1, "['descr']\n", []), /header is not a dict/],
    ['header with code in it', npy(1, "{'descr': __import__('os'), }\n", []), /unexpected token/],
    ['missing shape', npy(1, "{'descr': '<f4', 'fortran_order': False, }\n", []), /lacks a shape/],
  ] as [string, Uint8Array, RegExp][])('rejects %s', (_what, bytes, message) => {
    expect(() => readNpy(bytes)).toThrow(message);
  });
});
