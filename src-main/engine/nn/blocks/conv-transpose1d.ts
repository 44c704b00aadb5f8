/**
 * ConvTranspose1d block (PyTorch nn.ConvTranspose1d): `${name}.weight` [Cin, Cout/groups, K], `${name}.bias` [Cout].
 *
 *   x [B, Cin, L] ─ ConvTranspose(stride, dilation, pads, output_padding, groups) ─ + bias ─► [B, Cout, Lout]
 *   Lout = (L − 1)·stride − 2·padding + dilation·(K − 1) + outputPadding + 1
 */
import { add, convTranspose1d as convTransposePrimitive, unsqueeze } from '../primitives.js';
import type { Tensor } from '../tensor.js';
import { convGroups, type ConvBlockOptions } from './conv-options.js';
import { lastSegment } from './linear.js';

export interface ConvTranspose1dBlockOptions extends ConvBlockOptions {
  /** removed from both ends, as PyTorch's `padding` */
  padding?: number;
  outputPadding?: number;
}

export function convTranspose1d(x: Tensor, o: ConvTranspose1dBlockOptions): Tensor {
  const groups = convGroups('convTranspose1d', o);
  const g = x.graph;
  return g.scope(o.scope ?? lastSegment(o.name), () => {
    // PyTorch's fan-in for a transposed conv weight [Cin, Cout/g, K] is (Cout/g)·K.
    const bound = 1 / Math.sqrt((o.outChannels / groups) * o.kernelSize);
    const w = o.params.param(g, `${o.name}.weight`, [o.inChannels, o.outChannels / groups, o.kernelSize], { kind: 'uniform', bound });
    const p = o.padding ?? 0;
    let y = convTransposePrimitive(x, w, { stride: o.stride, dilation: o.dilation, groups, pads: [p, p], outputPadding: o.outputPadding });
    if (o.bias !== false) y = add(y, unsqueeze(o.params.param(g, `${o.name}.bias`, [o.outChannels], { kind: 'uniform', bound }), [0, 2]));
    return y;
  });
}
