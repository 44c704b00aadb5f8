import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { strToU8, unzipSync, zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bf16ToF32, f16ToF32 } from './half.js';
import { hostTensor, type HostTensor } from './host-tensor.js';
import type { PickleValue } from './pickle-values.js';
import {
  encodeTorchArchive,
  encodeTorchCheckpoint,
  readTorchCheckpoint,
  readTorchCheckpointFile,
  tensorReduce,
  writeTorchCheckpoint,
} from './torch-zip.js';

const testdata = path.join(path.dirname(fileURLToPath(import.meta.url)), 'testdata');
const values = (t: HostTensor) =>
  Array.from(t.data as ArrayLike<number | bigint>, (v) => (t.dtype === 'float16' ? f16ToF32(v as number) : t.dtype === 'bfloat16' ? bf16ToF32(v as number) : v));

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'nn-pth-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('readTorchCheckpoint on a file written by PyTorch 1.13', () => {
  // testdata/torch113-checkpoint.pth comes from testdata/make-torch113-checkpoint.py; expectations follow that script.
  const ck = readTorchCheckpoint(readFileSync(path.join(testdata, 'torch113-checkpoint.pth')));

  it('finds the archive folder and the plain values', () => {
    expect(ck.archiveName).toBe('torch113-checkpoint');
    const root = ck.root as Map<PickleValue, PickleValue>;
    expect(root.get('step')).toBe(3);
    expect(root.get('lr')).toBe(0.5);
    expect(root.get('name')).toBe('x');
  });

  it('rebuilds contiguous tensors, views with offsets and transposed (non-contiguous) views', () => {
    const t = ck.tensors;
    expect(t.get('model.w')).toMatchObject({ dtype: 'float32', shape: [3, 4] });
    expect(values(t.get('model.w')!)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(t.get('model.wt')!.shape).toEqual([4, 3]);
    expect(values(t.get('model.wt')!)).toEqual([0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11]);
    expect(values(t.get('model.row')!)).toEqual([4, 5, 6, 7]);
    expect(t.get('model.s')).toMatchObject({ dtype: 'int32', shape: [] });
    expect(values(t.get('model.s')!)).toEqual([7]);
  });

  it('keeps each dtype: float16, bfloat16, int64, bool, and Parameters as tensors', () => {
    const t = ck.tensors;
    expect(t.get('model.h')!.dtype).toBe('float16');
    expect(values(t.get('model.h')!)).toEqual([1, -2, 65504]);
    expect(t.get('model.b')!.dtype).toBe('bfloat16');
    expect(values(t.get('model.b')!)).toEqual([1, -3]);
    expect(values(t.get('model.i')!)).toEqual([-5n, 2n ** 40n]);
    expect(t.get('model.m')).toMatchObject({ dtype: 'bool', shape: [2] });
    expect(values(t.get('model.m')!)).toEqual([1, 0]);
    expect(values(t.get('model.p')!)).toEqual([1, 1, 1, 1]);
  });

  it('reads a module state_dict (OrderedDict with _metadata)', () => {
    expect(values(ck.tensors.get('linear.weight')!)).toEqual([0.5, -1, 2, 3, 0.25, -0.125]);
    expect(ck.tensors.get('linear.weight')!.shape).toEqual([2, 3]);
    expect(values(ck.tensors.get('linear.bias')!)).toEqual([1.5, -2.5]);
  });
});

