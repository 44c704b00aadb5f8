/**
 * Builds the `lite` codec's tables (resources/codecs/lite/lite-codec.safetensors) from a speech corpus this
 * script generates itself, then measures the codec on held-out voices and writes
 * resources/codecs/lite/evaluation.json (the numbers docs/codecs.md reports).
 *
 *   npx tsx scripts/build-lite-codec.ts [--extra DIR]... [--no-festival] [--seed N] [--out DIR]
 *
 * Needs espeak-ng, and festival with the voices in FESTIVAL_PACKAGES unless --no-festival (a build without
 * them gives different tables: the metadata records which). Deterministic: the corpus, the k-means seeds and
 * the evaluation are fixed by --seed. Synthesised audio is cached in .cache/lite-codec/ to make re-runs quick.
 * Takes about 5–10 minutes on two cores.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic, writeAll } from '../src-main/engine/nn/io/atomic-write.js';
import { analyzeFeatures, type FeatureFrames } from '../src-main/engine/codec/lite/analysis.js';
import { DEFAULT_LITE_LAYOUT, featureIndex, LITE_SAMPLE_RATE } from '../src-main/engine/codec/lite/layout.js';
import { LiteCodec } from '../src-main/engine/codec/lite/lite-codec.js';
import { renderFeatures } from '../src-main/engine/codec/lite/synthesizer.js';
import { defaultFeatureWeights, saveLiteTables, type LiteTables } from '../src-main/engine/codec/lite/tables.js';
import { muLawWaveform, ScalarFeatureQuantizer } from '../src-main/engine/codec/lite/training/baselines.js';
import { kmeans } from '../src-main/engine/codec/lite/training/kmeans.js';
import { OrtAssigner } from '../src-main/engine/codec/lite/training/ort-assigner.js';
import {
  FESTIVAL_PACKAGES,
  hasEspeak,
  hasFestival,
  heldOutUtterances,
  loadAs24kMono,
  REGRESSION_UTTERANCE,
  synthesize,
  synthesizerVersions,
  trainingUtterances,
  type Utterance,
} from '../src-main/engine/codec/lite/training/speech-corpus.js';
import { keepLevels } from '../src-main/engine/codec/codes.js';
import { roundTripMetrics, type RoundTripMetrics } from '../src-main/engine/codec/metrics.js';
import { encodePng, renderSpectrogram, spectrogramPeakDb, stackImages } from '../src-main/engine/codec/spectrogram-image.js';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const LEVELS = 8;
const CODEBOOK_SIZE = 1024;
const BITS_PER_FRAME = LEVELS * Math.log2(CODEBOOK_SIZE);
/** Frames more than this far (in ln amplitude, ≈ 50 dB) below an utterance's loudest are silence; 1 in 8 is kept. */
const SILENCE_BELOW_PEAK = 5.76;
const KEEP_ONE_SILENT_FRAME_IN = 8;
const AUDIO_EXTENSIONS = ['.wav', '.flac', '.mp3', '.ogg', '.oga', '.opus'];

