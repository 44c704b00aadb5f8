/**
 * safetensors (https://github.com/huggingface/safetensors): 8-byte little-endian header length N, N bytes of JSON
 * `{ name: { dtype, shape, data_offsets: [begin, end] }, "__metadata__": { str: str } }`, then the data, offsets
 * relative to the end of the header.
 *
 * Reading: `readSafetensors(bytes)` for a buffer, `SafetensorsFile.open(path)` to read the header first and then
 * tensors one by one (a large checkpoint never has to be in memory at once). Writing lays tensors out as the
 * reference Rust writer does (larger dtypes first, then by name, header padded with spaces to 8 bytes), so a file
 * read and written again comes out byte for byte the same.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { writeAll, writeFileAtomic } from './atomic-write.js';
import { bytesPerElement, checkHostTensor, elementCount, tensorBytes, typedFromBytes, type HostDType, type HostTensor } from './host-tensor.js';

export const safetensorsDTypes = {
  F64: 'float64',
  F32: 'float32',
  F16: 'float16',
  BF16: 'bfloat16',
  I64: 'int64',
  I32: 'int32',
  I16: 'int16',
  I8: 'int8',
  U64: 'uint64',
  U32: 'uint32',
  U16: 'uint16',
  U8: 'uint8',
  BOOL: 'bool',
} as const satisfies Record<string, HostDType>;

export type SafetensorsDType = keyof typeof safetensorsDTypes;

const toSafetensors = Object.fromEntries(Object.entries(safetensorsDTypes).map(([k, v]) => [v, k])) as Record<HostDType, SafetensorsDType>;

/** Rank of each dtype in the Rust crate's `Dtype` enum; its writer orders tensors by this, descending. */
const rustDTypeRank: Record<SafetensorsDType, number> = {
  BOOL: 0,
  U8: 1,
  I8: 2,
  I16: 3,
  U16: 4,
  F16: 5,
  BF16: 6,
  I32: 7,
  U32: 8,
  F32: 9,
  F64: 10,
  I64: 11,
  U64: 12,
};

/** Same bound as the reference implementation: a header bigger than this is treated as corrupt. */
const MAX_HEADER_BYTES = 100_000_000;

export interface SafetensorsEntry {
  name: string;
  dtype: HostDType;
  shape: number[];
  /** Byte range in the file's data section (after the header). */
  begin: number;
  end: number;
}

export interface SafetensorsHeader {
  /** Tensors in the order the header lists them. */
  entries: SafetensorsEntry[];
  metadata: Record<string, string>;
  /** Byte offset of the data section in the file (8 + header length). */
  dataStart: number;
}

export class SafetensorsError extends Error {
  override name = 'SafetensorsError';
}

function fail(message: string): never {
  throw new SafetensorsError(message);
}

function readHeaderLength(first8: Uint8Array, totalBytes: number): number {
  if (totalBytes < 8) fail(`safetensors file is truncated: ${totalBytes} bytes, shorter than the 8-byte header length`);
  const n = new DataView(first8.buffer, first8.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_BYTES)) fail(`safetensors header length ${n} is larger than ${MAX_HEADER_BYTES} bytes: not a safetensors file or corrupt`);
  const len = Number(n);
  if (8 + len > totalBytes) fail(`safetensors file is truncated: header says ${len} bytes of JSON but only ${totalBytes - 8} follow`);
  return len;
}

