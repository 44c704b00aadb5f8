/**
 * Weight norm folded at load time. Checkpoints of EnCodec/DAC-style convolutions store a weight as
 * (weight_g, weight_v) with w = g · v / ‖v‖; inference and fine-tuning from ONNX only need w, so the
 * product is computed once on the host instead of inside every graph run.
 */
import { hostTensor, type HostTensor } from '../io/host-tensor.js';

/**
 * w = g · v / ‖v‖ with the norm over every dim but 0 (PyTorch `weight_norm(dim=0)`): one norm per output
 * row. g has one value per row (shape [rows] or [rows, 1, …]); float32 or float64 in, float32 out,
 * computed in float64. A row of v that is all zeros has no direction and is refused.
 */
export function foldWeightNorm(g: HostTensor, v: HostTensor): HostTensor<'float32'> {
  for (const [t, name] of [[g, 'weight_g'], [v, 'weight_v']] as const) {
    if (t.dtype !== 'float32' && t.dtype !== 'float64') throw new Error(`foldWeightNorm: ${name} must be float32 or float64, got ${t.dtype}`);
  }
  if (v.shape.length < 1) throw new Error('foldWeightNorm: weight_v must have at least one dimension');
  const rows = v.shape[0];
  const gData = g.data as Float32Array | Float64Array;
  const vData = v.data as Float32Array | Float64Array;
  if (gData.length !== rows || (g.shape.length > 0 && g.shape[0] !== rows)) {
    throw new Error(`foldWeightNorm: weight_g [${g.shape.join(', ')}] needs one value per row of weight_v [${v.shape.join(', ')}]`);
  }
  const per = rows === 0 ? 0 : vData.length / rows;
  const out = new Float32Array(vData.length);
  for (let r = 0; r < rows; r++) {
    let ss = 0;
    for (let j = 0; j < per; j++) ss += vData[r * per + j] * vData[r * per + j];
    if (ss === 0) throw new Error(`foldWeightNorm: row ${r} of weight_v is all zeros`);
    const s = gData[r] / Math.sqrt(ss);
    for (let j = 0; j < per; j++) out[r * per + j] = vData[r * per + j] * s;
  }
  return hostTensor('float32', v.shape, out);
}

/**
 * Replaces every `X.weight_g` / `X.weight_v` pair in a checkpoint's tensors by `X.weight` (folded).
 * Returns a new record; tensors that are not part of a pair pass through. A lone `_g` or `_v` is an error.
 */
export function foldWeightNormParams(tensors: Readonly<Record<string, HostTensor>>): Record<string, HostTensor> {
  const out: Record<string, HostTensor> = {};
  for (const [name, t] of Object.entries(tensors)) {
    if (name.endsWith('.weight_g')) {
      const base = name.slice(0, -'.weight_g'.length);
      const v = tensors[`${base}.weight_v`];
      if (!v) throw new Error(`foldWeightNormParams: ${name} has no matching ${base}.weight_v`);
      if (tensors[`${base}.weight`]) throw new Error(`foldWeightNormParams: ${base} has both weight and weight_g/weight_v`);
      out[`${base}.weight`] = foldWeightNorm(t, v);
    } else if (name.endsWith('.weight_v')) {
      const base = name.slice(0, -'.weight_v'.length);
      if (!tensors[`${base}.weight_g`]) throw new Error(`foldWeightNormParams: ${name} has no matching ${base}.weight_g`);
    } else {
      out[name] = t;
    }
  }
  return out;
}
