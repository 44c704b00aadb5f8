/**
 * A plain-JS EnCodec (float64 loops), written from transformers' modeling_encodec.py independently of the
 * nn graph code: the module lists, tensor names, padding arithmetic (HF's float formula, not the simplified
 * one the graph uses), weight-norm folding, LSTM and RVQ are all spelled out again here. Tests compare the
 * graphs against it layer by layer, and use its module walk to write checkpoints in the published layout.
 */

/** [channels][time] */
export type Signal = Float64Array[];

export interface RefConfig {
  audio_channels: number;
  num_filters: number;
  upsampling_ratios: number[];
  num_residual_layers: number;
  dilation_growth_rate: number;
  kernel_size: number;
  last_kernel_size: number;
  residual_kernel_size: number;
  compress: number;
  num_lstm_layers: number;
  hidden_size: number;
  codebook_size: number;
  use_causal_conv: boolean;
  pad_mode: 'reflect' | 'constant';
  trim_right_ratio: number;
  use_conv_shortcut: boolean;
}

export type Weights = ReadonlyMap<string, { shape: number[]; data: Float32Array }>;

// ------------------------------------------------------------------ modules (as nn.ModuleList entries)

export type RefModule =
  | { type: 'conv'; prefix: string; cin: number; cout: number; k: number; stride: number; dilation: number }
  | { type: 'convtr'; prefix: string; cin: number; cout: number; k: number; stride: number }
  | { type: 'elu' }
  | { type: 'lstm'; prefix: string; dim: number; layers: number }
  | { type: 'res'; prefix: string; block: RefModule[]; shortcut: RefModule | null };

function resnetBlock(c: RefConfig, prefix: string, dim: number, dilations: number[]): RefModule {
  const kernelSizes = [c.residual_kernel_size, 1];
  const hidden = Math.floor(dim / c.compress);
  const block: RefModule[] = [];
  kernelSizes.forEach((k, i) => {
    const inChs = i === 0 ? dim : hidden;
    const outChs = i === kernelSizes.length - 1 ? dim : hidden;
    block.push({ type: 'elu' });
    block.push({ type: 'conv', prefix: `${prefix}.block.${block.length}`, cin: inChs, cout: outChs, k, stride: 1, dilation: dilations[i] });
  });
  const shortcut: RefModule | null = c.use_conv_shortcut ? { type: 'conv', prefix: `${prefix}.shortcut`, cin: dim, cout: dim, k: 1, stride: 1, dilation: 1 } : null;
  return { type: 'res', prefix, block, shortcut };
}

export function refEncoderModules(c: RefConfig): RefModule[] {
  const m: RefModule[] = [];
  const p = () => `encoder.layers.${m.length}`;
  m.push({ type: 'conv', prefix: p(), cin: c.audio_channels, cout: c.num_filters, k: c.kernel_size, stride: 1, dilation: 1 });
  let scaling = 1;
  for (const ratio of [...c.upsampling_ratios].reverse()) {
    const cur = scaling * c.num_filters;
    for (let j = 0; j < c.num_residual_layers; j++) m.push(resnetBlock(c, p(), cur, [c.dilation_growth_rate ** j, 1]));
    m.push({ type: 'elu' });
    m.push({ type: 'conv', prefix: p(), cin: cur, cout: cur * 2, k: ratio * 2, stride: ratio, dilation: 1 });
    scaling *= 2;
  }
  m.push({ type: 'lstm', prefix: p(), dim: scaling * c.num_filters, layers: c.num_lstm_layers });
  m.push({ type: 'elu' });
  m.push({ type: 'conv', prefix: p(), cin: scaling * c.num_filters, cout: c.hidden_size, k: c.last_kernel_size, stride: 1, dilation: 1 });
  return m;
}

export function refDecoderModules(c: RefConfig): RefModule[] {
  const m: RefModule[] = [];
  const p = () => `decoder.layers.${m.length}`;
  let scaling = 2 ** c.upsampling_ratios.length;
  m.push({ type: 'conv', prefix: p(), cin: c.hidden_size, cout: scaling * c.num_filters, k: c.kernel_size, stride: 1, dilation: 1 });
  m.push({ type: 'lstm', prefix: p(), dim: scaling * c.num_filters, layers: c.num_lstm_layers });
  for (const ratio of c.upsampling_ratios) {
    const cur = scaling * c.num_filters;
    m.push({ type: 'elu' });
    m.push({ type: 'convtr', prefix: p(), cin: cur, cout: Math.floor(cur / 2), k: ratio * 2, stride: ratio });
    for (let j = 0; j < c.num_residual_layers; j++) m.push(resnetBlock(c, p(), Math.floor(cur / 2), [c.dilation_growth_rate ** j, 1]));
    scaling = Math.floor(scaling / 2);
  }
  m.push({ type: 'elu' });
  m.push({ type: 'conv', prefix: p(), cin: c.num_filters, cout: c.audio_channels, k: c.last_kernel_size, stride: 1, dilation: 1 });
  return m;
}

