/**
 * Matching a checkpoint's tensors against what a graph asks for, with every problem in one error.
 *
 * The expected list is not written by hand: the graph builders are run once with a recording ParamSource,
 * so "what the checkpoint must hold" can never drift from "what the graph reads". Weight-normed convolutions
 * are matched through their (weight_g, weight_v) pair — in either spelling transformers has used:
 * `X.weight_g`/`X.weight_v` (torch.nn.utils.weight_norm) or `X.parametrizations.weight.original0`/`original1`
 * (torch.nn.utils.parametrizations.weight_norm) — and folded to `X.weight` (w = g·v/‖v‖ per output row).
 */
import { StudioError } from '../../../../src-shared/api/errors.js';
import type { ParamInit, ParamSource } from '../../nn/blocks/params.js';
import { foldWeightNorm } from '../../nn/blocks/weight-norm.js';
import { Graph, type Tensor } from '../../nn/index.js';
import { bf16ArrayToF32, f16ArrayToF32 } from '../../nn/io/half.js';
import { hostTensor, type HostTensor } from '../../nn/io/host-tensor.js';

export interface ExpectedTensor {
  name: string;
  shape: number[];
}

/** A ParamSource that only records the names and shapes asked for (graphs built with it are thrown away). */
export class RecordingParams implements ParamSource {
  readonly expected = new Map<string, number[]>();

  param(graph: Graph, name: string, shape: readonly number[], _init: ParamInit): Tensor {
    const known = this.expected.get(name);
    if (known && known.join(',') !== shape.join(',')) throw new Error(`param "${name}" asked for as [${shape.join(', ')}] and [${known.join(', ')}]`);
    this.expected.set(name, [...shape]);
    return graph.param(name, shape, { trainable: true });
  }

  list(): ExpectedTensor[] {
    return [...this.expected].map(([name, shape]) => ({ name, shape }));
  }
}

/** Records what `build` asks for. */
export function recordExpected(build: (g: Graph, params: ParamSource) => void): ExpectedTensor[] {
  const params = new RecordingParams();
  build(new Graph('record'), params);
  return params.list();
}

/** Old (`weight_g`/`weight_v`) spelling of the newer parametrization names. */
export function canonicalWeightNormName(name: string): string {
  return name.replace(/\.parametrizations\.weight\.original0$/, '.weight_g').replace(/\.parametrizations\.weight\.original1$/, '.weight_v');
}

/** Any float tensor as float32 (float16/bfloat16/float64 checkpoints load too). */
export function toFloat32(t: HostTensor, name: string): HostTensor<'float32'> {
  switch (t.dtype) {
    case 'float32':
      return t as HostTensor<'float32'>;
    case 'float64':
      return hostTensor('float32', t.shape, Float32Array.from(t.data as Float64Array));
    case 'float16':
      return hostTensor('float32', t.shape, f16ArrayToF32(t.data as Uint16Array));
    case 'bfloat16':
      return hostTensor('float32', t.shape, bf16ArrayToF32(t.data as Uint16Array));
    default:
      throw new Error(`${name} is ${t.dtype}, expected a float tensor`);
  }
}

function fmt(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export interface MatchOptions {
  /** For messages: what was loaded ("EnCodec checkpoint /x/model.safetensors"). */
  source: string;
  /** Names the file may hold that no graph reads (training buffers). */
  ignorable?: (name: string) => boolean;
}

export interface MatchResult {
  /** Values by the names the graph asks for (weight-norm pairs folded). */
  values: Map<string, Float32Array>;
  /** Tensors in the file that nothing reads and `ignorable` did not name. */
  unused: string[];
}

/**
 * Resolves every expected tensor from `file` (names as stored). Throws one StudioError('invalid_input') naming
 * every missing tensor and every shape mismatch (and, as a hint, tensors nobody asked for).
 */
export function matchCheckpoint(expected: readonly ExpectedTensor[], file: ReadonlyMap<string, HostTensor>, o: MatchOptions): MatchResult {
  const byName = new Map<string, HostTensor>();
  for (const [name, t] of file) byName.set(canonicalWeightNormName(name), t);
  const used = new Set<string>();
  const missing: string[] = [];
  const mismatched: string[] = [];
  const values = new Map<string, Float32Array>();
  for (const { name, shape } of expected) {
    const direct = byName.get(name);
    if (direct) {
      used.add(name);
      if (!sameShape(direct.shape, shape)) mismatched.push(`${name}: ${fmt(direct.shape)} in the file, ${fmt(shape)} expected`);
      else values.set(name, toFloat32(direct, name).data);
      continue;
    }
    const base = name.endsWith('.weight') ? name.slice(0, -'.weight'.length) : null;
    const g = base === null ? undefined : byName.get(`${base}.weight_g`);
    const v = base === null ? undefined : byName.get(`${base}.weight_v`);
    if (base === null || (!g && !v)) {
      missing.push(base === null ? name : `${name} (or ${base}.weight_g + ${base}.weight_v)`);
      continue;
    }
    if (g) used.add(`${base}.weight_g`);
    if (v) used.add(`${base}.weight_v`);
    if (!g || !v) {
      missing.push(`${base}.${g ? 'weight_v' : 'weight_g'} (its pair ${base}.${g ? 'weight_g' : 'weight_v'} is present)`);
      continue;
    }
    let ok = true;
    if (!sameShape(v.shape, shape)) {
      mismatched.push(`${base}.weight_v: ${fmt(v.shape)} in the file, ${fmt(shape)} expected`);
      ok = false;
    }
    const gCount = g.shape.reduce((a, b) => a * b, 1);
    if (gCount !== shape[0] || (g.shape.length > 0 && g.shape[0] !== shape[0])) {
      mismatched.push(`${base}.weight_g: ${fmt(g.shape)} in the file, ${fmt([shape[0], ...shape.slice(1).map(() => 1)])} expected`);
      ok = false;
    }
    if (ok) values.set(name, foldWeightNorm(toFloat32(g, `${base}.weight_g`), toFloat32(v, `${base}.weight_v`)).data);
  }
  const unused = [...byName.keys()].filter((n) => !used.has(n) && !(o.ignorable?.(n) ?? false));
  if (missing.length > 0 || mismatched.length > 0) {
    const parts = [`${o.source} does not match the model configuration:`];
    if (missing.length > 0) parts.push(`missing tensors (${missing.length}):\n  - ${missing.join('\n  - ')}`);
    if (mismatched.length > 0) parts.push(`tensors with the wrong shape (${mismatched.length}):\n  - ${mismatched.join('\n  - ')}`);
    if (unused.length > 0) {
      const shown = unused.slice(0, 20);
      parts.push(`tensors in the file that the model does not use (${unused.length}): ${shown.join(', ')}${unused.length > shown.length ? ', …' : ''}`);
    }
    throw new StudioError('invalid_input', parts.join('\n'), { missing, mismatched, unused });
  }
  return { values, unused };
}
