/**
 * The references must be trustworthy before they judge anything: each is checked here on tiny cases whose
 * results are worked out by hand (the arithmetic is in the comments), plus a few algebraic properties
 * (rotary relative-position invariance, conv/transpose adjointness, KV-cache decode = full recompute).
 */
import { describe, expect, it } from 'vitest';
import {
  adamwStepReference,
  applyRotary,
  clipGradNormReference,
  conv1d,
  convTranspose1d,
  crossEntropy,
  erf,
  foldWeightNormReference,
  gelu,
  linear,
  llamaAttention,
  llamaBlock,
  llamaStack,
  lstm,
  matmul,
  maxAbsDiff,
  randomTensor,
  refTensor,
  rmsNorm,
  scaledDotProductAttention,
  silu,
  sliceAxis,
  softmax,
  transpose,
  type LlamaBlockConfig,
  type LlamaBlockWeights,
} from './reference.js';

const t = refTensor;
const close = (actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-12) => {
  expect(actual.length).toBe(expected.length);
  expect(maxAbsDiff(actual, expected)).toBeLessThan(tol);
};
const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

describe('matmul / linear', () => {
  it('multiplies 2x2 matrices and broadcasts a shared right operand over a batch', () => {
    // [[1,2],[3,4]]·[[5,6],[7,8]] = [[1·5+2·7, 1·6+2·8], [3·5+4·7, 3·6+4·8]] = [[19,22],[43,50]]
    const a = t([2, 2, 2], [1, 2, 3, 4, 1, 0, 0, 1]);
    const b = t([2, 2], [5, 6, 7, 8]);
    const c = matmul(a, b);
    expect(c.shape).toEqual([2, 2, 2]);
    close(c.data, [19, 22, 43, 50, 5, 6, 7, 8]);
  });
  it('linear uses the [out, in] weight layout and adds the bias', () => {
    // x=[1,2]; rows of W: [1,0]→1, [0,1]→2, [1,1]→3; + b [0.5,0,-1] → [1.5, 2, 2]
    const y = linear(t([1, 2], [1, 2]), t([3, 2], [1, 0, 0, 1, 1, 1]), t([3], [0.5, 0, -1]));
    close(y.data, [1.5, 2, 2]);
  });
});

describe('activations, softmax, RMSNorm', () => {
  it('erf matches tabulated values across both branches', () => {
    // Tabulated: erf(0.5)=0.5204998778130465, erf(1)=0.8427007929497149, erf(2)=0.9953222650189527,
    // erf(3.5)=0.9999992569016276, erf(4)=0.9999999845827421, erf is odd.
    close([erf(0.5), erf(1), erf(2), erf(3.5), erf(4), erf(-1)], [0.5204998778130465, 0.8427007929497149, 0.9953222650189527, 0.9999992569016276, 0.9999999845827421, -0.8427007929497149], 1e-14);
  });
  it('SiLU and exact GELU', () => {
    // silu(1) = 1/(1+e^-1) = 0.7310585786300049; silu(-1) = -1/(1+e) = -0.2689414213699951
    close(silu(t([3], [0, 1, -1])).data, [0, 0.7310585786300049, -0.2689414213699951]);
    // gelu(x) = x·Φ(x): Φ(1) = 0.8413447460685429, so gelu(1)=0.8413447460685429, gelu(-1) = -(1-Φ(1))
    close(gelu(t([3], [0, 1, -1])).data, [0, 0.8413447460685429, -0.15865525393145707], 1e-14);
  });
  it('softmax of [0, ln2, ln3] is [1/6, 2/6, 3/6]; it is shift-invariant and an all −∞ row gives zeros', () => {
    const s = softmax(t([3, 3], [0, Math.log(2), Math.log(3), 1000, 1000 + Math.log(2), 1000 + Math.log(3), -Infinity, -Infinity, -Infinity]));
    close(s.data, [1 / 6, 2 / 6, 3 / 6, 1 / 6, 2 / 6, 3 / 6, 0, 0, 0]);
  });
  it('RMSNorm: x=[3,4], w=[1,2], eps=0.5 → [3,8]/sqrt((9+16)/2+0.5) = [3,8]/sqrt(13)', () => {
    close(rmsNorm(t([1, 2], [3, 4]), t([2], [1, 2]), 0.5).data, [3 / Math.sqrt(13), 8 / Math.sqrt(13)]);
  });
});

