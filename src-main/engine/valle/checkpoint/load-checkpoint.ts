/**
 * Loads a reference AR+NAR checkpoint (seed spec §10, §5.10, Appendix B) into float32 weights by name,
 * with the config to run them:
 *
 * - `.sft` / `.safetensors`: tensors are the `module` entries under flat names; the string metadata holds
 *   `config` (the Model dataclass as JSON — the authority, over any YAML), `stats`, `userdata`.
 * - `.pth` / `.pt`: a torch zip holding either the export dict `{module, config, stats, userdata[, lora]}`
 *   (also a training checkpoint `state.pth`, whose `module` is read and the optimizer ignored) or a bare
 *   state dict.
 *
 * Names with the old `retnet.` prefix are renamed to `model.` (the reference does the same on load). Every
 * tensor is checked against the parameter table before any data is read: all missing, unexpected and
 * wrong-shaped tensors are named in one StudioError('invalid_input'). Only tensors the model never needs
 * (`OPTIONAL_TENSORS`) may be missing; they are filled from the §5.11 init and reported as warnings
 * (`strict: true` refuses that too). f16/bf16/f64 data is converted to float32.
 */
import path from 'node:path';
import { readFile, stat } from 'node:fs/promises';
import { StudioError } from '../../../../src-shared/api/errors.js';
import { initValues } from '../../nn/blocks/params.js';
import { bf16ArrayToF32, f16ArrayToF32 } from '../../nn/io/half.js';
import type { HostDType, HostTensor } from '../../nn/io/host-tensor.js';
import { SafetensorsFile } from '../../nn/io/safetensors.js';
import { flattenTensors, readTorchCheckpoint } from '../../nn/io/torch-zip.js';
import { isPyTuple, PyFloat, type PickleValue } from '../../nn/io/pickle-values.js';
import { activeModel, configFromSftMetadata, loadExampleConfig, type ModelConfig, type VallEConfig } from '../config/index.js';
import { modelSpecFromConfig, type ValleModelSpec } from '../model/model-spec.js';
import { elementCount, parameterTable } from '../model/parameters.js';
import { compareTensors, describeMismatch, describeSpec, isClean, OPTIONAL_TENSORS } from './validate-tensors.js';

export type CheckpointFormat = 'sft' | 'pth';

export interface LoadCheckpointOptions {
  /** Settings the file does not carry (a YAML's); default the reference's example config (Appendix A). */
  baseConfig?: VallEConfig;
  /** Config keys in the file our schema does not know: refuse (default) or drop with a warning. */
  unknownConfigKeys?: 'error' | 'warn';
  /** Refuse even tensors the model can do without (OPTIONAL_TENSORS) when missing. */
  strict?: boolean;
  /** Seed for filling optional missing tensors. */
  seed?: number;
}

export interface LoadedCheckpoint {
  path: string;
  format: CheckpointFormat;
  /** the base config with its model replaced by the file's (when it has one) */
  config: VallEConfig;
  model: ModelConfig;
  /** true when the model settings came from the file itself */
  configFromFile: boolean;
  spec: ValleModelSpec;
  weights: Map<string, Float32Array>;
  /** dtypes of the stored tensors */
  storedDtypes: HostDType[];
  stats: unknown;
  userdata: unknown;
  warnings: string[];
}

function invalid(file: string, message: string, details: Record<string, unknown> = {}): StudioError {
  return new StudioError('invalid_input', `${path.basename(file)}: ${message}`, { file, ...details });
}

export function checkpointFormatOf(file: string, head?: Uint8Array): CheckpointFormat {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.sft' || ext === '.safetensors') return 'sft';
  if (ext === '.pth' || ext === '.pt') return 'pth';
  if (head && head[0] === 0x50 && head[1] === 0x4b) return 'pth';
  return 'sft';
}

/** The reference renames `retnet.` to `model.` on load (older checkpoints). */
export function canonicalTensorName(name: string): string {
  return name.startsWith('retnet.') ? `model.${name.slice('retnet.'.length)}` : name;
}

export function toFloat32(t: HostTensor, name: string, file: string): Float32Array {
  switch (t.dtype) {
    case 'float32':
      return new Float32Array(t.data as Float32Array); // a copy: the source may view a file buffer
    case 'float16':
      return f16ArrayToF32(t.data as Uint16Array);
    case 'bfloat16':
      return bf16ArrayToF32(t.data as Uint16Array);
    case 'float64':
      return Float32Array.from(t.data as Float64Array);
    default:
      throw invalid(file, `tensor ${name} is ${t.dtype}; weights must be float32, float16, bfloat16 or float64`, { tensor: name });
  }
}

/** Plain JSON-like data from unpickled values (dicts → objects), for the `config`/`stats`/`userdata` entries. */
export function pickleToPlain(v: PickleValue | undefined): unknown {
  if (v === undefined || v === null) return null;
  if (v instanceof PyFloat) return v.value;
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof Map) {
    const o: Record<string, unknown> = {};
    for (const [k, x] of v) o[String(k)] = pickleToPlain(x);
    return o;
  }
  if (Array.isArray(v) || isPyTuple(v)) return (v as PickleValue[]).map(pickleToPlain);
  if (v instanceof Set) return [...v].map(pickleToPlain);
  if (typeof v === 'object') return null; // tensors, arrays: not part of a config
  return v;
}

