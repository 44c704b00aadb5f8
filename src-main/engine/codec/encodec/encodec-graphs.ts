/**
 * The three ONNX models an EnCodec codec runs, built from one set of weights:
 *
 *   encoder        pcm float32 [1, 1, N]   → codes int64 [T, levels]       (T = ceil(N / hop))
 *   decoder        codes int64 [T, L]      → pcm float32 [1, 1, T·hop]     (+ state_out.* for streaming)
 *   decoder-next   codes + state_in.*      → pcm + state_out.*             (a later streaming chunk)
 *
 * Every weight is frozen (an initializer); `taps` adds each layer's output as `tap.<checkpoint prefix>`.
 */
import type { ParamSource } from '../../nn/blocks/params.js';
import { Graph, type Dim, type Tensor } from '../../nn/index.js';
import type { StreamIO } from './conv-graph.js';
import { hopLength, numQuantizers, type EncodecConfig } from './config.js';
import { decoderGraph, encoderGraph } from './model-graph.js';
import { rvqDecodeGraph, rvqEncodeGraph } from './rvq-graph.js';

export const STATE_IN = 'state_in.';
export const STATE_OUT = 'state_out.';

export interface BuildOptions {
  taps?: boolean;
}

function tapper(g: Graph, on: boolean | undefined): ((name: string, t: Tensor) => void) | undefined {
  return on ? (name, t) => g.output(`tap.${name}`, t) : undefined;
}

export function buildEncoderGraph(params: ParamSource, config: EncodecConfig, levels: number, o: BuildOptions = {}): Graph {
  const g = new Graph('encodec_encoder');
  const pcm = g.input('pcm', 'float32', [1, 1, 'N']);
  const latent = encoderGraph(pcm, { params, config, tap: tapper(g, o.taps) });
  const codes = rvqEncodeGraph(latent, levels, { params, codebookSize: config.codebookSize, codebookDim: config.codebookDim });
  g.output('codes', codes);
  return g;
}

class GraphStream implements StreamIO {
  constructor(
    private readonly g: Graph,
    readonly mode: 'first' | 'next',
  ) {}

  input(key: string, dtype: 'float32', shape: readonly Dim[]): Tensor {
    return this.g.input(`${STATE_IN}${key}`, dtype, shape);
  }

  output(key: string, t: Tensor): void {
    this.g.output(`${STATE_OUT}${key}`, t);
  }
}

/**
 * mode 'oneshot': a plain decoder; 'first': the same plus the state a streaming decoder carries on;
 * 'next': a later chunk of a stream (reads that state instead of padding).
 */
export function buildDecoderGraph(params: ParamSource, config: EncodecConfig, mode: 'oneshot' | 'first' | 'next', o: BuildOptions = {}): Graph {
  const g = new Graph(`encodec_decoder_${mode}`);
  const codes = g.input('codes', 'int64', ['T', 'L']);
  const latent = rvqDecodeGraph(codes, numQuantizers(config), { params, codebookSize: config.codebookSize, codebookDim: config.codebookDim });
  const stream = mode === 'oneshot' ? undefined : new GraphStream(g, mode);
  const pcm = decoderGraph(latent, { params, config, stream, tap: tapper(g, o.taps) });
  if (pcm.shape[2] !== `${hopLength(config)}*T`) {
    // The decoder's own arithmetic says T·hop samples; anything else means a layer list or trim rule is off.
    throw new Error(`EnCodec decoder graph: output length ${String(pcm.shape[2])}, expected ${hopLength(config)}*T`);
  }
  g.output('pcm', pcm);
  return g;
}