describe('encodeTorchCheckpoint / writeTorchCheckpoint', () => {
  const sd = new Map<string, HostTensor>([
    ['enc.weight', hostTensor('float32', [2, 3], Float32Array.from([1, 2, 3, 4, 5, 6]))],
    ['enc.bias', hostTensor('float16', [3], Uint16Array.from([0x3c00, 0xc000, 0x0001]))],
    ['emb', hostTensor('bfloat16', [2], Uint16Array.from([0x3f80, 0x4040]))],
    ['steps', hostTensor('int64', [], BigInt64Array.from([9n]))],
    ['mask', hostTensor('bool', [3], Uint8Array.from([0, 1, 1]))],
  ]);

  it('writes the real layout: <folder>/data.pkl, data/<n>, version, byteorder, stored entries', () => {
    const bytes = encodeTorchCheckpoint(sd, { archiveName: 'my_model' });
    const files = unzipSync(bytes);
    expect(Object.keys(files).sort()).toEqual(
      ['my_model/byteorder', 'my_model/data.pkl', 'my_model/data/0', 'my_model/data/1', 'my_model/data/2', 'my_model/data/3', 'my_model/data/4', 'my_model/version'].sort(),
    );
    expect(new TextDecoder().decode(files['my_model/version'])).toBe('3\n');
    expect(new TextDecoder().decode(files['my_model/byteorder'])).toBe('little');
    expect(files['my_model/data/0']).toEqual(new Uint8Array(Float32Array.from([1, 2, 3, 4, 5, 6]).buffer));
    // Protocol 2 pickle naming the same globals torch.save uses.
    const pkl = new TextDecoder('latin1').decode(files['my_model/data.pkl']);
    expect(pkl.startsWith('\x80\x02')).toBe(true);
    expect(pkl).toContain('ccollections\nOrderedDict\n');
    expect(pkl).toContain('ctorch._utils\n_rebuild_tensor_v2\n');
    expect(pkl).toContain('ctorch\nHalfStorage\n');
    expect(pkl).toContain('ctorch\nBFloat16Storage\n');
    // Local file header compression method 0 (stored) for the first entry.
    expect(bytes[8] | (bytes[9] << 8)).toBe(0);
  });

  it('round-trips through a file, in order, with dtypes and shapes', async () => {
    const file = path.join(dir, 'sd.pth');
    await writeTorchCheckpoint(file, sd);
    const back = await readTorchCheckpointFile(file);
    expect(back.archiveName).toBe('archive');
    expect([...back.tensors.keys()]).toEqual([...sd.keys()]);
    for (const [name, t] of sd) {
      const got = back.tensors.get(name)!;
      expect(got.dtype).toBe(t.dtype);
      expect(got.shape).toEqual(t.shape);
      expect([...got.data]).toEqual([...t.data]);
    }
  });

  it('rebuilds views that share one storage: offsets and strides', () => {
    const storage = { dtype: 'float32' as const, bytes: new Uint8Array(Float32Array.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]).buffer) };
    const root = new Map<unknown, unknown>([
      ['w', tensorReduce('0', storage, 0, [3, 4], [4, 1])],
      ['wt', tensorReduce('0', storage, 0, [4, 3], [1, 4])],
      ['col2', tensorReduce('0', storage, 2, [3], [4])],
      ['tail', tensorReduce('0', storage, 10, [2], [1])],
      ['bcast', tensorReduce('0', storage, 5, [2, 3], [0, 1])],
    ]);
    const ck = readTorchCheckpoint(encodeTorchArchive(root, new Map([['0', storage]])));
    expect(values(ck.tensors.get('wt')!)).toEqual([0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11]);
    expect(values(ck.tensors.get('col2')!)).toEqual([2, 6, 10]);
    expect(values(ck.tensors.get('tail')!)).toEqual([10, 11]);
    expect(values(ck.tensors.get('bcast')!)).toEqual([5, 6, 7, 5, 6, 7]);
  });

  it('byte-swaps storages of a big-endian checkpoint', () => {
    const files = unzipSync(encodeTorchCheckpoint({ x: hostTensor('int32', [2], Int32Array.from([0, 0])) }));
    files['archive/byteorder'] = strToU8('big');
    files['archive/data/0'] = Uint8Array.from([0, 0, 0, 1, 0, 0, 1, 2]);
    expect(values(readTorchCheckpoint(zipSync(files, { level: 0 })).tensors.get('x')!)).toEqual([1, 258]);
  });
});

describe('readTorchCheckpoint failures', () => {
  const goodFiles = () => unzipSync(encodeTorchCheckpoint({ x: hostTensor('float32', [2], Float32Array.from([1, 2])) }));

  it('refuses a data.pkl that calls os.system, naming it', () => {
    const files = goodFiles();
    files['archive/data.pkl'] = Uint8Array.from([0x80, 2, ...strToU8('cos\nsystem\nX\x02\x00\x00\x00ls\x85R.')]);
    expect(() => readTorchCheckpoint(zipSync(files, { level: 0 }))).toThrow(/pickle refers to os\.system, which is not allowed/);
  });

  it('refuses a view that reaches past its storage', () => {
    const storage = { dtype: 'float32' as const, bytes: new Uint8Array(8) };
    const bytes = encodeTorchArchive(new Map([['x', tensorReduce('0', storage, 1, [2], [1])]]), new Map([['0', storage]]));
    expect(() => readTorchCheckpoint(bytes)).toThrow(/reaches element 2 of storage 0, which holds 2/);
  });

  it('names a missing storage entry', () => {
    const files = goodFiles();
    delete files['archive/data/0'];
    expect(() => readTorchCheckpoint(zipSync(files, { level: 0 }))).toThrow(/storage "0" but archive\/data\/0 is missing/);
  });

  it('refuses a storage class outside the allow-list (e.g. complex), naming it', () => {
    const files = goodFiles();
    // BINPERSID of ('storage', torch.ComplexFloatStorage, '0', 'cpu', 2).
    files['archive/data.pkl'] = Uint8Array.from([
      0x80, 2, ...strToU8('(X\x07\x00\x00\x00storagectorch\nComplexFloatStorage\nX\x01\x00\x00\x000X\x03\x00\x00\x00cpuK\x02tQ.'),
    ]);
    expect(() => readTorchCheckpoint(zipSync(files, { level: 0 }))).toThrow(/pickle refers to torch\.ComplexFloatStorage, which is not allowed/);
  });

  it.each([
    ['not a zip', strToU8('hello world'), /not a PyTorch checkpoint \(not a zip file\)/],
    ['a legacy torch.save file', Uint8Array.from([0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e]), /legacy torch\.save file/],
    ['a zip without data.pkl', zipSync({ 'a/readme.txt': strToU8('x') }), /no <folder>\/data\.pkl/],
  ] as [string, Uint8Array, RegExp][])('refuses %s', (_what, bytes, message) => {
    expect(() => readTorchCheckpoint(bytes)).toThrow(message);
  });

  it('names a truncated zip', () => {
    const bytes = encodeTorchCheckpoint({ x: hostTensor('float32', [2], Float32Array.from([1, 2])) });
    expect(() => readTorchCheckpoint(bytes.subarray(0, bytes.length - 30))).toThrow(/zip is corrupt or truncated/);
  });
});
