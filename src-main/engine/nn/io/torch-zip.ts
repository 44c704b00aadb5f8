/**
 * PyTorch checkpoints (`torch.save`, zip format, PyTorch ≥ 1.6): a zip whose single top-level folder (any name)
 * holds `data.pkl` (the pickled object, tensors as `_rebuild_tensor_v2` of storages named by persistent ids
 * `('storage', torch.FloatStorage, key, location, numel)`), `data/<key>` (raw storage bytes), `version`, and in
 * newer files `byteorder`. The pickle is read with the restricted unpickler, so a checkpoint can only produce
 * tensors and plain data.
 *
 * The writer produces the same layout (protocol 2 pickle, stored entries, `version` 3, `byteorder` little) so
 * tests and exports can create real checkpoints without PyTorch.
 */
import { readFile } from 'node:fs/promises';
import { unzipSync, zipSync, type Zippable } from 'fflate';
import { writeAll, writeFileAtomic } from './atomic-write.js';
import { bytesPerElement, checkHostTensor, tensorBytes, type HostDType, type HostTensor } from './host-tensor.js';
import { unpickle } from './pickle.js';
import { storageDTypeOf, torchStorageName, TorchFormatError } from './pickle-torch.js';
import { PyGlobal, TorchStorage, describePickleValue, isPyTuple, pyTuple, type PickleValue } from './pickle-values.js';
import { PersistentId, PyReduce, pickle } from './pickler.js';
import { contiguousStrides } from './strided.js';

function fail(message: string): never {
  throw new TorchFormatError(message);
}

export interface TorchCheckpoint {
  /** The top-level folder name inside the zip (e.g. "archive", or the file's stem for older PyTorch). */
  archiveName: string;
  /** The whole unpickled object (dicts are Maps, tensors host tensors). */
  root: PickleValue;
  /** Every tensor reachable through dicts/lists, keyed by its path joined with "." (the state dict for a plain one). */
  tensors: Map<string, HostTensor>;
}

function isHostTensorValue(v: unknown): v is HostTensor {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && 'dtype' in v && 'shape' in v && 'data' in v && ArrayBuffer.isView((v as HostTensor).data);
}

/** Collect tensors from nested dicts/lists; keys are joined with '.'. */
export function flattenTensors(root: PickleValue): Map<string, HostTensor> {
  const out = new Map<string, HostTensor>();
  const seen = new Set<unknown>();
  const walk = (v: PickleValue, prefix: string) => {
    if (isHostTensorValue(v)) {
      out.set(prefix, v);
      return;
    }
    if (typeof v !== 'object' || v === null || seen.has(v)) return;
    seen.add(v);
    const join = (k: string) => (prefix === '' ? k : `${prefix}.${k}`);
    if (v instanceof Map) for (const [k, x] of v) walk(x, join(String(k)));
    else if (Array.isArray(v)) v.forEach((x, i) => walk(x as PickleValue, join(String(i))));
  };
  walk(root, '');
  return out;
}

const LEGACY_MAGIC = [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19];

/** Read a torch zip checkpoint from memory. Tensors may view the unzipped storage buffers. */
export function readTorchCheckpoint(bytes: Uint8Array): TorchCheckpoint {
  if (LEGACY_MAGIC.every((b, i) => bytes[i] === b)) {
    fail('this is a legacy torch.save file (PyTorch < 1.6, not a zip); re-save it with a current PyTorch');
  }
  if (bytes.byteLength < 4 || bytes[0] !== 0x50 || bytes[1] !== 0x4b) fail('not a PyTorch checkpoint (not a zip file)');
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes);
  } catch (err) {
    fail(`PyTorch checkpoint zip is corrupt or truncated: ${(err as Error).message}`);
  }
  const pkls = Object.keys(files).filter((n) => /^[^/]+\/data\.pkl$/.test(n));
  if (pkls.length !== 1) {
    fail(pkls.length === 0 ? 'zip has no <folder>/data.pkl: not a PyTorch checkpoint' : `zip has several data.pkl files (${pkls.join(', ')})`);
  }
  const archiveName = pkls[0].slice(0, -'/data.pkl'.length);
  const byteorderFile = files[`${archiveName}/byteorder`];
  const byteorder = byteorderFile ? new TextDecoder().decode(byteorderFile).trim() : 'little';
  if (byteorder !== 'little' && byteorder !== 'big') fail(`unknown byteorder "${byteorder}" in checkpoint`);

  const storages = new Map<string, TorchStorage>();
  const persistentLoad = (pid: PickleValue): PickleValue => {
    if (!isPyTuple(pid) || pid.length < 5 || pid[0] !== 'storage') fail(`unsupported persistent id ${describePickleValue(pid)} (expected a storage)`);
    const [, storageType, key, location, numel] = pid;
    if (typeof key !== 'string') fail('storage key in persistent id is not a string');
    const dtype = storageDTypeOf(storageType);
    const cached = storages.get(key);
    if (cached) return cached;
    const data = files[`${archiveName}/data/${key}`];
    if (!data) fail(`checkpoint refers to storage "${key}" but ${archiveName}/data/${key} is missing`);
    const size = bytesPerElement(dtype);
    // numel counts elements of the typed storage (bytes for UntypedStorage).
    if (typeof numel === 'number' && data.byteLength < numel * size) {
      fail(`storage "${key}" holds ${data.byteLength} bytes but the checkpoint says ${numel} ${dtype} elements`);
    }
    let le = data;
    if (byteorder === 'big' && size > 1) {
      le = new Uint8Array(data.byteLength);
      for (let i = 0; i < data.byteLength; i += size) for (let j = 0; j < size; j++) le[i + j] = data[i + size - 1 - j];
    }
    const storage = new TorchStorage(key, dtype, le, typeof location === 'string' ? location : 'cpu');
    storages.set(key, storage);
    return storage;
  };
  const root = unpickle(files[pkls[0]], { persistentLoad });
  return { archiveName, root, tensors: flattenTensors(root) };
}

