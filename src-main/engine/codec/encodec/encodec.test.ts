import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StudioError } from '../../../../src-shared/api/errors.js';
import { ParamStore } from '../../nn/blocks/params.js';
import { emitOnnx, mulberry32 } from '../../nn/index.js';
import type { Codes } from '../codes.js';
import { ENCODEC_24KHZ_CONFIG, frameRate, hopLength, levelsForBandwidth, numQuantizers, parseEncodecConfig, type EncodecConfig } from './config.js';
import { DECODE_CHUNK_FRAMES, EncodecCodec } from './encodec-codec.js';
import { buildDecoderGraph, buildEncoderGraph } from './encodec-graphs.js';
import { EncodecModel } from './encodec-model.js';
import { SyncSession } from './sync-session.js';
import {
  codewordDistances,
  refCheckpointShapes,
  refDecoderModules,
  refEncoderModules,
  rvqDecode,
  rvqEncode,
  runLayers,
  type RefConfig,
  type Signal,
} from './testing/encodec-reference.js';
import { configJson, gaussian, numQuantizersOf, randomEncodecWeights, TINY_ENCODEC, writeEncodecFolder, type RefWeights, type TinyEncodecConfig } from './testing/tiny-checkpoint.js';
import { encodecExpectedTensors, isUnusedEncodecBuffer, loadEncodecWeights } from './weights.js';

/** The published facebook/encodec_24khz config.json (transformers port). */
const PUBLISHED_CONFIG_JSON = {
  architectures: ['EncodecModel'],
  audio_channels: 1,
  chunk_length_s: null,
  codebook_dim: 128,
  codebook_size: 1024,
  compress: 2,
  dilation_growth_rate: 2,
  hidden_size: 128,
  kernel_size: 7,
  last_kernel_size: 7,
  model_type: 'encodec',
  norm_type: 'weight_norm',
  normalize: false,
  num_filters: 32,
  num_lstm_layers: 2,
  num_residual_layers: 1,
  overlap: null,
  pad_mode: 'reflect',
  residual_kernel_size: 3,
  sampling_rate: 24000,
  target_bandwidths: [1.5, 3.0, 6.0, 12.0, 24.0],
  torch_dtype: 'float32',
  trim_right_ratio: 1.0,
  upsampling_ratios: [8, 5, 4, 2],
  use_causal_conv: true,
  use_conv_shortcut: true,
};

