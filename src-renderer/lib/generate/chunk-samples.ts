/** `generate.chunk` samples (base64 of little-endian int16, see src-shared/api/generate.ts) as floats. */
export function decodeChunkSamples(base64: string): Float32Array {
  const binary = atob(base64);
  const n = binary.length >> 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let v = binary.charCodeAt(2 * i) | (binary.charCodeAt(2 * i + 1) << 8);
    if (v >= 0x8000) v -= 0x10000;
    out[i] = v < 0 ? v / 0x8000 : v / 0x7fff;
  }
  return out;
}

/** A buffer that grows by chunks without copying everything on every append (doubling capacity). */
export class GrowingSamples {
  #data = new Float32Array(24000);
  length = 0;

  append(samples: Float32Array): void {
    if (this.length + samples.length > this.#data.length) {
      const bigger = new Float32Array(Math.max(this.#data.length * 2, this.length + samples.length));
      bigger.set(this.#data.subarray(0, this.length));
      this.#data = bigger;
    }
    this.#data.set(samples, this.length);
    this.length += samples.length;
  }

  view(): Float32Array {
    return this.#data.subarray(0, this.length);
  }
}
