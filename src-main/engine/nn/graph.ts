import { createHash } from 'node:crypto';
import type { AnyTypedArray, DType } from './dtype.js';
import { checkTypedArray, typedArrayFrom } from './dtype.js';
import type { Op } from './ops.js';
import type { Dim, Shape } from './shape.js';
import { dimSymbols, formatShape, isStatic, normalizeDim } from './shape.js';
import { Tensor } from './tensor.js';

export type AttrValue = number | boolean | string | readonly number[] | readonly Dim[];
export type Attrs = Readonly<Record<string, AttrValue>>;

/** One primitive application. `shapeDeps` are tensors whose run-time sizes the node reads (symbolic dims). */
export interface Node {
  readonly id: number;
  readonly op: Op;
  /** `/scope/.../OpType`, unique in the graph */
  readonly name: string;
  readonly inputs: readonly Tensor[];
  readonly outputs: readonly Tensor[];
  readonly attrs: Attrs;
  readonly shapeDeps: readonly Tensor[];
}

export interface OutputSpec {
  dtype: DType;
  shape: Shape;
}

export interface ParamOptions {
  dtype?: DType;
  /** trainable: a graph input to feed and differentiate; frozen: an initializer holding `data` */
  trainable: boolean;
  /** required when frozen; for trainable ones, the initial value kept for the caller's convenience */
  data?: AnyTypedArray;
}

/** Where the run-time size of a symbolic dim can be read: `tensor.shape[axis]`. */
export interface DimSource {
  tensor: Tensor;
  axis: number;
}

/**
 * A graph under construction. Build with `graph.input`, `graph.param`, `graph.constant` and the op functions;
 * name regions with `graph.scope`; declare results with `graph.output`. Construction checks dtypes and
 * shapes as it goes; `validateGraph` re-checks the whole and `emitOnnx` writes it.
 */
export class Graph {
  readonly nodes: Node[] = [];
  readonly tensors: Tensor[] = [];
  readonly inputs: Tensor[] = [];
  readonly params: Tensor[] = [];
  readonly constants: Tensor[] = [];
  readonly outputs: { name: string; tensor: Tensor }[] = [];
  private readonly scopes: string[] = [];
  private readonly nodeNames = new Set<string>();
  private readonly valueNames = new Set<string>();
  private readonly constByKey = new Map<string, Tensor>();
  private readonly dimSources = new Map<string, DimSource>();

  constructor(readonly name = 'nn') {}

  /** Runs `fn` with `name` pushed on the scope stack; nodes made inside are named `/…/name/OpType`. */
  scope<T>(name: string, fn: () => T): T {
    if (name === '' || name.includes('/')) throw new Error(`scope name "${name}" must be non-empty and contain no "/"`);
    this.scopes.push(name);
    try {
      return fn();
    } finally {
      this.scopes.pop();
    }
  }

  /** Runs `fn` with the scope stack replaced by an absolute path such as `/layers.0/attn/MatMul_grad`. */
  atPath<T>(path: string, fn: () => T): T {
    const saved = this.scopes.splice(0, this.scopes.length);
    this.scopes.push(...path.split('/').filter((s) => s !== ''));
    try {
      return fn();
    } finally {
      this.scopes.splice(0, this.scopes.length, ...saved);
    }
  }

  get scopePath(): string {
    return this.scopes.length === 0 ? '' : `/${this.scopes.join('/')}`;
  }

  /** A run-time input. Symbolic dims name sizes that may differ per run. */
  input(name: string, dtype: DType, shape: Shape): Tensor {
    this.claimValueName(name, 'input');
    const t = this.makeTensor(dtype, shape.map(normalizeDim), { kind: 'input', name }, name);
    this.inputs.push(t);
    return t;
  }

  /** A weight. Shapes of parameters are static. */
  param(name: string, shape: readonly number[], options: ParamOptions): Tensor {
    const dtype = options.dtype ?? 'float32';
    for (const d of shape) {
      if (!isStatic(d)) throw new Error(`param "${name}": shape ${formatShape(shape)} must be static`);
    }
    const data = options.data ?? null;
    if (data !== null) {
      checkTypedArray(dtype, data, `param "${name}"`);
      const n = shape.reduce((a, b) => a * b, 1);
      if (data.length !== n) {
        throw new Error(`param "${name}": data has ${data.length} values, shape ${formatShape(shape)} needs ${n}`);
      }
    } else if (!options.trainable) {
      throw new Error(`param "${name}": a frozen parameter needs data (it is folded into the model)`);
    }
    this.claimValueName(name, 'param');
    const t = this.makeTensor(dtype, shape, { kind: 'param', name, trainable: options.trainable, data }, name);
    this.params.push(t);
    return t;
  }