function signal(n: number, seed: number): Float32Array {
  const rand = mulberry32(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = 0.3 * Math.sin(i * 0.07) + 0.2 * gaussian(rand);
  return out;
}

/** graph tap [1, C, L] (float32, flat) vs reference [C][L]: max |diff| relative to the reference's max |value|. */
function relativeError(tap: { shape: number[]; data: Float32Array }, ref: Signal): number {
  expect(tap.shape).toEqual([1, ref.length, ref[0].length]);
  let maxRef = 0;
  let maxDiff = 0;
  const L = ref[0].length;
  ref.forEach((row, c) =>
    row.forEach((v, t) => {
      maxRef = Math.max(maxRef, Math.abs(v));
      maxDiff = Math.max(maxDiff, Math.abs(v - tap.data[c * L + t]));
    }),
  );
  return maxDiff / Math.max(maxRef, 1e-6);
}

function asSignal(data: Float32Array, channels: number): Signal {
  const L = data.length / channels;
  return Array.from({ length: channels }, (_, c) => Float64Array.from(data.subarray(c * L, (c + 1) * L)));
}

function codesFrom(frames: number[][]): Codes {
  const levels = frames[0].length;
  return { frames: frames.length, levels, data: Uint16Array.from(frames.flat()) };
}

function toConfig(c: TinyEncodecConfig): EncodecConfig {
  return parseEncodecConfig(configJson(c));
}

function storeOf(values: Map<string, Float32Array>): ParamStore {
  return new ParamStore({ values, frozen: () => true });
}

describe('EnCodec config (transformers EncodecConfig)', () => {
  it('reads the published 24 kHz config and derives hop, frame rate and levels per bandwidth', () => {
    const c = parseEncodecConfig(PUBLISHED_CONFIG_JSON);
    expect(c).toEqual(ENCODEC_24KHZ_CONFIG);
    expect(hopLength(c)).toBe(320);
    expect(frameRate(c)).toBe(75);
    expect(numQuantizers(c)).toBe(32);
    expect([1.5, 3, 6, 12, 24].map((bw) => levelsForBandwidth(c, bw))).toEqual([2, 4, 8, 16, 32]);
    expect(() => levelsForBandwidth(c, 5)).toThrow(/1.5, 3, 6, 12, 24/);
  });

  it('refuses settings of other EnCodec variants, all in one error', () => {
    let message = '';
    try {
      parseEncodecConfig({ ...PUBLISHED_CONFIG_JSON, norm_type: 'time_group_norm', normalize: true, audio_channels: 2, chunk_length_s: 1 });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/norm_type/);
    expect(message).toMatch(/normalize/);
    expect(message).toMatch(/audio_channels 2/);
    expect(message).toMatch(/chunk_length_s/);
  });
});

describe('EnCodec tensor layout at the published size', () => {
  it('the graphs read exactly the published tensor names and shapes (weight norm folded), nothing else', () => {
    const ref: RefConfig = { ...PUBLISHED_CONFIG_JSON, pad_mode: 'reflect' };
    const fileShapes = refCheckpointShapes(ref, 32, 128);
    const expected = new Map(encodecExpectedTensors(ENCODEC_24KHZ_CONFIG).map((e) => [e.name, e.shape]));
    const fromFile = new Map<string, number[]>();
    for (const [name, shape] of fileShapes) {
      if (name.endsWith('.weight_g') || isUnusedEncodecBuffer(name)) continue;
      fromFile.set(name.replace(/\.weight_v$/, '.weight'), shape);
    }
    expect(new Map([...expected].sort())).toEqual(new Map([...fromFile].sort()));
    // Spot checks of the published names.
    expect(expected.get('encoder.layers.0.conv.weight')).toEqual([32, 1, 7]);
    expect(expected.get('encoder.layers.1.block.1.conv.weight')).toEqual([16, 32, 3]);
    expect(expected.get('encoder.layers.1.shortcut.conv.weight')).toEqual([32, 32, 1]);
    expect(expected.get('encoder.layers.3.conv.weight')).toEqual([64, 32, 4]);
    expect(expected.get('encoder.layers.13.lstm.weight_ih_l1')).toEqual([2048, 512]);
    expect(expected.get('encoder.layers.15.conv.weight')).toEqual([128, 512, 7]);
    expect(expected.get('decoder.layers.1.lstm.weight_hh_l0')).toEqual([2048, 512]);
    expect(expected.get('decoder.layers.3.conv.weight')).toEqual([512, 256, 16]);
    expect(expected.get('decoder.layers.15.conv.weight')).toEqual([1, 32, 7]);
    expect(expected.get('quantizer.layers.31.codebook.embed')).toEqual([1024, 128]);
  });
});

describe('EnCodec graphs against a plain-JS EnCodec, layer by layer', () => {
  let dir: string;
  let weights: RefWeights;
  let config: EncodecConfig;
  let values: Map<string, Float32Array>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'encodec-test-'));
    weights = randomEncodecWeights(TINY_ENCODEC, 11);
    await writeEncodecFolder(join(dir, 'tiny'), TINY_ENCODEC, weights);
    const loaded = await loadEncodecWeights(join(dir, 'tiny'));
    config = loaded.config;
    values = loaded.values;
    expect(loaded.unused).toEqual([]);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('encoder layers and RVQ codes match, including inputs short enough for the reflect-padding fix', () => {
    const levels = numQuantizersOf(TINY_ENCODEC);
    const session = SyncSession.create(emitOnnx(buildEncoderGraph(storeOf(values), config, levels, { taps: true })).model, { intraOpThreads: 1 });
    const modules = refEncoderModules(TINY_ENCODEC);
    for (const n of [1, 5, 23, 24, 25, 131, 480]) {
      const pcm = signal(n, n);
      const out = session.run({ pcm: { dtype: 'float32', shape: [1, 1, n], data: pcm } });
      const refOuts = runLayers([Float64Array.from(pcm)], weights, modules, TINY_ENCODEC);
      refOuts.forEach((ref, i) => {
        const tap = out[`tap.encoder.layers.${i}`] as { shape: number[]; data: Float32Array };
        expect(relativeError(tap, ref), `N=${n} encoder.layers.${i}`).toBeLessThan(1e-4);
      });
      const frames = Math.ceil(n / 24);
      expect(out.codes.shape).toEqual([frames, levels]);
      // RVQ checked on the graph's own latent, so encoder rounding cannot move a code.
      const latent = out[`tap.encoder.layers.${modules.length - 1}`];
      const refCodes = rvqEncode(asSignal(latent.data as Float32Array, 8), weights, levels);
      expect(Array.from(out.codes.data as BigInt64Array, Number)).toEqual(refCodes.flat());
      // And end to end: any code that differs from the float64 pipeline's must be a near tie.
      const refEnd = rvqEncode(refOuts[refOuts.length - 1], weights, levels);
      const graphCodes = Array.from(out.codes.data as BigInt64Array, Number);
      const firstDiff = refEnd.flat().findIndex((c, i) => c !== graphCodes[i]);
      if (firstDiff >= 0) {
        const t = Math.floor(firstDiff / levels);
        const l = firstDiff % levels;
        const r = rvqDecode([refEnd[t].slice(0, l)], weights, 8).map((row, d) => refOuts[refOuts.length - 1][d][t] - (l === 0 ? 0 : row[0]));
        const dist = codewordDistances(r, weights, l);
        expect(Math.abs(dist[graphCodes[firstDiff]] - dist[refEnd[t][l]])).toBeLessThan(1e-4);
      }
    }
    session.dispose();
  });

  it('decoder layers match from codes of any level count', () => {
    const session = SyncSession.create(emitOnnx(buildDecoderGraph(storeOf(values), config, 'oneshot', { taps: true })).model, { intraOpThreads: 1 });
    const modules = refDecoderModules(TINY_ENCODEC);
    const rand = mulberry32(5);
    for (const [frames, levels] of [
      [1, 8],
      [3, 2],
      [6, 1],
      [7, 4],
      [19, 8],
    ]) {
      const codes = Array.from({ length: frames }, () => Array.from({ length: levels }, () => Math.floor(rand() * 1024)));
      const feed = { dtype: 'int64' as const, shape: [frames, levels], data: BigInt64Array.from(codes.flat(), BigInt) };
      const out = session.run({ codes: feed });
      const latent = rvqDecode(codes, weights, 8);
      const refOuts = runLayers(latent, weights, modules, TINY_ENCODEC);
      refOuts.forEach((ref, i) => {
        const tap = out[`tap.decoder.layers.${i}`] as { shape: number[]; data: Float32Array };
        expect(relativeError(tap, ref), `T=${frames} decoder.layers.${i}`).toBeLessThan(1e-4);
      });
      expect(out.pcm.shape).toEqual([1, 1, frames * 24]);
    }
    session.dispose();
  });

  it('covers the other padding branches: non-causal, zero padding, identity shortcut, two residual layers, one LSTM layer', async () => {
    const variant: TinyEncodecConfig = {
      ...TINY_ENCODEC,
      upsampling_ratios: [3, 2],
      use_causal_conv: false,
      pad_mode: 'constant',
      use_conv_shortcut: false,
      num_residual_layers: 2,
      num_lstm_layers: 1,
      kernel_size: 5,
      target_bandwidths: [80], // 4000 frames/s: 2 levels
    };
    const w = randomEncodecWeights(variant, 3);
    await writeEncodecFolder(join(dir, 'variant'), variant, w);
    const loaded = await loadEncodecWeights(join(dir, 'variant'));
    const params = storeOf(loaded.values);
    // ORT 1.30's basic optimisations break a model where a layer output feeding a zero Pad is also a graph
    // output (the tap), so the tapped models here run unoptimised; the untapped encoder runs optimised.
    const unoptimised = { intraOpThreads: 1, graphOptimizationLevel: 'disabled' } as const;
    const enc = SyncSession.create(emitOnnx(buildEncoderGraph(params, loaded.config, 2, { taps: true })).model, unoptimised);
    const encPlain = SyncSession.create(emitOnnx(buildEncoderGraph(params, loaded.config, 2)).model, { intraOpThreads: 1 });
    const dec = SyncSession.create(emitOnnx(buildDecoderGraph(params, loaded.config, 'oneshot', { taps: true })).model, unoptimised);
    for (const n of [2, 13, 60]) {
      const pcm = signal(n, 100 + n);
      const feed = { pcm: { dtype: 'float32' as const, shape: [1, 1, n], data: pcm } };
      const out = enc.run(feed);
      const refOuts = runLayers([Float64Array.from(pcm)], w, refEncoderModules(variant), variant);
      refOuts.forEach((ref, i) => {
        expect(relativeError(out[`tap.encoder.layers.${i}`] as { shape: number[]; data: Float32Array }, ref), `N=${n} encoder.layers.${i}`).toBeLessThan(1e-4);
      });
      expect(Array.from(encPlain.run(feed).codes.data as BigInt64Array, Number)).toEqual(rvqEncode(refOuts[refOuts.length - 1], w, 2).flat());
    }
    encPlain.dispose();
    const codes = [
      [5, 900],
      [17, 3],
      [1000, 77],
    ];
    const out = dec.run({ codes: { dtype: 'int64', shape: [3, 2], data: BigInt64Array.from(codes.flat(), BigInt) } });
    runLayers(rvqDecode(codes, w, 8), w, refDecoderModules(variant), variant).forEach((ref, i) => {
      expect(relativeError(out[`tap.decoder.layers.${i}`] as { shape: number[]; data: Float32Array }, ref), `decoder.layers.${i}`).toBeLessThan(1e-4);
    });
    enc.dispose();
    dec.dispose();
  });

  it('loads parametrizations.weight.original0/1 names to the same weights', async () => {
    await writeEncodecFolder(join(dir, 'param-names'), TINY_ENCODEC, weights, { parametrizationNames: true });
    const loaded = await loadEncodecWeights(join(dir, 'param-names'));
    expect([...loaded.values.keys()].sort()).toEqual([...values.keys()].sort());
    for (const [name, v] of values) expect(loaded.values.get(name), name).toEqual(v);
  });

  it('names every missing and mismatched tensor in one error', async () => {
    await writeEncodecFolder(join(dir, 'broken'), TINY_ENCODEC, weights, {
      omit: ['encoder.layers.10.lstm.weight_hh_l1', 'decoder.layers.3.conv.weight_v', 'quantizer.layers.2.codebook.embed'],
      reshape: { 'decoder.layers.0.conv.bias': [5], 'encoder.layers.1.block.1.conv.weight_g': [3, 1, 1] },
    });
    const error = await loadEncodecWeights(join(dir, 'broken')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StudioError);
    const message = (error as StudioError).message;
    for (const name of [
      'encoder.layers.10.lstm.weight_hh_l1',
      'decoder.layers.3.conv.weight_v',
      'quantizer.layers.2.codebook.embed',
      'decoder.layers.0.conv.bias: [5]',
      'encoder.layers.1.block.1.conv.weight_g: [3, 1, 1]',
    ]) {
      expect(message).toContain(name);
    }
    expect((error as StudioError).details).toMatchObject({ missing: expect.any(Array), mismatched: expect.any(Array) });
  });

  it('says which files are missing from an empty folder', async () => {
    const error = await loadEncodecWeights(join(dir, 'nothing-here')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StudioError);
    expect((error as StudioError).code).toBe('not_found');
    expect((error as StudioError).message).toMatch(/config\.json and model\.safetensors or pytorch_model\.bin/);
  });

  describe('as a Codec', () => {
    let model: EncodecModel;
    beforeAll(() => {
      model = new EncodecModel(config, values, { intraOpThreads: 1 });
    });
    afterAll(() => model.dispose());

    it('bandwidth selects the level count; fewer levels are a prefix of more', async () => {
      const full = new EncodecCodec(model, 80);
      const low = full.withBandwidth(20);
      expect([full.levels, low.levels, full.withBandwidth(40).levels]).toEqual([8, 2, 4]);
      expect(() => full.withBandwidth(30)).toThrow(StudioError);
      const pcm = { sampleRate: 24000, channels: [signal(500, 9)] };
      const a = await full.encode(pcm);
      const b = await low.encode(pcm);
      const c = await full.encode(pcm, { levels: 3 });
      expect([a.frames, a.levels, b.levels, c.levels]).toEqual([Math.ceil(500 / 24), 8, 2, 3]);
      for (let t = 0; t < a.frames; t++) {
        expect(Array.from(b.data.subarray(t * 2, t * 2 + 2))).toEqual(Array.from(a.data.subarray(t * 8, t * 8 + 2)));
        expect(Array.from(c.data.subarray(t * 3, t * 3 + 3))).toEqual(Array.from(a.data.subarray(t * 8, t * 8 + 3)));
      }
      await expect(low.encode(pcm, { levels: 3 })).rejects.toThrow(/1 to 2 levels/);
    });

    it('decode gives frames × hop samples equal to the reference decoder; out-of-range codes are refused', async () => {
      const codec = new EncodecCodec(model, 40);
      const codes = codesFrom([
        [1, 2, 3, 4],
        [1000, 20, 300, 4],
        [7, 8, 9, 10],
      ]);
      const pcm = await codec.decode(codes);
      expect(pcm.sampleRate).toBe(24000);
      const ref = runLayers(rvqDecode([[1, 2, 3, 4], [1000, 20, 300, 4], [7, 8, 9, 10]], weights, 8), weights, refDecoderModules(TINY_ENCODEC), TINY_ENCODEC).pop()!;
      expect(relativeError({ shape: [1, 1, pcm.channels[0].length], data: pcm.channels[0] }, ref)).toBeLessThan(1e-4);
      await expect(codec.decode(codesFrom([[1, 2, 3, 1024]]))).rejects.toThrow(/code 1024 at frame 0, level 3/);
      await expect(codec.decode(codesFrom([[1, 2, 3, 4, 5]]))).rejects.toThrow(/decodes 1 to 4/);
    });

    it('streaming decode in uneven chunks equals the one-shot decode', () => {
      const codec = new EncodecCodec(model, 80);
      const rand = mulberry32(77);
      const frames = 40;
      const all = codesFrom(Array.from({ length: frames }, () => Array.from({ length: 8 }, () => Math.floor(rand() * 1024))));
      const oneShot = codec.decodeOneShot(all);
      for (const sizes of [
        [1, 2, 3, 1, 10, 4, 19],
        [7, 33],
        [40],
        [0, 5, 0, 35],
      ]) {
        const dec = codec.createDecoder();
        const parts: Float32Array[] = [];
        let at = 0;
        for (const n of sizes) {
          const chunk: Codes = { frames: n, levels: 8, data: all.data.slice(at * 8, (at + n) * 8) };
          parts.push(dec.push(chunk).channels[0]);
          at += n;
        }
        parts.push(dec.flush().channels[0]);
        // Nothing is held back longer than the first 7 frames.
        expect(parts[0].length + (sizes[0] >= 7 ? 0 : 1)).toBeGreaterThan(0);
        const joined = Float32Array.from(parts.flatMap((p) => Array.from(p)));
        expect(joined.length).toBe(oneShot.length);
        let maxAbs = 0;
        let maxDiff = 0;
        oneShot.forEach((v, i) => {
          maxAbs = Math.max(maxAbs, Math.abs(v));
          maxDiff = Math.max(maxDiff, Math.abs(v - joined[i]));
        });
        expect(maxDiff / maxAbs, `chunks ${sizes.join(',')}`).toBeLessThan(1e-5);
        expect(() => dec.push(all)).toThrow(/already flushed/);
      }
    });

    it('decode() of a long input runs in chunks and still equals one decoder run', async () => {
      const codec = new EncodecCodec(model, 20);
      const rand = mulberry32(3);
      const frames = DECODE_CHUNK_FRAMES * 2 + 17;
      const codes = codesFrom(Array.from({ length: frames }, () => [Math.floor(rand() * 1024), Math.floor(rand() * 1024)]));
      const chunked = (await codec.decode(codes)).channels[0];
      const whole = codec.decodeOneShot(codes);
      expect(chunked.length).toBe(frames * 24);
      let m = 0;
      let d = 0;
      whole.forEach((v, i) => {
        m = Math.max(m, Math.abs(v));
        d = Math.max(d, Math.abs(v - chunked[i]));
      });
      expect(d / m).toBeLessThan(1e-5);
    });

    it('a short stream (fewer frames than the first chunk needs) comes out at flush', () => {
      const codec = new EncodecCodec(model, 20);
      const codes = codesFrom([
        [3, 4],
        [5, 6],
        [7, 8],
      ]);
      const dec = codec.createDecoder();
      expect(dec.push(codes).channels[0].length).toBe(0);
      const tail = dec.flush().channels[0];
      expect(Array.from(tail)).toEqual(Array.from(codec.decodeOneShot(codes)));
      expect(() => codec.createDecoder().push(codesFrom([[1, 2, 3]]))).toThrow(/decodes 1 to 2/);
    });
  });
});
