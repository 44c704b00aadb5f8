/**
 * A plain-JS Vocos decoder (float64 loops), written from vocos/{models,modules,heads,spectral_ops}.py
 * independently of the nn graph: features, Conv1d, AdaLayerNorm, ConvNeXt, ISTFTHead and an iSTFT computed
 * with a direct inverse DFT and explicit overlap-add. Tests compare the graph against it stage by stage.
 */

export interface RefVocosConfig {
  input_channels: number;
  dim: number;
  intermediate_dim: number;
  num_layers: number;
  adanorm_num_embeddings: number;
  n_fft: number;
  hop_length: number;
}

export type Weights = ReadonlyMap<string, { shape: number[]; data: Float32Array }>;
/** [channels][time] */
export type Signal = Float64Array[];

function get(w: Weights, name: string): Float32Array {
  const t = w.get(name);
  if (!t) throw new Error(`reference: no tensor ${name}`);
  return t.data;
}

/** Every tensor of Vocos' state dict for this config (table of `levels` levels × 1024 codes). */
export function refVocosShapes(c: RefVocosConfig, levels: number): Map<string, number[]> {
  const m = new Map<string, number[]>();
  m.set('feature_extractor.codebook_weights', [levels * 1024, c.input_channels]);
  m.set('backbone.embed.weight', [c.dim, c.input_channels, 7]);
  m.set('backbone.embed.bias', [c.dim]);
  m.set('backbone.norm.scale.weight', [c.adanorm_num_embeddings, c.dim]);
  m.set('backbone.norm.shift.weight', [c.adanorm_num_embeddings, c.dim]);
  for (let i = 0; i < c.num_layers; i++) {
    const p = `backbone.convnext.${i}`;
    m.set(`${p}.gamma`, [c.dim]);
    m.set(`${p}.dwconv.weight`, [c.dim, 1, 7]);
    m.set(`${p}.dwconv.bias`, [c.dim]);
    m.set(`${p}.norm.scale.weight`, [c.adanorm_num_embeddings, c.dim]);
    m.set(`${p}.norm.shift.weight`, [c.adanorm_num_embeddings, c.dim]);
    m.set(`${p}.pwconv1.weight`, [c.intermediate_dim, c.dim]);
    m.set(`${p}.pwconv1.bias`, [c.intermediate_dim]);
    m.set(`${p}.pwconv2.weight`, [c.dim, c.intermediate_dim]);
    m.set(`${p}.pwconv2.bias`, [c.dim]);
  }
  m.set('backbone.final_layer_norm.weight', [c.dim]);
  m.set('backbone.final_layer_norm.bias', [c.dim]);
  m.set('head.out.weight', [c.n_fft + 2, c.dim]);
  m.set('head.out.bias', [c.n_fft + 2]);
  m.set('head.istft.window', [c.n_fft]);
  return m;
}

/** Vocos.codes_to_features: codes[t][l] → Σ_l codebook_weights[l·1024 + code] → [C][T]. */
export function features(codes: number[][], w: Weights, channels: number): Signal {
  const table = get(w, 'feature_extractor.codebook_weights');
  const out: Signal = Array.from({ length: channels }, () => new Float64Array(codes.length));
  codes.forEach((frame, t) => frame.forEach((code, l) => {
    for (let c = 0; c < channels; c++) out[c][t] += table[(l * 1024 + code) * channels + c];
  }));
  return out;
}

/** nn.Conv1d(k, padding = (k − 1)/2, zeros, groups). */
export function conv1dSame(x: Signal, w: Float32Array, b: Float32Array, cout: number, k: number, groups: number): Signal {
  const cin = x.length;
  const T = x[0].length;
  const pad = (k - 1) / 2;
  const perGroupIn = cin / groups;
  const perGroupOut = cout / groups;
  return Array.from({ length: cout }, (_, o) => {
    const row = new Float64Array(T);
    const g = Math.floor(o / perGroupOut);
    for (let t = 0; t < T; t++) {
      let acc = b[o];
      for (let i = 0; i < perGroupIn; i++) {
        for (let j = 0; j < k; j++) {
          const s = t + j - pad;
          if (s >= 0 && s < T) acc += w[(o * perGroupIn + i) * k + j] * x[g * perGroupIn + i][s];
        }
      }
      row[t] = acc;
    }
    return row;
  });
}

/** LayerNorm over channels at each time step (eps 1e-6), then per-channel scale and shift. */
export function layerNormChannels(x: Signal, scale: ArrayLike<number>, shift: ArrayLike<number>, eps = 1e-6): Signal {
  const C = x.length;
  const T = x[0].length;
  const out: Signal = Array.from({ length: C }, () => new Float64Array(T));
  for (let t = 0; t < T; t++) {
    let mean = 0;
    for (let c = 0; c < C; c++) mean += x[c][t];
    mean /= C;
    let v = 0;
    for (let c = 0; c < C; c++) v += (x[c][t] - mean) ** 2;
    v /= C;
    for (let c = 0; c < C; c++) out[c][t] = ((x[c][t] - mean) / Math.sqrt(v + eps)) * scale[c] + shift[c];
  }
  return out;
}

function adaLayerNorm(x: Signal, w: Weights, prefix: string, id: number, dim: number): Signal {
  const scale = get(w, `${prefix}.scale.weight`).subarray(id * dim, (id + 1) * dim);
  const shift = get(w, `${prefix}.shift.weight`).subarray(id * dim, (id + 1) * dim);
  return layerNormChannels(x, scale, shift);
}

