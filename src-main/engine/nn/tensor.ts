import type { AnyTypedArray, DType } from './dtype.js';
import type { Graph, Node } from './graph.js';
import type { Shape } from './shape.js';
import { formatShape } from './shape.js';

/** Where a tensor's value comes from. */
export type TensorSource =
  /** fed at run time */
  | { kind: 'input'; name: string }
  /** a weight: trainable ones are fed at run time (and differentiated), frozen ones are folded in as initializers */
  | { kind: 'param'; name: string; trainable: boolean; data: AnyTypedArray | null }
  /** a literal, deduplicated by dtype, shape and value */
  | { kind: 'const'; data: AnyTypedArray }
  /** output `index` of a node */
  | { kind: 'node'; node: Node; index: number };

/**
 * A symbolic value in a `Graph`: a dtype and a (possibly symbolic) shape, known at build time.
 * Tensors are immutable; ops make new ones.
 */
export class Tensor {
  constructor(
    readonly graph: Graph,
    readonly id: number,
    readonly dtype: DType,
    readonly shape: Shape,
    readonly source: TensorSource,
    /** the ONNX value name this tensor is emitted under */
    readonly valueName: string,
  ) {}

  get rank(): number {
    return this.shape.length;
  }

  /** The node that produced this tensor, or null for inputs, parameters and constants. */
  get producer(): Node | null {
    return this.source.kind === 'node' ? this.source.node : null;
  }

  toString(): string {
    return `${this.valueName}: ${this.dtype}${formatShape(this.shape)}`;
  }
}
