/**
 * Wraps a compiled single-step train graph in an ONNX Loop: one run applies K optimizer steps, one per
 * batch stacked along a new leading axis, and the parameters and moments stay inside ONNX Runtime between
 * the steps.
 *
 *   params.i, optim.m.i, optim.v.i, optim.step ──┐                 ┌─► next.params.i, next.optim.*   (after the last step)
 *   batch [K, …], optim.lr [K], optim.loss_scale [K] ─► Loop(K) ──┤
 *                                                                  └─► loss [K'], grad_norm [K'], finite [K'], metric.* [K']
 *
 * [Note: steps per run] onnxruntime-node (1.30, and Electron's V8 memory cage in any version) copies every
 * fetched output into a fresh JS ArrayBuffer, preallocated outputs included. For a train step the outputs are
 * the whole optimizer state (params, m, v: 12 bytes per parameter), so a 200 M-parameter model paid ~2.4 GB of
 * fresh, page-faulted memory per step — measured: 3.5–4.2 s per step in JS for 1.34–1.40 s inside ORT
 * (2 threads). Inside a Loop the state is handed from one iteration to the next as ORT values (no copy), so
 * that cost is paid once per run instead of once per step.
 *
 * The body is the single-step graph, unchanged except at its edges: the per-weight parameter inputs become
 * Reshape (lone member) or Slice + Reshape (shared group) of the carried flat vectors, the batch, learning
 * rate and loss scale become Gather(·, iteration) of the stacked run inputs, and `finite` also drives the
 * loop condition: the loop stops after the first step whose gradients overflowed. The state it returns is
 * then garbage and the caller must drop it (TrainStepRunner re-runs the good steps before it; see there).
 */
import onnxProto from 'onnx-proto';
import type { EmittedModel } from '../emit/onnx.js';
import { stepReportNames, trainNames, type StateGroup } from './state-layout.js';

const { onnx } = onnxProto;
type NodeProto = onnxProto.onnx.INodeProto;
type ValueInfoProto = onnxProto.onnx.IValueInfoProto;
const { AttributeType } = onnx.AttributeProto;
const { DataType } = onnx.TensorProto;

export interface LoopLayout {
  stateGroups: readonly StateGroup[];
  batchInputs: readonly string[];
  metrics: readonly string[];
}

/** Symbolic name of the leading (steps) axis of the stacked run inputs and per-step reports. */
export const STEPS_DIM = 'steps';

/** Names inside the body that the outer graph also uses get this prefix (ONNX forbids shadowing). */
const BODY = 'step/';
const ITERATION = 'loop/iteration';
const COND_IN = 'loop/cond_in';
const COND_OUT = 'loop/cond_out';

/** Carried state, in Loop order: the state names of the single-step graph. */
function carriedState(groups: readonly StateGroup[]): string[] {
  return [...groups.map((_, i) => trainNames.params(i)), ...groups.map((_, i) => trainNames.m(i)), ...groups.map((_, i) => trainNames.v(i)), trainNames.step];
}

function scalarInfo(name: string, elemType: number): ValueInfoProto {
  return { name, type: { tensorType: { elemType, shape: { dim: [] } } } };
}

function withLeadingSteps(info: ValueInfoProto, name = info.name ?? ''): ValueInfoProto {
  const t = info.type?.tensorType;
  if (!t) throw new Error(`multi-step: "${info.name}" is not a tensor`);
  return { name, type: { tensorType: { elemType: t.elemType, shape: { dim: [{ dimParam: STEPS_DIM }, ...(t.shape?.dim ?? [])] } } } };
}

function int64Constant(output: string, values: readonly number[]): NodeProto {
  return {
    name: output,
    opType: 'Constant',
    output: [output],
    attribute: [{ name: 'value', type: AttributeType.TENSOR, t: { dims: [values.length], dataType: DataType.INT64, int64Data: values.map((v) => v) } }],
  };
}

