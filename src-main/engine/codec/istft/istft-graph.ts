/**
 * Inverse STFT with Vocos' "same" padding, in the graph (Vocos `ISTFT.forward`, padding="same"):
 *
 *   frames[t]  = irfft(X[:, t], n_fft) · window          (torch.fft.irfft, norm "backward": 1/N)
 *   y          = overlap-add of the frames at hop_length  (torch.nn.functional.fold)
 *   envelope   = overlap-add of window² the same way
 *   out        = (y / envelope)[pad : −pad],  pad = (win_length − hop_length) / 2   → T·hop samples
 *
 * The real inverse DFT, the window and the overlap-add are one ConvTranspose1d: the 2F = N + 2 input
 * channels are Re X_k and Im X_k, and channel k's kernel is its basis function times the window,
 *   Re: c_k/N · cos(2πkn/N) · w[n]      Im: −c_k/N · sin(2πkn/N) · w[n]      c_0 = c_{N/2} = 1, else 2,
 * with stride = hop, so each frame's N samples land at t·hop and add up. (irfft ignores the imaginary part
 * of the DC and Nyquist bins: their sine kernels are zero.) The envelope is the same ConvTranspose of ones
 * with window².
 */
import { add, concat, convTranspose1d, div, slice, zerosLike, type Graph, type Tensor } from '../../nn/index.js';

/** torch.hann_window(n) (periodic): 0.5 − 0.5·cos(2πn/N). */
export function hannWindow(n: number): Float32Array {
  const w = new Float32Array(n);
  for (let i = 0; i < n; i++) w[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n);
  return w;
}

/** ConvTranspose kernel [N + 2, 1, N] that turns (Re, Im) half-spectra into windowed time frames. */
export function istftKernel(nFft: number, window: Float32Array): Float32Array {
  if (nFft % 2 !== 0) throw new Error(`istft: n_fft must be even, got ${nFft}`);
  if (window.length !== nFft) throw new Error(`istft: window has ${window.length} samples, n_fft is ${nFft}`);
  const F = nFft / 2 + 1;
  const w = new Float32Array(2 * F * nFft);
  for (let k = 0; k < F; k++) {
    const edge = k === 0 || k === nFft / 2;
    const c = (edge ? 1 : 2) / nFft;
    for (let n = 0; n < nFft; n++) {
      // (k·n) mod N keeps the angle small, so cos/sin stay accurate for large N.
      const angle = (2 * Math.PI * ((k * n) % nFft)) / nFft;
      w[k * nFft + n] = c * Math.cos(angle) * window[n];
      w[(F + k) * nFft + n] = edge ? 0 : -c * Math.sin(angle) * window[n];
    }
  }
  return w;
}

export interface IstftOptions {
  nFft: number;
  hopLength: number;
  /** win_length = n_fft; default the periodic Hann window */
  window?: Float32Array;
}

/** real, imag [1, N/2 + 1, T] → samples [1, 1, T·hop] ("same" padding). */
export function istftSame(real: Tensor, imag: Tensor, o: IstftOptions): Tensor {
  const g: Graph = real.graph;
  const { nFft, hopLength } = o;
  const window = o.window ?? hannWindow(nFft);
  if ((nFft - hopLength) % 2 !== 0) throw new Error(`istft: (n_fft − hop) must be even for "same" padding, got ${nFft} and ${hopLength}`);
  const pad = (nFft - hopLength) / 2;
  const F = nFft / 2 + 1;
  if (real.shape[1] !== F || imag.shape[1] !== F) throw new Error(`istft: spectra must have ${F} bins, got ${String(real.shape[1])} and ${String(imag.shape[1])}`);
  return g.scope('istft', () => {
    const kernel = g.constant(istftKernel(nFft, window), [2 * F, 1, nFft], 'float32');
    const frames = convTranspose1d(concat([real, imag], 1), kernel, { stride: hopLength }); // [1, 1, (T−1)·hop + N]
    const squared = Float32Array.from(window, (v) => v * v);
    const ones = add(zerosLike(slice(real, [{ axis: 1, start: 0, end: 1 }])), 1); // [1, 1, T]
    const envelope = convTranspose1d(ones, g.constant(squared, [1, 1, nFft], 'float32'), { stride: hopLength });
    // Trim first: the envelope is 0 at the very first sample (w[0] = 0), which is cut away anyway.
    const trim = (t: Tensor) => (pad === 0 ? t : slice(t, [{ axis: 2, start: pad, end: -pad }]));
    return div(trim(frames), trim(envelope));
  });
}
