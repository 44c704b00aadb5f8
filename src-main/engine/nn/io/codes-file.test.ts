import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codesTimeMajor, encodeCodesFile, readCodesFile, readCodesFilePath, writeCodesFile } from './codes-file.js';
import { NdArray, PyFloat } from './pickle-values.js';

const seed = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../../shared/fixtures/seed');

// Expected values copied from ../shared/fixtures/seed/README.md.
const fixtures = [
  {
    file: 'qnt.enc',
    sha256: 'be0e78b1836266c8902d3ab3a9b60f05c5e894b10aac2de1d16e16e5c00482c8',
    shape: [1, 8, 310],
    first: [869, 909, 125, 645, 837, 175, 1010, 313],
    last: [178, 973, 433, 251, 855, 872, 575, 1017],
    sums: [161865, 159342, 144135, 162591, 159631, 164244, 152642, 178653],
    total: 1283103,
    metadata: [
      ['original_length', 'float', 0.013333333333333334],
      ['sample_rate', 'int', 24000],
      ['language', 'str', 'en'],
    ],
  },
  {
    file: 'noise.enc',
    sha256: '09ec868658c5420c6c994a8affb8caaedbd60710ee7da220869fea2b94bbd46b',
    shape: [1, 8, 1325],
    first: [408, 646, 653, 673, 990, 881, 782, 899],
    last: [738, 544, 989, 919, 712, 41, 485, 475],
    sums: [594585, 722101, 692384, 688118, 680696, 695690, 733759, 699106],
    total: 5506439,
    metadata: [
      ['original_length', 'int', 282540],
      ['sample_rate', 'int', 16000],
    ],
  },
  {
    file: 'qnt.dac',
    sha256: '7c7483425ffe32b6fefe4483dcb9ed3ac4242fb8fc71b1e6f46e71b072431457',
    shape: [1, 9, 356],
    first: [742, 431, 311, 865, 167, 491, 275, 837, 127],
    last: [711, 539, 198, 281, 515, 269, 10, 832, 669],
    sums: [186071, 183272, 189312, 179577, 177134, 192960, 179935, 184592, 182891],
    total: 1655744,
    metadata: [
      ['input_db', 'f32[1]', -12.891273],
      ['original_length', 'int', 99172],
      ['sample_rate', 'int', 24000],
      ['chunk_length', 'int', 356],
      ['channels', 'int', 1],
      ['padding', 'bool', true],
      ['dac_version', 'str', '1.0.0'],
    ],
  },
  {
    file: 'noise.dac',
    sha256: '2877df49ea034cb782c5da5428f07bbcd4c1be0d809ccb8b8721012e77803232',
    shape: [1, 9, 1664],
    first: [568, 804, 10, 674, 364, 981, 568, 378, 731],
    last: [568, 804, 10, 674, 364, 981, 568, 378, 731],
    sums: [889405, 873425, 772533, 854589, 813440, 903499, 850828, 822673, 854365],
    total: 7634757,
    metadata: [
      ['input_db', 'f32[1]', -11.499088],
      ['original_length', 'int', 282540],
      ['sample_rate', 'int', 16000],
      ['chunk_length', 'int', 416],
      ['channels', 'int', 1],
      ['padding', 'bool', false],
      ['dac_version', 'str', '1.0.0'],
    ],
  },
] as const;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'nn-codes-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe.each(fixtures)('$file', (fx) => {
  it('is the unmodified fixture', async () => {
    const bytes = await readFile(path.join(seed, fx.file));
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(fx.sha256);
  });

  it('reads codes with the exact shape, first/last frame and per-level sums', async () => {
    const { codes } = await readCodesFilePath(path.join(seed, fx.file));
    expect(codes.dtype).toBe('uint16');
    expect(codes.shape).toEqual(fx.shape);
    const [, levels, frames] = codes.shape;
    const sums = Array.from({ length: levels }, (_, l) => codes.data.subarray(l * frames, (l + 1) * frames).reduce((a, b) => a + b, 0));
    expect(sums).toEqual(fx.sums);
    expect(sums.reduce((a, b) => a + b, 0)).toBe(fx.total);
    expect(Math.max(...codes.data)).toBeLessThanOrEqual(1023);
    const tm = codesTimeMajor(codes);
    expect([...tm.data.subarray(0, levels)]).toEqual(fx.first);
    expect([...tm.data.subarray((frames - 1) * levels)]).toEqual(fx.last);
  });

  it('reads the metadata with its exact keys, order and types', async () => {
    const { metadata } = readCodesFile(await readFile(path.join(seed, fx.file)), { wrapFloats: true });
    expect([...metadata.keys()]).toEqual(fx.metadata.map(([k]) => k));
    for (const [key, type, expected] of fx.metadata) {
      const v = metadata.get(key);
      switch (type) {
        case 'float':
          expect(v).toBeInstanceOf(PyFloat);
          expect((v as PyFloat).value).toBe(expected);
          break;
        case 'int':
          expect(typeof v).toBe('number');
          expect(v).toBe(expected);
          break;
        case 'str':
        case 'bool':
          expect(v).toBe(expected);
          break;
        case 'f32[1]': {
          expect(v).toBeInstanceOf(NdArray);
          const t = (v as NdArray).tensor!;
          expect(t.dtype).toBe('float32');
          expect(t.shape).toEqual([1]);
          expect(t.data[0]).toBeCloseTo(expected as number, 5);
          break;
        }
      }
    }
  });

  it('writes back byte-identical to the fixture', async () => {
    const original = new Uint8Array(await readFile(path.join(seed, fx.file)));
    const read = readCodesFile(original, { wrapFloats: true });
    expect(encodeCodesFile(read)).toEqual(original);
    const out = path.join(dir, fx.file);
    await writeCodesFile(out, read);
    expect(new Uint8Array(await readFile(out))).toEqual(original);
  });
});

