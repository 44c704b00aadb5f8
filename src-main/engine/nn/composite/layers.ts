/** Small layer-shaped composites: linear, embedding, padded conv, weight norm. */
import * as P from '../primitives.js';
import type { Tensor } from '../tensor.js';

/**
 * x [..., in] → [..., out]. `weight` is [out, in] (PyTorch's layout, transposed here) or, with
 * layout 'in_out', [in, out] (multiplied directly).
 */
export function linear(x: Tensor, weight: Tensor, bias: Tensor | null = null, layout: 'out_in' | 'in_out' = 'out_in'): Tensor {
  const w = layout === 'out_in' ? P.transpose(weight, [1, 0]) : weight;
  const y = P.matmul(x, w); // leading dims of x broadcast against the rank-2 weight
  return bias === null ? y : P.add(y, bias);
}

/** Rows of `table` [V, D] at integer `ids` [...] → [..., D]. */
export function embedding(table: Tensor, ids: Tensor): Tensor {
  return P.gather(table, ids, 0);
}

export type ConvPadding = 'zero' | 'reflect' | 'replicate';

export interface Conv1dLayerOptions {
  stride?: number;
  dilation?: number;
  groups?: number;
  /** [before, after] samples of padding */
  pads?: readonly [number, number];
  /** how padded samples are made (default zero) */
  padding?: ConvPadding;
}

/** conv1d with zero / reflect / replicate padding and an optional bias [Cout]. */
export function conv1dLayer(x: Tensor, weight: Tensor, bias: Tensor | null, options: Conv1dLayerOptions = {}): Tensor {
  const pads = options.pads ?? [0, 0];
  const mode = options.padding ?? 'zero';
  let input = x;
  let convPads: readonly [number, number] = pads;
  if (mode !== 'zero' && (pads[0] > 0 || pads[1] > 0)) {
    input = P.pad(x, [[0, 0], [0, 0], [pads[0], pads[1]]], mode === 'reflect' ? 'reflect' : 'edge');
    convPads = [0, 0];
  }
  const y = P.conv1d(input, weight, { stride: options.stride, dilation: options.dilation, groups: options.groups, pads: convPads });
  return bias === null ? y : P.add(y, P.unsqueeze(bias, [0, 2]));
}

/** Weight norm: g · v / ‖v‖ with the norm over every axis but the first (PyTorch's dim=0). */
export function weightNorm(v: Tensor, g: Tensor): Tensor {
  const axes = v.shape.map((_, i) => i).slice(1);
  const norm = P.sqrt(P.reduceSum(P.mul(v, v), axes, true));
  return P.mul(P.div(v, norm), g);
}
