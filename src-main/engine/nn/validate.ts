/**
 * Whole-graph checks, kept apart from construction (which checks each op as it is added) and from emission.
 * Catches what per-op checks cannot: foreign or out-of-order operands, duplicate names, outputs that are
 * not computable, malformed parameters.
 */
import { checkTypedArray, isFloat } from './dtype.js';
import type { Graph } from './graph.js';
import { Op, opKind } from './ops.js';
import { broadcastShapes, dimEquals, formatShape, shapesEqual } from './shape.js';
import type { Tensor } from './tensor.js';

export class GraphValidationError extends Error {
  constructor(readonly problems: string[]) {
    super(`graph is invalid:\n  ${problems.join('\n  ')}`);
    this.name = 'GraphValidationError';
  }
}

/** Returns the list of problems (empty when the graph is valid). */
export function graphProblems(graph: Graph): string[] {
  const problems: string[] = [];
  const nodeNames = new Set<string>();
  const valueNames = new Set<string>();
  for (const t of graph.tensors) {
    if (valueNames.has(t.valueName)) problems.push(`value name "${t.valueName}" is used twice`);
    valueNames.add(t.valueName);
    if (t.graph !== graph) problems.push(`tensor ${t.valueName} belongs to another graph`);
    const src = t.source;
    if (src.kind === 'param') {
      if (!src.trainable && src.data === null) problems.push(`frozen param "${src.name}" has no data`);
      if (src.data !== null) {
        try {
          checkTypedArray(t.dtype, src.data, `param "${src.name}"`);
        } catch (e) {
          problems.push((e as Error).message);
        }
      }
    }
  }
  const available = (t: Tensor, nodeId: number): boolean => t.producer === null || t.producer.id < nodeId;
  for (const node of graph.nodes) {
    if (nodeNames.has(node.name)) problems.push(`duplicate node name "${node.name}"`);
    nodeNames.add(node.name);
    for (const t of [...node.inputs, ...node.shapeDeps]) {
      if (t.graph !== graph) problems.push(`${node.name}: operand ${t.valueName} belongs to another graph`);
      else if (!available(t, node.id)) problems.push(`${node.name}: operand ${t.valueName} is made after the node`);
    }
    const kind = opKind[node.op];
    const out = node.outputs[0];
    if (kind === 'binary' || kind === 'ternary') {
      const operands = kind === 'ternary' ? node.inputs.slice(1) : node.inputs;
      if (operands[0].dtype !== operands[1].dtype) {
        problems.push(`${node.name}: operand dtypes differ (${operands[0].dtype} vs ${operands[1].dtype})`);
      }
      try {
        const expected = node.inputs.slice(1).reduce((s, t) => broadcastShapes(s, t.shape, node.name), [...node.inputs[0].shape]);
        if (!shapesEqual(expected, out.shape)) {
          problems.push(`${node.name}: output ${formatShape(out.shape)} is not the broadcast ${formatShape(expected)}`);
        }
      } catch (e) {
        problems.push((e as Error).message);
      }
    }
    if (kind === 'unary' && node.op !== Op.Cast && (node.inputs[0].dtype !== out.dtype || !shapesEqual(node.inputs[0].shape, out.shape))) {
      problems.push(`${node.name}: unary output ${out} differs from input ${node.inputs[0]}`);
    }
    if ((node.op === Op.Exp || node.op === Op.Log || node.op === Op.Sqrt) && !isFloat(node.inputs[0].dtype)) {
      problems.push(`${node.name}: needs a float input, got ${node.inputs[0].dtype}`);
    }
    if (node.op === Op.MatMul && !dimEquals(node.inputs[0].shape.at(-1)!, node.inputs[1].shape.at(-2)!)) {
      problems.push(`${node.name}: inner dims differ`);
    }
  }
  const outputNames = new Set<string>();
  for (const o of graph.outputs) {
    if (outputNames.has(o.name)) problems.push(`output "${o.name}" is declared twice`);
    outputNames.add(o.name);
    if (o.tensor.graph !== graph) problems.push(`output "${o.name}" belongs to another graph`);
  }
  return problems;
}

/** Throws a `GraphValidationError` listing every problem found. */
export function validateGraph(graph: Graph): void {
  const problems = graphProblems(graph);
  if (problems.length > 0) throw new GraphValidationError(problems);
}
