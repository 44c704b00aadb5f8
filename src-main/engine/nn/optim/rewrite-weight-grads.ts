/**
 * Post-emission pass for training graphs: computes weight gradients in the weight's own layout.
 *
 * A linear layer multiplies by Wᵀ (checkpoint layout [out, in]); its backward yields dWᵀ = Xᵀ·G and then
 * transposes that into dW. ORT runs the final Transpose of every weight-sized gradient as a separate,
 * memory-bound kernel (measured: ~35% of a 12×1024 LLaMA train step on 16 threads). Since
 * (Xᵀ·G)ᵀ = Gᵀ·X exactly, the pattern
 *
 *   Transpose[1,0](MatMul(Transpose[1,0](X), G))   →   MatMul(Transpose[1,0](G), X)
 *
 * gives dW directly; ORT then folds Transpose(G) (activation-sized) into a FusedMatMul (transA).
 * Only 2-D matmuls match (both transposes have perm [1,0]); blocks/linear.ts flattens its input to 2-D
 * so every linear layer's gradient does. (Better done in the gradient rules; kept here until it is.)
 */
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
type NodeProto = onnxProto.onnx.INodeProto;

function isSwap2d(n: NodeProto | undefined): boolean {
  if (!n || n.opType !== 'Transpose' || (n.domain ?? '') !== '') return false;
  const perm = n.attribute?.find((a) => a.name === 'perm');
  const ints = perm?.ints?.map(Number) ?? [];
  return ints.length === 2 && ints[0] === 1 && ints[1] === 0;
}

export function rewriteTransposedMatMulGrads(model: Uint8Array): Uint8Array {
  const m = onnx.ModelProto.decode(model);
  const graph = m.graph;
  if (!graph?.node) return model;
  const producer = new Map<string, NodeProto>();
  const consumers = new Map<string, number>();
  for (const n of graph.node) {
    for (const o of n.output ?? []) producer.set(o, n);
    for (const i of n.input ?? []) consumers.set(i, (consumers.get(i) ?? 0) + 1);
  }
  const graphOutputs = new Set((graph.output ?? []).map((o) => o.name ?? ''));
  const replaced = new Map<NodeProto, NodeProto[]>();
  const dropped = new Set<NodeProto>();
  for (const t2 of graph.node) {
    if (!isSwap2d(t2)) continue;
    const mm = producer.get(t2.input![0]);
    if (!mm || mm.opType !== 'MatMul' || (mm.domain ?? '') !== '' || dropped.has(mm)) continue;
    const mmOut = mm.output![0];
    if (consumers.get(mmOut) !== 1 || graphOutputs.has(mmOut)) continue;
    const t1 = producer.get(mm.input![0]);
    if (!isSwap2d(t1)) continue;
    const x = t1!.input![0];
    const gIn = mm.input![1];
    const gT = `${mmOut}/grad_layout/G_T`;
    const newT: NodeProto = onnx.NodeProto.create({
      name: `${mm.name ?? 'MatMul'}/grad_layout/Transpose`,
      opType: 'Transpose',
      input: [gIn],
      output: [gT],
      attribute: [onnx.AttributeProto.create({ name: 'perm', type: onnx.AttributeProto.AttributeType.INTS, ints: [1, 0] })],
    });
    const newMm: NodeProto = onnx.NodeProto.create({ name: `${mm.name ?? 'MatMul'}/grad_layout/MatMul`, opType: 'MatMul', input: [gT, x], output: [t2.output![0]] });
    replaced.set(t2, [newT, newMm]);
    dropped.add(mm);
    consumers.set(t1!.output![0], (consumers.get(t1!.output![0]) ?? 1) - 1);
  }
  if (replaced.size === 0) return model;
  const nodes: NodeProto[] = [];
  for (const n of graph.node) {
    if (dropped.has(n)) continue;
    // a Transpose[1,0] of X left without consumers by the rewrite goes too
    if (isSwap2d(n) && !replaced.has(n) && consumers.get(n.output![0]) === 0 && !graphOutputs.has(n.output![0])) continue;
    const r = replaced.get(n);
    if (r) nodes.push(...r);
    else nodes.push(n);
  }
  graph.node = nodes;
  return onnx.ModelProto.encode(m).finish();
}