describe('codes files', () => {
  it('round-trips new content (integral values stay ints, PyFloat stays float)', () => {
    const data = Uint16Array.from({ length: 2 * 5 }, (_, i) => (i * 97) % 1024);
    const file = {
      codes: { dtype: 'uint16' as const, shape: [1, 2, 5], data },
      metadata: new Map<string, import('./pickle-values.js').PickleValue>([
        ['original_length', 480],
        ['duration', new PyFloat(2)],
        ['ratio', 0.25],
        ['text', 'héllo ˈaɪ'],
        ['big', 2n ** 70n],
        ['neg', -70000],
      ]),
    };
    const back = readCodesFile(encodeCodesFile(file), { wrapFloats: true });
    expect([...back.codes.data]).toEqual([...data]);
    expect(back.metadata.get('original_length')).toBe(480);
    expect(back.metadata.get('duration')).toEqual(new PyFloat(2));
    expect(back.metadata.get('ratio')).toEqual(new PyFloat(0.25));
    expect(back.metadata.get('text')).toBe('héllo ˈaɪ');
    expect(back.metadata.get('big')).toBe(2n ** 70n);
    expect(back.metadata.get('neg')).toBe(-70000);
  });

  it('refuses codes of the wrong layout', () => {
    expect(() => encodeCodesFile({ codes: { dtype: 'uint16', shape: [8, 5], data: new Uint16Array(40) }, metadata: new Map() })).toThrow(
      /codes must be uint16 \[1, levels, T\]/,
    );
  });

  it('names the problem in a corrupt file', async () => {
    const original = new Uint8Array(await readFile(path.join(seed, 'qnt.enc')));
    expect(() => readCodesFile(original.subarray(0, 3000))).toThrow(/pickle is truncated/);
    expect(() => readCodesFile(original.subarray(0, 100))).toThrow(/\.npy file is truncated/);
    const wrongMagic = original.slice();
    wrongMagic[1] = 0x41;
    expect(() => readCodesFile(wrongMagic)).toThrow(/not a \.npy file/);
  });
});