describe('rotary (HF rotate-half)', () => {
  it('rotates dim j with dim j+Dh/2 by p·theta^(-2j/Dh)', () => {
    // Dh=4, theta=100: θ0 = 1, θ1 = 100^(-1/2) = 0.1. Position 2 → angles 2 and 0.2.
    // Pairs (x0,x2)=(1,3) by 2 rad: [1·cos2 − 3·sin2, 3·cos2 + 1·sin2]; (x1,x3)=(2,4) by 0.2 rad likewise.
    const y = applyRotary(t([1, 1, 1, 4], [1, 2, 3, 4]), t([1, 1], [2]), 100);
    const c2 = Math.cos(2), s2 = Math.sin(2), c02 = Math.cos(0.2), s02 = Math.sin(0.2);
    close(y.data, [c2 - 3 * s2, 2 * c02 - 4 * s02, 3 * c2 + s2, 4 * c02 + 2 * s02]);
  });
  it('scores depend only on relative position: <R(p)q, R(s)k> = <R(p+5)q, R(s+5)k>', () => {
    const q = randomTensor([1, 1, 1, 8], 1);
    const k = randomTensor([1, 1, 1, 8], 2);
    const dot = (a: Float64Array, b: Float64Array) => a.reduce((s, v, i) => s + v * b[i], 0);
    const d1 = dot(applyRotary(q, t([1, 1], [7]), 10000).data, applyRotary(k, t([1, 1], [3]), 10000).data);
    const d2 = dot(applyRotary(q, t([1, 1], [12]), 10000).data, applyRotary(k, t([1, 1], [8]), 10000).data);
    expect(Math.abs(d1 - d2)).toBeLessThan(1e-12);
  });
});

