/**
 * Synthetic test signals with known parameters: vowel-like pulse trains through formant resonators. Sines and
 * noise come from media/testing/test-audio.ts.
 */

/**
 * A vowel-like signal: an impulse train whose F0 moves linearly from f0Start to f0End (Hz) through second-order
 * resonators at `formants` (Hz, bandwidth 80 Hz each), scaled to `rms`.
 */
export function vowel(options: { sampleRate: number; seconds: number; f0Start: number; f0End?: number; formants?: number[]; rms?: number }): Float32Array {
  const { sampleRate, seconds, f0Start } = options;
  const f0End = options.f0End ?? f0Start;
  const formants = options.formants ?? [700, 1200, 2600];
  const n = Math.round(seconds * sampleRate);
  let x: Float64Array = new Float64Array(n);
  let phase = 0;
  for (let i = 0; i < n; i++) {
    const f0 = f0Start + ((f0End - f0Start) * i) / n;
    phase += f0 / sampleRate;
    if (phase >= 1) {
      phase -= 1;
      x[i] = 1;
    }
  }
  for (const f of formants) x = resonate(x, f, 80, sampleRate);
  return scaleTo(x, options.rms ?? 0.1);
}

/** Pulse-train F0 of `vowel` at sample i. */
export function vowelF0At(options: { sampleRate: number; seconds: number; f0Start: number; f0End?: number }, i: number): number {
  const n = Math.round(options.seconds * options.sampleRate);
  return options.f0Start + (((options.f0End ?? options.f0Start) - options.f0Start) * i) / n;
}

function resonate(x: Float64Array, freq: number, bandwidth: number, sampleRate: number): Float64Array {
  const r = Math.exp((-Math.PI * bandwidth) / sampleRate);
  const a1 = 2 * r * Math.cos((2 * Math.PI * freq) / sampleRate);
  const a2 = -r * r;
  const y = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) y[i] = x[i] + a1 * (i > 0 ? y[i - 1] : 0) + a2 * (i > 1 ? y[i - 2] : 0);
  return y;
}

function scaleTo(x: Float64Array, rms: number): Float32Array {
  let s = 0;
  for (const v of x) s += v * v;
  const g = s > 0 ? rms / Math.sqrt(s / x.length) : 0;
  return Float32Array.from(x, (v) => v * g);
}

export function rmsOf(x: Float32Array, from = 0, to = x.length): number {
  let s = 0;
  for (let i = from; i < to; i++) s += x[i] * x[i];
  return Math.sqrt(s / Math.max(1, to - from));
}

/** Concatenation of signals. */
export function concat(...parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
