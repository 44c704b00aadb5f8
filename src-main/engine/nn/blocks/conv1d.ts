/**
 * Conv1d block (PyTorch nn.Conv1d): `${name}.weight` [Cout, Cin/groups, K], `${name}.bias` [Cout].
 *
 *   x [B, Cin, L] ─ (Pad reflect|edge, when not zeros) ─ Conv(stride, dilation, groups) ─ + bias ─► [B, Cout, Lout]
 *
 * Weight-normed checkpoints (weight_g, weight_v) are folded to `weight` at load with `foldWeightNormParams`,
 * so the graph holds one plain weight.
 */
import { conv1dLayer } from '../composite/layers.js';
import type { Tensor } from '../tensor.js';
import { convGroups, type ConvBlockOptions } from './conv-options.js';
import { lastSegment } from './linear.js';

export type ConvPadMode = 'zeros' | 'reflect' | 'replicate';

export interface Conv1dBlockOptions extends ConvBlockOptions {
  /** samples added on each side, or [left, right] (EnCodec's causal/asymmetric padding) */
  padding?: number | readonly [number, number];
  padMode?: ConvPadMode;
}

export function conv1d(x: Tensor, o: Conv1dBlockOptions): Tensor {
  const groups = convGroups('conv1d', o);
  const g = x.graph;
  return g.scope(o.scope ?? lastSegment(o.name), () => {
    const fanIn = (o.inChannels / groups) * o.kernelSize;
    const bound = 1 / Math.sqrt(fanIn);
    const w = o.params.param(g, `${o.name}.weight`, [o.outChannels, o.inChannels / groups, o.kernelSize], { kind: 'uniform', bound });
    const b = o.bias === false ? null : o.params.param(g, `${o.name}.bias`, [o.outChannels], { kind: 'uniform', bound });
    const pad = o.padding ?? 0;
    const pads: [number, number] = typeof pad === 'number' ? [pad, pad] : [pad[0], pad[1]];
    const mode = o.padMode ?? 'zeros';
    return conv1dLayer(x, w, b, { stride: o.stride, dilation: o.dilation, groups, pads, padding: mode === 'zeros' ? 'zero' : mode });
  });
}
