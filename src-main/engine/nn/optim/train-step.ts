/**
 * Compiles a model's loss into ONE training-step graph:
 *
 *   (trainable params, m, v, step, lr, loss_scale, batch…) ──► (loss, metrics, grad_norm, finite,
 *                                                               next params, next m, next v, next step)
 *
 * Parameters come in one input per weight (for the model) and again as one flat vector per weight-decay
 * group (for the optimizer; the caller feeds the same memory twice, see TrainStepRunner); m, v and the new
 * parameters are flat too (`stateGroups` gives the layout). When `finite` is false the next.* values must
 * be discarded (see adamw.ts).
 *
 *   batch ─ model ─ loss ─ × loss_scale ─ gradients ─ ÷ loss_scale ─ AdamW (clip, decay, bias-corr) ─► next.*
 *
 * Frozen parameters are initializers inside the model, so they are never copied per step; trainable ones
 * and the optimizer state are inputs whose `next.*` outputs feed the following step (see TrainStepRunner).
 *
 * [Note: gradient accumulation] With `accumulate: true` a second, smaller graph is compiled:
 *   accumulate: (params, grad_acc.*, loss_scale, batch) → (loss, metrics, next.grad_acc.* = grad_acc + ∇(loss·scale))
 * and the step graph takes grad_acc.* plus `optim.grad_divisor` and applies
 *   g = (grad_acc + ∇(loss·scale)) / (loss_scale · grad_divisor),
 * so GA micro-batches cost GA−1 accumulate runs and one step run, with the update identical to the mean of
 * the micro-batch gradients (the reference divides each micro loss by GA; same thing). Unrolling the
 * micro-batches inside one graph was rejected: the graph (and its compile time) would grow with GA.
 * An overflow in any micro-batch stays inf/NaN in the sum, so the step's `finite` guard still catches it.
 */
import os from 'node:os';
import type { EmitOptions, EmittedModel } from '../emit/onnx.js';
import { emitOnnx } from '../emit/onnx.js';
import { gradients } from '../grad.js';
import { Graph } from '../graph.js';
import { add, mul } from '../primitives.js';
import type { Tensor } from '../tensor.js';
import { adamwUpdate, elementsOf, groupByWeightDecay, resolveAdamW, type AdamWGroup, type AdamWOptions } from './adamw.js';
import { loopSteps } from './multi-step.js';
import { trainNames, type StateGroup } from './state-layout.js';
import { rewriteTransposedMatMulGrads } from './rewrite-weight-grads.js';

export interface TrainLoss {
  /** float32 scalar */
  loss: Tensor;
  /** extra scalars to report (accuracy, …) */
  metrics?: Record<string, Tensor>;
}

export interface TrainStepSpec {
  name?: string;
  /**
   * Declares the batch inputs on `g` and builds the loss. Weights must come from graph params (e.g. a
   * ParamStore): trainable ones are optimised, frozen ones become initializers. Called once per compiled
   * graph (twice with `accumulate`), so it must be deterministic.
   */
  build: (g: Graph) => TrainLoss;
  optimizer: AdamWOptions;
  accumulate?: boolean;
  emit?: EmitOptions;
  /** Apply the post-emission rewrites (default true; off only to measure or debug them). */
  rewrites?: boolean;
  /**
   * Compile the step inside an ONNX Loop, so that one run applies several steps, one per stacked batch
   * (see [Note: steps per run] in multi-step.ts). Not together with `accumulate`.
   */
  multiStep?: boolean;
  /**
   * A parameter with at least this many elements gets an optimizer state group of its own, so its gradient
   * and value are never concatenated into a flat vector (a pass over it per step); smaller ones share their
   * weight decay's group. Default 2^18.
   */
  ownGroupMinElements?: number;
  /**
   * The intra-op thread count the step will run with (default: the machine's cores). Only picks the faster
   * of two equal ways to reduce the gradient norm (see adamw.ts); any count runs correctly.
   */
  intraOpThreads?: number;
}

export interface TrainableParamInfo {
  name: string;
  shape: number[];
  /** the value the graph was built with */
  initial: Float32Array;
}