const { values } = parseArgs({
  options: {
    out: { type: 'string', default: join(ROOT, 'resources', 'codecs', 'lite') },
    extra: { type: 'string', multiple: true, default: [] },
    'no-festival': { type: 'boolean', default: false },
    seed: { type: 'string', default: '20261125' },
    'espeak-clips': { type: 'string', default: '480' },
    'festival-clips': { type: 'string', default: '100' },
    cache: { type: 'string', default: join(ROOT, '.cache', 'lite-codec') },
    'eval-only': { type: 'boolean', default: false },
    weight: { type: 'string', multiple: true, default: [] },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (values.help) {
  console.log(`Usage: npx tsx scripts/build-lite-codec.ts [--extra DIR]... [--no-festival] [--seed N] [--out DIR]
  --extra DIR          also train on every audio file under DIR (any voices you own; not shipped)
  --no-festival        espeak-ng voices only (festival voices: ${FESTIVAL_PACKAGES.join(' ')})
  --espeak-clips N     training clips spoken by espeak-ng (default 480)
  --festival-clips N   training clips spoken by festival (default 100)
  --weight NAME=W      override a feature weight (c0, mcep, lf0, vuv, ap; see docs/codecs.md)
  --eval-only          skip training; evaluate the tables already in --out`);
  process.exit(0);
}

const seed = Number(values.seed);
const useFestival = !values['no-festival'];
const log = (line: string) => console.log(`[${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}`);
const started = performance.now();

async function main(): Promise<void> {
  if (!(await hasEspeak())) fail('espeak-ng is not installed (Debian: apt-get install espeak-ng).');
  if (useFestival && !(await hasFestival())) fail(`festival is not installed. Install it (Debian: apt-get install ${FESTIVAL_PACKAGES.join(' ')}) or pass --no-festival.`);
  await mkdir(values.out, { recursive: true });
  await mkdir(values.cache, { recursive: true });
  const tablesPath = join(values.out, 'lite-codec.safetensors');

  const corpus = await trainingCorpus();
  let codec: LiteCodec;
  if (values['eval-only']) {
    codec = await LiteCodec.load(tablesPath);
  } else {
    const tables = await train(corpus);
    await saveLiteTables(tablesPath, tables);
    log(`wrote ${relative(ROOT, tablesPath)} (${((await stat(tablesPath)).size / 1e6).toFixed(2)} MB)`);
    codec = new LiteCodec(tables);
  }
  await evaluate(codec, fitScalarBaseline(codec, corpus), join(values.out, 'evaluation.json'));
}

interface TrainingCorpus {
  /** Selected feature frames, [n][dims]. */
  frames: Float32Array;
  n: number;
  utterances: number;
  seconds: number;
  extraFiles: number;
  extraSeconds: number;
}

async function trainingCorpus(): Promise<TrainingCorpus> {
  const layout = DEFAULT_LITE_LAYOUT;
  const idx = featureIndex(layout);
  const plan = { espeakClips: Number(values['espeak-clips']), festivalClips: Number(values['festival-clips']), seed };
  const utterances = trainingUtterances(plan, { festival: useFestival });
  log(`corpus: ${utterances.length} generated utterances${values.extra.length ? ` + audio under ${values.extra.join(', ')}` : ''}`);
  const chunks: FeatureFrames[] = [];
  let seconds = 0;
  let done = 0;
  await forEachConcurrently(utterances, 2, async (utt) => {
    const x = await cachedSynthesis(utt);
    seconds += x.length / LITE_SAMPLE_RATE;
    chunks.push(analyzeFeatures(x, layout));
    if (++done % 100 === 0) log(`  analysed ${done}/${utterances.length}`);
  });
  let extraFiles = 0;
  let extraSeconds = 0;
  for (const dir of values.extra) {
    for (const file of await audioFilesUnder(resolve(dir))) {
      const x = await loadAs24kMono(file);
      chunks.push(analyzeFeatures(x, layout));
      extraFiles++;
      extraSeconds += x.length / LITE_SAMPLE_RATE;
    }
  }
  // Chunks arrive in completion order; sort by content so the result never depends on scheduling.
  chunks.sort((a, b) => a.frames - b.frames || compareData(a.data, b.data));
  const frames = selectFrames(chunks, idx.mcep);
  const n = frames.length / idx.dims;
  log(`features: ${(seconds / 60).toFixed(1)} min generated + ${(extraSeconds / 60).toFixed(1)} min extra → ${n} frames (${idx.dims} dims)`);
  return { frames, n, utterances: utterances.length, seconds, extraFiles, extraSeconds };
}

async function train(corpus: TrainingCorpus): Promise<LiteTables> {
  const layout = DEFAULT_LITE_LAYOUT;
  const idx = featureIndex(layout);
  const { frames, n, seconds, extraFiles, extraSeconds } = corpus;
  const plan = { espeakClips: Number(values['espeak-clips']), festivalClips: Number(values['festival-clips']), seed };

  const mean = new Float64Array(idx.dims);
  for (let i = 0; i < n; i++) for (let d = 0; d < idx.dims; d++) mean[d] += frames[i * idx.dims + d] / n;
  const weight = defaultFeatureWeights(layout);
  for (const spec of values.weight) {
    const [name, value] = spec.split('=');
    const w = Number(value);
    if (!(w > 0)) fail(`--weight ${spec}: the weight must be a positive number`);
    const ranges: Record<string, [number, number]> = {
      c0: [idx.mcep, idx.mcep + 1],
      mcep: [idx.mcep + 1, idx.mcep + layout.mcepOrder + 1],
      lf0: [idx.lf0, idx.lf0 + 1],
      vuv: [idx.vuv, idx.vuv + 1],
      ap: [idx.ap, idx.ap + idx.apBands],
    };
    const range = ranges[name] ?? fail(`--weight ${spec}: unknown feature "${name}" (c0, mcep, lf0, vuv, ap)`);
    for (let d = range[0]; d < range[1]; d++) weight[d] = w;
  }
  const z = new Float32Array(frames.length);
  for (let i = 0; i < n; i++) for (let d = 0; d < idx.dims; d++) z[i * idx.dims + d] = (frames[i * idx.dims + d] - mean[d]) * weight[d];

  const codebooks = new Float32Array(LEVELS * CODEBOOK_SIZE * idx.dims);
  const assigner = await OrtAssigner.create(idx.dims);
  try {
    let energy = 0;
    for (const v of z) energy += v * v;
    log(`residual VQ: ${LEVELS} levels × ${CODEBOOK_SIZE}; mean squared norm before quantising ${(energy / n).toFixed(4)}`);
    for (let level = 0; level < LEVELS; level++) {
      const result = await kmeans(z, n, idx.dims, CODEBOOK_SIZE, { seed: seed + level, maxIterations: 30, assigner });
      codebooks.set(result.centroids, level * CODEBOOK_SIZE * idx.dims);
      for (let i = 0; i < n; i++) {
        const row = result.labels[i] * idx.dims;
        for (let d = 0; d < idx.dims; d++) z[i * idx.dims + d] -= result.centroids[row + d];
      }
      log(`  level ${level}: residual mean squared error ${result.mse.toFixed(5)}`);
    }
  } finally {
    await assigner.release();
  }
  const build: Record<string, string> = {
    script: 'scripts/build-lite-codec.ts',
    seed: String(seed),
    corpus: JSON.stringify({
      espeakClips: plan.espeakClips,
      festivalClips: useFestival ? plan.festivalClips : 0,
      generatedMinutes: Number((seconds / 60).toFixed(2)),
      extraFiles,
      extraMinutes: Number((extraSeconds / 60).toFixed(2)),
      frames: n,
    }),
    synthesizers: await synthesizerVersions(),
  };
  return { layout, levels: LEVELS, codebookSize: CODEBOOK_SIZE, dims: idx.dims, mean, weight, codebooks, build };
}

/** Speech frames of every chunk, plus one silent frame in KEEP_ONE_SILENT_FRAME_IN so silence is representable. */
function selectFrames(chunks: FeatureFrames[], c0: number): Float32Array {
  const rows: Float64Array[] = [];
  for (const chunk of chunks) {
    let peak = -Infinity;
    for (let t = 0; t < chunk.frames; t++) peak = Math.max(peak, chunk.data[t * chunk.dims + c0]);
    let silent = 0;
    for (let t = 0; t < chunk.frames; t++) {
      const row = chunk.data.subarray(t * chunk.dims, (t + 1) * chunk.dims);
      if (row[c0] >= peak - SILENCE_BELOW_PEAK || silent++ % KEEP_ONE_SILENT_FRAME_IN === 0) rows.push(row);
    }
  }
  const dims = chunks[0].dims;
  const out = new Float32Array(rows.length * dims);
  rows.forEach((r, i) => out.set(r, i * dims));
  return out;
}

interface Variant {
  name: string;
  description: string;
  run(x: Float32Array, features: FeatureFrames): Promise<Float32Array>;
}

async function evaluate(codec: LiteCodec, scalar: ScalarFeatureQuantizer, outPath: string): Promise<void> {
  const layout = codec.tables.layout;
  const utterances = heldOutUtterances({ festival: useFestival });
  log(`evaluation: ${utterances.length} held-out utterances (voices never used for training)`);
  const decodeLevels = (levels: number) => async (_x: Float32Array, f: FeatureFrames) => {
    const codes = keepLevels(codec.encodeFeatures(f), levels);
    return (await codec.decode(codes)).channels[0];
  };
  const variants: Variant[] = [
    { name: 'lite-8', description: 'lite, 8 levels (6 kbit/s)', run: decodeLevels(8) },
    { name: 'lite-4', description: 'lite, 4 levels (3 kbit/s)', run: decodeLevels(4) },
    { name: 'lite-2', description: 'lite, 2 levels (1.5 kbit/s)', run: decodeLevels(2) },
    { name: 'lite-1', description: 'lite, level 0 only (0.75 kbit/s)', run: decodeLevels(1) },
    { name: 'vocoder', description: 'unquantised features → same synthesiser (the ceiling)', run: async (_x, f) => renderFeatures(layout, f.data, f.frames, f.dims) },
    { name: 'scalar-6k', description: `baseline: same features, uniform scalar quantiser, ${BITS_PER_FRAME} bits/frame (6 kbit/s)`, run: async (_x, f) => renderScalar(codec, scalar, f) },
    { name: 'mulaw-6k', description: 'baseline: waveform at 2 kHz, 3-bit μ-law (6 kbit/s)', run: async (x) => muLawWaveform(x) },
  ];
  const perVariant = new Map<string, RoundTripMetrics[]>(variants.map((v) => [v.name, []]));
  const clips: { id: string; voice: string; seconds: number; metrics: Record<string, RoundTripMetrics> }[] = [];
  for (const utt of utterances) {
    const x = await cachedSynthesis(utt);
    const features = analyzeFeatures(x, layout);
    const metrics: Record<string, RoundTripMetrics> = {};
    for (const v of variants) {
      const y = await v.run(x, features);
      metrics[v.name] = roundTripMetrics(x, y, LITE_SAMPLE_RATE);
      perVariant.get(v.name)!.push(metrics[v.name]);
    }
    clips.push({ id: utt.id, voice: utt.synth.voice, seconds: x.length / LITE_SAMPLE_RATE, metrics });
    log(`  ${utt.id.padEnd(40)} MCD lite-8 ${metrics['lite-8'].mcdDb.toFixed(2)} dB, vocoder ${metrics.vocoder.mcdDb.toFixed(2)}, scalar ${metrics['scalar-6k'].mcdDb.toFixed(2)}, μ-law ${metrics['mulaw-6k'].mcdDb.toFixed(2)}`);
  }
  const summary = variants.map((v) => ({ name: v.name, description: v.description, ...average(perVariant.get(v.name)!) }));

  // The regression clip the codec quality test round-trips.
  const rx = await cachedSynthesis(REGRESSION_UTTERANCE);
  const rCodes = await codec.encode({ sampleRate: LITE_SAMPLE_RATE, channels: [rx] });
  const ry = (await codec.decode(rCodes)).channels[0];
  const regression = { utterance: REGRESSION_UTTERANCE, metrics: roundTripMetrics(rx, ry, LITE_SAMPLE_RATE) };
  const pictures = join(ROOT, 'test-results', 'lite-codec');
  await mkdir(pictures, { recursive: true });
  const top = spectrogramPeakDb(rx);
  const base = await muLawWaveform(rx);
  const scalarOut = renderScalar(codec, scalar, analyzeFeatures(rx, layout));
  await writeFile(join(pictures, 'build-regression-clip.png'), encodePng(stackImages([rx, ry, scalarOut, base].map((s) => renderSpectrogram(s, { topDb: top })))));

  const report = {
    note: 'Written by scripts/build-lite-codec.ts; docs/codecs.md reports these numbers.',
    tables: codec.tables.build,
    heldOut: { utterances: utterances.length, voices: [...new Set(utterances.map((u) => u.synth.voice))] },
    summary,
    regression,
    clips,
  };
  const bytes = new TextEncoder().encode(`${JSON.stringify(report, null, 2)}\n`);
  await writeFileAtomic(outPath, (fh) => writeAll(fh, bytes));
  log(`wrote ${relative(ROOT, outPath)}`);
  console.log('\n| variant | MCD dB | LSD dB | F0 RMSE cents | F0 fine RMSE cents | GPE % | V/UV error % |\n|---|---|---|---|---|---|---|');
  for (const s of summary) {
    console.log(`| ${s.description} | ${s.mcdDb.toFixed(2)} | ${s.lsdDb.toFixed(2)} | ${fmt(s.f0RmseCents, 0)} | ${fmt(s.f0FineRmseCents, 0)} | ${fmt(s.grossPitchErrorRate === null ? null : 100 * s.grossPitchErrorRate, 1)} | ${(100 * s.voicingErrorRate).toFixed(1)} |`);
  }
  const m = regression.metrics;
  console.log(`\nregression clip (${REGRESSION_UTTERANCE.synth.voice}): MCD ${m.mcdDb.toFixed(2)} dB, LSD ${m.lsdDb.toFixed(2)} dB, F0 RMSE ${fmt(m.f0RmseCents, 0)} cents, V/UV error ${(100 * m.voicingErrorRate).toFixed(1)} %`);
}

/** The scalar baseline fitted on the same training frames, in the codec's weighted, centred space. */
function fitScalarBaseline(codec: LiteCodec, corpus: TrainingCorpus): ScalarFeatureQuantizer {
  const { mean, weight, dims } = codec.tables;
  const z = new Float32Array(corpus.frames.length);
  for (let i = 0; i < corpus.n; i++) for (let d = 0; d < dims; d++) z[i * dims + d] = (corpus.frames[i * dims + d] - mean[d]) * weight[d];
  return new ScalarFeatureQuantizer(z, corpus.n, dims, BITS_PER_FRAME);
}

function renderScalar(codec: LiteCodec, scalar: ScalarFeatureQuantizer, f: FeatureFrames): Float32Array {
  const { mean, weight, dims, layout } = codec.tables;
  const out = new Float64Array(f.data.length);
  const z = new Float64Array(dims);
  for (let t = 0; t < f.frames; t++) {
    for (let d = 0; d < dims; d++) z[d] = (f.data[t * dims + d] - mean[d]) * weight[d];
    scalar.roundTrip(z);
    for (let d = 0; d < dims; d++) out[t * dims + d] = z[d] / weight[d] + mean[d];
  }
  return renderFeatures(layout, out, f.frames, dims);
}

function average(list: RoundTripMetrics[]) {
  const mean = (pick: (m: RoundTripMetrics) => number | null) => {
    const v = list.map(pick).filter((x): x is number => x !== null);
    return v.length ? v.reduce((a, b) => a + b, 0) / v.length : null;
  };
  return {
    mcdDb: mean((m) => m.mcdDb)!,
    lsdDb: mean((m) => m.lsdDb)!,
    f0RmseCents: mean((m) => m.f0RmseCents),
    f0FineRmseCents: mean((m) => m.f0FineRmseCents),
    grossPitchErrorRate: mean((m) => m.grossPitchErrorRate),
    voicingErrorRate: mean((m) => m.voicingErrorRate)!,
  };
}

async function cachedSynthesis(utt: Utterance): Promise<Float32Array> {
  const key = createHash('sha256').update(JSON.stringify({ text: utt.text, synth: utt.synth })).digest('hex').slice(0, 24);
  const file = join(values.cache, `${key}.f32`);
  if (existsSync(file)) {
    const b = await readFile(file);
    return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
  }
  const x = await synthesize(utt);
  await writeFile(file, Buffer.from(x.buffer, x.byteOffset, x.byteLength));
  return x;
}

async function audioFilesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await audioFilesUnder(p)));
    else if (AUDIO_EXTENSIONS.some((e) => entry.name.toLowerCase().endsWith(e))) out.push(p);
  }
  return out.sort();
}

async function forEachConcurrently<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await fn(items[next++]);
    }),
  );
}

function compareData(a: Float64Array, b: Float64Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

function fmt(v: number | null, digits: number): string {
  return v === null ? '–' : v.toFixed(digits);
}

function fail(message: string): never {
  console.error(`build-lite-codec: ${message}`);
  process.exit(1);
}

await main();
