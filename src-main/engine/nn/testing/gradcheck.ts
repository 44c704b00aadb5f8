/**
 * Finite-difference gradient check. Builds `loss = Σ f(inputs) · R` (R a fixed random tensor, so every
 * output element is weighted differently), differentiates it with `gradients`, runs forward + backward in
 * one ONNX model, and compares each analytic gradient element with a central difference
 * (loss(x + eps) - loss(x - eps)) / 2eps computed by re-running the same model.
 *
 * Run in float64 wherever onnxruntime's CPU kernels exist for it (tight tolerances); ops that ORT only
 * implements in float32 (Conv, ConvTranspose, Erf, …) are checked in float32 with the looser defaults below.
 */
import type { AnyTypedArray, DType } from '../dtype.js';
import { isFloat, typedArrayFrom } from '../dtype.js';
import { emitOnnx } from '../emit/onnx.js';
import { gradients } from '../grad.js';
import { Graph } from '../graph.js';
import * as P from '../primitives.js';
import type { Tensor } from '../tensor.js';
import type { Feeds, HostTensor } from './run-model.js';
import { float64SessionOptions, ModelRunner } from './run-model.js';

export interface GradcheckInput {
  name: string;
  shape: number[];
  /** defaults to the check's dtype; integer inputs are fed but not differentiated */
  dtype?: DType;
  /** values; random in [-1, 1] when omitted */
  data?: readonly number[];
  /** differentiate with respect to this input (default: true for float inputs) */
  differentiate?: boolean;
}

export interface GradcheckSpec {
  dtype: 'float64' | 'float32';
  inputs: GradcheckInput[];
  /** builds the function under test from the inputs (in `inputs` order) */
  build: (g: Graph, inputs: Tensor[]) => Tensor;
  eps?: number;
  atol?: number;
  rtol?: number;
  seed?: number;
}

export interface GradcheckMismatch {
  input: string;
  index: number;
  analytic: number;
  numeric: number;
}

export interface GradcheckResult {
  ok: boolean;
  checked: number;
  maxAbsError: number;
  mismatches: GradcheckMismatch[];
  /** a readable summary of the worst mismatches */
  report: string;
}

/** Tolerances by dtype, stated once: float32 central differences lose ~3 digits to cancellation. */
export const gradcheckDefaults = {
  float64: { eps: 1e-6, atol: 1e-7, rtol: 1e-5 },
  float32: { eps: 1e-2, atol: 2e-3, rtol: 2e-2 },
} as const;

/** Deterministic uniform values in [-1, 1). */
export function seededUniform(n: number, seed: number): number[] {
  let s = (seed * 2654435761) % 2 ** 32 || 1;
  return Array.from({ length: n }, () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return (s / 2 ** 32) * 2 - 1;
  });
}

export async function gradcheck(spec: GradcheckSpec): Promise<GradcheckResult> {
  const defaults = gradcheckDefaults[spec.dtype];
  const eps = spec.eps ?? defaults.eps;
  const atol = spec.atol ?? defaults.atol;
  const rtol = spec.rtol ?? defaults.rtol;
  const seed = spec.seed ?? 7;

  const g = new Graph('gradcheck');
  const feeds: Feeds = {};
  const tensors: Tensor[] = [];
  const diff: { name: string; tensor: Tensor }[] = [];
  spec.inputs.forEach((inp, i) => {
    const dtype = inp.dtype ?? spec.dtype;
    const n = inp.shape.reduce((a, b) => a * b, 1);
    const values = inp.data ?? seededUniform(n, seed + 31 * i);
    if (values.length !== n) throw new Error(`gradcheck input ${inp.name}: ${values.length} values for ${n}`);
    const t = g.input(inp.name, dtype, inp.shape);
    tensors.push(t);
    feeds[inp.name] = { dtype, shape: inp.shape, data: typedArrayFrom(dtype, values) };
    if (inp.differentiate ?? isFloat(dtype)) diff.push({ name: inp.name, tensor: t });
  });
  const y = spec.build(g, tensors);
  if (y.dtype !== spec.dtype) throw new Error(`gradcheck: output is ${y.dtype}, expected ${spec.dtype}`);
  const yShape = y.shape.map((d) => {
    if (typeof d !== 'number') throw new Error(`gradcheck: output shape must be static, got ${y}`);
    return d;
  });
  const weights = g.constant(
    typedArrayFrom(spec.dtype, seededUniform(yShape.reduce((a, b) => a * b, 1), seed + 1000)),
    yShape,
    spec.dtype,
  );
  const weighted = P.mul(y, weights);
  const loss = y.rank === 0 ? weighted : P.reduceSum(weighted, yShape.map((_, i) => i));
  g.output('loss', loss);
  const grads = gradients(loss, diff.map((d) => d.tensor));
  grads.forEach((gr, i) => g.output(`grad_${diff[i].name}`, gr));

  const runner = await ModelRunner.create(emitOnnx(g), spec.dtype === 'float64' ? float64SessionOptions : {});
  try {
    const base = await runner.run(feeds);
    const lossAt = async (name: string, index: number, delta: number): Promise<number> => {
      const original = feeds[name];
      const data = original.data.slice() as AnyTypedArray;
      (data as Float64Array)[index] = Number(original.data[index]) + delta;
      const out = await runner.run({ ...feeds, [name]: { ...original, data } as HostTensor }, ['loss']);
      return Number(out.loss.data[0]);
    };
    const mismatches: GradcheckMismatch[] = [];
    let checked = 0;
    let maxAbsError = 0;
    for (const d of diff) {
      const analytic = base[`grad_${d.name}`].data;
      const n = feeds[d.name].data.length;
      if (analytic.length !== n) throw new Error(`gradcheck: gradient of ${d.name} has ${analytic.length} values, input ${n}`);
      for (let i = 0; i < n; i++) {
        const numeric = ((await lossAt(d.name, i, eps)) - (await lossAt(d.name, i, -eps))) / (2 * eps);
        const a = Number(analytic[i]);
        const err = Math.abs(a - numeric);
        maxAbsError = Math.max(maxAbsError, err);
        checked++;
        if (!(err <= atol + rtol * Math.abs(numeric))) mismatches.push({ input: d.name, index: i, analytic: a, numeric });
      }
    }
    const report =
      mismatches.length === 0
        ? `ok: ${checked} elements, max |error| ${maxAbsError.toExponential(2)}`
        : `${mismatches.length}/${checked} elements differ (atol ${atol}, rtol ${rtol}):\n` +
          mismatches
            .slice(0, 8)
            .map((m) => `  ${m.input}[${m.index}]: analytic ${m.analytic} vs numeric ${m.numeric}`)
            .join('\n');
    return { ok: mismatches.length === 0, checked, maxAbsError, mismatches, report };
  } finally {
    await runner.release();
  }
}
