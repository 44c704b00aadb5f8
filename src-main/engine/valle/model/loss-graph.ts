/**
 * The training forward and loss of §5.7 as one differentiable graph (TRAINING_PLAN), for nn's train-step
 * compiler: the weights come from a ParamStore (trainable → inputs, frozen → initializers), the batch from
 * `buildLossBatch` (loss-targets.ts):
 *
 *   ids, weights, positions, key_mask ─ forward ─ logits [B,S,V] ─ CE per position (−100 ignored) ─┐
 *   targets [B,S] ─────────────────────────────────────────────────────────────────────────────────┤
 *   loss_weight.<entry> [B,S] ─ Σ weight·CE ─ × factor ─► loss.<entry> ─ Σ ─► loss                 │
 *   top-10 hit per position (torchmetrics MulticlassAccuracy top_k=10, micro) ─ Σ weight·hit ─► stats.acc[.<entry>]
 *
 * `model.embed_tokens.weight` is not in the graph (the reference never reads it, so AdamW never touches it).
 */
import type { Graph } from '../../nn/graph.js';
import { crossEntropy } from '../../nn/composite/loss.js';
import { add, arange, cast, equal, greater, less, mul, reduceSum, unsqueeze } from '../../nn/primitives.js';
import type { Tensor } from '../../nn/tensor.js';
import type { TrainLoss } from '../../nn/optim/train-step.js';
import { TRAINING_PLAN } from '../../nn/blocks/emit-plan.js';
import type { HostTensor } from '../../nn/io/host-tensor.js';
import { classifier, graphNames, hiddenStates, type ValleGraphOptions } from './graphs.js';
import { lossEntries, type LossBatch } from './loss-targets.js';

export const lossNames = {
  targets: 'targets',
  weight: (entry: string) => `loss_weight.${entry}`,
  /** metric names as the reference logs them: loss.nll & stats.acc, or loss.<entry> & stats.acc.<entry> */
  lossMetric: (entry: string) => `loss.${entry}`,
  accMetric: (entry: string) => (entry === 'nll' ? 'stats.acc' : `stats.acc.${entry}`),
} as const;

const TOP_K = 10;

/** Declares the batch inputs on `g` and returns the loss and metrics (use as `TrainStepSpec.build`). */
export function buildTrainLoss(g: Graph, o: Omit<ValleGraphOptions, 'plan'> & { plan?: ValleGraphOptions['plan'] }): TrainLoss {
  const opts: ValleGraphOptions = { ...o, plan: o.plan ?? TRAINING_PLAN };
  const x = {
    ids: g.input(graphNames.ids, 'int64', ['B', 'S', 'K']),
    weights: g.input(graphNames.weights, 'float32', ['B', 'S', 'K']),
    positions: g.input(graphNames.positions, 'int64', ['B', 'S']),
    keyMask: g.input(graphNames.keyMask, 'int64', ['B', 'S']),
  };
  const targets = g.input(lossNames.targets, 'int64', ['B', 'S']);
  const entries = lossEntries(opts.spec);
  const entryWeights = entries.map((e) => g.input(lossNames.weight(e.name), 'float32', ['B', 'S']));
  const { hidden } = hiddenStates(g, opts, x);
  const logits = classifier(hidden, opts); // [B, S, V]
  return g.scope('loss', () => {
    const nll = crossEntropy(logits, targets, { ignoreIndex: opts.spec.ignoreIndex, reduction: 'none' }); // [B, S]
    const hit = topKHit(logits, targets);
    const metrics: Record<string, Tensor> = {};
    let total: Tensor | null = null;
    entries.forEach((e, i) => {
      const w = entryWeights[i];
      const l = mul(reduceSum(mul(nll, w), [0, 1]), e.factor);
      metrics[lossNames.lossMetric(e.name)] = l;
      metrics[lossNames.accMetric(e.name)] = reduceSum(mul(hit, w), [0, 1]);
      total = total === null ? l : add(total, l);
    });
    return { loss: total!, metrics };
  });
}

/** 1 where the target's logit is among the 10 largest (fewer than 10 logits exceed it), else 0. */
function topKHit(logits: Tensor, targets: Tensor): Tensor {
  const g = logits.graph;
  const V = logits.shape[logits.rank - 1];
  const oneHot = cast(equal(unsqueeze(targets, [2]), arange(g, V, 'int64')), 'float32');
  const targetLogit = reduceSum(mul(logits, oneHot), [2], true);
  const above = reduceSum(cast(greater(logits, targetLogit), 'float32'), [2]);
  return cast(less(above, TOP_K), 'float32');
}

/** Feeds of a loss batch for the train step (names of `buildTrainLoss`). */
export function lossBatchFeeds(batch: LossBatch): Record<string, HostTensor> {
  const { inputs: b } = batch;
  const bsk = [b.batch, b.length, b.slots];
  const bs = [b.batch, b.length];
  const feeds: Record<string, HostTensor> = {
    [graphNames.ids]: { dtype: 'int64', shape: bsk, data: b.ids },
    [graphNames.weights]: { dtype: 'float32', shape: bsk, data: b.weights },
    [graphNames.positions]: { dtype: 'int64', shape: bs, data: b.positions },
    [graphNames.keyMask]: { dtype: 'int64', shape: bs, data: b.keyMask },
    [lossNames.targets]: { dtype: 'int64', shape: bs, data: batch.targets },
  };
  for (const [name, w] of Object.entries(batch.weights)) feeds[lossNames.weight(name)] = { dtype: 'float32', shape: bs, data: w };
  return feeds;
}