/** Every tensor of the checkpoint (weight-normed convs as weight_g/weight_v) with its shape. */
export function refCheckpointShapes(c: RefConfig, numQuantizers: number, codebookDim: number): Map<string, number[]> {
  const out = new Map<string, number[]>();
  const visit = (mod: RefModule) => {
    if (mod.type === 'conv') {
      out.set(`${mod.prefix}.conv.weight_g`, [mod.cout, 1, 1]);
      out.set(`${mod.prefix}.conv.weight_v`, [mod.cout, mod.cin, mod.k]);
      out.set(`${mod.prefix}.conv.bias`, [mod.cout]);
    } else if (mod.type === 'convtr') {
      // torch weight_norm(dim=0) on ConvTranspose1d's [Cin, Cout, K] weight: one g per input channel.
      out.set(`${mod.prefix}.conv.weight_g`, [mod.cin, 1, 1]);
      out.set(`${mod.prefix}.conv.weight_v`, [mod.cin, mod.cout, mod.k]);
      out.set(`${mod.prefix}.conv.bias`, [mod.cout]);
    } else if (mod.type === 'lstm') {
      for (let l = 0; l < mod.layers; l++) {
        out.set(`${mod.prefix}.lstm.weight_ih_l${l}`, [4 * mod.dim, mod.dim]);
        out.set(`${mod.prefix}.lstm.weight_hh_l${l}`, [4 * mod.dim, mod.dim]);
        out.set(`${mod.prefix}.lstm.bias_ih_l${l}`, [4 * mod.dim]);
        out.set(`${mod.prefix}.lstm.bias_hh_l${l}`, [4 * mod.dim]);
      }
    } else if (mod.type === 'res') {
      mod.block.forEach(visit);
      if (mod.shortcut) visit(mod.shortcut);
    }
  };
  refEncoderModules(c).forEach(visit);
  refDecoderModules(c).forEach(visit);
  for (let q = 0; q < numQuantizers; q++) {
    out.set(`quantizer.layers.${q}.codebook.inited`, [1]);
    out.set(`quantizer.layers.${q}.codebook.cluster_size`, [c.codebook_size]);
    out.set(`quantizer.layers.${q}.codebook.embed`, [c.codebook_size, codebookDim]);
    out.set(`quantizer.layers.${q}.codebook.embed_avg`, [c.codebook_size, codebookDim]);
  }
  return out;
}

// ------------------------------------------------------------------ numerics

function get(w: Weights, name: string): Float32Array {
  const t = w.get(name);
  if (!t) throw new Error(`reference: no tensor ${name}`);
  return t.data;
}

/** torch weight_norm: w = g · v / ‖v‖, norm over all dims but 0. */
export function foldedWeight(w: Weights, prefix: string): Float64Array {
  const g = get(w, `${prefix}.weight_g`);
  const v = get(w, `${prefix}.weight_v`);
  const rows = g.length;
  const per = v.length / rows;
  const out = new Float64Array(v.length);
  for (let r = 0; r < rows; r++) {
    let n = 0;
    for (let j = 0; j < per; j++) n += v[r * per + j] ** 2;
    n = Math.sqrt(n);
    for (let j = 0; j < per; j++) out[r * per + j] = (g[r] * v[r * per + j]) / n;
  }
  return out;
}

/** transformers EncodecConv1d._pad1d: reflect needs L > pad, so short inputs get zeros appended first. */
export function pad1d(x: Signal, left: number, right: number, mode: 'reflect' | 'constant'): Signal {
  return x.map((row) => {
    let src = row;
    let extra = 0;
    if (mode === 'reflect') {
      const maxPad = Math.max(left, right);
      if (row.length <= maxPad) {
        extra = maxPad - row.length + 1;
        src = new Float64Array(row.length + extra);
        src.set(row);
      }
    }
    const n = src.length;
    const out = new Float64Array(n + left + right);
    for (let i = 0; i < out.length; i++) {
      const j = i - left;
      if (j >= 0 && j < n) out[i] = src[j];
      else if (mode === 'reflect') out[i] = src[j < 0 ? -j : 2 * (n - 1) - j];
      else out[i] = 0;
    }
    return out.subarray(0, out.length - extra);
  });
}

