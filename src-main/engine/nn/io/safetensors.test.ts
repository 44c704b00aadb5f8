import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostTensor } from './host-tensor.js';
import { SafetensorsFile, encodeSafetensors, readSafetensors, writeSafetensors } from './safetensors.js';

/** Assemble a safetensors file the way the format spec describes, independently of the writer under test. */
function assemble(header: string, data: number[] | Uint8Array, pad = true): Uint8Array {
  let json = new TextEncoder().encode(header);
  if (pad && json.length % 8 !== 0) json = new TextEncoder().encode(header + ' '.repeat(8 - (json.length % 8)));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setUint32(0, json.length, true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

const le = {
  f32: (...v: number[]) => [...new Uint8Array(Float32Array.from(v).buffer)],
  i64: (...v: bigint[]) => [...new Uint8Array(BigInt64Array.from(v).buffer)],
  u16: (...v: number[]) => [...new Uint8Array(Uint16Array.from(v).buffer)],
};

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'nn-st-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('readSafetensors', () => {
  it('reads a hand-assembled file: values, dtypes, shapes, metadata', () => {
    const header =
      '{"__metadata__":{"format":"pt","note":"hi"},' +
      '"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},' +
      '"idx":{"dtype":"I64","shape":[2],"data_offsets":[16,32]},' +
      '"h":{"dtype":"F16","shape":[3],"data_offsets":[32,38]},' +
      '"b":{"dtype":"BF16","shape":[1],"data_offsets":[38,40]},' +
      '"m":{"dtype":"BOOL","shape":[2],"data_offsets":[40,42]},' +
      '"e":{"dtype":"I8","shape":[0,3],"data_offsets":[42,42]},' +
      '"s":{"dtype":"U8","shape":[],"data_offsets":[42,43]}}';
    const data = [...le.f32(1, 2, 3, 4), ...le.i64(-5n, 2n ** 40n), ...le.u16(0x3c00, 0xc000, 0x7c00), ...le.u16(0x3f80), 1, 0, 200];
    const { tensors, metadata } = readSafetensors(assemble(header, data));
    expect(metadata).toEqual({ format: 'pt', note: 'hi' });
    expect([...tensors.keys()]).toEqual(['w', 'idx', 'h', 'b', 'm', 'e', 's']);
    expect(tensors.get('w')).toMatchObject({ dtype: 'float32', shape: [2, 2] });
    expect([...(tensors.get('w')!.data as Float32Array)]).toEqual([1, 2, 3, 4]);
    expect([...(tensors.get('idx')!.data as BigInt64Array)]).toEqual([-5n, 2n ** 40n]);
    expect(tensors.get('h')!.dtype).toBe('float16');
    expect([...(tensors.get('h')!.data as Uint16Array)]).toEqual([0x3c00, 0xc000, 0x7c00]);
    expect(tensors.get('b')).toMatchObject({ dtype: 'bfloat16', shape: [1] });
    expect([...(tensors.get('m')!.data as Uint8Array)]).toEqual([1, 0]);
    expect(tensors.get('m')!.dtype).toBe('bool');
    expect(tensors.get('e')).toMatchObject({ dtype: 'int8', shape: [0, 3] });
    expect(tensors.get('e')!.data.length).toBe(0);
    expect(tensors.get('s')).toMatchObject({ dtype: 'uint8', shape: [] });
    expect([...(tensors.get('s')!.data as Uint8Array)]).toEqual([200]);
  });

  it('copies data that sits at an unaligned offset', () => {
    // Header of 9 bytes (unpadded) puts the f32 data at byte 17 of the buffer.
    const bytes = assemble('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}'.padEnd(57, ' '), le.f32(2.5), false);
    expect((8 + 57) % 4).not.toBe(0);
    expect([...(readSafetensors(bytes).tensors.get('a')!.data as Float32Array)]).toEqual([2.5]);
  });

  it.each([
    ['bad JSON', assemble('{"a":', []), /header is not valid JSON/],
    ['not an object', assemble('[1,2]', []), /header is not a JSON object/],
    ['unknown dtype', assemble('{"a":{"dtype":"F8_E4M3","shape":[1],"data_offsets":[0,1]}}', [0]), /tensor "a": dtype F8_E4M3 is not supported/],
    ['size mismatch', assemble('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}', le.f32(1)), /tensor "a": .*span 4 bytes but F32 \[2\] needs 8/],
    [
      'out of bounds',
      assemble('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}', le.f32(1)),
      /tensor "a": data_offsets \[0, 8\] run past the end of the data \(4 bytes\)/,
    ],
    [
      'overlap',
      assemble('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', le.f32(1, 2)),
      /tensor "b": data_offsets \[4, 8\] overlap tensor "a" \[0, 8\]/,
    ],
    ['reversed offsets', assemble('{"a":{"dtype":"U8","shape":[0],"data_offsets":[4,0]}}', [0, 0, 0, 0]), /tensor "a".*end before they begin/],
    ['bad shape', assemble('{"a":{"dtype":"U8","shape":[-1],"data_offsets":[0,0]}}', []), /tensor "a": shape is not a list of non-negative integers/],
    ['metadata not strings', assemble('{"__metadata__":{"n":1}}', []), /__metadata__ value "n" is not a string/],
    ['shorter than 8 bytes', new Uint8Array([1, 2, 3]), /truncated: 3 bytes/],
    ['truncated header', assemble('{"a":{"dtype":"U8","shape":[0],"data_offsets":[0,0]}}', []).subarray(0, 20), /truncated: header says \d+ bytes of JSON but only 12 follow/],
  ] as [string, Uint8Array, RegExp][])('rejects %s with a specific error', (_what, bytes, message) => {
    expect(() => readSafetensors(bytes)).toThrow(message);
  });

  it('rejects an absurd header length (not a safetensors file)', () => {
    const bytes = new Uint8Array(16).fill(0xff);
    expect(() => readSafetensors(bytes)).toThrow(/header length \d+ is larger than/);
  });

  it('treats a "__proto__" metadata key as data', () => {
    const { metadata } = readSafetensors(assemble('{"__metadata__":{"__proto__":"x"}}', []));
    expect(Object.getPrototypeOf(metadata)).toBe(Object.prototype);
    expect(Object.keys(metadata)).toEqual(['__proto__']);
  });
});

