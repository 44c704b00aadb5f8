/**
 * EnCodec's configuration as the Hugging Face transformers `EncodecConfig` writes it to config.json
 * (facebook/encodec_24khz), with the quantities the model derives from it (hop, frame rate, levels per
 * bandwidth). Only what the 24 kHz model family uses is supported; anything else is refused by name rather
 * than run with the wrong arithmetic.
 */

export type EncodecPadMode = 'reflect' | 'constant';

export interface EncodecConfig {
  samplingRate: number;
  audioChannels: number;
  numFilters: number;
  /** Decoder order; the encoder downsamples by the reverse. */
  upsamplingRatios: number[];
  numResidualLayers: number;
  dilationGrowthRate: number;
  kernelSize: number;
  lastKernelSize: number;
  residualKernelSize: number;
  compress: number;
  numLstmLayers: number;
  hiddenSize: number;
  codebookSize: number;
  codebookDim: number;
  /** kbps */
  targetBandwidths: number[];
  useCausalConv: boolean;
  padMode: EncodecPadMode;
  trimRightRatio: number;
  useConvShortcut: boolean;
}

/** facebook/encodec_24khz as published (config.json of the transformers port). */
export const ENCODEC_24KHZ_CONFIG: Readonly<EncodecConfig> = Object.freeze({
  samplingRate: 24000,
  audioChannels: 1,
  numFilters: 32,
  upsamplingRatios: [8, 5, 4, 2],
  numResidualLayers: 1,
  dilationGrowthRate: 2,
  kernelSize: 7,
  lastKernelSize: 7,
  residualKernelSize: 3,
  compress: 2,
  numLstmLayers: 2,
  hiddenSize: 128,
  codebookSize: 1024,
  codebookDim: 128,
  targetBandwidths: [1.5, 3, 6, 12, 24],
  useCausalConv: true,
  padMode: 'reflect',
  trimRightRatio: 1,
  useConvShortcut: true,
});

/** Samples per frame: the product of the (up/down)sampling ratios. */
export function hopLength(c: EncodecConfig): number {
  return c.upsamplingRatios.reduce((a, b) => a * b, 1);
}

/**
 * Whether the decoder is causal all through (causal convs, transposed convs trimmed on the right only), which
 * is what exact streaming decoding relies on (encodec-stream.ts). True for the 24 kHz model.
 */
export function isStreamable(c: EncodecConfig): boolean {
  return c.useCausalConv && c.trimRightRatio === 1;
}

/** transformers: ceil(sampling_rate / hop_length). 75 for the 24 kHz model. */
export function frameRate(c: EncodecConfig): number {
  return Math.ceil(c.samplingRate / hopLength(c));
}

/** transformers: int(1000 · max bandwidth // (frame_rate · 10)). 32 for the 24 kHz model. */
export function numQuantizers(c: EncodecConfig): number {
  return Math.floor((1000 * c.targetBandwidths[c.targetBandwidths.length - 1]) / (frameRate(c) * 10));
}

/**
 * Residual levels used at a bandwidth (transformers `get_num_quantizers_for_bandwidth`): each level costs
 * log2(codebook_size) bits per frame, so 1.5/3/6/12/24 kbps ↔ 2/4/8/16/32 levels at 75 frames/s.
 */
export function levelsForBandwidth(c: EncodecConfig, kbps: number): number {
  if (!c.targetBandwidths.includes(kbps)) {
    throw new RangeError(`EnCodec supports the bandwidths ${c.targetBandwidths.join(', ')} kbps, not ${kbps}`);
  }
  const bitsPerLevel = Math.log2(c.codebookSize) * frameRate(c);
  return Math.max(1, Math.floor((kbps * 1000) / bitsPerLevel));
}

type Json = Record<string, unknown>;

/**
 * Parses a transformers config.json object. Missing keys take transformers' `EncodecConfig` defaults (which are
 * the 24 kHz model's values); keys that change behaviour this port does not implement are refused, and
 * every problem is reported in one error.
 */
