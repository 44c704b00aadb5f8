import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StudioError } from '../../../../src-shared/api/errors.js';
import { emitOnnx, mulberry32 } from '../../nn/index.js';
import type { Codes } from '../codes.js';
import { EncodecCodec } from '../encodec/encodec-codec.js';
import { EncodecModel } from '../encodec/encodec-model.js';
import { StrictParams } from '../encodec/strict-params.js';
import { SyncSession } from '../encodec/sync-session.js';
import { refDecoderModules, rvqDecode, runLayers, refEncoderModules, rvqEncode } from '../encodec/testing/encodec-reference.js';
import { randomEncodecWeights, TINY_ENCODEC, writeEncodecFolder, type TinyEncodecConfig } from '../encodec/testing/tiny-checkpoint.js';
import { hannWindow } from '../istft/istft-graph.js';
import { bandwidthIdForLevels, parseVocosConfig, VOCOS_ENCODEC_24KHZ_CONFIG, vocosLevelsForBandwidth, vocosTableLevels } from './config.js';
import { refVocos, refVocosShapes, type Signal } from './testing/vocos-reference.js';
import { configYaml, randomVocosWeights, TINY_VOCOS, writeVocosFolder, type RefWeights } from './testing/tiny-vocos.js';
import { VocosCodec } from './vocos-codec.js';
import { buildVocosGraph } from './vocos-graph.js';
import { VocosModel } from './vocos-model.js';
import { vocosContextFrames } from './vocos-stream.js';
import { loadVocosWeights, vocosExpectedTensors } from './weights.js';

/** tap [1, A, B] vs reference [A][B], relative to the reference's largest value. */
function relativeError(tap: { shape: number[]; data: unknown }, ref: Signal): number {
  expect(tap.shape).toEqual([1, ref.length, ref[0].length]);
  const data = tap.data as Float32Array;
  const B = ref[0].length;
  let m = 0;
  let d = 0;
  ref.forEach((row, a) =>
    row.forEach((v, b) => {
      m = Math.max(m, Math.abs(v));
      d = Math.max(d, Math.abs(v - data[a * B + b]));
    }),
  );
  return d / Math.max(m, 1e-9);
}

function randomCodes(frames: number, levels: number, seed: number): number[][] {
  const rand = mulberry32(seed);
  return Array.from({ length: frames }, () => Array.from({ length: levels }, () => Math.floor(rand() * 1024)));
}

function toCodes(frames: number[][]): Codes {
  return { frames: frames.length, levels: frames[0].length, data: Uint16Array.from(frames.flat()) };
}

describe('Vocos config (config.yaml)', () => {
  it('reads the published layout and maps levels to bandwidth ids as the reference does', () => {
    const c = parseVocosConfig(configYaml({ input_channels: 128, dim: 384, intermediate_dim: 1152, num_layers: 8, adanorm_num_embeddings: 4, n_fft: 1280, hop_length: 320 }));
    expect(c).toEqual(VOCOS_ENCODEC_24KHZ_CONFIG);
    expect([1.5, 3, 6, 12].map(vocosLevelsForBandwidth)).toEqual([2, 4, 8, 16]);
    expect(vocosTableLevels(c)).toBe(16);
    expect([2, 4, 8, 16].map((l) => bandwidthIdForLevels(c, l))).toEqual([0, 1, 2, 3]);
    expect([1, 3, 5].map((l) => bandwidthIdForLevels(c, l))).toEqual([0, 1, 2]);
    expect(() => bandwidthIdForLevels(c, 17)).toThrow(/at most 16/);
    expect(vocosContextFrames(c)).toBe(31);
  });

  it('refuses other feature extractors and heads, all in one error', () => {
    const text = configYaml(TINY_VOCOS).replace('vocos.feature_extractors.EncodecFeatures', 'vocos.feature_extractors.MelSpectrogramFeatures').replace('padding: same', 'padding: center');
    expect(() => parseVocosConfig(text)).toThrow(/MelSpectrogramFeatures[\s\S]*padding "center"/);
  });

  it('the graph reads exactly the published tensor names and shapes at full size', () => {
    const fromRef = refVocosShapes({ input_channels: 128, dim: 384, intermediate_dim: 1152, num_layers: 8, adanorm_num_embeddings: 4, n_fft: 1280, hop_length: 320 }, 16);
    fromRef.delete('head.istft.window'); // read apart from the graph's parameters
    const expected = new Map(vocosExpectedTensors(VOCOS_ENCODEC_24KHZ_CONFIG).map((e) => [e.name, e.shape]));
    expect(new Map([...expected].sort())).toEqual(new Map([...fromRef].sort()));
    expect(expected.get('feature_extractor.codebook_weights')).toEqual([16384, 128]);
    expect(expected.get('head.out.weight')).toEqual([1282, 384]);
  });
});

