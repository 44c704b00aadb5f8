/**
 * The lite codec's learned tables: feature mean and weights, and the residual-VQ codebooks, in one
 * safetensors file whose metadata names the format, its version and the feature layout (so a decoder never
 * guesses how features are laid out), plus how the tables were built.
 *
 *   features.mean    F32 [dims]                    subtracted before quantising
 *   features.weight  F32 [dims]                    multiplied after centring (perceptual scale of each feature)
 *   rvq.codebooks    F32 [levels, size, dims]      in the weighted, centred space
 */
import { fileURLToPath } from 'node:url';
import { StudioError } from '../../../../src-shared/api/errors.js';
import type { HostTensor } from '../../nn/io/host-tensor.js';
import { SafetensorsFile, writeSafetensors } from '../../nn/io/safetensors.js';
import { featureIndex, LITE_FORMAT, LITE_FORMAT_VERSION, LITE_HOP, LITE_SAMPLE_RATE, type LiteLayout } from './layout.js';

export interface LiteTables {
  layout: LiteLayout;
  levels: number;
  codebookSize: number;
  dims: number;
  mean: Float64Array;
  weight: Float64Array;
  codebooks: Float32Array;
  /** Free-form build information (corpus, seed, script), kept in the file's metadata. */
  build: Record<string, string>;
}

/** The tables shipped with the app. */
export function bundledLiteTablesPath(): string {
  return fileURLToPath(new URL('../../../../resources/codecs/lite/lite-codec.safetensors', import.meta.url));
}

const REBUILD_HINT = 'rebuild them with `npx tsx scripts/build-lite-codec.ts` (see docs/codecs.md)';

export async function loadLiteTables(path = bundledLiteTablesPath()): Promise<LiteTables> {
  let file: SafetensorsFile;
  try {
    file = await SafetensorsFile.open(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new StudioError('not_found', `The lite codec's tables are missing (${path}); ${REBUILD_HINT}.`, { path });
    throw new StudioError('internal', `The lite codec's tables (${path}) cannot be read: ${(error as Error).message}; ${REBUILD_HINT}.`, { path });
  }
  try {
    const meta = file.metadata;
    const bad = (why: string): never => {
      throw new StudioError('internal', `The lite codec's tables (${path}) ${why}; ${REBUILD_HINT}.`, { path });
    };
    if (meta.format !== LITE_FORMAT) bad(`are not lite codec tables (format "${meta.format ?? 'missing'}")`);
    if (Number(meta.version) !== LITE_FORMAT_VERSION) bad(`have format version ${meta.version}, this build reads version ${LITE_FORMAT_VERSION}`);
    if (Number(meta.sample_rate) !== LITE_SAMPLE_RATE || Number(meta.hop) !== LITE_HOP) bad(`are for ${meta.sample_rate} Hz / hop ${meta.hop}`);
    let layout: LiteLayout;
    try {
      layout = JSON.parse(meta.layout) as LiteLayout;
    } catch {
      return bad('have an unreadable layout');
    }
    const dims = featureIndex(layout).dims;
    const tensor = async (name: string, shape: number[]): Promise<Float32Array> => {
      if (!file.names().includes(name)) bad(`lack the tensor "${name}"`);
      const t = (await file.read(name)) as HostTensor;
      if (t.dtype !== 'float32' || t.shape.join() !== shape.join()) bad(`have "${name}" as ${t.dtype} [${t.shape}], expected float32 [${shape}]`);
      const data = t.data as Float32Array;
      for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i])) bad(`have a non-finite value in "${name}"`);
      return data;
    };
    const cbEntry = file.names().includes('rvq.codebooks') ? file.entry('rvq.codebooks') : bad('lack the tensor "rvq.codebooks"');
    const [levels, size] = cbEntry.shape;
    const codebooks = await tensor('rvq.codebooks', [levels, size, dims]);
    const mean = Float64Array.from(await tensor('features.mean', [dims]));
    const weight = Float64Array.from(await tensor('features.weight', [dims]));
    for (const w of weight) if (!(w > 0)) bad('have a feature weight that is not positive');
    const build: Record<string, string> = {};
    for (const [k, v] of Object.entries(meta)) if (k.startsWith('build.')) build[k.slice(6)] = v;
    return { layout, levels, codebookSize: size, dims, mean, weight, codebooks, build };
  } finally {
    await file.close();
  }
}

export async function saveLiteTables(path: string, tables: LiteTables): Promise<void> {
  const { layout, levels, codebookSize, dims } = tables;
  const metadata: Record<string, string> = {
    format: LITE_FORMAT,
    version: String(LITE_FORMAT_VERSION),
    sample_rate: String(LITE_SAMPLE_RATE),
    hop: String(LITE_HOP),
    layout: JSON.stringify(layout),
    feature_order: 'mcep[0..order], lf0, vuv, ap[bands]',
  };
  for (const [k, v] of Object.entries(tables.build)) metadata[`build.${k}`] = v;
  await writeSafetensors(
    path,
    {
      'rvq.codebooks': { dtype: 'float32', shape: [levels, codebookSize, dims], data: tables.codebooks },
      'features.mean': { dtype: 'float32', shape: [dims], data: Float32Array.from(tables.mean) },
      'features.weight': { dtype: 'float32', shape: [dims], data: Float32Array.from(tables.weight) },
    },
    metadata,
  );
}

/** Perceptual weight of each feature in the quantiser's distance (see docs/codecs.md). */
export function defaultFeatureWeights(layout: LiteLayout): Float64Array {
  const idx = featureIndex(layout);
  const w = new Float64Array(idx.dims);
  // c₀ counts once and c_m (m ≥ 1) twice in the log spectrum (log|H| = c₀ + 2Σc_m·cos mβ), so √2 makes the
  // distance the RMS log-spectral error.
  w[idx.mcep] = 1;
  for (let m = 1; m <= layout.mcepOrder; m++) w[idx.mcep + m] = Math.SQRT2;
  // One semitone (0.058 in ln F0) weighs like ~2.5 dB of log-spectral error: pitch errors are heard easily,
  // and level 0 then carries the melody (an AR model predicting it gets the intonation).
  w[idx.lf0] = 5;
  // A voicing flip costs more than any spectral error, so even level 0 gets voicing right.
  w[idx.vuv] = 2;
  // Aperiodicity: 0.1 of noise share ≈ 0.1 in ln amplitude; coarser than this lets breathy noise into vowels.
  for (let b = 0; b < idx.apBands; b++) w[idx.ap + b] = 1;
  return w;
}
