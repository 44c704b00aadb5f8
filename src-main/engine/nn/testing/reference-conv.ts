/**
 * Reference conv1d (stride, dilation, zero/reflect/replicate padding, groups) and conv-transpose1d, with
 * PyTorch's weight layouts: conv [Cout, Cin/groups, K], transpose [Cin, Cout/groups, K].
 */
import { refTensor, type RefTensor } from './reference-tensor.js';

export type PadMode = 'zeros' | 'reflect' | 'replicate';

export interface Conv1dOptions {
  stride?: number;
  dilation?: number;
  /** Same on both sides, or [left, right]. */
  padding?: number | readonly [number, number];
  padMode?: PadMode;
  groups?: number;
}

/** Source index for a padded position i (may be out of [0, L)), or -1 for a zero. */
function padSource(i: number, L: number, mode: PadMode): number {
  if (i >= 0 && i < L) return i;
  if (mode === 'zeros') return -1;
  if (mode === 'replicate') return i < 0 ? 0 : L - 1;
  // reflect without repeating the edge: [a b c] padded by 2 → [c b | a b c | b a]
  if (L < 2) throw new Error('conv1d: reflect padding needs length >= 2');
  const period = 2 * (L - 1);
  let m = ((i % period) + period) % period;
  if (m >= L) m = period - m;
  return m;
}

export function pad1d(x: RefTensor, left: number, right: number, mode: PadMode): RefTensor {
  const [B, C, L] = x.shape;
  if (mode === 'reflect' && (left >= L || right >= L)) throw new Error('pad1d: reflect padding must be < length');
  const Lp = L + left + right;
  const out = refTensor([B, C, Lp]);
  for (let bc = 0; bc < B * C; bc++) {
    for (let i = 0; i < Lp; i++) {
      const s = padSource(i - left, L, mode);
      out.data[bc * Lp + i] = s < 0 ? 0 : x.data[bc * L + s];
    }
  }
  return out;
}

/** x [B, Cin, L], weight [Cout, Cin/groups, K], bias [Cout] → [B, Cout, Lout]. */
export function conv1d(x: RefTensor, weight: RefTensor, bias: RefTensor | undefined, opts: Conv1dOptions = {}): RefTensor {
  const stride = opts.stride ?? 1;
  const dil = opts.dilation ?? 1;
  const groups = opts.groups ?? 1;
  const [left, right] = typeof opts.padding === 'number' ? [opts.padding, opts.padding] : (opts.padding ?? [0, 0]);
  const xp = pad1d(x, left, right, opts.padMode ?? 'zeros');
  const [B, Cin, Lp] = xp.shape;
  const [Cout, CinG, K] = weight.shape;
  if (Cin % groups !== 0 || Cout % groups !== 0 || CinG !== Cin / groups) {
    throw new Error(`conv1d: channels ${Cin}->${Cout} with groups ${groups} vs weight [${weight.shape.join(', ')}]`);
  }
  const CoutG = Cout / groups;
  const Lout = Math.floor((Lp - dil * (K - 1) - 1) / stride) + 1;
  const out = refTensor([B, Cout, Lout]);
  for (let b = 0; b < B; b++) {
    for (let oc = 0; oc < Cout; oc++) {
      const g = Math.floor(oc / CoutG);
      for (let t = 0; t < Lout; t++) {
        let acc = bias ? bias.data[oc] : 0;
        for (let ic = 0; ic < CinG; ic++) {
          const c = g * CinG + ic;
          for (let k = 0; k < K; k++) {
            acc += xp.data[(b * Cin + c) * Lp + t * stride + k * dil] * weight.data[(oc * CinG + ic) * K + k];
          }
        }
        out.data[(b * Cout + oc) * Lout + t] = acc;
      }
    }
  }
  return out;
}

export interface ConvTranspose1dOptions {
  stride?: number;
  dilation?: number;
  padding?: number;
  outputPadding?: number;
  groups?: number;
}

/**
 * x [B, Cin, L], weight [Cin, Cout/groups, K], bias [Cout] → [B, Cout, Lout] with
 * Lout = (L−1)·stride − 2·padding + dilation·(K−1) + outputPadding + 1 (PyTorch ConvTranspose1d).
 * Each input sample scatters weight-scaled copies to positions l·stride + k·dilation − padding.
 */
export function convTranspose1d(x: RefTensor, weight: RefTensor, bias: RefTensor | undefined, opts: ConvTranspose1dOptions = {}): RefTensor {
  const stride = opts.stride ?? 1;
  const dil = opts.dilation ?? 1;
  const pad = opts.padding ?? 0;
  const outPad = opts.outputPadding ?? 0;
  const groups = opts.groups ?? 1;
  const [B, Cin, L] = x.shape;
  const [wCin, CoutG, K] = weight.shape;
  if (wCin !== Cin || Cin % groups !== 0) throw new Error(`convTranspose1d: input channels ${Cin} vs weight [${weight.shape.join(', ')}]`);
  const CinG = Cin / groups;
  const Cout = CoutG * groups;
  const Lout = (L - 1) * stride - 2 * pad + dil * (K - 1) + outPad + 1;
  const out = refTensor([B, Cout, Lout]);
  for (let b = 0; b < B; b++) {
    for (let oc = 0; oc < Cout; oc++) {
      if (bias) for (let t = 0; t < Lout; t++) out.data[(b * Cout + oc) * Lout + t] = bias.data[oc];
    }
    for (let c = 0; c < Cin; c++) {
      const g = Math.floor(c / CinG);
      for (let l = 0; l < L; l++) {
        const xv = x.data[(b * Cin + c) * L + l];
        for (let ocg = 0; ocg < CoutG; ocg++) {
          const oc = g * CoutG + ocg;
          for (let k = 0; k < K; k++) {
            const t = l * stride + k * dil - pad;
            if (t < 0 || t >= Lout) continue;
            out.data[(b * Cout + oc) * Lout + t] += xv * weight.data[(c * CoutG + ocg) * K + k];
          }
        }
      }
    }
  }
  return out;
}

/** Weight norm folded into a plain weight: w = g · v / ‖v‖, the norm over every dim but 0 (PyTorch dim=0). */
export function foldWeightNormReference(g: RefTensor, v: RefTensor): RefTensor {
  const rows = v.shape[0];
  const per = v.data.length / rows;
  if (g.data.length !== rows) throw new Error('foldWeightNorm: g needs one value per output row');
  const out = refTensor(v.shape);
  for (let r = 0; r < rows; r++) {
    let ss = 0;
    for (let j = 0; j < per; j++) ss += v.data[r * per + j] ** 2;
    const s = g.data[r] / Math.sqrt(ss);
    for (let j = 0; j < per; j++) out.data[r * per + j] = v.data[r * per + j] * s;
  }
  return out;
}
