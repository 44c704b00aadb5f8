/**
 * Minimum-phase spectrum from a log-amplitude spectrum, by folding the real cepstrum onto positive quefrencies
 * (the standard homomorphic construction). The response it describes is causal and front-loaded, which is what
 * lets the synthesiser place each pulse's response at the pulse and never before it.
 */
import type { Fft } from './fft.js';

/**
 * `logAmp` holds ln|H| on bins 0..N/2. On return `re`/`im` (length N) hold H[k] for all N bins (Hermitian).
 */
export function minimumPhaseSpectrum(fft: Fft, logAmp: ArrayLike<number>, re: Float64Array, im: Float64Array): void {
  const n = fft.size;
  const half = n / 2;
  for (let k = 0; k <= half; k++) re[k] = logAmp[k];
  for (let k = 1; k < half; k++) re[n - k] = logAmp[k];
  im.fill(0);
  fft.inverse(re, im);
  // Real cepstrum → causal: c[0], 2·c[1..N/2−1], c[N/2], zeros after.
  for (let q = 1; q < half; q++) re[q] *= 2;
  for (let q = half + 1; q < n; q++) re[q] = 0;
  im.fill(0);
  fft.forward(re, im);
  for (let k = 0; k < n; k++) {
    const mag = Math.exp(re[k]);
    const ph = im[k];
    re[k] = mag * Math.cos(ph);
    im[k] = mag * Math.sin(ph);
  }
}
