/**
 * Vocos' config.yaml (charactr/vocos-encodec-24khz) as typed data. Vocos builds its modules from
 * `class_path` + `init_args` (pytorch-lightning style); only the EnCodec-features variant is supported:
 *
 *   feature_extractor: vocos.feature_extractors.EncodecFeatures  (encodec_model, bandwidths, train_codebooks)
 *   backbone:          vocos.models.VocosBackbone                (input_channels, dim, intermediate_dim,
 *                                                                 num_layers, adanorm_num_embeddings)
 *   head:              vocos.heads.ISTFTHead                     (dim, n_fft, hop_length, padding)
 */
import { parse } from 'yaml';

export interface VocosConfig {
  encodecModel: 'encodec_24khz';
  /** kbps; index = bandwidth id of the adaptive layer norms */
  bandwidths: number[];
  inputChannels: number;
  dim: number;
  intermediateDim: number;
  numLayers: number;
  /** null: plain LayerNorm (no bandwidth conditioning) */
  adanormNumEmbeddings: number | null;
  nFft: number;
  hopLength: number;
  padding: 'same';
}

/** What Vocos takes from EnCodec 24 kHz (its quantizer): 1024 codes per level, 10 bits × 75 frames/s per level. */
export const ENCODEC_24KHZ_FEATURES = Object.freeze({ sampleRate: 24000, codebookSize: 1024, frameRate: 75 });

export const VOCOS_ENCODEC_24KHZ_CONFIG: Readonly<VocosConfig> = Object.freeze({
  encodecModel: 'encodec_24khz',
  bandwidths: [1.5, 3, 6, 12],
  inputChannels: 128,
  dim: 384,
  intermediateDim: 1152,
  numLayers: 8,
  adanormNumEmbeddings: 4,
  nFft: 1280,
  hopLength: 320,
  padding: 'same',
});

/** EnCodec's levels at a bandwidth (EnCodec 24 kHz: 1.5/3/6/12 kbps ↔ 2/4/8/16). */
export function vocosLevelsForBandwidth(kbps: number): number {
  const bitsPerLevel = Math.log2(ENCODEC_24KHZ_FEATURES.codebookSize) * ENCODEC_24KHZ_FEATURES.frameRate;
  return Math.max(1, Math.floor((kbps * 1000) / bitsPerLevel));
}

/** Levels the feature table holds: those of the largest bandwidth (`codebook_weights` rows = levels × 1024). */
export function vocosTableLevels(c: VocosConfig): number {
  return vocosLevelsForBandwidth(Math.max(...c.bandwidths));
}

/**
 * Bandwidth id for codes with `levels` levels: the smallest configured bandwidth carrying at least that many
 * (8 levels → id 2 = 6 kbps, as the reference decodes). Levels between two bandwidths decode with the larger
 * one's conditioning and the missing levels counted as zero.
 */
export function bandwidthIdForLevels(c: VocosConfig, levels: number): number {
  const id = c.bandwidths.findIndex((bw) => vocosLevelsForBandwidth(bw) >= levels);
  if (id < 0) throw new RangeError(`Vocos decodes at most ${vocosTableLevels(c)} levels, not ${levels}`);
  return id;
}

type Obj = Record<string, unknown>;

function section(root: Obj, key: string, classPath: string, problems: string[]): Obj {
  const s = root[key];
  if (typeof s !== 'object' || s === null) {
    problems.push(`${key} is missing`);
    return {};
  }
  const cp = (s as Obj).class_path;
  if (cp !== classPath) problems.push(`${key}.class_path is ${JSON.stringify(cp)}; only ${classPath} is supported`);
  const args = (s as Obj).init_args;
  return typeof args === 'object' && args !== null ? (args as Obj) : {};
}

export function parseVocosConfig(text: string, source = 'config.yaml'): VocosConfig {
  let root: unknown;
  try {
    root = parse(text);
  } catch (error) {
    throw new Error(`${source}: not valid YAML: ${(error as Error).message}`);
  }
  if (typeof root !== 'object' || root === null) throw new Error(`${source}: expected a mapping at the top level`);
  const problems: string[] = [];
  const fe = section(root as Obj, 'feature_extractor', 'vocos.feature_extractors.EncodecFeatures', problems);
  const bb = section(root as Obj, 'backbone', 'vocos.models.VocosBackbone', problems);
  const hd = section(root as Obj, 'head', 'vocos.heads.ISTFTHead', problems);
  const int = (o: Obj, path: string, key: string): number => {
    const v = o[key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
      problems.push(`${path}.${key} must be a positive integer, got ${JSON.stringify(v)}`);
      return 1;
    }
    return v;
  };
  const encodecModel = fe.encodec_model ?? 'encodec_24khz';
  if (encodecModel !== 'encodec_24khz') problems.push(`feature_extractor.encodec_model ${JSON.stringify(encodecModel)}: only encodec_24khz is supported`);
  const bandwidths = fe.bandwidths ?? [1.5, 3, 6, 12];
  if (!Array.isArray(bandwidths) || bandwidths.length === 0 || bandwidths.some((b) => typeof b !== 'number' || !(b > 0))) {
    problems.push(`feature_extractor.bandwidths must be a list of positive numbers, got ${JSON.stringify(bandwidths)}`);
  }
  const adanorm = bb.adanorm_num_embeddings;
  if (adanorm !== undefined && adanorm !== null && (typeof adanorm !== 'number' || !Number.isInteger(adanorm) || adanorm < 1)) {
    problems.push(`backbone.adanorm_num_embeddings must be a positive integer or null, got ${JSON.stringify(adanorm)}`);
  }
  const padding = hd.padding ?? 'same';
  if (padding !== 'same') problems.push(`head.padding ${JSON.stringify(padding)}: only "same" is supported`);
  const c: VocosConfig = {
    encodecModel: 'encodec_24khz',
    bandwidths: Array.isArray(bandwidths) ? (bandwidths as number[]) : [],
    inputChannels: int(bb, 'backbone', 'input_channels'),
    dim: int(bb, 'backbone', 'dim'),
    intermediateDim: int(bb, 'backbone', 'intermediate_dim'),
    numLayers: int(bb, 'backbone', 'num_layers'),
    adanormNumEmbeddings: typeof adanorm === 'number' ? adanorm : null,
    nFft: int(hd, 'head', 'n_fft'),
    hopLength: int(hd, 'head', 'hop_length'),
    padding: 'same',
  };
  const headDim = int(hd, 'head', 'dim');
  if (headDim !== c.dim) problems.push(`head.dim ${headDim} must equal backbone.dim ${c.dim}`);
  if (c.nFft % 2 !== 0 || (c.nFft - c.hopLength) % 2 !== 0 || c.hopLength > c.nFft) problems.push(`head: n_fft ${c.nFft} and hop_length ${c.hopLength} must be even-spaced with hop ≤ n_fft`);
  if (c.adanormNumEmbeddings !== null && c.adanormNumEmbeddings !== c.bandwidths.length) {
    problems.push(`backbone.adanorm_num_embeddings ${c.adanormNumEmbeddings} must equal the number of bandwidths (${c.bandwidths.length})`);
  }
  if (problems.length > 0) throw new Error(`${source}: unsupported Vocos configuration:\n  - ${problems.join('\n  - ')}`);
  return c;
}