/** Plain convolution (cross-correlation), no padding. w [Cout][Cin][K] row-major. */
export function conv(x: Signal, w: ArrayLike<number>, b: ArrayLike<number>, cout: number, k: number, stride: number, dilation: number): Signal {
  const cin = x.length;
  const L = x[0].length;
  const span = (k - 1) * dilation + 1;
  const lout = Math.floor((L - span) / stride) + 1;
  const y: Signal = [];
  for (let o = 0; o < cout; o++) {
    const row = new Float64Array(lout);
    for (let t = 0; t < lout; t++) {
      let acc = b[o];
      for (let i = 0; i < cin; i++) for (let j = 0; j < k; j++) acc += w[(o * cin + i) * k + j] * x[i][t * stride + j * dilation];
      row[t] = acc;
    }
    y.push(row);
  }
  return y;
}

/** transformers EncodecConv1d.forward (weight_norm). */
export function encodecConv(x: Signal, w: Weights, m: Extract<RefModule, { type: 'conv' }>, c: RefConfig): Signal {
  const kEff = (m.k - 1) * m.dilation + 1;
  const paddingTotal = kEff - m.stride;
  const length = x[0].length;
  // _get_extra_padding_for_conv1d, as written there (true division, ceil).
  const nFrames = Math.ceil((length - kEff + paddingTotal) / m.stride + 1) - 1;
  const idealLength = nFrames * m.stride + kEff - paddingTotal;
  const extra = idealLength - length;
  let padded: Signal;
  if (c.use_causal_conv) padded = pad1d(x, paddingTotal, extra, c.pad_mode);
  else {
    const right = Math.floor(paddingTotal / 2);
    padded = pad1d(x, paddingTotal - right, right + extra, c.pad_mode);
  }
  return conv(padded, foldedWeight(w, `${m.prefix}.conv`), get(w, `${m.prefix}.conv.bias`), m.cout, m.k, m.stride, m.dilation);
}

/** transformers EncodecConvTranspose1d.forward: ConvTranspose1d (w [Cin][Cout][K]) then trimming. */
export function encodecConvTranspose(x: Signal, w: Weights, m: Extract<RefModule, { type: 'convtr' }>, c: RefConfig): Signal {
  const weight = foldedWeight(w, `${m.prefix}.conv`);
  const bias = get(w, `${m.prefix}.conv.bias`);
  const L = x[0].length;
  const full = (L - 1) * m.stride + m.k;
  const y: Signal = Array.from({ length: m.cout }, (_, o) => new Float64Array(full).fill(bias[o]));
  for (let i = 0; i < m.cin; i++) {
    for (let t = 0; t < L; t++) {
      const v = x[i][t];
      for (let o = 0; o < m.cout; o++) for (let j = 0; j < m.k; j++) y[o][t * m.stride + j] += v * weight[(i * m.cout + o) * m.k + j];
    }
  }
  const paddingTotal = m.k - m.stride;
  const right = c.use_causal_conv ? Math.ceil(paddingTotal * c.trim_right_ratio) : Math.floor(paddingTotal / 2);
  const left = paddingTotal - right;
  return y.map((row) => row.slice(left, full - right));
}

export function elu(x: Signal): Signal {
  return x.map((row) => row.map((v) => (v > 0 ? v : Math.expm1(v))));
}

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

/** nn.LSTM (gates i, f, g, o), sequence [T][I] → [T][H]; optional initial and returned final state per layer. */
export function lstmSeq(
  x: Float64Array[],
  w: Weights,
  prefix: string,
  layers: number,
  state?: { h: Float64Array[]; c: Float64Array[] },
): { y: Float64Array[]; h: Float64Array[]; c: Float64Array[] } {
  let input = x;
  const hs: Float64Array[] = [];
  const cs: Float64Array[] = [];
  for (let l = 0; l < layers; l++) {
    const wih = get(w, `${prefix}.weight_ih_l${l}`);
    const whh = get(w, `${prefix}.weight_hh_l${l}`);
    const bih = get(w, `${prefix}.bias_ih_l${l}`);
    const bhh = get(w, `${prefix}.bias_hh_l${l}`);
    const H = bih.length / 4;
    const I = input[0]?.length ?? wih.length / (4 * H);
    const h = state ? Float64Array.from(state.h[l]) : new Float64Array(H);
    const c = state ? Float64Array.from(state.c[l]) : new Float64Array(H);
    const out: Float64Array[] = [];
    const gates = new Float64Array(4 * H);
    for (const xt of input) {
      for (let r = 0; r < 4 * H; r++) {
        let acc = bih[r] + bhh[r];
        for (let k = 0; k < I; k++) acc += wih[r * I + k] * xt[k];
        for (let k = 0; k < H; k++) acc += whh[r * H + k] * h[k];
        gates[r] = acc;
      }
      for (let j = 0; j < H; j++) {
        c[j] = sigmoid(gates[H + j]) * c[j] + sigmoid(gates[j]) * Math.tanh(gates[2 * H + j]);
        h[j] = sigmoid(gates[3 * H + j]) * Math.tanh(c[j]);
      }
      out.push(Float64Array.from(h));
    }
    hs.push(h);
    cs.push(c);
    input = out;
  }
  return { y: input, h: hs, c: cs };
}

