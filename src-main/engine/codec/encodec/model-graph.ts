/**
 * EnCodec's encoder (pcm → latent) and decoder (latent → pcm) as nn graphs, layer for layer after
 * transformers' modeling_encodec.py (see layout.ts for the module lists and conv-graph.ts for the padding).
 *
 *   resblock:  x ─ ELU ─ conv(k=3, dilation) ─ ELU ─ conv(k=1) ─(+)─►     (shortcut: conv(k=1) of x, or x)
 *   LSTM:      x [B, C, T] ─ permute [T, B, C] ─ nn.LSTM(C, C, layers) ─ + input ─ permute back
 *
 * `tap` receives every layer's output under its checkpoint prefix (`encoder.layers.3`), which is how the tests
 * check the graph layer by layer.
 */
import { lstm } from '../../nn/blocks/lstm.js';
import { add, transpose, type Tensor } from '../../nn/index.js';
import { encodecConv1d, encodecConvTranspose1d, eluInference, type ConvContext } from './conv-graph.js';
import { decoderLayers, encoderLayers, type EncodecLayer } from './layout.js';

export interface ModelGraphContext extends ConvContext {
  tap?: (name: string, t: Tensor) => void;
}

function resblock(x: Tensor, layer: Extract<EncodecLayer, { kind: 'resblock' }>, ctx: ModelGraphContext, minLength: number): Tensor {
  let h = x;
  layer.convs.forEach((spec, i) => {
    h = x.graph.scope(`block.${2 * i + 1}`, () => encodecConv1d(eluInference(h), spec, ctx, minLength));
  });
  const shortcut = layer.shortcut;
  const skip = shortcut ? x.graph.scope('shortcut', () => encodecConv1d(x, shortcut, ctx, minLength)) : x;
  return add(skip, h);
}

/** EncodecLSTM: the LSTM over time with a skip connection; in streaming graphs its h/c are carried state. */
function lstmLayer(x: Tensor, layer: Extract<EncodecLayer, { kind: 'lstm' }>, ctx: ModelGraphContext): Tensor {
  const seq = transpose(x, [2, 0, 1]); // [T, B, C]
  const stream = ctx.stream;
  const stateShape = [layer.numLayers, x.shape[0], layer.dim] as const;
  const state =
    stream?.mode === 'next'
      ? { h: stream.input(`${layer.name}.h`, 'float32', stateShape), c: stream.input(`${layer.name}.c`, 'float32', stateShape) }
      : undefined;
  const r = lstm(seq, { params: ctx.params, name: layer.name, inputSize: layer.dim, hiddenSize: layer.dim, numLayers: layer.numLayers, implementation: 'onnx' }, state);
  if (stream) {
    stream.output(`${layer.name}.h`, r.state.h);
    stream.output(`${layer.name}.c`, r.state.c);
  }
  return transpose(add(r.output, seq), [1, 2, 0]);
}

function runLayers(x: Tensor, prefix: string, layers: EncodecLayer[], ctx: ModelGraphContext, minLengthAtStart: number, transposedGrow: boolean): Tensor {
  const g = x.graph;
  let h = x;
  let minLength = minLengthAtStart;
  for (const layer of layers) {
    const scope = `layers.${layer.index}`;
    h = g.scope(prefix, () =>
      g.scope(scope, () => {
        switch (layer.kind) {
          case 'conv':
            return encodecConv1d(h, layer.conv, ctx, minLength);
          case 'convTranspose':
            return encodecConvTranspose1d(h, layer.conv, ctx);
          case 'elu':
            return eluInference(h);
          case 'lstm':
            return lstmLayer(h, layer, ctx);
          case 'resblock':
            return resblock(h, layer, ctx, minLength);
        }
      }),
    );
    // Lower bounds of the time length, so padding code can drop the short-input fix where it cannot apply.
    if ((layer.kind === 'conv' || layer.kind === 'convTranspose') && layer.conv.stride > 1) {
      minLength = transposedGrow ? minLength * layer.conv.stride : Math.ceil(minLength / layer.conv.stride);
    }
    ctx.tap?.(`${prefix}.layers.${layer.index}`, h);
  }
  return h;
}

/** pcm [B, 1, N] → latent [B, hidden_size, ceil(N / hop)]. */
export function encoderGraph(pcm: Tensor, ctx: ModelGraphContext): Tensor {
  if (ctx.stream) throw new Error('the EnCodec encoder has no streaming graph');
  return runLayers(pcm, 'encoder', encoderLayers(ctx.config), ctx, 1, false);
}

/** latent [B, hidden_size, T] → pcm [B, 1, T·hop]. `minFrames`: the fewest frames this graph will be run on. */
export function decoderGraph(latent: Tensor, ctx: ModelGraphContext, minFrames = 1): Tensor {
  return runLayers(latent, 'decoder', decoderLayers(ctx.config), ctx, minFrames, true);
}
