/**
 * Integer-factor decimation behind a windowed-sinc (Blackman) low-pass: cheap, linear phase (delay compensated,
 * so output sample m lines up with input sample m·factor), used where a lower rate is good enough (pitch).
 */
export function decimate(x: Float32Array | Float64Array, factor: number, taps = 64): Float64Array {
  if (!Number.isInteger(factor) || factor < 1) throw new RangeError(`decimation factor must be a whole number ≥ 1, got ${factor}`);
  const outLen = Math.ceil(x.length / factor);
  const out = new Float64Array(outLen);
  if (factor === 1) {
    out.set(x);
    return out;
  }
  // Cut-off 90 % of the new Nyquist frequency keeps aliasing out of the band that matters.
  const fc = (0.9 * 0.5) / factor;
  const half = taps / 2;
  const h = new Float64Array(taps + 1);
  let sum = 0;
  for (let k = 0; k <= taps; k++) {
    const n = k - half;
    const sinc = n === 0 ? 2 * fc : Math.sin(2 * Math.PI * fc * n) / (Math.PI * n);
    const w = 0.42 - 0.5 * Math.cos((2 * Math.PI * k) / taps) + 0.08 * Math.cos((4 * Math.PI * k) / taps);
    h[k] = sinc * w;
    sum += h[k];
  }
  for (let k = 0; k <= taps; k++) h[k] /= sum;
  for (let m = 0; m < outLen; m++) {
    const c = m * factor;
    let acc = 0;
    const k0 = Math.max(0, half - c);
    const k1 = Math.min(taps, x.length - 1 - c + half);
    for (let k = k0; k <= k1; k++) acc += h[k] * x[c + k - half];
    out[m] = acc;
  }
  return out;
}