export interface CompiledTrainStep {
  step: EmittedModel;
  accumulate: EmittedModel | null;
  params: TrainableParamInfo[];
  /** layout of the flat AdamW moments `optim.m.{i}` / `optim.v.{i}` */
  stateGroups: StateGroup[];
  batchInputs: string[];
  metrics: string[];
  /** `step` runs a Loop of steps over stacked batches (TrainStepSpec.multiStep) */
  multiStep: boolean;
}

interface BuiltLoss {
  g: Graph;
  loss: Tensor;
  metrics: Record<string, Tensor>;
  trainable: Tensor[];
  batchInputs: string[];
}

function buildLoss(spec: TrainStepSpec, suffix: string): BuiltLoss {
  const g = new Graph(`${spec.name ?? 'train'}${suffix}`);
  const { loss, metrics = {} } = spec.build(g);
  g.own(loss, 'train step loss');
  if (loss.rank !== 0 || loss.dtype !== 'float32') throw new Error(`train step: the loss must be a float32 scalar, got ${loss}`);
  for (const [k, t] of Object.entries(metrics)) {
    if (t.rank !== 0) throw new Error(`train step: metric "${k}" must be a scalar, got ${t}`);
  }
  const batchInputs = g.inputs.map((t) => t.valueName);
  const trainable = g.params.filter((p) => p.source.kind === 'param' && p.source.trainable);
  if (trainable.length === 0) throw new Error('train step: the model has no trainable parameters');
  for (const p of trainable) {
    if (p.dtype !== 'float32') throw new Error(`train step: trainable parameter ${p.valueName} is ${p.dtype}; keep master weights in float32`);
  }
  return { g, loss, metrics, trainable, batchInputs };
}

function paramName(p: Tensor): string {
  if (p.source.kind !== 'param') throw new Error(`${p.valueName} is not a parameter`);
  return p.source.name;
}

function declareReports(b: BuiltLoss): void {
  b.g.output(trainNames.loss, b.loss);
  for (const [k, t] of Object.entries(b.metrics)) b.g.output(trainNames.metric(k), t);
}

/** Default of TrainStepSpec.ownGroupMinElements: 1 MiB of float32 (measured: 4–6% faster small-model steps than 4 MiB). */
const OWN_GROUP_MIN_ELEMENTS = 1 << 18;

function stateGroupsOf(trainable: readonly Tensor[], spec: TrainStepSpec): StateGroup[] {
  const sizes = new Map(trainable.map((p) => [paramName(p), elementsOf(p.shape)]));
  const ownFrom = spec.ownGroupMinElements ?? OWN_GROUP_MIN_ELEMENTS;
  if (!(ownFrom >= 1)) throw new Error(`train step: ownGroupMinElements must be >= 1, got ${ownFrom}`);
  const layout = (weightDecay: number, names: string[]): StateGroup => {
    let offset = 0;
    const members = names.map((name) => {
      const length = sizes.get(name)!;
      const m = { name, offset, length };
      offset += length;
      return m;
    });
    return { weightDecay, size: offset, members, flatInput: members.length > 1 };
  };
  return groupByWeightDecay([...sizes.keys()], spec.optimizer).flatMap((grp) => {
    const shared = grp.names.filter((n) => sizes.get(n)! < ownFrom);
    const own = grp.names.filter((n) => sizes.get(n)! >= ownFrom);
    return [...(shared.length > 0 ? [layout(grp.weightDecay, shared)] : []), ...own.map((n) => layout(grp.weightDecay, [n]))];
  });
}