/** Parse and validate the JSON header; `dataBytes` is the size of everything after it. */
export function parseSafetensorsHeader(json: Uint8Array, dataBytes: number): SafetensorsHeader {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(json));
  } catch (err) {
    fail(`safetensors header is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) fail('safetensors header is not a JSON object');
  const entries: SafetensorsEntry[] = [];
  // Pairs, not an object: a key such as "__proto__" must stay data.
  const metadata: [string, string][] = [];
  for (const [name, value] of Object.entries(parsed as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('safetensors __metadata__ is not an object');
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (typeof v !== 'string') fail(`safetensors __metadata__ value "${k}" is not a string`);
        metadata.push([k, v]);
      }
      continue;
    }
    const info = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof info !== 'object' || info === null) fail(`tensor "${name}": header entry is not an object`);
    const st = info.dtype;
    if (typeof st !== 'string') fail(`tensor "${name}": missing dtype`);
    if (!(st in safetensorsDTypes)) fail(`tensor "${name}": dtype ${st} is not supported (supported: ${Object.keys(safetensorsDTypes).join(', ')})`);
    const dtype = safetensorsDTypes[st as SafetensorsDType];
    const shape = info.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) fail(`tensor "${name}": shape is not a list of non-negative integers`);
    const offsets = info.data_offsets;
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      fail(`tensor "${name}": data_offsets is not a pair of non-negative integers`);
    }
    const [begin, end] = offsets as [number, number];
    if (end < begin) fail(`tensor "${name}": data_offsets [${begin}, ${end}] end before they begin`);
    const expected = elementCount(shape as number[]) * bytesPerElement(dtype);
    if (end - begin !== expected) {
      fail(`tensor "${name}": data_offsets [${begin}, ${end}] span ${end - begin} bytes but ${st} [${(shape as number[]).join(', ')}] needs ${expected}`);
    }
    if (end > dataBytes) {
      fail(`tensor "${name}": data_offsets [${begin}, ${end}] run past the end of the data (${dataBytes} bytes): file truncated or corrupt`);
    }
    entries.push({ name, dtype, shape: shape as number[], begin, end });
  }
  // Empty tensors occupy no bytes and cannot overlap anything.
  const sorted = entries.filter((e) => e.end > e.begin).sort((a, b) => a.begin - b.begin || a.end - b.end);
  let reach: SafetensorsEntry | undefined;
  for (const cur of sorted) {
    if (reach && cur.begin < reach.end) {
      fail(`tensor "${cur.name}": data_offsets [${cur.begin}, ${cur.end}] overlap tensor "${reach.name}" [${reach.begin}, ${reach.end}]`);
    }
    if (!reach || cur.end > reach.end) reach = cur;
  }
  return { entries, metadata: Object.fromEntries(metadata), dataStart: 8 + json.byteLength };
}

function tensorFromBytes(entry: SafetensorsEntry, bytes: Uint8Array): HostTensor {
  return { dtype: entry.dtype, shape: [...entry.shape], data: typedFromBytes(entry.dtype, bytes) } as HostTensor;
}

export interface SafetensorsContent {
  tensors: Map<string, HostTensor>;
  metadata: Record<string, string>;
}

/** Read a whole safetensors buffer. Tensor data views `bytes` where alignment allows (copy it if you mutate). */
export function readSafetensors(bytes: Uint8Array): SafetensorsContent {
  const len = readHeaderLength(bytes.subarray(0, 8), bytes.byteLength);
  const header = parseSafetensorsHeader(bytes.subarray(8, 8 + len), bytes.byteLength - 8 - len);
  const tensors = new Map<string, HostTensor>();
  for (const e of header.entries) {
    tensors.set(e.name, tensorFromBytes(e, bytes.subarray(header.dataStart + e.begin, header.dataStart + e.end)));
  }
  return { tensors, metadata: header.metadata };
}

/** A safetensors file opened for reading tensor by tensor. Close it when done. */
export class SafetensorsFile {
  private constructor(
    private fh: FileHandle | undefined,
    readonly path: string,
    readonly header: SafetensorsHeader,
  ) {}

  static async open(path: string): Promise<SafetensorsFile> {
    const fh = await open(path, 'r');
    try {
      const size = (await fh.stat()).size;
      const first = new Uint8Array(8);
      await fh.read(first, 0, Math.min(8, size), 0);
      const len = readHeaderLength(first, size);
      const json = new Uint8Array(len);
      await fh.read(json, 0, len, 8);
      return new SafetensorsFile(fh, path, parseSafetensorsHeader(json, size - 8 - len));
    } catch (err) {
      await fh.close();
      if (err instanceof SafetensorsError) throw new SafetensorsError(`${path}: ${err.message}`);
      throw err;
    }
  }

  get metadata(): Record<string, string> {
    return this.header.metadata;
  }

  names(): string[] {
    return this.header.entries.map((e) => e.name);
  }

  entry(name: string): SafetensorsEntry {
    const e = this.header.entries.find((x) => x.name === name);
    if (!e) throw new SafetensorsError(`${this.path}: no tensor named "${name}"`);
    return e;
  }

  /** Read one tensor's data from disk into a fresh, aligned array. */
  async read(name: string): Promise<HostTensor> {
    if (!this.fh) throw new SafetensorsError(`${this.path}: file is closed`);
    const e = this.entry(name);
    const bytes = new Uint8Array(e.end - e.begin);
    let done = 0;
    while (done < bytes.byteLength) {
      const { bytesRead } = await this.fh.read(bytes, done, bytes.byteLength - done, this.header.dataStart + e.begin + done);
      if (bytesRead === 0) throw new SafetensorsError(`${this.path}: tensor "${name}" is truncated (file shrank while reading)`);
      done += bytesRead;
    }
    return tensorFromBytes(e, bytes);
  }

  async readAll(): Promise<SafetensorsContent> {
    const tensors = new Map<string, HostTensor>();
    for (const name of this.names()) tensors.set(name, await this.read(name));
    return { tensors, metadata: { ...this.metadata } };
  }

  async close(): Promise<void> {
    const fh = this.fh;
    this.fh = undefined;
    await fh?.close();
  }
}

type TensorsInput = ReadonlyMap<string, HostTensor> | Readonly<Record<string, HostTensor>>;

interface Layout {
  header: Uint8Array;
  order: [string, HostTensor][];
}

function layout(tensors: TensorsInput, metadata: Readonly<Record<string, string>> | undefined): Layout {
  const list: [string, HostTensor][] = tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors);
  for (const [name, t] of list) {
    if (name === '__metadata__') fail('a tensor cannot be named "__metadata__"');
    checkHostTensor(t, `tensor "${name}"`);
  }
  list.sort(([an, a], [bn, b]) => rustDTypeRank[toSafetensors[b.dtype]] - rustDTypeRank[toSafetensors[a.dtype]] || (an < bn ? -1 : an > bn ? 1 : 0));
  // The JSON is assembled member by member so it keeps exactly this order (a JS object would move
  // integer-like keys first) and so no key can reach an object prototype.
  const members: string[] = [];
  if (metadata && Object.keys(metadata).length > 0) {
    const pairs = Object.entries(metadata).map(([k, v]) => {
      if (typeof v !== 'string') fail(`metadata value "${k}" must be a string`);
      return `${JSON.stringify(k)}:${JSON.stringify(v)}`;
    });
    members.push(`"__metadata__":{${pairs.join(',')}}`);
  }
  let offset = 0;
  for (const [name, t] of list) {
    const size = t.data.byteLength;
    const entry = { dtype: toSafetensors[t.dtype], shape: t.shape, data_offsets: [offset, offset + size] };
    members.push(`${JSON.stringify(name)}:${JSON.stringify(entry)}`);
    offset += size;
  }
  const json = new TextEncoder().encode(`{${members.join(',')}}`);
  const padded = Math.ceil(json.byteLength / 8) * 8;
  const out = new Uint8Array(8 + padded).fill(0x20, 8);
  new DataView(out.buffer).setBigUint64(0, BigInt(padded), true);
  out.set(json, 8);
  return { header: out, order: list };
}

/** Serialize to one buffer. */
export function encodeSafetensors(tensors: TensorsInput, metadata?: Readonly<Record<string, string>>): Uint8Array {
  const { header, order } = layout(tensors, metadata);
  const total = header.byteLength + order.reduce((n, [, t]) => n + t.data.byteLength, 0);
  const out = new Uint8Array(total);
  out.set(header, 0);
  let at = header.byteLength;
  for (const [, t] of order) {
    out.set(tensorBytes(t), at);
    at += t.data.byteLength;
  }
  return out;
}

/** Write a safetensors file atomically, streaming tensor by tensor (no whole-file buffer). */
export async function writeSafetensors(path: string, tensors: TensorsInput, metadata?: Readonly<Record<string, string>>): Promise<void> {
  const { header, order } = layout(tensors, metadata);
  await writeFileAtomic(path, async (fh) => {
    await writeAll(fh, header);
    for (const [, t] of order) await writeAll(fh, tensorBytes(t));
  });
}
