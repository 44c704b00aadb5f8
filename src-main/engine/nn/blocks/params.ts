/**
 * Where blocks get their weights. A block asks `params.param(graph, name, shape, init)` for each weight under
 * its checkpoint name (HF/PyTorch state-dict names such as `model.layers.0.self_attn.q_proj.weight`), and the
 * store decides whether it becomes a trainable graph input or a frozen initializer, and with which values.
 *
 * [Note: one value set, many graphs] The same store builds the forward graph, the train-step graph and the
 * decode graph; each graph gets its own param tensor per name (asked twice in one graph, the same tensor comes
 * back, which is how weight tying is written), while the values live once, here.
 */
import type { Graph } from '../graph.js';
import type { Tensor } from '../tensor.js';
import { mulberry32 } from '../random.js';

/** How a weight is initialised when the store has no value for it (training from scratch). */
export type ParamInit =
  | { kind: 'zeros' }
  | { kind: 'ones' }
  | { kind: 'normal'; std: number }
  | { kind: 'uniform'; bound: number };

export interface ParamSource {
  param(graph: Graph, name: string, shape: readonly number[], init: ParamInit): Tensor;
}

export interface ParamStoreOptions {
  /** Known values by name (e.g. from a checkpoint); float32, length = product of the shape. */
  values?: ReadonlyMap<string, Float32Array> | Readonly<Record<string, Float32Array>>;
  /** Names that stay frozen (initializers). Default: nothing frozen. */
  frozen?: (name: string) => boolean;
  /** Seed for weights initialised here. */
  seed?: number;
}

/** Box–Muller on a seeded uniform stream, so initial weights are reproducible without fixtures. */
export function initValues(init: ParamInit, n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  if (init.kind === 'zeros') return out;
  if (init.kind === 'ones') return out.fill(1);
  const rand = mulberry32(seed);
  if (init.kind === 'uniform') {
    for (let i = 0; i < n; i++) out[i] = (rand() * 2 - 1) * init.bound;
    return out;
  }
  for (let i = 0; i < n; i += 2) {
    const u1 = Math.max(rand(), 1e-12);
    const u2 = rand();
    const r = Math.sqrt(-2 * Math.log(u1)) * init.std;
    out[i] = r * Math.cos(2 * Math.PI * u2);
    if (i + 1 < n) out[i + 1] = r * Math.sin(2 * Math.PI * u2);
  }
  return out;
}

/** FNV-1a of a name, so each tensor's random stream depends on the seed and its name only. */
export function hashName(name: string): number {
  let h = 2166136261;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619);
  return h >>> 0;
}

export class ParamStore implements ParamSource {
  readonly #values = new Map<string, Float32Array>();
  readonly #shapes = new Map<string, readonly number[]>();
  readonly #perGraph = new WeakMap<Graph, Map<string, Tensor>>();
  readonly #frozen: (name: string) => boolean;
  readonly #seed: number;

  constructor(options: ParamStoreOptions = {}) {
    const v = options.values;
    if (v) for (const [k, val] of v instanceof Map ? v : Object.entries(v)) this.#values.set(k, val);
    this.#frozen = options.frozen ?? (() => false);
    this.#seed = options.seed ?? 0;
  }

  param(graph: Graph, name: string, shape: readonly number[], init: ParamInit): Tensor {
    let tensors = this.#perGraph.get(graph);
    if (!tensors) this.#perGraph.set(graph, (tensors = new Map()));
    const n = shape.reduce((a, b) => a * b, 1);
    const known = this.#shapes.get(name);
    if (known && known.join(',') !== shape.join(',')) {
      throw new Error(`param "${name}": asked for shape [${shape.join(', ')}], earlier [${known.join(', ')}]`);
    }
    const existing = tensors.get(name);
    if (existing) return existing;
    let data = this.#values.get(name);
    if (data && data.length !== n) throw new Error(`param "${name}": value has ${data.length} elements, shape [${shape.join(', ')}] needs ${n}`);
    if (!data) {
      data = initValues(init, n, (this.#seed ^ hashName(name)) >>> 0);
      this.#values.set(name, data);
    }
    this.#shapes.set(name, [...shape]);
    const t = graph.param(name, shape, { trainable: !this.#frozen(name), data });
    tensors.set(name, t);
    return t;
  }

  /** Current value of a weight (after `param` created or was given it). */
  value(name: string): Float32Array {
    const v = this.#values.get(name);
    if (!v) throw new Error(`param "${name}" is unknown to this store`);
    return v;
  }

  shape(name: string): readonly number[] {
    const s = this.#shapes.get(name);
    if (!s) throw new Error(`param "${name}" has not been created yet`);
    return s;
  }

  /** Replaces a weight's values (e.g. after training), checked against its shape. */
  set(name: string, data: Float32Array): void {
    const s = this.#shapes.get(name);
    if (s && s.reduce((a, b) => a * b, 1) !== data.length) throw new Error(`param "${name}": ${data.length} values for [${s.join(', ')}]`);
    this.#values.set(name, data);
  }

  isFrozen(name: string): boolean {
    return this.#frozen(name);
  }

  names(): string[] {
    return [...this.#shapes.keys()];
  }
}

/**
 * A ParamSource over tensors the caller already has (graph inputs in gradchecks, or weights shared with
 * another block). Asking for a name it does not hold, or with another shape, is an error.
 */
export class TensorParams implements ParamSource {
  constructor(private readonly tensors: Readonly<Record<string, Tensor>>) {}

  param(graph: Graph, name: string, shape: readonly number[], _init: ParamInit): Tensor {
    const t = this.tensors[name];
    if (!t) throw new Error(`param "${name}" was not provided (have: ${Object.keys(this.tensors).join(', ')})`);
    graph.own(t, `param "${name}"`);
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new Error(`param "${name}": provided [${t.shape.join(', ')}], block expects [${shape.join(', ')}]`);
    }
    return t;
  }
}