describe('attention', () => {
  it('softmax-weights values; causal and padding masks; GQA shares KV heads', () => {
    // Dh=1 (scale 1): q=1, keys [0, ln2] → scores [0, ln2] → weights [1/3, 2/3]; values [3, 6] → 1 + 4 = 5.
    // Causal: query 0 sees key 0 only → 3; query 1 sees both → 5. With key 1 padded, query 1 → 3.
    // GQA (2 query heads on 1 KV head): head 1 has q=0 → uniform weights → (3+6)/2 = 4.5.
    const q = t([1, 2, 2, 1], [1, 1, 0, 0]);
    const k = t([1, 1, 2, 1], [0, Math.log(2)]);
    const v = t([1, 1, 2, 1], [3, 6]);
    const causal = scaledDotProductAttention(q, k, v, (_b, i, j) => j <= i);
    close(causal.data, [3, 5, 3, 4.5]);
    const padded = scaledDotProductAttention(q, k, v, (_b, i, j) => j <= i && j !== 1);
    close(padded.data, [3, 3, 3, 3]);
  });

  const cfg: LlamaBlockConfig = { numHeads: 4, numKvHeads: 2, ropeTheta: 10000, rmsNormEps: 1e-6, activation: 'silu' };
  const D = 16;
  const blockWeights = (seed: number): LlamaBlockWeights => ({
    inputNorm: t([D], randomTensor([D], seed).data.map((x) => 1 + 0.2 * x)),
    attn: {
      wq: randomTensor([16, D], seed + 1, 0.3),
      wk: randomTensor([8, D], seed + 2, 0.3),
      wv: randomTensor([8, D], seed + 3, 0.3),
      wo: randomTensor([D, 16], seed + 4, 0.3),
    },
    postNorm: t([D], randomTensor([D], seed + 5).data.map((x) => 1 + 0.2 * x)),
    mlp: { gate: randomTensor([24, D], seed + 6, 0.3), up: randomTensor([24, D], seed + 7, 0.3), down: randomTensor([D, 24], seed + 8, 0.3) },
  });

  it('prefill then one-step decode with the KV cache equals full recompute (left-padded batch)', () => {
    const B = 2, T = 5;
    const x = randomTensor([B, T + 1, D], 10);
    const w = blockWeights(20).attn;
    // Row 1 is left-padded by 2: its real tokens start at slot 2 and its positions count from there.
    const mask = t([B, T + 1], [1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1]);
    const pos = t([B, T + 1], [0, 1, 2, 3, 4, 5, 0, 0, 0, 1, 2, 3]);
    const full = llamaAttention(x, w, cfg, { positions: pos, keyMask: mask });
    const pre = llamaAttention(sliceAxis(x, 1, 0, T), w, cfg, { positions: sliceAxis(pos, 1, 0, T), keyMask: sliceAxis(mask, 1, 0, T) });
    const step = llamaAttention(sliceAxis(x, 1, T, T + 1), w, cfg, { positions: sliceAxis(pos, 1, T, T + 1), keyMask: mask, past: pre.present });
    expect(maxAbsDiff(step.out, sliceAxis(full.out, 1, T, T + 1))).toBeLessThan(1e-12);
    expect(maxAbsDiff(step.present.k, full.present.k)).toBeLessThan(1e-12);
    // The padded slots of row 1 must not influence its real tokens: drop them and compare.
    const solo = llamaAttention(sliceAxis(sliceAxis(x, 0, 1, 2), 1, 2, T + 1), w, cfg, { positions: t([1, 4], [0, 1, 2, 3]) });
    expect(maxAbsDiff(solo.out, sliceAxis(sliceAxis(full.out, 0, 1, 2), 1, 2, T + 1))).toBeLessThan(1e-12);
  });

  it('a one-token LLaMA block with identity weights matches the hand-derived formula', () => {
    // D=2, one head of 2, all projections identity, position 0 (rotary is identity), eps=0:
    // n = x/rms(x) with rms([3,4]) = sqrt(12.5); one key → attention returns v = n; h = x + n.
    // RMSNorm is scale invariant and h = x·(1 + 1/rms(x)), so norm(h) = n again;
    // SwiGLU with identity weights: silu(n)⊙n = n²·σ(n). out = h + n²·σ(n).
    const I = t([2, 2], [1, 0, 0, 1]);
    const w: LlamaBlockWeights = { inputNorm: t([2], [1, 1]), postNorm: t([2], [1, 1]), attn: { wq: I, wk: I, wv: I, wo: I }, mlp: { gate: I, up: I, down: I } };
    const r = llamaBlock(t([1, 1, 2], [3, 4]), w, { numHeads: 1, numKvHeads: 1, ropeTheta: 10000, rmsNormEps: 0, activation: 'silu' }, { positions: t([1, 1], [0]) });
    const n = [3 / Math.sqrt(12.5), 4 / Math.sqrt(12.5)];
    close(r.out.data, [3 + n[0] + n[0] ** 2 * sigmoid(n[0]), 4 + n[1] + n[1] ** 2 * sigmoid(n[1])]);
  });

  it('a 2-layer stack decodes step by step identically to one full pass', () => {
    const layers = [blockWeights(30), blockWeights(40)];
    const norm = t([D], new Array(D).fill(1));
    const x = randomTensor([1, 4, D], 50);
    const pos = t([1, 4], [0, 1, 2, 3]);
    const full = llamaStack(x, layers, norm, cfg, { positions: pos });
    let past = llamaStack(sliceAxis(x, 1, 0, 2), layers, norm, cfg, { positions: sliceAxis(pos, 1, 0, 2) }).present;
    for (let s = 2; s < 4; s++) {
      const r = llamaStack(sliceAxis(x, 1, s, s + 1), layers, norm, cfg, { positions: sliceAxis(pos, 1, s, s + 1), past });
      expect(maxAbsDiff(r.out, sliceAxis(full.out, 1, s, s + 1))).toBeLessThan(1e-12);
      past = r.present;
    }
  });
});

