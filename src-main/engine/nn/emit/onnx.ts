/**
 * Writes a `Graph` as ONNX ModelProto bytes (opset 21, IR 10 by default; onnxruntime-node 1.30 takes
 * opset ≤ 26, IR ≤ 13). Only nodes on a path to a declared output are written. Each primitive becomes one
 * ONNX node carrying the primitive's name; helper nodes it needs (shape vectors, run-time sizes) are named
 * under it (`…/MatMul/shape/Concat`) or under `/dims/…` when shared.
 */
import onnxProto from 'onnx-proto';
import type { AnyTypedArray, DType } from '../dtype.js';
import { onnxDataType, typedArrayFrom } from '../dtype.js';
import type { Graph, Node } from '../graph.js';
import { Op } from '../ops.js';
import type { OnnxAttr } from '../primitives.js';
import type { Dim, Shape } from '../shape.js';
import { dimEquals, isStatic } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { validateGraph } from '../validate.js';

const { onnx } = onnxProto;
type INodeProto = onnxProto.onnx.INodeProto;
type ITensorProto = onnxProto.onnx.ITensorProto;
type IAttributeProto = onnxProto.onnx.IAttributeProto;
type IValueInfoProto = onnxProto.onnx.IValueInfoProto;

export const DEFAULT_OPSET = 21;
export const MAX_OPSET = 26;
export const DEFAULT_IR_VERSION = 10;
export const MAX_IR_VERSION = 13;
/** protobuf messages cannot exceed 2 GiB; leave room for the graph itself */
const INLINE_LIMIT_BYTES = 2 ** 31 - 2 ** 24;

export interface EmitOptions {
  opset?: number;
  irVersion?: number;
  /**
   * Store initializers of at least `thresholdBytes` (default 1024) in a separate file `location`, resolved by
   * ORT relative to the model file. Needed for models over 2 GiB.
   */
  externalData?: { location: string; thresholdBytes?: number };
  /** skip `validateGraph` (it runs by default) */
  skipValidation?: boolean;
}

export interface ExternalChunk {
  offset: number;
  bytes: Uint8Array;
}

export interface EmittedModel {
  model: Uint8Array;
  /** present when `externalData` was asked for: the bytes of the external file, as chunks at offsets */
  external: { location: string; chunks: ExternalChunk[]; totalBytes: number } | null;
  inputNames: string[];
  outputNames: string[];
}

function bytesOf(data: AnyTypedArray): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

function attrInt(name: string, i: number): IAttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.INT, i };
}
function attrInts(name: string, ints: readonly number[]): IAttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.INTS, ints: [...ints] };
}
function attrFloat(name: string, f: number): IAttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.FLOAT, f };
}
function attrString(name: string, s: string): IAttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.STRING, s: new TextEncoder().encode(s) };
}
function attrTensor(name: string, t: ITensorProto): IAttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.TENSOR, t };
}

function verbatimAttr(name: string, a: OnnxAttr): IAttributeProto {
  if ('int' in a) return attrInt(name, a.int);
  if ('ints' in a) return attrInts(name, a.ints);
  if ('float' in a) return attrFloat(name, a.float);
  if ('floats' in a) return { name, type: onnx.AttributeProto.AttributeType.FLOATS, floats: [...a.floats] };
  return attrString(name, a.string);
}

