/**
 * The AR+NAR model as nn graphs (seed spec §5.2, 5.5, 5.6):
 *
 *   ids [B,S,K], weights [B,S,K] ─ Gather rows of the input table ─ × weights ─ Σ_K ─► h [B,S,d]
 *   h, positions [B,S], key_mask [B,S] ─ LLaMA stack (causal + padding mask, RoPE) ─► [B,S,d]
 *   ─ pick positions ─ classifier (Linear d → 1025, with bias) ─► logits
 *
 * Two graphs serve inference:
 * - forward: the whole sequence; returns logits at the flat positions `select` [B,N] (b·S + s) and every
 *   layer's keys/values. AR prefill selects each row's last position and keeps the cache; a NAR pass selects
 *   the response positions (§6.3) and ignores it.
 * - decode: ONE new position per row ([B,1,K]) plus the past keys/values [B,H,P,Dh] (P symbolic): the cost of
 *   a step does not grow with re-encoding the sequence. Returns the logits [B,V] and the grown cache.
 * The training loss graph (loss-graph.ts) reuses `hiddenStates` and `classifier`.
 */
import { Graph } from '../../nn/graph.js';
import type { Tensor } from '../../nn/tensor.js';
import { concat, gather, mul, reduceSum, reshape, unsqueeze } from '../../nn/primitives.js';
import type { KvPair } from '../../nn/blocks/attention.js';
import type { EmitPlan } from '../../nn/blocks/emit-plan.js';
import { linear } from '../../nn/blocks/linear.js';
import { llamaStack } from '../../nn/blocks/llama-stack.js';
import type { ParamSource } from '../../nn/blocks/params.js';
import { inputTableLayout, paramNames, type ValleModelSpec } from './model-spec.js';
import { parameterTable } from './parameters.js';

/** Graph input/output names (one place, so the host code and the graphs agree). */
export const graphNames = {
  ids: 'ids',
  weights: 'weights',
  positions: 'positions',
  keyMask: 'key_mask',
  select: 'select',
  logits: 'logits',
  pastKey: (layer: number) => `past.${layer}.key`,
  pastValue: (layer: number) => `past.${layer}.value`,
  presentKey: (layer: number) => `present.${layer}.key`,
  presentValue: (layer: number) => `present.${layer}.value`,
} as const;

export interface ValleGraphOptions {
  spec: ValleModelSpec;
  params: ParamSource;
  plan: EmitPlan;
  /**
   * Read the input table as ONE parameter, `INPUT_TABLE_PARAM` [rows, d], concatenated on the host
   * (`concatInputTable`), instead of concatenating the embedding tables in the graph. For graphs whose weights
   * are inputs (see [Note: shared weights] in valle-model.ts): an in-graph Concat of inputs would copy every
   * table on every run.
   */
  inputTableParam?: boolean;
}

/** Name of the host-concatenated input table when `inputTableParam` is set (not a checkpoint tensor). */
export const INPUT_TABLE_PARAM = 'valle.input_table';

/** The input table on the host: the embedding tables of `weights` end to end, in `inputTableLayout` order. */
export function concatInputTable(spec: ValleModelSpec, weights: ReadonlyMap<string, Float32Array>): Float32Array {
  const layout = inputTableLayout(spec);
  const d = spec.dModel;
  const out = new Float32Array(layout.rows * d);
  let at = 0;
  for (const p of layout.parts) {
    const w = weights.get(p.name);
    if (!w || w.length !== p.rows * d) throw new Error(`concatInputTable: ${p.name} is missing or not [${p.rows}, ${d}]`);
    out.set(w, at);
    at += w.length;
  }
  return out;
}

/** The one input table: every embedding table concatenated in `inputTableLayout` order → [rows, d]. */
export function inputTable(g: Graph, o: ValleGraphOptions): Tensor {
  const d = o.spec.dModel;
  if (o.inputTableParam) return o.params.param(g, INPUT_TABLE_PARAM, [inputTableLayout(o.spec).rows, d], { kind: 'zeros' });
  const inits = new Map(parameterTable(o.spec).map((e) => [e.name, e.init]));
  return g.scope('input_table', () => {
    const parts = inputTableLayout(o.spec).parts.map((p) => {
      const init = inits.get(p.name)!;
      if (p.vector) return unsqueeze(o.params.param(g, p.name, [d], init), [0]);
      return o.params.param(g, p.name, [p.rows, d], init);
    });
    return concat(parts, 0);
  });
}

