/**
 * Reference matmul, linear layer, activations, softmax and RMSNorm in float64 loops.
 */
import { refTensor, sizeOf, type RefTensor } from './reference-tensor.js';

/**
 * Batched matmul: a [...batch, M, K] × b [...batch, K, N] → [...batch, M, N]. `b` may also be 2-D [K, N],
 * shared by every batch entry (the common "activations × weight" case).
 */
export function matmul(a: RefTensor, b: RefTensor): RefTensor {
  const ra = a.shape.length;
  const rb = b.shape.length;
  if (ra < 2 || rb < 2) throw new Error('matmul: both operands need rank >= 2');
  const M = a.shape[ra - 2];
  const K = a.shape[ra - 1];
  const N = b.shape[rb - 1];
  if (b.shape[rb - 2] !== K) throw new Error(`matmul: inner dims ${K} vs ${b.shape[rb - 2]}`);
  const batchShape = a.shape.slice(0, ra - 2);
  const batch = sizeOf(batchShape);
  const bShared = rb === 2;
  if (!bShared && sizeOf(b.shape.slice(0, rb - 2)) !== batch) throw new Error('matmul: batch dims differ');
  const out = refTensor([...batchShape, M, N]);
  for (let s = 0; s < batch; s++) {
    const aOff = s * M * K;
    const bOff = bShared ? 0 : s * K * N;
    const oOff = s * M * N;
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < N; j++) {
        let acc = 0;
        for (let k = 0; k < K; k++) acc += a.data[aOff + i * K + k] * b.data[bOff + k * N + j];
        out.data[oOff + i * N + j] = acc;
      }
    }
  }
  return out;
}

/** PyTorch nn.Linear: x [..., in] · weightᵀ (weight stored [out, in]) + bias [out]. */
export function linear(x: RefTensor, weight: RefTensor, bias?: RefTensor): RefTensor {
  const inF = x.shape[x.shape.length - 1];
  const [outF, wIn] = weight.shape;
  if (wIn !== inF) throw new Error(`linear: input features ${inF} vs weight [${weight.shape.join(', ')}]`);
  const rows = x.data.length / inF;
  const out = refTensor([...x.shape.slice(0, -1), outF]);
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < outF; o++) {
      let acc = bias ? bias.data[o] : 0;
      for (let k = 0; k < inF; k++) acc += x.data[r * inF + k] * weight.data[o * inF + k];
      out.data[r * outF + o] = acc;
    }
  }
  return out;
}

export function map(x: RefTensor, f: (v: number) => number): RefTensor {
  const out = refTensor(x.shape);
  for (let i = 0; i < x.data.length; i++) out.data[i] = f(x.data[i]);
  return out;
}

export function sigmoidScalar(v: number): number {
  return 1 / (1 + Math.exp(-v));
}

export function siluScalar(v: number): number {
  return v * sigmoidScalar(v);
}

/**
 * erf to ~1e-15: Maclaurin series for |x| < 3 (terms stay below ~1e3, so cancellation costs at most
 * 3 digits), Lentz's continued fraction for erfc beyond. Math has no erf, and the usual 7-digit
 * Abramowitz–Stegun fit would be too coarse for a float64 reference.
 */
export function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax < 3) {
    let term = x;
    let sum = x;
    const x2 = x * x;
    for (let n = 1; n < 200; n++) {
      term *= -x2 / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return (2 / Math.sqrt(Math.PI)) * sum;
  }
  if (ax > 27) return Math.sign(x);
  // erfc(x) = exp(-x²)/√π · 1/(x + 1/2/(x + 1/(x + 3/2/(x + ...)))) — modified Lentz.
  const tiny = 1e-300;
  let f = ax;
  let C = ax;
  let D = 0;
  for (let n = 1; n < 500; n++) {
    const an = n / 2;
    D = ax + an * D;
    D = D === 0 ? tiny : D;
    C = ax + an / C;
    C = C === 0 ? tiny : C;
    D = 1 / D;
    const delta = C * D;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f;
  return Math.sign(x) * (1 - erfc);
}

/** Exact (erf) GELU, as transformers' ACT2FN["gelu"]. */
export function geluScalar(v: number): number {
  return 0.5 * v * (1 + erf(v / Math.SQRT2));
}

export function silu(x: RefTensor): RefTensor {
  return map(x, siluScalar);
}

export function gelu(x: RefTensor): RefTensor {
  return map(x, geluScalar);
}

/** Softmax over the last axis, max-subtracted; an all −∞ row gives zeros (no NaN). */
export function softmax(x: RefTensor): RefTensor {
  const n = x.shape[x.shape.length - 1];
  const rows = x.data.length / n;
  const out = refTensor(x.shape);
  for (let r = 0; r < rows; r++) {
    let max = -Infinity;
    for (let j = 0; j < n; j++) max = Math.max(max, x.data[r * n + j]);
    if (max === -Infinity) continue;
    let sum = 0;
    for (let j = 0; j < n; j++) {
      const e = Math.exp(x.data[r * n + j] - max);
      out.data[r * n + j] = e;
      sum += e;
    }
    for (let j = 0; j < n; j++) out.data[r * n + j] /= sum;
  }
  return out;
}

/** LLaMA RMSNorm over the last axis: w ⊙ x / sqrt(mean(x²) + eps). */
export function rmsNorm(x: RefTensor, weight: RefTensor, eps: number): RefTensor {
  const d = x.shape[x.shape.length - 1];
  if (weight.data.length !== d) throw new Error(`rmsNorm: weight has ${weight.data.length} values, features ${d}`);
  const rows = x.data.length / d;
  const out = refTensor(x.shape);
  for (let r = 0; r < rows; r++) {
    let ss = 0;
    for (let j = 0; j < d; j++) ss += x.data[r * d + j] ** 2;
    const inv = 1 / Math.sqrt(ss / d + eps);
    for (let j = 0; j < d; j++) out.data[r * d + j] = weight.data[j] * x.data[r * d + j] * inv;
  }
  return out;
}