export function loopSteps(step: EmittedModel, layout: LoopLayout): EmittedModel {
  const model = onnx.ModelProto.decode(step.model);
  const g = model.graph;
  if (!g?.node || !g.input || !g.output) throw new Error('multi-step: the step model has no graph');
  const inputInfo = new Map(g.input.map((i) => [i.name ?? '', i]));
  const outputInfo = new Map(g.output.map((o) => [o.name ?? '', o]));
  const need = (m: Map<string, ValueInfoProto>, name: string, what: string): ValueInfoProto => {
    const info = m.get(name);
    if (!info) throw new Error(`multi-step: the step model has no ${what} "${name}"`);
    return info;
  };

  // A lone parameter's group has no flat input in the single-step graph; the Loop carries it flat anyway.
  layout.stateGroups.forEach((sg, i) => {
    const name = trainNames.params(i);
    if (!inputInfo.has(name)) inputInfo.set(name, { name, type: { tensorType: { elemType: DataType.FLOAT, shape: { dim: [{ dimValue: sg.size }] } } } });
  });
  const carried = carriedState(layout.stateGroups);
  const stacked = [...layout.batchInputs, trainNames.lr, trainNames.lossScale];
  const reports = stepReportNames(layout.metrics);
  const outerNames = new Set([...carried, ...carried.map(trainNames.next), ...stacked, ...reports]);
  const rename = (name: string) => (outerNames.has(name) ? BODY + name : name);

  // Edges of the body: parameters from the carried flat vectors, run inputs of this iteration.
  const edge: NodeProto[] = [];
  layout.stateGroups.forEach((sg, i) => {
    const flat = BODY + trainNames.params(i);
    for (const mem of sg.members) {
      const shape = need(inputInfo, mem.name, 'parameter input').type!.tensorType!.shape!.dim!.map((d) => Number(d.dimValue));
      let src = flat;
      if (sg.flatInput) {
        src = `loop/slice/${mem.name}`;
        edge.push(int64Constant(`${src}/starts`, [mem.offset]), int64Constant(`${src}/ends`, [mem.offset + mem.length]));
        edge.push({ name: src, opType: 'Slice', input: [flat, `${src}/starts`, `${src}/ends`], output: [src] });
      }
      edge.push(int64Constant(`loop/shape/${mem.name}`, shape));
      edge.push({ name: `loop/reshape/${mem.name}`, opType: 'Reshape', input: [src, `loop/shape/${mem.name}`], output: [mem.name] });
    }
  });
  for (const name of stacked) {
    need(inputInfo, name, 'input');
    edge.push({ name: `loop/gather/${name}`, opType: 'Gather', input: [name, ITERATION], output: [BODY + name], attribute: [{ name: 'axis', type: AttributeType.INT, i: 0 }] });
  }
  const bodyNodes = g.node.map((n) => ({ ...n, input: (n.input ?? []).map(rename), output: (n.output ?? []).map(rename) }));
  const renamedInfo = (info: ValueInfoProto): ValueInfoProto => ({ ...info, name: rename(info.name ?? '') });
  const body: onnxProto.onnx.IGraphProto = {
    name: `${g.name ?? 'train'}_body`,
    node: [...edge, ...bodyNodes, { name: COND_OUT, opType: 'Identity', input: [BODY + trainNames.finite], output: [COND_OUT] }],
    input: [scalarInfo(ITERATION, DataType.INT64), scalarInfo(COND_IN, DataType.BOOL), ...carried.map((n) => renamedInfo(need(inputInfo, n, 'state input')))],
    output: [
      scalarInfo(COND_OUT, DataType.BOOL),
      ...carried.map((n) => renamedInfo(need(outputInfo, trainNames.next(n), 'output'))),
      ...reports.map((n) => renamedInfo(need(outputInfo, n, 'output'))),
    ],
    valueInfo: (g.valueInfo ?? []).map(renamedInfo),
  };

  // Outer graph: the run inputs, the Loop, its outputs. Initializers (frozen weights, constants) move out
  // of the body and are read from the outer scope, so large ones keep their external-data references.
  const tripCount = 'loop/trip_count';
  const condInit = 'loop/cond_init';
  const loop: NodeProto = {
    name: 'train_steps',
    opType: 'Loop',
    input: [tripCount, condInit, ...carried],
    output: [...carried.map(trainNames.next), ...reports],
    attribute: [{ name: 'body', type: AttributeType.GRAPH, g: body }],
  };
  model.graph = {
    name: `${g.name ?? 'train'}_steps`,
    node: [
      { name: tripCount, opType: 'Size', input: [trainNames.lr], output: [tripCount] },
      { name: condInit, opType: 'Constant', output: [condInit], attribute: [{ name: 'value', type: AttributeType.TENSOR, t: { dims: [], dataType: DataType.BOOL, int32Data: [1] } }] },
      loop,
    ],
    initializer: g.initializer ?? [],
    input: [...carried.map((n) => need(inputInfo, n, 'state input')), ...stacked.map((n) => withLeadingSteps(need(inputInfo, n, 'input')))],
    output: [...carried.map((n) => need(outputInfo, trainNames.next(n), 'output')), ...reports.map((n) => withLeadingSteps(need(outputInfo, n, 'output')))],
  };
  const outer = model.graph;
  return {
    ...step,
    model: onnx.ModelProto.encode(model).finish(),
    inputNames: (outer.input ?? []).map((i) => i.name ?? ''),
    outputNames: (outer.output ?? []).map((o) => o.name ?? ''),
  };
}