/** EncodecLSTM: [C][T] → LSTM over time + skip. */
export function encodecLstm(x: Signal, w: Weights, m: Extract<RefModule, { type: 'lstm' }>): Signal {
  const T = x[0].length;
  const seq = Array.from({ length: T }, (_, t) => Float64Array.from(x, (row) => row[t]));
  const { y } = lstmSeq(seq, w, `${m.prefix}.lstm`, m.layers);
  return x.map((row, ch) => row.map((v, t) => v + y[t][ch]));
}

export function runModule(x: Signal, w: Weights, m: RefModule, c: RefConfig): Signal {
  switch (m.type) {
    case 'conv':
      return encodecConv(x, w, m, c);
    case 'convtr':
      return encodecConvTranspose(x, w, m, c);
    case 'elu':
      return elu(x);
    case 'lstm':
      return encodecLstm(x, w, m);
    case 'res': {
      let h = x;
      for (const b of m.block) h = runModule(h, w, b, c);
      const skip = m.shortcut ? runModule(x, w, m.shortcut, c) : x;
      return skip.map((row, ch) => row.map((v, t) => v + h[ch][t]));
    }
  }
}

/** Runs a module list, returning every layer's output (index i = output of layers.i). */
export function runLayers(x: Signal, w: Weights, modules: RefModule[], c: RefConfig): Signal[] {
  const outs: Signal[] = [];
  let h = x;
  for (const m of modules) {
    h = runModule(h, w, m, c);
    outs.push(h);
  }
  return outs;
}

/** EncodecResidualVectorQuantizer.encode: [D][T] → codes[t][level] (greedy, nearest by L2). */
export function rvqEncode(latent: Signal, w: Weights, levels: number): number[][] {
  const D = latent.length;
  const T = latent[0].length;
  const codes: number[][] = Array.from({ length: T }, () => []);
  for (let t = 0; t < T; t++) {
    const r = Float64Array.from(latent, (row) => row[t]);
    for (let l = 0; l < levels; l++) {
      const e = get(w, `quantizer.layers.${l}.codebook.embed`);
      const K = e.length / D;
      let best = 0;
      let bestDist = Infinity;
      for (let k = 0; k < K; k++) {
        let d = 0;
        for (let j = 0; j < D; j++) d += (r[j] - e[k * D + j]) ** 2;
        if (d < bestDist) {
          bestDist = d;
          best = k;
        }
      }
      for (let j = 0; j < D; j++) r[j] -= e[best * D + j];
      codes[t].push(best);
    }
  }
  return codes;
}

/** Squared distances from `r` to every codeword of level l, sorted ascending (for tie-margin checks). */
export function codewordDistances(r: ArrayLike<number>, w: Weights, level: number): number[] {
  const e = get(w, `quantizer.layers.${level}.codebook.embed`);
  const D = r.length;
  const out: number[] = [];
  for (let k = 0; k < e.length / D; k++) {
    let d = 0;
    for (let j = 0; j < D; j++) d += (r[j] - e[k * D + j]) ** 2;
    out.push(d);
  }
  return out;
}

/** EncodecResidualVectorQuantizer.decode: Σ levels of codebook rows → [D][T]. */
export function rvqDecode(codes: number[][], w: Weights, dim: number): Signal {
  const T = codes.length;
  const out: Signal = Array.from({ length: dim }, () => new Float64Array(T));
  codes.forEach((frame, t) =>
    frame.forEach((code, l) => {
      const e = get(w, `quantizer.layers.${l}.codebook.embed`);
      for (let j = 0; j < dim; j++) out[j][t] += e[code * dim + j];
    }),
  );
  return out;
}
