/**
 * AdamW as graph nodes (torch.optim.AdamW semantics, seed-spec §9.2), with global-norm clipping and an
 * overflow flag, applied to raw gradients of (loss · lossScale).
 *
 *   raw grads ─ ReduceSumSquare, Σ ─ sqrt ─ ÷ (lossScale·divisor) ─► gradNorm ─┬─ finite = (norm − norm == 0)
 *                                                                                   └─ coef = min(1, maxNorm/(norm + 1e-6))
 *   g = raw · coef / (lossScale·divisor)
 *   p₁ = p·(1 − lr·wd)                                    decoupled decay, before the moments
 *   m' = β1·m + (1−β1)·g;  v' = β2·v + (1−β2)·g²
 *   p' = p₁ − lr/(1−β1ᵗ) · m' / (√v'/√(1−β2ᵗ) + eps)      t = step + 1; eps outside the sqrt
 *
 * Scalar algebra is folded onto [] tensors; per element the update is ~11 kernels over one flat vector per
 * weight-decay group (the last line is evaluated as p₁ − (lr·√(1−β2ᵗ)/(1−β1ᵗ)) · m' / (√v' + eps·√(1−β2ᵗ)),
 * the same value regrouped).
 *
 * [Note: skipping an overflowed step] When finite is false the `next` values are garbage (inf/NaN) and the
 * caller must keep its current state: TrainStepRunner then simply does not swap its buffers, which costs
 * nothing, where masking every element in the graph (Where over all parameters, three times) cost ~15% of
 * a small model's step.
 */
import { add, concat, div, equal, minimum, mul, onnxOp, pow, reduceSum, reshape, sqrt, sub } from '../primitives.js';
import type { Tensor } from '../tensor.js';

export interface AdamWOptions {
  /** default 0.9 */
  beta1?: number;
  /** default 0.999 (the studio model's config uses 0.96) */
  beta2?: number;
  /** default 1e-8 (the studio model's config uses 1e-7) */
  eps?: number;
  /** default 0.01, as torch.optim.AdamW */
  weightDecay?: number;
  /** Weight decay per parameter name; default `weightDecay` for all (torch applies it to all parameters). */
  weightDecayFor?: (name: string) => number;
  /** Clip the global gradient norm to this; null/undefined = no clipping. */
  maxGradNorm?: number | null;
}

export interface ResolvedAdamW {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  weightDecayFor: (name: string) => number;
  maxGradNorm: number | null;
}

export function resolveAdamW(o: AdamWOptions): ResolvedAdamW {
  const r: ResolvedAdamW = {
    beta1: o.beta1 ?? 0.9,
    beta2: o.beta2 ?? 0.999,
    eps: o.eps ?? 1e-8,
    weightDecay: o.weightDecay ?? 0.01,
    weightDecayFor: o.weightDecayFor ?? (() => o.weightDecay ?? 0.01),
    maxGradNorm: o.maxGradNorm ?? null,
  };
  for (const [k, v] of [['beta1', r.beta1], ['beta2', r.beta2]] as const) {
    if (!(v >= 0 && v < 1)) throw new Error(`AdamW: ${k} must be in [0, 1), got ${v}`);
  }
  if (!(r.eps > 0)) throw new Error(`AdamW: eps must be positive, got ${r.eps}`);
  if (!(r.weightDecay >= 0)) throw new Error(`AdamW: weightDecay must be >= 0, got ${r.weightDecay}`);
  if (r.maxGradNorm !== null && !(r.maxGradNorm > 0)) throw new Error(`AdamW: maxGradNorm must be positive, got ${r.maxGradNorm}`);
  return r;
}

export interface AdamWSlot {
  name: string;
  param: Tensor;
  /** raw gradient of loss·lossScale, same shape as param */
  grad: Tensor;
}

/**
 * Parameters sharing one weight decay, updated as ONE flat vector: their moments m, v are flat [N] tensors
 * (parameters in slot order), so the update is ~14 kernels over N elements instead of ~14 per parameter.
 *
 * [Note: flat optimizer state] Per-parameter updates cost a small model more in kernel launches and
 * thread-pool syncs than in arithmetic (measured: 37 ms of a 95 ms step at 16 threads, 39 tensors). The
 * price of flat state is one Concat of the gradients and of the parameters and one Split of the result.
 */
export interface AdamWGroup {
  weightDecay: number;
  slots: AdamWSlot[];
  /** [N] with N = Σ elements of the slots' params */
  m: Tensor;
  v: Tensor;
  /**
   * The same parameter values as one flat [N] input, when the caller can feed it (TrainStepRunner feeds
   * the per-weight inputs as views of this very buffer); saves concatenating the parameters each step.
   */
  flatParams?: Tensor;
}

export interface AdamWResult {
  /** new parameters of each group as one flat vector, slots end to end (the state layout) */
  params: Tensor[];
  m: Tensor[];
  v: Tensor[];
  nextStep: Tensor;
  /** global L2 norm of the (unscaled) gradients before clipping */
  gradNorm: Tensor;
  /** bool scalar: every gradient was finite, so the update was applied */
  finite: Tensor;
}

