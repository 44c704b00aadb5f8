/**
 * Reference multi-layer LSTM with PyTorch's layout: gate rows ordered i, f, g, o in w_ih [4H, I],
 * w_hh [4H, H], b_ih [4H], b_hh [4H]; sequence-first input [T, B, I].
 */
import { sigmoidScalar } from './reference-math.js';
import { refTensor, type RefTensor } from './reference-tensor.js';

export interface LstmLayerWeights {
  wIh: RefTensor;
  wHh: RefTensor;
  bIh?: RefTensor;
  bHh?: RefTensor;
}

/**
 * x [T, B, I]; h0/c0 [L, B, H] (zeros when omitted). Per step:
 *   gates = W_ih·x + b_ih + W_hh·h + b_hh;  i,f,o = σ(·), g = tanh(·)
 *   c' = f⊙c + i⊙g;  h' = o⊙tanh(c')
 * Returns the last layer's outputs [T, B, H] and the final h/c of every layer [L, B, H].
 */
export function lstm(
  x: RefTensor,
  layers: readonly LstmLayerWeights[],
  state?: { h0: RefTensor; c0: RefTensor },
): { output: RefTensor; hN: RefTensor; cN: RefTensor } {
  const [T, B] = x.shape;
  const H = layers[0].wHh.shape[1];
  const L = layers.length;
  const hN = refTensor([L, B, H]);
  const cN = refTensor([L, B, H]);
  let input = x;
  for (let l = 0; l < L; l++) {
    const w = layers[l];
    const I = input.shape[2];
    if (w.wIh.shape[0] !== 4 * H || w.wIh.shape[1] !== I) throw new Error(`lstm: layer ${l} w_ih must be [${4 * H}, ${I}]`);
    const h = new Float64Array(B * H);
    const c = new Float64Array(B * H);
    if (state) {
      h.set(state.h0.data.subarray(l * B * H, (l + 1) * B * H));
      c.set(state.c0.data.subarray(l * B * H, (l + 1) * B * H));
    }
    const out = refTensor([T, B, H]);
    const gates = new Float64Array(4 * H);
    for (let t = 0; t < T; t++) {
      for (let b = 0; b < B; b++) {
        for (let r = 0; r < 4 * H; r++) {
          let acc = (w.bIh ? w.bIh.data[r] : 0) + (w.bHh ? w.bHh.data[r] : 0);
          for (let k = 0; k < I; k++) acc += w.wIh.data[r * I + k] * input.data[(t * B + b) * I + k];
          for (let k = 0; k < H; k++) acc += w.wHh.data[r * H + k] * h[b * H + k];
          gates[r] = acc;
        }
        for (let j = 0; j < H; j++) {
          const ig = sigmoidScalar(gates[j]);
          const fg = sigmoidScalar(gates[H + j]);
          const gg = Math.tanh(gates[2 * H + j]);
          const og = sigmoidScalar(gates[3 * H + j]);
          const cNew = fg * c[b * H + j] + ig * gg;
          c[b * H + j] = cNew;
          h[b * H + j] = og * Math.tanh(cNew);
        }
      }
      out.data.set(h, t * B * H);
    }
    hN.data.set(h, l * B * H);
    cN.data.set(c, l * B * H);
    input = out;
  }
  return { output: input, hN, cN };
}