function valueInfo(name: string, dtype: DType, shape: Shape): IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: onnxDataType[dtype],
        shape: { dim: shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

/** Nodes needed for the outputs, in creation order (which is topological: a node's operands exist before it). */
function neededNodes(graph: Graph): Node[] {
  const seen = new Set<number>();
  const stack: Tensor[] = graph.outputs.map((o) => o.tensor);
  while (stack.length > 0) {
    const t = stack.pop()!;
    const node = t.producer;
    if (node === null || seen.has(node.id)) continue;
    seen.add(node.id);
    stack.push(...node.inputs, ...node.shapeDeps);
  }
  return graph.nodes.filter((n) => seen.has(n.id));
}

/** Splits at `sep` outside braces and parentheses (opaque atoms like "{floor((L-1)/2)}" stay whole). */
function splitTopLevel(text: string, sep: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '{' || c === '(') depth++;
    else if (c === '}' || c === ')') depth--;
    else if (c === sep && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

/** "P+T-1" → ["P", "T", "-1"], leaving opaque atoms whole. */
function splitTerms(text: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let current = '';
  for (const c of text) {
    if (c === '{' || c === '(') depth++;
    else if (c === '}' || c === ')') depth--;
    if (depth === 0 && (c === '+' || c === '-') && current !== '') {
      terms.push(current);
      current = c === '-' ? '-' : '';
    } else current += c;
  }
  if (current !== '') terms.push(current);
  return terms;
}

class EmitContext {
  readonly nodes: INodeProto[] = [];
  readonly initializers: ITensorProto[] = [];
  private readonly auxConsts = new Map<string, string>();
  private readonly dimValues = new Map<string, string>();
  usesContribDomain = false;

  node(opType: string, name: string, inputs: string[], outputs: string[], attribute: IAttributeProto[] = [], domain = ''): void {
    this.nodes.push({ opType, name, input: inputs, output: outputs, attribute, domain });
  }

  initializer(name: string, dtype: DType, dims: readonly number[], data: AnyTypedArray): void {
    this.initializers.push({ name, dataType: onnxDataType[dtype], dims: [...dims], rawData: bytesOf(data) });
  }

  /** A small int64 constant (shape vectors, axes), shared by value. */
  int64(values: readonly (number | bigint)[], scalar = false): string {
    const key = `${scalar ? 's' : 'v'}:${values.join(',')}`;
    const existing = this.auxConsts.get(key);
    if (existing) return existing;
    const name = `/emit/int64_${this.auxConsts.size}`;
    this.auxConsts.set(key, name);
    this.initializer(name, 'int64', scalar ? [] : [values.length], BigInt64Array.from(values.map((v) => BigInt(v))));
    return name;
  }

  /** A scalar constant of `dtype`. */
  scalar(value: number, dtype: DType): string {
    const key = `${dtype}:${value}`;
    const existing = this.auxConsts.get(key);
    if (existing) return existing;
    const name = `/emit/${dtype}_${this.auxConsts.size}`;
    this.auxConsts.set(key, name);
    this.initializer(name, dtype, [], typedArrayFrom(dtype, [value]));
    return name;
  }

  /**
   * A [1] int64 holding the run-time value of `d`, read from the shapes of `deps` (the node's build-time
   * shape dependencies: never its own outputs, which may carry the same symbolic size).
   */
  dim(d: Dim, deps: readonly Tensor[]): string {
    if (typeof d === 'number') return this.int64([d]);
    for (const dep of deps) {
      const axis = dep.shape.findIndex((x) => dimEquals(x, d));
      if (axis < 0) continue;
      const key = `${dep.valueName}#${axis}`;
      const cached = this.dimValues.get(key);
      if (cached) return cached;
      const name = `/dims/${d}/Shape_${this.dimValues.size}`;
      const out = `${name}/output_0`;
      this.node('Shape', name, [dep.valueName], [out], [attrInt('start', axis), attrInt('end', axis + 1)]);
      this.dimValues.set(key, out);
      return out;
    }
    const key = `poly:${d}`;
    const cached = this.dimValues.get(key);
    if (cached) return cached;
    const out = this.polynomial(d, `/dims/${d}/${this.dimValues.size}`, deps);
    this.dimValues.set(key, out);
    return out;
  }

  /** Computes a sum-of-products dim ("P+T", "2*B*T") from the sizes of its symbols. */
  private polynomial(d: string, base: string, deps: readonly Tensor[]): string {
    const terms = splitTerms(d);
    let acc: string | null = null;
    terms.forEach((term, ti) => {
      const negative = term.startsWith('-');
      const factors = splitTopLevel(negative ? term.slice(1) : term, '*');
      let prod: string | null = null;
      let coef = negative ? -1 : 1;
      factors.forEach((f, fi) => {
        if (/^[0-9]+$/.test(f)) {
          coef *= Number(f);
          return;
        }
        if (!deps.some((t) => t.shape.some((x) => dimEquals(x, f)))) {
          throw new Error(`emit: dimension "${d}": no shape dependency has size "${f}"`);
        }
        const v = this.dim(f, deps);
        if (prod === null) prod = v;
        else {
          const o = `${base}/term${ti}/Mul_${fi}/output_0`;
          this.node('Mul', `${base}/term${ti}/Mul_${fi}`, [prod, v], [o]);
          prod = o;
        }
      });
      let termValue: string;
      if (prod === null) termValue = this.int64([coef]);
      else if (coef === 1) termValue = prod;
      else {
        termValue = `${base}/term${ti}/Scale/output_0`;
        this.node('Mul', `${base}/term${ti}/Scale`, [prod, this.int64([coef])], [termValue]);
      }
      if (acc === null) acc = termValue;
      else {
        const o = `${base}/Add_${ti}/output_0`;
        this.node('Add', `${base}/Add_${ti}`, [acc, termValue], [o]);
        acc = o;
      }
    });
    if (acc === null) throw new Error(`emit: empty dimension "${d}"`);
    return acc;
  }

  /**
   * An int64 shape vector for `dims`. `special(i)` may give a literal (-1 or 0 for Reshape) for entry i.
   */
  shapeVector(
    dims: readonly Dim[],
    owner: string,
    deps: readonly Tensor[],
    special: (i: number) => number | null = () => null,
    label = 'shape',
  ): string {
    const literal = dims.map((d, i) => special(i) ?? (isStatic(d) ? d : null));
    if (literal.every((v) => v !== null)) return this.int64(literal as number[]);
    const pieces = dims.map((d, i) => (literal[i] !== null ? this.int64([literal[i] as number]) : this.dim(d, deps)));
    const out = `${owner}/${label}/Concat/output_0`;
    this.node('Concat', `${owner}/${label}/Concat`, pieces, [out], [attrInt('axis', 0)]);
    return out;
  }
}

function emitNode(ctx: EmitContext, node: Node): void {
  const a = node.attrs;
  const ins = node.inputs.map((t) => t.valueName);
  const outs = node.outputs.map((t) => t.valueName);
  const name = node.name;
  const x = node.inputs[0];
  switch (node.op) {
    case Op.Identity:
    case Op.Neg:
    case Op.Exp:
    case Op.Log:
    case Op.Sqrt:
    case Op.Reciprocal:
    case Op.Abs:
    case Op.Sigmoid:
    case Op.Tanh:
    case Op.Erf:
    case Op.Sin:
    case Op.Cos:
    case Op.Relu:
    case Op.Not:
    case Op.Add:
    case Op.Sub:
    case Op.Mul:
    case Op.Div:
    case Op.Pow:
    case Op.Max:
    case Op.Min:
    case Op.Equal:
    case Op.Less:
    case Op.Greater:
    case Op.And:
    case Op.Or:
    case Op.Where:
    case Op.MatMul:
      ctx.node(node.op, name, ins, outs);
      return;
    case Op.StopGradient:
      ctx.node('Identity', name, ins, outs);
      return;
    case Op.Cast:
      ctx.node('Cast', name, ins, outs, [attrInt('to', onnxDataType[a.to as DType])]);
      return;
    case Op.ReduceSum:
    case Op.ReduceMax:
    case Op.ReduceMean:
      ctx.node(node.op, name, [ins[0], ctx.int64(a.axes as number[])], outs, [attrInt('keepdims', a.keepdims ? 1 : 0)]);
      return;
    case Op.ArgMax:
      ctx.node('ArgMax', name, ins, outs, [attrInt('axis', a.axis as number), attrInt('keepdims', a.keepdims ? 1 : 0)]);
      return;
    case Op.Reshape: {
      const target = a.shape as Dim[];
      const inferred = a.inferredAxis as number;
      const hasStaticZero = target.some((d, i) => d === 0 && i !== inferred);
      const shape = ctx.shapeVector(target, name, node.shapeDeps, (i) => {
        if (i === inferred) return -1;
        // 0 copies the input's size at the same position (allowzero=0), saving a run-time Shape.
        if (!hasStaticZero && !isStatic(target[i]) && i < x.rank && dimEquals(target[i], x.shape[i])) return 0;
        return null;
      });
      ctx.node('Reshape', name, [ins[0], shape], outs, hasStaticZero ? [attrInt('allowzero', 1)] : []);
      return;
    }
    case Op.Transpose:
      ctx.node('Transpose', name, ins, outs, [attrInts('perm', a.perm as number[])]);
      return;
    case Op.Expand:
      ctx.node('Expand', name, [ins[0], ctx.shapeVector(a.shape as Dim[], name, node.shapeDeps)], outs);
      return;
    case Op.Squeeze:
    case Op.Unsqueeze:
      ctx.node(node.op, name, [ins[0], ctx.int64(a.axes as number[])], outs);
      return;
    case Op.Slice: {
      // SLICE_END (2^62) is exact as int64 and clamps to the axis length like INT64_MAX.
      const ends = a.ends as Dim[];
      const starts = a.starts as Dim[];
      const endsValue = ends.every(isStatic) ? ctx.int64(ends) : ctx.shapeVector(ends, name, node.shapeDeps, () => null, 'ends');
      const startsValue = starts.every(isStatic) ? ctx.int64(starts) : ctx.shapeVector(starts, name, node.shapeDeps, () => null, 'starts');
      ctx.node('Slice', name, [ins[0], startsValue, endsValue, ctx.int64(a.axes as number[]), ctx.int64(a.steps as number[])], outs);
      return;
    }
    case Op.Concat:
      ctx.node('Concat', name, ins, outs, [attrInt('axis', a.axis as number)]);
      return;
    case Op.Pad: {
      const mode = a.mode as string;
      const inputs = [ins[0], ctx.int64(a.pads as number[])];
      if (mode === 'constant') inputs.push(ctx.scalar(a.value as number, x.dtype));
      ctx.node('Pad', name, inputs, outs, [attrString('mode', mode)]);
      return;
    }
    case Op.Gather:
      ctx.node('Gather', name, ins, outs, [attrInt('axis', a.axis as number)]);
      return;
    case Op.ScatterNDAdd:
      ctx.node('ScatterND', name, ins, outs, [attrString('reduction', 'add')]);
      return;
    case Op.Conv1d:
      ctx.node('Conv', name, ins, outs, [
        attrInts('strides', [a.stride as number]),
        attrInts('dilations', [a.dilation as number]),
        attrInts('pads', a.pads as number[]),
        attrInt('group', a.groups as number),
      ]);
      return;
    case Op.ConvTranspose1d:
      ctx.node('ConvTranspose', name, ins, outs, [
        attrInts('strides', [a.stride as number]),
        attrInts('dilations', [a.dilation as number]),
        attrInts('pads', a.pads as number[]),
        attrInt('group', a.groups as number),
        attrInts('output_padding', [a.outputPadding as number]),
      ]);
      return;
    case Op.ZerosLike: {
      const dtype = a.dtype as DType;
      const shape = `${name}/Shape/output_0`;
      ctx.node('Shape', `${name}/Shape`, ins, [shape]);
      const zero = onnxProtoScalar(dtype, 0);
      ctx.node('ConstantOfShape', name, [shape], outs, [attrTensor('value', zero)]);
      return;
    }
    case Op.Size: {
      const axes = a.axes as number[];
      const dtype = a.dtype as DType;
      const dims = axes.map((i) => x.shape[i]);
      if (dims.every(isStatic)) {
        ctx.node('Identity', name, [ctx.scalar(dims.reduce((p, d) => p * d, 1), dtype)], outs);
        return;
      }
      const shape = `${name}/Shape/output_0`;
      ctx.node('Shape', `${name}/Shape`, ins, [shape]);
      const picked = `${name}/Gather/output_0`;
      ctx.node('Gather', `${name}/Gather`, [shape, ctx.int64(axes)], [picked], [attrInt('axis', 0)]);
      const prod = `${name}/ReduceProd/output_0`;
      ctx.node('ReduceProd', `${name}/ReduceProd`, [picked], [prod], [attrInt('keepdims', 0)]);
      ctx.node('Cast', name, [prod], outs, [attrInt('to', onnxDataType[dtype])]);
      return;
    }
    case Op.Arange: {
      const dtype = a.dtype as DType;
      const n = (a.n as Dim[])[0];
      let limit: string;
      if (isStatic(n)) limit = ctx.scalar(n, dtype);
      else {
        const sq = `${name}/Squeeze/output_0`;
        ctx.node('Squeeze', `${name}/Squeeze`, [ctx.dim(n, node.shapeDeps), ctx.int64([0])], [sq]);
        if (dtype === 'int64') limit = sq;
        else {
          limit = `${name}/Cast/output_0`;
          ctx.node('Cast', `${name}/Cast`, [sq], [limit], [attrInt('to', onnxDataType[dtype])]);
        }
      }
      ctx.node('Range', name, [ctx.scalar(0, dtype), limit, ctx.scalar(1, dtype)], outs);
      return;
    }
    case Op.OnnxOp: {
      const slots = a.inputSlots as number[];
      const domain = a.domain as string;
      if (domain === 'com.microsoft') ctx.usesContribDomain = true;
      else if (domain !== '') throw new Error(`emit: node ${name}: domain "${domain}" is not supported`);
      const verbatim = JSON.parse(a.onnxAttrs as string) as Record<string, OnnxAttr>;
      ctx.node(
        a.opType as string,
        name,
        slots.map((s) => (s < 0 ? '' : ins[s])),
        outs,
        Object.entries(verbatim).map(([k, v]) => verbatimAttr(k, v)),
        domain,
      );
      return;
    }
  }
  const unknown: never = node.op;
  throw new Error(`emit: no emission for op ${String(unknown)}`);
}

function onnxProtoScalar(dtype: DType, value: number): ITensorProto {
  const data =
    dtype === 'int64'
      ? BigInt64Array.of(BigInt(value))
      : dtype === 'float64'
        ? Float64Array.of(value)
        : dtype === 'float32'
          ? Float32Array.of(value)
          : dtype === 'int32'
            ? Int32Array.of(value)
            : dtype === 'int8'
              ? Int8Array.of(value)
              : dtype === 'float16'
                ? Uint16Array.of(0)
                : Uint8Array.of(value);
  return { dataType: onnxDataType[dtype], dims: [1], rawData: bytesOf(data) };
}

/** Serializes `graph` (its declared outputs and what they need) to ONNX. */
export function emitOnnx(graph: Graph, options: EmitOptions = {}): EmittedModel {
  const opset = options.opset ?? DEFAULT_OPSET;
  const irVersion = options.irVersion ?? DEFAULT_IR_VERSION;
  if (!Number.isInteger(opset) || opset < 18 || opset > MAX_OPSET) {
    throw new Error(`emit: opset ${opset} is outside 18..${MAX_OPSET} (what this emitter writes and onnxruntime-node 1.30 reads)`);
  }
  if (!Number.isInteger(irVersion) || irVersion < 8 || irVersion > MAX_IR_VERSION) {
    throw new Error(`emit: IR version ${irVersion} is outside 8..${MAX_IR_VERSION}`);
  }
  if (graph.outputs.length === 0) throw new Error('emit: the graph declares no outputs (graph.output(name, tensor))');
  if (!options.skipValidation) validateGraph(graph);

  const ctx = new EmitContext();
  const nodes = neededNodes(graph);
  for (const node of nodes) emitNode(ctx, node);

  // Initializers: constants and frozen parameters that some emitted node reads.
  const read = new Set<Tensor>();
  for (const n of nodes) for (const t of n.inputs) read.add(t);
  for (const o of graph.outputs) read.add(o.tensor);
  const graphInitializers: { name: string; dtype: DType; dims: number[]; data: AnyTypedArray }[] = [];
  for (const t of [...graph.constants, ...graph.params]) {
    if (!read.has(t)) continue;
    const src = t.source;
    if (src.kind === 'const' || (src.kind === 'param' && !src.trainable)) {
      graphInitializers.push({ name: t.valueName, dtype: t.dtype, dims: t.shape as number[], data: src.data! });
    }
  }
  let external: EmittedModel['external'] = null;
  let inlineBytes = 0;
  const threshold = options.externalData?.thresholdBytes ?? 1024;
  let offset = 0;
  const chunks: ExternalChunk[] = [];
  for (const init of graphInitializers) {
    const bytes = bytesOf(init.data);
    if (options.externalData && bytes.byteLength >= threshold) {
      offset = Math.ceil(offset / 4096) * 4096; // page-aligned so ORT can memory-map it
      chunks.push({ offset, bytes });
      ctx.initializers.push({
        name: init.name,
        dataType: onnxDataType[init.dtype],
        dims: init.dims,
        dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
        externalData: [
          { key: 'location', value: options.externalData.location },
          { key: 'offset', value: String(offset) },
          { key: 'length', value: String(bytes.byteLength) },
        ],
      });
      offset += bytes.byteLength;
    } else {
      inlineBytes += bytes.byteLength;
      ctx.initializer(init.name, init.dtype, init.dims, init.data);
    }
  }
  if (options.externalData) external = { location: options.externalData.location, chunks, totalBytes: offset };
  if (inlineBytes > INLINE_LIMIT_BYTES) {
    throw new Error(
      `emit: ${inlineBytes} bytes of weights do not fit in one protobuf message (2 GiB limit); pass externalData: { location }`,
    );
  }

  const inputs = [...graph.inputs, ...graph.params.filter((p) => p.source.kind === 'param' && p.source.trainable)];
  const outputInfos: IValueInfoProto[] = [];
  const renamed = new Map<string, string>();
  for (const o of graph.outputs) {
    const value = o.tensor.valueName;
    if (o.name !== value) {
      // [Note: outputs without Identity] A node's result that becomes a graph output takes the output's name,
      // so ORT writes it where the output goes; an Identity in between is a full copy per run (measured:
      // ~15% of a small train step). Only values the graph inputs, constants, or an earlier output already
      // claimed keep the Identity.
      if (o.tensor.source.kind === 'node' && !renamed.has(value)) renamed.set(value, o.name);
      else ctx.node('Identity', `/outputs/${o.name}/Identity`, [renamed.get(value) ?? value], [o.name]);
    }
    outputInfos.push(valueInfo(o.name, o.tensor.dtype, o.tensor.shape));
  }
  if (renamed.size > 0) {
    for (const n of ctx.nodes) {
      n.input = (n.input ?? []).map((v) => renamed.get(v) ?? v);
      n.output = (n.output ?? []).map((v) => renamed.get(v) ?? v);
    }
  }

  const opsetImport = [{ domain: '', version: opset }];
  if (ctx.usesContribDomain) opsetImport.push({ domain: 'com.microsoft', version: 1 });
  const model = onnx.ModelProto.encode({
    irVersion,
    producerName: 'valle-studio nn',
    opsetImport,
    graph: {
      name: graph.name,
      node: ctx.nodes,
      initializer: ctx.initializers,
      input: inputs.map((t) => valueInfo(t.valueName, t.dtype, t.shape)),
      output: outputInfos,
    },
  }).finish();
  return {
    model,
    external,
    inputNames: inputs.map((t) => t.valueName),
    outputNames: graph.outputs.map((o) => o.name),
  };
}