/** erf by Numerical Recipes' erfc Chebyshev fit (fractional error < 1.2e-7). */
export function erf(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? 1 - r : r - 1;
}

function linearChannels(x: Signal, w: Float32Array, b: Float32Array, out: number): Signal {
  const inp = x.length;
  const T = x[0].length;
  return Array.from({ length: out }, (_, o) => {
    const row = new Float64Array(T);
    for (let t = 0; t < T; t++) {
      let acc = b[o];
      for (let i = 0; i < inp; i++) acc += w[o * inp + i] * x[i][t];
      row[t] = acc;
    }
    return row;
  });
}

/** ConvNeXtBlock.forward with AdaLayerNorm. */
export function convNeXt(x: Signal, w: Weights, i: number, id: number, c: RefVocosConfig): Signal {
  const p = `backbone.convnext.${i}`;
  let h = conv1dSame(x, get(w, `${p}.dwconv.weight`), get(w, `${p}.dwconv.bias`), c.dim, 7, c.dim);
  h = adaLayerNorm(h, w, `${p}.norm`, id, c.dim);
  h = linearChannels(h, get(w, `${p}.pwconv1.weight`), get(w, `${p}.pwconv1.bias`), c.intermediate_dim);
  h = h.map((row) => row.map((v) => 0.5 * v * (1 + erf(v / Math.SQRT2))));
  h = linearChannels(h, get(w, `${p}.pwconv2.weight`), get(w, `${p}.pwconv2.bias`), c.dim);
  const gamma = get(w, `${p}.gamma`);
  return x.map((row, ch) => row.map((v, t) => v + gamma[ch] * h[ch][t]));
}

export interface RefVocosStages {
  features: Signal;
  embed: Signal;
  norm: Signal;
  convnext: Signal[];
  backbone: Signal;
  real: Signal;
  imag: Signal;
  pcm: Float64Array;
}

export function refVocos(codes: number[][], bandwidthId: number, w: Weights, c: RefVocosConfig): RefVocosStages {
  const feats = features(codes, w, c.input_channels);
  const embed = conv1dSame(feats, get(w, 'backbone.embed.weight'), get(w, 'backbone.embed.bias'), c.dim, 7, 1);
  const norm = adaLayerNorm(embed, w, 'backbone.norm', bandwidthId, c.dim);
  const convnext: Signal[] = [];
  let x = norm;
  for (let i = 0; i < c.num_layers; i++) {
    x = convNeXt(x, w, i, bandwidthId, c);
    convnext.push(x);
  }
  const backbone = layerNormChannels(x, get(w, 'backbone.final_layer_norm.weight'), get(w, 'backbone.final_layer_norm.bias'));
  const out = linearChannels(backbone, get(w, 'head.out.weight'), get(w, 'head.out.bias'), c.n_fft + 2);
  const F = c.n_fft / 2 + 1;
  const mag = out.slice(0, F).map((row) => row.map((v) => Math.min(Math.exp(v), 100)));
  const phase = out.slice(F);
  const real = mag.map((row, k) => row.map((m, t) => m * Math.cos(phase[k][t])));
  const imag = mag.map((row, k) => row.map((m, t) => m * Math.sin(phase[k][t])));
  const window = Float64Array.from(get(w, 'head.istft.window'));
  return { features: feats, embed, norm, convnext, backbone: transposeSignal(backbone), real, imag, pcm: istftSameRef(real, imag, c.n_fft, c.hop_length, window) };
}

/** [C][T] → [T][C] (the graph's backbone output is time-major). */
function transposeSignal(x: Signal): Signal {
  return Array.from({ length: x[0].length }, (_, t) => Float64Array.from(x, (row) => row[t]));
}

/**
 * Vocos ISTFT (padding "same"): per frame irfft (1/N, Hermitian, imaginary parts of DC and Nyquist dropped as
 * pocketfft's c2r does), times the window, overlap-added at hop; divided by the overlap-added window²; trimmed
 * by (N − hop)/2 on each side.
 */
export function istftSameRef(real: Signal, imag: Signal, nFft: number, hop: number, window: Float64Array): Float64Array {
  const T = real[0].length;
  const half = nFft / 2;
  const length = (T - 1) * hop + nFft;
  const y = new Float64Array(length);
  const env = new Float64Array(length);
  for (let t = 0; t < T; t++) {
    for (let n = 0; n < nFft; n++) {
      let acc = real[0][t] + real[half][t] * (n % 2 === 0 ? 1 : -1);
      for (let k = 1; k < half; k++) {
        const a = (2 * Math.PI * k * n) / nFft;
        acc += 2 * (real[k][t] * Math.cos(a) - imag[k][t] * Math.sin(a));
      }
      y[t * hop + n] += (acc / nFft) * window[n];
      env[t * hop + n] += window[n] * window[n];
    }
  }
  const pad = (nFft - hop) / 2;
  const out = new Float64Array(length - 2 * pad);
  for (let i = 0; i < out.length; i++) {
    if (!(env[i + pad] > 1e-11)) throw new Error('istft reference: window envelope vanishes');
    out[i] = y[i + pad] / env[i + pad];
  }
  return out;
}