function compileStepGraph(spec: TrainStepSpec): { model: EmittedModel; built: BuiltLoss; stateGroups: StateGroup[] } {
  const b = buildLoss(spec, '_step');
  const g = b.g;
  const step = g.input(trainNames.step, 'float32', []);
  const lr = g.input(trainNames.lr, 'float32', []);
  const lossScale = g.input(trainNames.lossScale, 'float32', []);
  const divisor = spec.accumulate ? g.input(trainNames.gradDivisor, 'float32', []) : null;
  const stateGroups = stateGroupsOf(b.trainable, spec);
  const byName = new Map(b.trainable.map((p) => [paramName(p), p]));
  const grads = g.scope('backward', () => {
    const raw = gradients(mul(b.loss, lossScale), b.trainable);
    return new Map(
      b.trainable.map((p, i) => {
        const name = paramName(p);
        const total = spec.accumulate ? add(g.input(trainNames.gradAcc(name), 'float32', p.shape), raw[i]) : raw[i];
        return [name, total] as const;
      }),
    );
  });
  const groups: AdamWGroup[] = stateGroups.map((sg, i) => ({
    weightDecay: sg.weightDecay,
    slots: sg.members.map((mem) => ({ name: mem.name, param: byName.get(mem.name)!, grad: grads.get(mem.name)! })),
    m: g.input(trainNames.m(i), 'float32', [sg.size]),
    v: g.input(trainNames.v(i), 'float32', [sg.size]),
    flatParams: sg.flatInput ? g.input(trainNames.params(i), 'float32', [sg.size]) : undefined,
  }));
  const threads = spec.intraOpThreads ?? os.availableParallelism();
  const r = adamwUpdate(groups, { step, lr, lossScale, divisor: divisor ?? undefined, threads }, spec.optimizer);
  declareReports(b);
  g.output(trainNames.gradNorm, r.gradNorm);
  g.output(trainNames.finite, r.finite);
  g.output(trainNames.next(trainNames.step), r.nextStep);
  groups.forEach((grp, gi) => {
    g.output(trainNames.next(trainNames.params(gi)), r.params[gi]);
    g.output(trainNames.next(trainNames.m(gi)), r.m[gi]);
    g.output(trainNames.next(trainNames.v(gi)), r.v[gi]);
  });
  const single = optimizeTrainGraph(emitOnnx(g, spec.emit), spec);
  const layout = { stateGroups, batchInputs: b.batchInputs, metrics: Object.keys(b.metrics) };
  return { model: spec.multiStep ? loopSteps(single, layout) : single, built: b, stateGroups };
}

function compileAccumulateGraph(spec: TrainStepSpec): EmittedModel {
  const b = buildLoss(spec, '_accumulate');
  const g = b.g;
  const lossScale = g.input(trainNames.lossScale, 'float32', []);
  g.scope('backward', () => {
    const raw = gradients(mul(b.loss, lossScale), b.trainable);
    b.trainable.forEach((p, i) => {
      const name = paramName(p);
      const acc = g.input(trainNames.gradAcc(name), 'float32', p.shape);
      g.output(trainNames.next(trainNames.gradAcc(name)), add(acc, raw[i]));
    });
  });
  declareReports(b);
  return optimizeTrainGraph(emitOnnx(g, spec.emit), spec);
}

/** The graph-level rewrite ORT does not do itself (see the pass for the measurement behind it). */
function optimizeTrainGraph(e: EmittedModel, spec: TrainStepSpec): EmittedModel {
  if (spec.rewrites === false) return e;
  return { ...e, model: rewriteTransposedMatMulGrads(e.model) };
}

export function compileTrainStep(spec: TrainStepSpec): CompiledTrainStep {
  resolveAdamW(spec.optimizer); // refuse bad hyper-parameters before building anything
  if (spec.multiStep && spec.accumulate) throw new Error('train step: multiStep and accumulate cannot be combined (stack the micro-batches into one batch instead)');
  const { model, built, stateGroups } = compileStepGraph(spec);
  const params = built.trainable.map((p) => {
    const src = p.source;
    if (src.kind !== 'param' || !(src.data instanceof Float32Array)) throw new Error(`train step: ${p.valueName} has no float32 initial value`);
    return { name: src.name, shape: p.shape as number[], initial: src.data };
  });
  return {
    step: model,
    accumulate: spec.accumulate ? compileAccumulateGraph(spec) : null,
    params,
    stateGroups,
    batchInputs: built.batchInputs,
    metrics: Object.keys(built.metrics),
    multiStep: spec.multiStep ?? false,
  };
}