export async function readTorchCheckpointFile(path: string): Promise<TorchCheckpoint> {
  const bytes = await readFile(path);
  try {
    return readTorchCheckpoint(bytes);
  } catch (err) {
    if (err instanceof Error) err.message = `${path}: ${err.message}`;
    throw err;
  }
}

/** A storage to write: raw little-endian bytes of `dtype` elements. */
export interface StorageToWrite {
  dtype: HostDType;
  bytes: Uint8Array;
}

const rebuildTensor = new PyGlobal('torch._utils', '_rebuild_tensor_v2');
const orderedDict = new PyGlobal('collections', 'OrderedDict');

/** Writer-side description of `_rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict())`. */
export function tensorReduce(storageKey: string, storage: StorageToWrite, offset: number, shape: number[], stride: number[]): PyReduce {
  const numel = storage.bytes.byteLength / bytesPerElement(storage.dtype);
  const pid = new PersistentId(pyTuple(['storage', new PyGlobal('torch', torchStorageName(storage.dtype).slice('torch.'.length)), storageKey, 'cpu', numel]));
  return new PyReduce(rebuildTensor, [pid, offset, pyTuple(shape), pyTuple(stride), false, new PyReduce(orderedDict, [])]);
}

/** Lowest level: zip a pickled root object and its storages in torch's layout. */
export function encodeTorchArchive(root: unknown, storages: ReadonlyMap<string, StorageToWrite>, archiveName = 'archive'): Uint8Array {
  if (!/^[^/\\]+$/.test(archiveName)) fail(`archive name "${archiveName}" must be a plain folder name`);
  const files: Zippable = {};
  files[`${archiveName}/data.pkl`] = pickle(root, { protocol: 2 });
  files[`${archiveName}/byteorder`] = new TextEncoder().encode('little');
  for (const [key, s] of storages) files[`${archiveName}/data/${key}`] = s.bytes;
  files[`${archiveName}/version`] = new TextEncoder().encode('3\n');
  // Stored, not deflated, like torch.save (so storages can be read or mapped in place).
  return zipSync(files, { level: 0 });
}

/**
 * Encode a state dict as `torch.save(OrderedDict(...))` would: one storage per tensor, contiguous.
 * `extra` entries (plain values) can wrap it, e.g. `{ model: <state dict>, step: 3 }` via `wrap`.
 */
export function encodeTorchCheckpoint(
  stateDict: ReadonlyMap<string, HostTensor> | Readonly<Record<string, HostTensor>>,
  options: { archiveName?: string; wrap?: (stateDict: unknown) => unknown } = {},
): Uint8Array {
  const entries = stateDict instanceof Map ? [...stateDict.entries()] : Object.entries(stateDict);
  const storages = new Map<string, StorageToWrite>();
  const dict = new Map<unknown, unknown>();
  entries.forEach(([name, t], i) => {
    checkHostTensor(t, `tensor "${name}"`);
    const storage = { dtype: t.dtype, bytes: tensorBytes(t) };
    storages.set(String(i), storage);
    dict.set(name, tensorReduce(String(i), storage, 0, [...t.shape], contiguousStrides(t.shape)));
  });
  // OrderedDict() then SETITEMS, as torch pickles a state dict.
  const od = new PyReduce(orderedDict, [], dict);
  const root = options.wrap ? options.wrap(od) : od;
  return encodeTorchArchive(root, storages, options.archiveName);
}

export async function writeTorchCheckpoint(
  path: string,
  stateDict: ReadonlyMap<string, HostTensor> | Readonly<Record<string, HostTensor>>,
  options: { archiveName?: string } = {},
): Promise<void> {
  const bytes = encodeTorchCheckpoint(stateDict, options);
  await writeFileAtomic(path, (fh) => writeAll(fh, bytes));
}