/** Elements of a static shape. */
export function elementsOf(shape: readonly (number | string)[]): number {
  let n = 1;
  for (const d of shape) {
    if (typeof d !== 'number') throw new Error(`AdamW: parameter shapes must be static, got [${shape.join(', ')}]`);
    n *= d;
  }
  return n;
}

/** Groups parameter names by weight decay (first-seen order), the layout of the flat state. */
export function groupByWeightDecay(names: readonly string[], options: AdamWOptions): { weightDecay: number; names: string[] }[] {
  const o = resolveAdamW(options);
  const groups: { weightDecay: number; names: string[] }[] = [];
  for (const n of names) {
    const wd = o.weightDecayFor(n);
    if (!(wd >= 0)) throw new Error(`AdamW: weight decay for "${n}" must be >= 0, got ${wd}`);
    let grp = groups.find((x) => x.weightDecay === wd);
    if (!grp) groups.push((grp = { weightDecay: wd, names: [] }));
    grp.names.push(n);
  }
  return groups;
}

function flatten(ts: readonly Tensor[]): Tensor {
  const flat = ts.map((t) => (t.rank === 1 ? t : reshape(t, [elementsOf(t.shape)])));
  return flat.length === 1 ? flat[0] : concat(flat, 0);
}

/**
 * Builds one AdamW update. Gradients are raw gradients of loss·lossScale (summed over `divisor`
 * micro-batches); `step` (float32 scalar) counts the updates applied so far; `lr` is an input so schedules
 * need no recompile; `threads` (the intra-op thread count it will run with) picks the faster reduction.
 */
export function adamwUpdate(
  groups: readonly AdamWGroup[],
  scalars: { step: Tensor; lr: Tensor; lossScale: Tensor; divisor?: Tensor; threads?: number },
  options: AdamWOptions,
): AdamWResult {
  if (groups.length === 0 || groups.every((x) => x.slots.length === 0)) throw new Error('AdamW: no trainable parameters');
  const o = resolveAdamW(options);
  const { step, lr } = scalars;
  const g = step.graph;
  return g.scope('optim', () => {
    const flatGrads = groups.map((grp, i) => g.scope(`group${i}`, () => flatten(grp.slots.map((s) => s.grad))));
    // Σg² per weight. [Note: gradient-norm reduction] ORT 1.30 on CPU reduces a whole tensor on one thread
    // (~22 GB/s), and over the last axis with the rows spread over the threads but ~5 GB/s per thread: whole
    // is faster up to ~4 threads, rows beyond (measured on a 4096×1024 gradient, 1/2/4 threads).
    const byRows = (scalars.threads ?? 1) > 4;
    let sumSq: Tensor | null = null;
    for (const grp of groups) {
      for (const s of grp.slots) {
        const rows = byRows && s.grad.rank >= 2;
        const sq = onnxOp(g, {
          opType: 'ReduceSumSquare',
          inputs: rows ? [s.grad, g.literal([-1], [1], 'int64')] : [s.grad],
          attrs: { keepdims: { int: 0 } },
          outputs: [{ dtype: 'float32', shape: rows ? s.grad.shape.slice(0, -1) : [] }],
        })[0];
        const part = rows ? reduceSum(sq, sq.shape.map((_, i) => i)) : sq;
        sumSq = sumSq === null ? part : add(sumSq, part);
      }
    }
    const unscale = scalars.divisor ? mul(scalars.lossScale, scalars.divisor) : scalars.lossScale;
    const gradNorm = div(sqrt(sumSq as Tensor), unscale);
    const finite = equal(sub(gradNorm, gradNorm), 0);
    const clip = o.maxGradNorm === null ? null : minimum(div(o.maxGradNorm, add(gradNorm, 1e-6)), 1);
    const k = clip === null ? div(1, unscale) : div(clip, unscale);
    const t = add(step, 1);
    const bc1 = sub(1, pow(g.scalar(o.beta1, 'float32'), t));
    const sqrtBc2 = sqrt(sub(1, pow(g.scalar(o.beta2, 'float32'), t)));
    const mScale = mul(k, 1 - o.beta1); // (1−β1)·k folds the unscale/clip into the moment update
    const vScale = mul(mul(k, k), 1 - o.beta2);
    const stepSize = div(mul(lr, sqrtBc2), bc1);
    const epsHat = mul(sqrtBc2, o.eps);
    const out: AdamWResult = { params: [], m: [], v: [], nextStep: t, gradNorm, finite };
    groups.forEach((grp, gi) => {
      g.scope(`group${gi}`, () => {
        const raw = flatGrads[gi];
        const p = grp.flatParams ?? flatten(grp.slots.map((s) => s.param));
        const decayed = grp.weightDecay === 0 ? p : mul(p, sub(1, mul(lr, grp.weightDecay)));
        const m = add(mul(grp.m, o.beta1), mul(raw, mScale));
        const v = add(mul(grp.v, o.beta2), mul(mul(raw, raw), vScale));
        out.params.push(sub(decayed, mul(div(m, add(sqrt(v), epsHat)), stepSize)));
        out.m.push(m);
        out.v.push(v);
      });
    });
    return out;
  });
}
