/**
 * Post-emission pass: removes the Identity node the emitter puts in front of a graph output whose name
 * differs from its producer's value name, by renaming the producer's output to the graph output.
 *
 * [Note: why] A train step has three outputs per parameter (next param, m, v). With preallocated outputs
 * ORT must copy through each Identity (a single-threaded memcpy over every parameter, three times): ~15%
 * of a small model's step on 16 threads. Renamed, the last elementwise kernel writes straight into the
 * caller's buffer. (Better done by the emitter itself; kept here until it is.)
 */
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

export function foldOutputIdentities(model: Uint8Array): Uint8Array {
  const m = onnx.ModelProto.decode(model);
  const graph = m.graph;
  if (!graph || !graph.node || !graph.output) return model;
  const producedBy = new Map<string, number>();
  graph.node.forEach((n, i) => (n.output ?? []).forEach((o) => producedBy.set(o, i)));
  const graphOutputs = new Set(graph.output.map((o) => o.name ?? ''));
  const graphInputs = new Set([...(graph.input ?? []).map((i) => i.name ?? ''), ...(graph.initializer ?? []).map((i) => i.name ?? '')]);
  const rename = new Map<string, string>();
  const drop = new Set<number>();
  graph.node.forEach((n, i) => {
    if (n.opType !== 'Identity' || (n.domain ?? '') !== '' || n.input?.length !== 1 || n.output?.length !== 1) return;
    const src = n.input[0];
    const dst = n.output[0];
    if (!graphOutputs.has(dst) || graphOutputs.has(src) || graphInputs.has(src) || rename.has(src)) return;
    if (!producedBy.has(src)) return;
    rename.set(src, dst);
    drop.add(i);
  });
  if (rename.size === 0) return model;
  const nodes = graph.node.filter((_, i) => !drop.has(i));
  for (const n of nodes) {
    n.input = (n.input ?? []).map((x) => rename.get(x) ?? x);
    n.output = (n.output ?? []).map((x) => rename.get(x) ?? x);
  }
  graph.node = nodes;
  graph.valueInfo = (graph.valueInfo ?? []).filter((v) => !rename.has(v.name ?? ''));
  return onnx.ModelProto.encode(m).finish();
}
