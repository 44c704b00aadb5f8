/**
 * In-place radix-2 complex FFT of one fixed size (twiddles and bit reversal precomputed), the workhorse of the
 * codec's analysis, synthesis and metrics. Plain Float64Array arithmetic: the same input always gives the
 * same bits, which the streaming decoder's "chunked equals one-shot" guarantee relies on.
 */
export class Fft {
  readonly size: number;
  private readonly cos: Float64Array;
  private readonly sin: Float64Array;
  private readonly rev: Uint32Array;

  constructor(size: number) {
    if (!Number.isInteger(size) || size < 2 || (size & (size - 1)) !== 0) throw new RangeError(`FFT size must be a power of two ≥ 2, got ${size}`);
    this.size = size;
    this.cos = new Float64Array(size / 2);
    this.sin = new Float64Array(size / 2);
    for (let i = 0; i < size / 2; i++) {
      this.cos[i] = Math.cos((2 * Math.PI * i) / size);
      this.sin[i] = Math.sin((2 * Math.PI * i) / size);
    }
    this.rev = new Uint32Array(size);
    const bits = Math.log2(size);
    for (let i = 0; i < size; i++) {
      let r = 0;
      for (let b = 0; b < bits; b++) r |= ((i >>> b) & 1) << (bits - 1 - b);
      this.rev[i] = r;
    }
  }

  /** X[k] = Σ x[n]·e^{-2πi·kn/N}, in place. */
  forward(re: Float64Array, im: Float64Array): void {
    this.transform(re, im, -1);
  }

  /** x[n] = (1/N)·Σ X[k]·e^{+2πi·kn/N}, in place (scaled, so inverse(forward(x)) = x). */
  inverse(re: Float64Array, im: Float64Array): void {
    this.transform(re, im, 1);
    const s = 1 / this.size;
    for (let i = 0; i < this.size; i++) {
      re[i] *= s;
      im[i] *= s;
    }
  }

  private transform(re: Float64Array, im: Float64Array, sign: number): void {
    const n = this.size;
    if (re.length < n || im.length < n) throw new RangeError(`FFT buffers must hold ${n} values`);
    const rev = this.rev;
    for (let i = 0; i < n; i++) {
      const j = rev[i];
      if (j > i) {
        let t = re[i];
        re[i] = re[j];
        re[j] = t;
        t = im[i];
        im[i] = im[j];
        im[j] = t;
      }
    }
    const cos = this.cos;
    const sin = this.sin;
    for (let len = 2; len <= n; len <<= 1) {
      const half = len >>> 1;
      const step = n / len;
      for (let start = 0; start < n; start += len) {
        for (let k = 0, t = 0; k < half; k++, t += step) {
          const wr = cos[t];
          const wi = sign * sin[t];
          const a = start + k;
          const b = a + half;
          const xr = re[b] * wr - im[b] * wi;
          const xi = re[b] * wi + im[b] * wr;
          re[b] = re[a] - xr;
          im[b] = im[a] - xi;
          re[a] += xr;
          im[a] += xi;
        }
      }
    }
  }
}

const cache = new Map<number, Fft>();

/** A shared FFT of this size (the tables are immutable, so sharing is safe). */
export function fftOfSize(size: number): Fft {
  let f = cache.get(size);
  if (!f) {
    f = new Fft(size);
    cache.set(size, f);
  }
  return f;
}

/**
 * Power spectrum |X[k]|², k = 0..N/2, of `frame` (length ≤ N, zero-padded). `scratch` avoids allocation.
 */
export function powerSpectrum(fft: Fft, frame: ArrayLike<number>, out: Float64Array, scratch?: { re: Float64Array; im: Float64Array }): Float64Array {
  const n = fft.size;
  const re = scratch?.re ?? new Float64Array(n);
  const im = scratch?.im ?? new Float64Array(n);
  re.fill(0);
  im.fill(0);
  const len = Math.min(frame.length, n);
  for (let i = 0; i < len; i++) re[i] = frame[i];
  fft.forward(re, im);
  for (let k = 0; k <= n / 2; k++) out[k] = re[k] * re[k] + im[k] * im[k];
  return out;
}
