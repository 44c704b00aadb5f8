/**
 * The module lists of transformers' `EncodecEncoder` / `EncodecDecoder` (`self.layers = nn.ModuleList(...)`),
 * derived from the config exactly as modeling_encodec.py builds them. Checkpoint names come from the list
 * index, so this file is the one place that knows e.g. that the 24 kHz encoder's LSTM is `encoder.layers.13`.
 *
 *   encoder: conv(k) · [resblock × R, ELU, conv(2r, stride r)] for r in reversed(ratios) · LSTM · ELU · conv(last_k)
 *   decoder: conv(k) · LSTM · [ELU, convT(2r, stride r), resblock × R] for r in ratios · ELU · conv(last_k)
 *   resblock: ELU · conv(residual_k, dilation growth^j) · ELU · conv(1)  (+ shortcut conv(1) or identity)
 */
import type { EncodecConfig } from './config.js';

export interface ConvSpec {
  /** Checkpoint prefix of the wrapped torch conv, e.g. `encoder.layers.0.conv`. */
  name: string;
  inChannels: number;
  outChannels: number;
  kernelSize: number;
  stride: number;
  dilation: number;
}

export type EncodecLayer =
  | { kind: 'conv'; index: number; conv: ConvSpec }
  | { kind: 'convTranspose'; index: number; conv: ConvSpec }
  | { kind: 'elu'; index: number }
  | { kind: 'lstm'; index: number; name: string; dim: number; numLayers: number }
  | { kind: 'resblock'; index: number; dim: number; convs: ConvSpec[]; shortcut: ConvSpec | null };

function conv(prefix: string, index: number, inChannels: number, outChannels: number, kernelSize: number, stride = 1, dilation = 1): ConvSpec {
  return { name: `${prefix}.layers.${index}.conv`, inChannels, outChannels, kernelSize, stride, dilation };
}

/** transformers EncodecResnetBlock: kernel sizes (residual_kernel_size, 1), dilations (growth^j, 1). */
function resblock(c: EncodecConfig, prefix: string, index: number, dim: number, j: number): EncodecLayer {
  const kernels = [c.residualKernelSize, 1];
  const dilations = [c.dilationGrowthRate ** j, 1];
  const hidden = Math.floor(dim / c.compress);
  const convs = kernels.map((k, i): ConvSpec => ({
    // block = [ELU, conv, ELU, conv]: the convs sit at block indices 1 and 3.
    name: `${prefix}.layers.${index}.block.${2 * i + 1}.conv`,
    inChannels: i === 0 ? dim : hidden,
    outChannels: i === kernels.length - 1 ? dim : hidden,
    kernelSize: k,
    stride: 1,
    dilation: dilations[i],
  }));
  const shortcut = c.useConvShortcut ? { name: `${prefix}.layers.${index}.shortcut.conv`, inChannels: dim, outChannels: dim, kernelSize: 1, stride: 1, dilation: 1 } : null;
  return { kind: 'resblock', index, dim, convs, shortcut };
}

export function encoderLayers(c: EncodecConfig, prefix = 'encoder'): EncodecLayer[] {
  const layers: EncodecLayer[] = [];
  const push = (make: (index: number) => EncodecLayer) => layers.push(make(layers.length));
  push((i) => ({ kind: 'conv', index: i, conv: conv(prefix, i, c.audioChannels, c.numFilters, c.kernelSize) }));
  let scaling = 1;
  for (const ratio of [...c.upsamplingRatios].reverse()) {
    const dim = scaling * c.numFilters;
    for (let j = 0; j < c.numResidualLayers; j++) push((i) => resblock(c, prefix, i, dim, j));
    push((i) => ({ kind: 'elu', index: i }));
    push((i) => ({ kind: 'conv', index: i, conv: conv(prefix, i, dim, dim * 2, ratio * 2, ratio) }));
    scaling *= 2;
  }
  const dim = scaling * c.numFilters;
  push((i) => ({ kind: 'lstm', index: i, name: `${prefix}.layers.${i}.lstm`, dim, numLayers: c.numLstmLayers }));
  push((i) => ({ kind: 'elu', index: i }));
  push((i) => ({ kind: 'conv', index: i, conv: conv(prefix, i, dim, c.hiddenSize, c.lastKernelSize) }));
  return layers;
}

export function decoderLayers(c: EncodecConfig, prefix = 'decoder'): EncodecLayer[] {
  const layers: EncodecLayer[] = [];
  const push = (make: (index: number) => EncodecLayer) => layers.push(make(layers.length));
  let scaling = 2 ** c.upsamplingRatios.length;
  push((i) => ({ kind: 'conv', index: i, conv: conv(prefix, i, c.hiddenSize, scaling * c.numFilters, c.kernelSize) }));
  push((i) => ({ kind: 'lstm', index: i, name: `${prefix}.layers.${i}.lstm`, dim: scaling * c.numFilters, numLayers: c.numLstmLayers }));
  for (const ratio of c.upsamplingRatios) {
    const dim = scaling * c.numFilters;
    push((i) => ({ kind: 'elu', index: i }));
    push((i) => ({ kind: 'convTranspose', index: i, conv: conv(prefix, i, dim, dim / 2, ratio * 2, ratio) }));
    for (let j = 0; j < c.numResidualLayers; j++) push((i) => resblock(c, prefix, i, dim / 2, j));
    scaling /= 2;
  }
  push((i) => ({ kind: 'elu', index: i }));
  push((i) => ({ kind: 'conv', index: i, conv: conv(prefix, i, c.numFilters, c.audioChannels, c.lastKernelSize) }));
  return layers;
}

/** `quantizer.layers.K.codebook.embed` [codebook_size, codebook_dim]: the codebook of level K. */
export function codebookName(level: number): string {
  return `quantizer.layers.${level}.codebook.embed`;
}

/** Buffers the checkpoint carries for training (k-means state) that inference never reads. */
export function unusedQuantizerBuffers(level: number): string[] {
  return ['inited', 'cluster_size', 'embed_avg'].map((b) => `quantizer.layers.${level}.codebook.${b}`);
}