describe('Vocos graph against a plain-JS Vocos, stage by stage', () => {
  let dir: string;
  let weights: RefWeights;
  let model: VocosModel;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vocos-test-'));
    // A window that is not Hann, so the test sees that the checkpoint's window is the one used.
    const window = Float32Array.from(hannWindow(TINY_VOCOS.n_fft), (v, i) => v * (1 + 0.2 * Math.sin(i)));
    weights = randomVocosWeights(TINY_VOCOS, 21, window);
    await writeVocosFolder(join(dir, 'vocos'), TINY_VOCOS, weights);
    model = await VocosModel.fromFolder(join(dir, 'vocos'), { intraOpThreads: 1 });
  });
  afterAll(async () => {
    model.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('features, embed, AdaLayerNorm, ConvNeXt blocks, final norm, spectrum and iSTFT output match', () => {
    const taps = SyncSession.create(emitOnnx(buildVocosGraph({ params: model.params, config: model.config, window: model.window, taps: true })).model, { intraOpThreads: 1 });
    for (const [frames, levels, id] of [
      [1, 2, 0],
      [5, 8, 2],
      [12, 16, 3],
      [9, 3, 1],
    ]) {
      const codes = randomCodes(frames, levels, frames * 7 + levels);
      const out = taps.run({ codes: { dtype: 'int64', shape: [frames, levels], data: BigInt64Array.from(codes.flat(), BigInt) }, bandwidth_id: { dtype: 'int64', shape: [1], data: BigInt64Array.of(BigInt(id)) } });
      const ref = refVocos(codes, id, weights, TINY_VOCOS);
      const at = `T=${frames} L=${levels} id=${id}`;
      expect(relativeError(out['tap.features'], ref.features), `${at} features`).toBeLessThan(1e-5);
      expect(relativeError(out['tap.backbone.embed'], ref.embed), `${at} embed`).toBeLessThan(1e-5);
      expect(relativeError(out['tap.backbone.norm'], ref.norm), `${at} norm`).toBeLessThan(1e-4);
      ref.convnext.forEach((r, i) => expect(relativeError(out[`tap.backbone.convnext.${i}`], r), `${at} convnext.${i}`).toBeLessThan(1e-4));
      expect(relativeError(out['tap.backbone'], ref.backbone), `${at} final_layer_norm`).toBeLessThan(1e-4);
      expect(relativeError(out['tap.head.real'], ref.real), `${at} real`).toBeLessThan(1e-4);
      expect(relativeError(out['tap.head.imag'], ref.imag), `${at} imag`).toBeLessThan(1e-4);
      expect(relativeError(out.pcm, [ref.pcm]), `${at} pcm`).toBeLessThan(1e-4);
    }
    taps.dispose();
  });

  it('clips the magnitude at 1e2 as Vocos does', async () => {
    // Log-magnitude biases of 6 make exp(·) ≈ 400 before the clip.
    const loud = new Map(weights);
    const bias = Float32Array.from(weights.get('head.out.bias')!.data);
    for (let k = 0; k <= TINY_VOCOS.n_fft / 2; k++) bias[k] = 6;
    loud.set('head.out.bias', { shape: [TINY_VOCOS.n_fft + 2], data: bias });
    await writeVocosFolder(join(dir, 'loud'), TINY_VOCOS, loud);
    const loudModel = await VocosModel.fromFolder(join(dir, 'loud'), { intraOpThreads: 1 });
    const s = SyncSession.create(emitOnnx(buildVocosGraph({ params: loudModel.params, config: loudModel.config, window: loudModel.window, taps: true })).model, { intraOpThreads: 1 });
    const codes = randomCodes(4, 8, 8);
    const out = s.run({ codes: { dtype: 'int64', shape: [4, 8], data: BigInt64Array.from(codes.flat(), BigInt) }, bandwidth_id: { dtype: 'int64', shape: [1], data: BigInt64Array.of(2n) } });
    const ref = refVocos(codes, 2, loud, TINY_VOCOS);
    const real = out['tap.head.real'].data as Float32Array;
    const imag = out['tap.head.imag'].data as Float32Array;
    const magnitudes = real.map((r, i) => Math.hypot(r, imag[i]));
    expect(Math.max(...magnitudes)).toBeCloseTo(100, 3);
    expect(relativeError(out['tap.head.real'], ref.real)).toBeLessThan(1e-4);
    expect(relativeError(out.pcm, [ref.pcm])).toBeLessThan(1e-4);
    s.dispose();
    loudModel.dispose();
  });

  it('decode conditions on the bandwidth that carries the level count (8 levels → id 2)', async () => {
    const codec = new VocosCodec(model, 12);
    const codes = randomCodes(6, 8, 3);
    const pcm = (await codec.decode(toCodes(codes))).channels[0];
    expect(pcm.length).toBe(6 * 16);
    expect(relativeError({ shape: [1, 1, pcm.length], data: pcm }, [refVocos(codes, 2, weights, TINY_VOCOS).pcm])).toBeLessThan(1e-4);
    // The conditioning matters: the id-1 reference is measurably different.
    expect(relativeError({ shape: [1, 1, pcm.length], data: pcm }, [refVocos(codes, 1, weights, TINY_VOCOS).pcm])).toBeGreaterThan(1e-2);
    const at6 = codec.withBandwidth(6);
    expect(at6.levels).toBe(8);
    await expect(at6.decode(toCodes(randomCodes(2, 9, 1)))).rejects.toThrow(/decodes 1 to 8/);
    await expect(codec.decode(toCodes([[1024, 1]]))).rejects.toThrow(/code 1024/);
  });

  it('streaming decode in uneven chunks equals the one-shot decode', () => {
    const codec = new VocosCodec(model, 6);
    const frames = 40;
    const all = toCodes(randomCodes(frames, 8, 99));
    const oneShot = codec.decodeSamples(all);
    for (const sizes of [
      [1, 2, 3, 1, 10, 4, 19],
      [20, 20],
      [40],
      [0, 13, 0, 27],
    ]) {
      const dec = codec.createDecoder();
      const parts: Float32Array[] = [];
      let at = 0;
      for (const n of sizes) {
        parts.push(dec.push({ frames: n, levels: 8, data: all.data.slice(at * 8, (at + n) * 8) }).channels[0]);
        at += n;
      }
      parts.push(dec.flush().channels[0]);
      const joined = Float32Array.from(parts.flatMap((p) => Array.from(p)));
      expect(joined.length).toBe(oneShot.length);
      let m = 0;
      let d = 0;
      oneShot.forEach((v, i) => {
        m = Math.max(m, Math.abs(v));
        d = Math.max(d, Math.abs(v - joined[i]));
      });
      expect(d / m, `chunks ${sizes.join(',')}`).toBeLessThan(1e-5);
    }
    // Samples come out once `context` frames follow them (tiny model: 3·3 + 4 = 13).
    const dec = codec.createDecoder();
    expect(dec.push({ frames: 13, levels: 8, data: all.data.slice(0, 13 * 8) }).channels[0].length).toBe(0);
    expect(dec.push({ frames: 2, levels: 8, data: all.data.slice(13 * 8, 15 * 8) }).channels[0].length).toBe(2 * 16);
    expect(() => dec.push({ frames: 1, levels: 4, data: new Uint16Array(4) })).toThrow(/stream has 8 level/);
  });

  it('names every missing and mismatched tensor in one error; ignores a wrapped EnCodec', async () => {
    await writeVocosFolder(join(dir, 'broken'), TINY_VOCOS, weights, {
      omit: ['backbone.convnext.1.gamma', 'head.out.bias'],
      reshape: { 'feature_extractor.codebook_weights': [8 * 1024, 8], 'backbone.norm.scale.weight': [3, 16] },
    });
    const error = await loadVocosWeights(join(dir, 'broken')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StudioError);
    const message = (error as StudioError).message;
    for (const part of ['backbone.convnext.1.gamma', 'head.out.bias', 'feature_extractor.codebook_weights: [8192, 8]', 'backbone.norm.scale.weight: [3, 16]']) {
      expect(message).toContain(part);
    }
    await writeVocosFolder(join(dir, 'with-encodec'), TINY_VOCOS, weights, { extra: { 'feature_extractor.encodec.encoder.model.0.conv.conv.weight_g': [32, 1, 1] } });
    expect((await loadVocosWeights(join(dir, 'with-encodec'))).unused).toEqual([]);
    const missing = await loadVocosWeights(join(dir, 'none')).catch((e: unknown) => e);
    expect((missing as StudioError).code).toBe('not_found');
    expect((missing as StudioError).message).toMatch(/config\.yaml and pytorch_model\.bin/);
  });

  it('the loaded window is the checkpoint\'s, and every graph weight comes from the checkpoint', () => {
    expect(Array.from(model.window!)).toEqual(Array.from(weights.get('head.istft.window')!.data));
    expect(model.params).toBeInstanceOf(StrictParams);
  });

  describe('encode through EnCodec', () => {
    // An EnCodec with Vocos' tiny hop (16): ratios [4, 2, 2], 1500 frames/s → 15 kbps per level.
    const encodecConfig: TinyEncodecConfig = { ...TINY_ENCODEC, upsampling_ratios: [4, 2, 2], target_bandwidths: [120] };

    it('delegates to the EnCodec encoder and says so when there is none', async () => {
      const w = randomEncodecWeights(encodecConfig, 4);
      await writeEncodecFolder(join(dir, 'encodec'), encodecConfig, w);
      const encodec = new EncodecCodec(await EncodecModel.fromFolder(join(dir, 'encodec'), { intraOpThreads: 1 }), 120);
      const codec = new VocosCodec(model, 6, async () => encodec);
      const samples = Float32Array.from({ length: 200 }, (_, i) => 0.4 * Math.sin(i * 0.3));
      const codes = await codec.encode({ sampleRate: 24000, channels: [samples] });
      expect([codes.frames, codes.levels]).toEqual([Math.ceil(200 / 16), 8]);
      const refLatent = runLayers([Float64Array.from(samples)], w, refEncoderModules(encodecConfig), encodecConfig).pop()!;
      expect(Array.from(codes.data)).toEqual(rvqEncode(refLatent, w, 8).flat());
      // Reference decode path of the EnCodec decoder still works on these codes (sanity of shapes).
      expect(runLayers(rvqDecode(rvqEncode(refLatent, w, 8), w, 8), w, refDecoderModules(encodecConfig), encodecConfig).pop()![0].length).toBe(codes.frames * 16);
      encodec.model.dispose();
      await expect(new VocosCodec(model).encode({ sampleRate: 24000, channels: [samples] })).rejects.toThrow(/Vocos has no encoder[\s\S]*EnCodec/);
    });
  });
});