describe('conv1d / conv-transpose1d', () => {
  const x = t([1, 1, 4], [1, 2, 3, 4]);
  it('stride, dilation and zero padding', () => {
    const diff = t([1, 1, 2], [1, -1]);
    close(conv1d(x, diff, undefined).data, [-1, -1, -1]); // x[t] − x[t+1]
    close(conv1d(x, diff, undefined, { stride: 2 }).data, [-1, -1]); // t = 0, 2
    close(conv1d(x, diff, undefined, { dilation: 2 }).data, [-2, -2]); // x[t] − x[t+2]
    close(conv1d(x, diff, t([1], [10]), { padding: 1 }).data, [9, 9, 9, 9, 14]); // [0,1,2,3,4,0] diffs + 10
  });
  it('reflect and replicate padding (identity kernel shows the padded signal)', () => {
    const id = t([1, 1, 1], [1]);
    close(conv1d(x, id, undefined, { padding: 2, padMode: 'reflect' }).data, [3, 2, 1, 2, 3, 4, 3, 2]);
    close(conv1d(x, id, undefined, { padding: [2, 1], padMode: 'replicate' }).data, [1, 1, 1, 2, 3, 4, 4]);
  });
  it('groups keep channels apart; groups=1 mixes them', () => {
    const x2 = t([1, 2, 2], [1, 2, 3, 4]);
    close(conv1d(x2, t([2, 1, 1], [2, 10]), undefined, { groups: 2 }).data, [2, 4, 30, 40]);
    close(conv1d(x2, t([1, 2, 1], [1, 1]), undefined).data, [4, 6]);
  });
  it('transpose: stride 2 scatters overlapping copies; padding crops; output padding extends', () => {
    // x=[1,2], w=[1,1,1], stride 2: l=0 adds 1 at t=0,1,2; l=1 adds 2 at t=2,3,4 → [1,1,3,2,2]
    const xs = t([1, 1, 2], [1, 2]);
    const w = t([1, 1, 3], [1, 1, 1]);
    close(convTranspose1d(xs, w, undefined, { stride: 2 }).data, [1, 1, 3, 2, 2]);
    close(convTranspose1d(xs, w, undefined, { stride: 2, padding: 1 }).data, [1, 3, 2]);
    close(convTranspose1d(xs, w, t([1], [1]), { stride: 2, padding: 1, outputPadding: 1 }).data, [2, 4, 3, 3]);
  });
  it('transpose is the adjoint of conv (stride 3, dilation 2, groups 2): <conv(x), y> = <x, convT(y)>', () => {
    const xa = randomTensor([2, 4, 13], 1);
    const w = randomTensor([6, 2, 3], 2); // conv: 4 → 6 channels in 2 groups
    const y = conv1d(xa, w, undefined, { stride: 3, dilation: 2, groups: 2 });
    const ya = randomTensor(y.shape, 3);
    // conv weight [Cout, Cin/g, K] is exactly the transpose weight [Cin', Cout'/g, K] with Cin'=Cout.
    const back = convTranspose1d(ya, w, undefined, { stride: 3, dilation: 2, groups: 2, outputPadding: 13 - ((y.shape[2] - 1) * 3 + 4 + 1) });
    expect(back.shape).toEqual(xa.shape);
    const dot = (a: Float64Array, b: Float64Array) => a.reduce((s, v, i) => s + v * b[i], 0);
    expect(Math.abs(dot(y.data, ya.data) - dot(xa.data, back.data))).toBeLessThan(1e-10);
  });
  it('weight norm folds to g·v/‖v‖ per output row', () => {
    // row 0: v=[3,4], ‖v‖=5, g=10 → [6,8]; row 1: v=[0,2], g=−1 → [0,−1]
    close(foldWeightNormReference(t([2, 1, 1], [10, -1]), t([2, 1, 2], [3, 4, 0, 2])).data, [6, 8, 0, -1]);
  });
});

describe('LSTM', () => {
  it('uses PyTorch gate order i, f, g, o and carries h/c across steps and layers', () => {
    // I=H=1. Layer 0: w_ih = [1,2,3,4]ᵀ, w_hh = [0.5,0.5,0.5,0.5]ᵀ, b_ih = [0,0,0,0], b_hh = [0.1,0,0,0].
    // Step 1 (x=1, h0=0, c0=1): gates = [1.1, 2, 3, 4] → c1 = σ(2)·1 + σ(1.1)·tanh(3), h1 = σ(4)·tanh(c1).
    // Step 2 (x=−1): gates = [−1+0.5h1+0.1, −2+0.5h1, −3+0.5h1, −4+0.5h1] → same recurrences.
    // Layer 1 (w_ih = [1,1,1,1]ᵀ, w_hh = 0, no biases, zero state) reads layer 0's h at each step.
    const l0 = { wIh: t([4, 1], [1, 2, 3, 4]), wHh: t([4, 1], [0.5, 0.5, 0.5, 0.5]), bIh: t([4], [0, 0, 0, 0]), bHh: t([4], [0.1, 0, 0, 0]) };
    const l1 = { wIh: t([4, 1], [1, 1, 1, 1]), wHh: t([4, 1], [0, 0, 0, 0]) };
    const r = lstm(t([2, 1, 1], [1, -1]), [l0, l1], { h0: t([2, 1, 1], [0, 0]), c0: t([2, 1, 1], [1, 0]) });
    const c1 = sigmoid(2) * 1 + sigmoid(1.1) * Math.tanh(3);
    const h1 = sigmoid(4) * Math.tanh(c1);
    const c2 = sigmoid(-2 + 0.5 * h1) * c1 + sigmoid(-1 + 0.5 * h1 + 0.1) * Math.tanh(-3 + 0.5 * h1);
    const h2 = sigmoid(-4 + 0.5 * h1) * Math.tanh(c2);
    // layer 1: gates all equal a = input; c' = σ(a)·c + σ(a)·tanh(a); h' = σ(a)·tanh(c')
    const k1 = sigmoid(h1) * Math.tanh(h1);
    const g1 = sigmoid(h1) * Math.tanh(k1);
    const k2 = sigmoid(h2) * k1 + sigmoid(h2) * Math.tanh(h2);
    const g2 = sigmoid(h2) * Math.tanh(k2);
    close(r.output.data, [g1, g2]);
    close(r.hN.data, [h2, g2]);
    close(r.cN.data, [c2, k2]);
  });
});