describe('writeSafetensors / encodeSafetensors', () => {
  const tensors = {
    'layer.0.weight': hostTensor('float32', [2, 3], Float32Array.from([1, -2, 3.5, 0, 1e-3, -7])),
    'layer.0.bias': hostTensor('float16', [3], Uint16Array.from([0x3c00, 0x0001, 0xfc00])),
    'emb': hostTensor('bfloat16', [2], Uint16Array.from([0x3f80, 0xc040])),
    'steps': hostTensor('int64', [], BigInt64Array.from([123456789012n])),
    'mask': hostTensor('bool', [4], Uint8Array.from([1, 0, 0, 1])),
    'codes': hostTensor('uint16', [2, 2], Uint16Array.from([0, 1023, 65535, 7])),
    'd': hostTensor('float64', [1], Float64Array.from([Math.PI])),
    'i32': hostTensor('int32', [2], Int32Array.from([-1, 2 ** 31 - 1])),
    'i16': hostTensor('int16', [1], Int16Array.from([-300])),
    'i8': hostTensor('int8', [2], Int8Array.from([-128, 127])),
    'u8': hostTensor('uint8', [1], Uint8Array.from([255])),
  };
  const metadata = { format: 'pt', '0': 'integer-like key', 'ünï': 'cödé' };

  it('lays out like the reference writer: larger dtypes first, then by name, header padded to 8 with spaces', () => {
    const bytes = encodeSafetensors(tensors, metadata);
    const len = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(len % 8).toBe(0);
    const text = new TextDecoder().decode(bytes.subarray(8, 8 + len));
    expect(text.trimEnd().endsWith('}')).toBe(true);
    expect(text.slice(text.trimEnd().length)).toMatch(/^ *$/);
    // (A JS object lists integer-like keys first, so that is the order the caller's metadata has.)
    expect(text.startsWith('{"__metadata__":{"0":"integer-like key","format":"pt","ünï":"cödé"},"steps":{"dtype":"I64","shape":[],"data_offsets":[0,8]},"d":')).toBe(
      true,
    );
    const order = [...text.matchAll(/"([^"]+)":\{"dtype"/g)].map((m) => m[1]);
    expect(order).toEqual(['steps', 'd', 'layer.0.weight', 'i32', 'emb', 'layer.0.bias', 'codes', 'i16', 'i8', 'u8', 'mask']);
  });

  it('round-trips values, dtypes and metadata, and is byte-for-byte stable when rewritten', async () => {
    const file = path.join(dir, 'model.safetensors');
    await writeSafetensors(file, tensors, metadata);
    const bytes = new Uint8Array(await readFile(file));
    expect(bytes).toEqual(encodeSafetensors(tensors, metadata));
    const back = readSafetensors(bytes);
    expect(back.metadata).toEqual(metadata);
    for (const [name, t] of Object.entries(tensors)) {
      const got = back.tensors.get(name)!;
      expect(got.dtype).toBe(t.dtype);
      expect(got.shape).toEqual(t.shape);
      expect([...got.data]).toEqual([...t.data]);
    }
    const again = path.join(dir, 'again.safetensors');
    await writeSafetensors(again, back.tensors, back.metadata);
    expect(new Uint8Array(await readFile(again))).toEqual(bytes);
    // No temp files left behind.
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('reads header first and tensors one at a time from a file', async () => {
    const file = path.join(dir, 'lazy.safetensors');
    await writeSafetensors(file, tensors, metadata);
    const f = await SafetensorsFile.open(file);
    try {
      expect(f.metadata).toEqual(metadata);
      expect(new Set(f.names())).toEqual(new Set(Object.keys(tensors)));
      const w = await f.read('layer.0.weight');
      expect([...(w.data as Float32Array)]).toEqual([...tensors['layer.0.weight'].data]);
      await expect(f.read('nope')).rejects.toThrow(/no tensor named "nope"/);
    } finally {
      await f.close();
    }
    await expect(f.read('emb')).rejects.toThrow(/closed/);
  });

  it('names the file and problem when a file on disk is truncated', async () => {
    const file = path.join(dir, 'cut.safetensors');
    const bytes = encodeSafetensors(tensors, metadata);
    await writeFile(file, bytes.subarray(0, bytes.length - 3));
    await expect(SafetensorsFile.open(file)).rejects.toThrow(/cut\.safetensors: tensor "mask": data_offsets .* run past the end/);
  });

  it('refuses inconsistent tensors and non-string metadata, leaving no file', async () => {
    const file = path.join(dir, 'bad.safetensors');
    await expect(writeSafetensors(file, { a: { dtype: 'float32', shape: [3], data: new Float32Array(2) } })).rejects.toThrow(
      /tensor "a": shape \[3\] has 3 elements but the data holds 2/,
    );
    await expect(writeSafetensors(file, { a: tensors.d }, { n: 1 as unknown as string })).rejects.toThrow(/metadata value "n" must be a string/);
    await expect(readFile(file)).rejects.toThrow(/ENOENT/);
  });
});