export function parseEncodecConfig(json: unknown, source = 'config.json'): EncodecConfig {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Error(`${source}: expected a JSON object`);
  const j = json as Json;
  const problems: string[] = [];
  const d = ENCODEC_24KHZ_CONFIG;
  const int = (key: string, fallback: number, min = 1): number => {
    const v = j[key] ?? fallback;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
      problems.push(`${key} must be an integer ≥ ${min}, got ${JSON.stringify(v)}`);
      return fallback;
    }
    return v;
  };
  const num = (key: string, fallback: number): number => {
    const v = j[key] ?? fallback;
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      problems.push(`${key} must be a number, got ${JSON.stringify(v)}`);
      return fallback;
    }
    return v;
  };
  const bool = (key: string, fallback: boolean): boolean => {
    const v = j[key] ?? fallback;
    if (typeof v !== 'boolean') {
      problems.push(`${key} must be true or false, got ${JSON.stringify(v)}`);
      return fallback;
    }
    return v;
  };
  const list = (key: string, fallback: readonly number[], integer: boolean): number[] => {
    const v = j[key] ?? fallback;
    if (!Array.isArray(v) || v.length === 0 || v.some((x) => typeof x !== 'number' || !(x > 0) || (integer && !Number.isInteger(x)))) {
      problems.push(`${key} must be a non-empty list of positive ${integer ? 'integers' : 'numbers'}, got ${JSON.stringify(v)}`);
      return [...fallback];
    }
    return [...(v as number[])];
  };

  const hiddenSize = int('hidden_size', d.hiddenSize);
  const c: EncodecConfig = {
    samplingRate: int('sampling_rate', d.samplingRate),
    audioChannels: int('audio_channels', d.audioChannels),
    numFilters: int('num_filters', d.numFilters),
    upsamplingRatios: list('upsampling_ratios', d.upsamplingRatios, true),
    numResidualLayers: int('num_residual_layers', d.numResidualLayers),
    dilationGrowthRate: int('dilation_growth_rate', d.dilationGrowthRate),
    kernelSize: int('kernel_size', d.kernelSize),
    lastKernelSize: int('last_kernel_size', d.lastKernelSize),
    residualKernelSize: int('residual_kernel_size', d.residualKernelSize),
    compress: int('compress', d.compress),
    numLstmLayers: int('num_lstm_layers', d.numLstmLayers),
    hiddenSize,
    codebookSize: int('codebook_size', d.codebookSize),
    // transformers: codebook_dim defaults to hidden_size.
    codebookDim: j.codebook_dim === null || j.codebook_dim === undefined ? hiddenSize : int('codebook_dim', hiddenSize),
    targetBandwidths: list('target_bandwidths', d.targetBandwidths, false),
    useCausalConv: bool('use_causal_conv', d.useCausalConv),
    padMode: d.padMode,
    trimRightRatio: num('trim_right_ratio', d.trimRightRatio),
    useConvShortcut: bool('use_conv_shortcut', d.useConvShortcut),
  };
  const pad = j.pad_mode ?? d.padMode;
  if (pad === 'reflect' || pad === 'constant') c.padMode = pad;
  else problems.push(`pad_mode ${JSON.stringify(pad)} is not supported (reflect or constant)`);

  // Settings of other EnCodec variants (the 48 kHz model) that this port does not implement.
  if (c.audioChannels !== 1) problems.push(`audio_channels ${c.audioChannels}: only mono models are supported`);
  const norm = j.norm_type ?? 'weight_norm';
  if (norm !== 'weight_norm') problems.push(`norm_type ${JSON.stringify(norm)}: only weight_norm is supported (time_group_norm is the 48 kHz model's)`);
  if (j.normalize === true) problems.push('normalize true: input volume normalisation (the 48 kHz model) is not supported');
  if (j.chunk_length_s !== undefined && j.chunk_length_s !== null) problems.push('chunk_length_s: chunked encoding (the 48 kHz model) is not supported');
  if (c.codebookDim !== c.hiddenSize) problems.push(`codebook_dim ${c.codebookDim} must equal hidden_size ${c.hiddenSize} (the model has no projection between them)`);
  if (!c.useCausalConv && c.trimRightRatio !== 1) problems.push('trim_right_ratio ≠ 1 only makes sense for causal convolutions');
  if (c.trimRightRatio < 0 || c.trimRightRatio > 1) problems.push(`trim_right_ratio must be within 0..1, got ${c.trimRightRatio}`);
  if (problems.length > 0) throw new Error(`${source}: unsupported EnCodec configuration:\n  - ${problems.join('\n  - ')}`);
  return c;
}