  /** A literal tensor; equal literals (dtype, shape and bytes) are one tensor. */
  constant(data: AnyTypedArray, shape: readonly number[], dtype: DType): Tensor {
    checkTypedArray(dtype, data, 'constant');
    const n = shape.reduce((a, b) => a * b, 1);
    if (data.length !== n) throw new Error(`constant: ${data.length} values for shape ${formatShape(shape)}`);
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    const digest = bytes.length <= 64 ? Buffer.from(bytes).toString('hex') : createHash('sha256').update(bytes).digest('hex');
    const key = `${dtype}|${shape.join(',')}|${digest}`;
    const existing = this.constByKey.get(key);
    if (existing) return existing;
    const name = `/constants/${dtype}_${shape.length === 0 ? 'scalar' : shape.join('x')}_${this.constants.length}`;
    this.claimValueName(name, 'constant');
    const t = this.makeTensor(dtype, [...shape], { kind: 'const', data: data.slice() as AnyTypedArray }, name);
    this.constants.push(t);
    this.constByKey.set(key, t);
    return t;
  }

  /** A rank-0 literal. */
  scalar(value: number | bigint | boolean, dtype: DType): Tensor {
    return this.constant(typedArrayFrom(dtype, [value]), [], dtype);
  }

  /** A literal from plain numbers. */
  literal(values: readonly (number | bigint | boolean)[], shape: readonly number[], dtype: DType): Tensor {
    return this.constant(typedArrayFrom(dtype, values), shape, dtype);
  }

  /** Declares `tensor` a graph output under `name`. */
  output(name: string, tensor: Tensor): void {
    this.own(tensor, 'output');
    if (this.outputs.some((o) => o.name === name)) throw new Error(`output "${name}" is declared twice`);
    if (this.valueNames.has(name) && tensor.valueName !== name) {
      throw new Error(`output "${name}": the name is already used by another value`);
    }
    this.outputs.push({ name, tensor });
  }

  /** Throws unless `t` belongs to this graph. */
  own(t: Tensor, what: string): void {
    if (!(t instanceof Tensor)) throw new TypeError(`${what}: expected a Tensor, got ${typeof t}`);
    if (t.graph !== this) throw new Error(`${what}: tensor ${t.valueName} belongs to another graph`);
  }

  /**
   * Adds a node. Op functions call this after checking their operands; the node is named
   * `${scopePath}/${name ?? op}`, with `_1`, `_2`, … appended for automatic names that repeat.
   * An explicit `name` that is already taken is an error.
   */
  addNode(
    op: Op,
    inputs: readonly Tensor[],
    attrs: Attrs,
    outputs: readonly OutputSpec[],
    options: { name?: string; baseName?: string; shapeDeps?: readonly Tensor[] } = {},
  ): Tensor[] {
    for (const t of inputs) this.own(t, op);
    let name: string;
    if (options.name !== undefined) {
      name = `${this.scopePath}/${options.name}`;
      if (this.nodeNames.has(name)) throw new Error(`duplicate node name "${name}"`);
    } else {
      const base = `${this.scopePath}/${options.baseName ?? op}`;
      name = base;
      for (let k = 1; this.nodeNames.has(name); k++) name = `${base}_${k}`;
    }
    this.nodeNames.add(name);
    const node: Node = {
      id: this.nodes.length,
      op,
      name,
      inputs: [...inputs],
      outputs: [],
      attrs,
      shapeDeps: [...(options.shapeDeps ?? [])],
    };
    const outs = outputs.map((spec, index) => {
      const valueName = `${name}/output_${index}`;
      this.claimValueName(valueName, 'node output');
      return this.makeTensor(spec.dtype, spec.shape.map(normalizeDim), { kind: 'node', node, index }, valueName);
    });
    (node as { outputs: readonly Tensor[] }).outputs = outs;
    this.nodes.push(node);
    return outs;
  }

  /**
   * Where the run-time size `dim` can be read. A dim that is no tensor's size may still be computed from
   * its symbols (e.g. "P+T" from a tensor of size P and one of size T); `dimDeps` lists what that needs.
   */
  dimSource(dim: Dim): DimSource | undefined {
    return typeof dim === 'number' ? undefined : this.dimSources.get(normalizeDim(dim) as string);
  }

  /** Tensors whose shapes together give the run-time value of every dim in `dims`; throws if one is unknown. */
  dimDeps(dims: readonly Dim[], what: string): Tensor[] {
    const deps = new Set<Tensor>();
    for (const d of dims) {
      if (typeof d === 'number') continue;
      const exact = this.dimSource(d);
      if (exact) {
        deps.add(exact.tensor);
        continue;
      }
      for (const sym of dimSymbols(d)) {
        const src = this.dimSources.get(sym);
        if (!src) throw new Error(`${what}: dimension "${d}" cannot be computed: no tensor built so far has size "${sym}"`);
        deps.add(src.tensor);
      }
    }
    return [...deps];
  }

  private makeTensor(dtype: DType, shape: Shape, source: Tensor['source'], valueName: string): Tensor {
    const t = new Tensor(this, this.tensors.length, dtype, Object.freeze([...shape]), source, valueName);
    this.tensors.push(t);
    shape.forEach((d, axis) => {
      if (typeof d === 'string' && !this.dimSources.has(d)) this.dimSources.set(d, { tensor: t, axis });
    });
    return t;
  }

  private claimValueName(name: string, what: string): void {
    if (name === '') throw new Error(`${what}: name must not be empty`);
    if (this.valueNames.has(name)) throw new Error(`${what} "${name}": the name is already used in this graph`);
    this.valueNames.add(name);
  }
}