describe('cross-entropy', () => {
  it('ignores the ignore index and applies per-position weights in a weighted mean', () => {
    // row 0: logits [0,0], target 0 → ln 2. row 1: logits [0, ln3], target 0 → ln(1+3) − 0 = ln 4.
    const logits = t([3, 2], [0, 0, 0, Math.log(3), 5, 5]);
    close([crossEntropy(logits, [0, 0, -100]).loss], [(Math.log(2) + Math.log(4)) / 2]);
    // weights [2, 1, 7] with row 2 ignored: (2·ln2 + 1·ln4)/(2+1) = 4·ln2/3
    close([crossEntropy(logits, [0, 0, -100], { weights: t([3], [2, 1, 7]) }).loss], [(4 * Math.log(2)) / 3]);
    close([crossEntropy(logits, [0, 1, -100], { reduction: 'sum' }).loss], [Math.log(2) + Math.log(4 / 3)]);
    expect(crossEntropy(logits, [-100, -100, -100]).loss).toBe(0);
  });
});

describe('AdamW and clipping', () => {
  const h = { lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 };
  it('two steps match the hand computation (decay first, bias correction, eps outside the sqrt)', () => {
    const p = new Float64Array([1]);
    const m = new Float64Array(1);
    const v = new Float64Array(1);
    // t=1, g=0.5: p = 1·(1−0.1·0.01) = 0.999; m = 0.05; v = 0.001·0.25 = 2.5e-4;
    // step = 0.1/(1−0.9) = 1; denom = sqrt(2.5e-4)/sqrt(0.001) + 1e-8 = 0.5 + 1e-8
    // p = 0.999 − 0.05/0.50000001 = 0.999 − 0.099999998 = 0.899000002
    adamwStepReference(p, [0.5], m, v, 1, h);
    close(p, [0.999 - 0.05 / 0.50000001]);
    expect(Math.abs(p[0] - 0.899000002)).toBeLessThan(1e-9);
    // t=2, g=−1: p = 0.899000002·0.999 = 0.898101002; m = 0.045 − 0.1 = −0.055;
    // v = 0.999·2.5e-4 + 0.001 = 1.24975e-3; step = 0.1/0.19; denom = sqrt(1.24975e-3/1.999e-3) + 1e-8 ≈ 0.79068805
    // p ≈ 0.898101002 + 0.52631579·0.055/0.79068805 ≈ 0.898101002 + 0.03661035 = 0.93471135
    adamwStepReference(p, [-1], m, v, 2, h);
    expect(Math.abs(p[0] - 0.93471135)).toBeLessThan(2e-8);
    close(m, [-0.055]);
    close(v, [1.24975e-3]);
  });
  it('clips by the global norm across tensors with torch’s 1e-6', () => {
    const g = [new Float64Array([3]), new Float64Array([0, 4])];
    expect(clipGradNormReference(g, 1)).toBe(5); // sqrt(9+16)
    close([g[0][0], g[1][1]], [3 / (5 + 1e-6), 4 / (5 + 1e-6)]);
    const g2 = [new Float64Array([3, 4])];
    clipGradNormReference(g2, 10); // coef 10/5 > 1: unchanged
    close(g2[0], [3, 4]);
  });
});

describe('tensor helpers', () => {
  it('transpose permutes axes', () => {
    // [[1,2,3],[4,5,6]]ᵀ = [[1,4],[2,5],[3,6]]
    close(transpose(t([2, 3], [1, 2, 3, 4, 5, 6]), [1, 0]).data, [1, 4, 2, 5, 3, 6]);
  });
});