interface Source {
  format: CheckpointFormat;
  /** raw `config` (JSON string or decoded object), null when absent */
  config: unknown;
  stats: unknown;
  userdata: unknown;
  shapes: Map<string, number[]>;
  dtypes: Set<HostDType>;
  read(name: string): Promise<HostTensor>;
  close(): Promise<void>;
  warnings: string[];
}

function parseMaybeJson(v: string | undefined): unknown {
  if (v === undefined) return null;
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}

async function openSft(file: string): Promise<Source> {
  const f = await SafetensorsFile.open(file);
  const originals = new Map<string, string>();
  const shapes = new Map<string, number[]>();
  const dtypes = new Set<HostDType>();
  for (const e of f.header.entries) {
    const name = canonicalTensorName(e.name);
    originals.set(name, e.name);
    shapes.set(name, e.shape);
    dtypes.add(e.dtype);
  }
  const md = f.metadata;
  return {
    format: 'sft',
    config: md.config ?? null,
    stats: parseMaybeJson(md.stats),
    userdata: parseMaybeJson(md.userdata),
    shapes,
    dtypes,
    read: (name) => f.read(originals.get(name)!),
    close: () => f.close(),
    warnings: [],
  };
}

async function openPth(file: string): Promise<Source> {
  const ckpt = readTorchCheckpoint(await readFile(file));
  const root = ckpt.root;
  const warnings: string[] = [];
  let stateDict: PickleValue = root;
  let config: unknown = null;
  let stats: unknown = null;
  let userdata: unknown = null;
  if (root instanceof Map && root.has('module')) {
    stateDict = root.get('module')!;
    config = root.has('config') ? pickleToPlain(root.get('config')) : null;
    stats = pickleToPlain(root.get('stats'));
    userdata = pickleToPlain(root.get('userdata'));
    const ignored = [...root.keys()].map(String).filter((k) => !['module', 'config', 'stats', 'userdata'].includes(k));
    if (ignored.length > 0) warnings.push(`ignored checkpoint entries: ${ignored.join(', ')}`);
  } else if (!(root instanceof Map)) {
    throw invalid(file, 'not a state dict or a reference export (expected a dict at the top level)');
  }
  const tensors = new Map<string, HostTensor>();
  for (const [k, t] of flattenTensors(stateDict)) tensors.set(canonicalTensorName(k), t);
  return {
    format: 'pth',
    config,
    stats,
    userdata,
    shapes: new Map([...tensors].map(([k, t]) => [k, t.shape])),
    dtypes: new Set([...tensors.values()].map((t) => t.dtype)),
    read: async (name) => tensors.get(name)!,
    close: async () => {},
    warnings,
  };
}

export async function loadCheckpoint(file: string, options: LoadCheckpointOptions = {}): Promise<LoadedCheckpoint> {
  try {
    await stat(file);
  } catch (error) {
    throw new StudioError('not_found', `Cannot read checkpoint ${file}: ${(error as Error).message}`, { file });
  }
  const format = checkpointFormatOf(file);
  let src: Source;
  try {
    src = format === 'sft' ? await openSft(file) : await openPth(file);
  } catch (error) {
    if (error instanceof StudioError) throw error;
    throw invalid(file, `cannot read ${format === 'sft' ? 'safetensors' : 'PyTorch'} checkpoint: ${(error as Error).message}`);
  }
  try {
    const base = options.baseConfig ?? (await loadExampleConfig());
    const fromFile = configFromSftMetadata(src.config === null ? null : { config: src.config }, base, {
      source: `${path.basename(file)} config`,
      unknownKeys: options.unknownConfigKeys ?? 'error',
    });
    const model = activeModel(fromFile.config);
    let spec: ValleModelSpec;
    try {
      spec = modelSpecFromConfig(model);
    } catch (error) {
      throw invalid(file, (error as Error).message);
    }
    const table = parameterTable(spec);
    const mismatch = compareTensors(table, src.shapes);
    const fillable = options.strict ? [] : mismatch.missing.filter((n) => OPTIONAL_TENSORS.includes(n));
    const blocking = { ...mismatch, missing: mismatch.missing.filter((n) => !fillable.includes(n)) };
    if (!isClean(blocking)) {
      throw invalid(file, `tensors do not match the model (${describeSpec(spec)}): ${describeMismatch(blocking)}`, {
        missing: blocking.missing,
        unexpected: blocking.unexpected,
        wrongShape: blocking.wrongShape,
      });
    }
    const warnings = [...src.warnings, ...(fromFile.fromMetadata ? fromFile.warnings : [`${path.basename(file)} carries no model config; using the base config's model settings`])];
    const weights = new Map<string, Float32Array>();
    for (const e of table) {
      if (fillable.includes(e.name)) {
        weights.set(e.name, initValues(e.init, elementCount(e.shape), options.seed ?? 0));
        warnings.push(`${e.name} is missing; filled with its initial value (the model does not read it in inference)`);
        continue;
      }
      weights.set(e.name, toFloat32(await src.read(e.name), e.name, file));
    }
    return {
      path: file,
      format: src.format,
      config: fromFile.config,
      model,
      configFromFile: fromFile.fromMetadata,
      spec,
      weights,
      storedDtypes: [...src.dtypes],
      stats: src.stats,
      userdata: src.userdata,
      warnings,
    };
  } finally {
    await src.close();
  }
}