/** Σ_k weights[b,s,k] · table[ids[b,s,k]] → [B, S, d] (padding has weight 0 → the zero vector, as in §5.3). */
export function embedInputs(table: Tensor, ids: Tensor, weights: Tensor): Tensor {
  const g = table.graph;
  return g.scope('embed', () => reduceSum(mul(gather(table, ids, 0), unsqueeze(weights, [3])), [2]));
}

export interface HiddenInputs {
  ids: Tensor;
  weights: Tensor;
  positions: Tensor;
  keyMask: Tensor;
  past?: KvPair[];
}

/** Embeddings → LLaMA stack → final norm: [B, T, d] and each layer's keys/values. */
export function hiddenStates(g: Graph, o: ValleGraphOptions, x: HiddenInputs): { hidden: Tensor; present: KvPair[] } {
  const s = o.spec;
  const h = embedInputs(inputTable(g, o), x.ids, x.weights);
  const r = llamaStack(
    h,
    {
      params: o.params,
      plan: o.plan,
      numLayers: s.layers,
      prefix: paramNames.backbone,
      dim: s.dModel,
      numHeads: s.heads,
      numKvHeads: s.kvHeads,
      hidden: s.ffnDim,
      activation: 'gelu',
      rmsNormEps: s.rmsNormEps,
      ropeTheta: s.ropeTheta,
    },
    { positions: x.positions, keyMask: x.keyMask, past: x.past },
  );
  return { hidden: r.out, present: r.present };
}

/** The shared head: Linear(d, 1025) with bias (§5.6). */
export function classifier(h: Tensor, o: ValleGraphOptions): Tensor {
  const bound = 1 / Math.sqrt(o.spec.dModel);
  return linear(h, {
    params: o.params,
    name: 'classifier',
    inFeatures: o.spec.dModel,
    outFeatures: o.spec.outputTokens,
    bias: true,
    init: { kind: 'uniform', bound },
  });
}

function declareInputs(g: Graph, length: 'S' | 1, keyLength: string): Omit<HiddenInputs, 'past'> {
  return {
    ids: g.input(graphNames.ids, 'int64', ['B', length, 'K']),
    weights: g.input(graphNames.weights, 'float32', ['B', length, 'K']),
    positions: g.input(graphNames.positions, 'int64', ['B', length]),
    keyMask: g.input(graphNames.keyMask, 'int64', ['B', keyLength]),
  };
}

function outputCache(g: Graph, present: readonly KvPair[]): void {
  present.forEach((p, i) => {
    g.output(graphNames.presentKey(i), p.key);
    g.output(graphNames.presentValue(i), p.value);
  });
}

/** Full-sequence forward: logits [B, N, V] at the flat positions `select` [B, N], plus the KV cache. */
export function buildForwardGraph(o: ValleGraphOptions, name = 'valle_forward'): Graph {
  const g = new Graph(name);
  const x = declareInputs(g, 'S', 'S');
  const select = g.input(graphNames.select, 'int64', ['B', 'N']);
  const { hidden, present } = hiddenStates(g, o, x);
  const picked = g.scope('select', () => gather(reshape(hidden, [-1, o.spec.dModel]), select, 0)); // [B, N, d]
  g.output(graphNames.logits, classifier(picked, o));
  outputCache(g, present);
  return g;
}

/** One AR step from the cache: inputs of length 1, past [B, H, P, Dh] per layer, key mask [B, P+1]. */
export function buildDecodeGraph(o: ValleGraphOptions, name = 'valle_decode'): Graph {
  const g = new Graph(name);
  const x = declareInputs(g, 1, 'P+1');
  const s = o.spec;
  const past: KvPair[] = Array.from({ length: s.layers }, (_, i) => ({
    key: g.input(graphNames.pastKey(i), 'float32', ['B', s.kvHeads, 'P', s.headDim]),
    value: g.input(graphNames.pastValue(i), 'float32', ['B', s.kvHeads, 'P', s.headDim]),
  }));
  const { hidden, present } = hiddenStates(g, o, { ...x, past });
  const logits = classifier(reshape(hidden, [-1, s.dModel]), o); // [B, V]
  g.output(graphNames.logits, logits);
  outputCache(g, present);
  return g;
}
