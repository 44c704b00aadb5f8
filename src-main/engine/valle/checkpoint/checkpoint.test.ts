/**
 * Checkpoints written by the test with exactly Appendix B's names and shapes (tiny size), as the reference's
 * .sft (config in the metadata) and .pth (export dict, bare state dict), load with no missing or unexpected
 * tensors; corrupt variants are refused naming every bad tensor; export → load round trips.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StudioError } from '../../../../src-shared/api/errors.js';
import type { HostTensor } from '../../nn/io/host-tensor.js';
import { f32ArrayToF16 } from '../../nn/io/half.js';
import { readSafetensors, writeSafetensors } from '../../nn/io/safetensors.js';
import { encodeTorchCheckpoint } from '../../nn/io/torch-zip.js';
import { writeFile, readFile } from 'node:fs/promises';
import { loadExampleConfig, type ModelConfig } from '../config/index.js';
import { mulberry32 } from '../../nn/random.js';
import { tinyConfig, tinyModel } from '../model/testing/tiny-model.js';
import { exportCheckpoint } from './export-checkpoint.js';
import { loadCheckpoint } from './load-checkpoint.js';
import { pyJsonDumps } from './py-json.js';

const D = 32, F = 128, LAYERS = 2, LANGS = 2, TASKS = 8, TONES = 1;

/** Appendix B, written out from its table (not from the parameter table under test). */
function appendixB(): [string, number[]][] {
  const t: [string, number[]][] = [['text_emb.weight', [256, D]], ['sep', [D]], ['dropout_token', [D]]];
  for (let k = 0; k < 8; k++) t.push([`proms_emb.embeddings.${k}.weight`, [1024, D]]);
  t.push(['resps_emb.embeddings.0.weight', [1025, D]]);
  for (let k = 1; k < 8; k++) t.push([`resps_emb.embeddings.${k}.weight`, [1024, D]]);
  t.push(['langs_emb.weight', [LANGS, D]], ['tasks_emb.weight', [TASKS, D]], ['tones_emb.weight', [TONES, D]], ['rvq_l_emb.weight', [8, D]]);
  t.push(['model.embed_tokens.weight', [1025, D]]);
  for (let i = 0; i < LAYERS; i++) {
    for (const p of ['q', 'k', 'v', 'o']) t.push([`model.layers.${i}.self_attn.${p}_proj.weight`, [D, D]]);
    t.push([`model.layers.${i}.mlp.gate_proj.weight`, [F, D]], [`model.layers.${i}.mlp.up_proj.weight`, [F, D]], [`model.layers.${i}.mlp.down_proj.weight`, [D, F]]);
    t.push([`model.layers.${i}.input_layernorm.weight`, [D]], [`model.layers.${i}.post_attention_layernorm.weight`, [D]]);
  }
  t.push(['model.norm.weight', [D]], ['classifier.weight', [1025, D]], ['classifier.bias', [1025]]);
  return t;
}

function randomTensors(seed = 1): Map<string, HostTensor> {
  const r = mulberry32(seed);
  return new Map(
    appendixB().map(([name, shape]) => {
      const n = shape.reduce((a, b) => a * b, 1);
      return [name, { dtype: 'float32', shape, data: Float32Array.from({ length: n }, () => r() * 2 - 1) } as HostTensor];
    }),
  );
}

/** A plain object as a Python dict (Map), recursively, for pickling. */
function toPyDict(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(toPyDict);
  if (v && typeof v === 'object') return new Map(Object.entries(v).map(([k, x]) => [k, toPyDict(x)]));
  return v;
}

const STATS = { global_step: 1000, micro_step: 4000, global_samples: 16000, tokens_processed: 123 };
let dir: string;
const model: ModelConfig = tinyModel({ model: { langs: LANGS } });
const metadata = () => ({ stats: pyJsonDumps(STATS), userdata: pyJsonDumps({ symmap: { a: 16 } }), config: pyJsonDumps(model) });

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'valle-ckpt-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function expectSameWeights(weights: Map<string, Float32Array>, tensors: Map<string, HostTensor>) {
  expect([...weights.keys()].sort()).toEqual([...tensors.keys()].sort());
  const bytes = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  // Byte comparison: deep equality over half a million floats is needlessly slow.
  for (const [name, t] of tensors) expect(bytes(weights.get(name)!).equals(bytes(t.data)), name).toBe(true);
}

async function refusal(p: Promise<unknown>): Promise<StudioError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(StudioError);
  return e as StudioError;
}

describe('loadCheckpoint', () => {
  it('.sft with the reference metadata: config from the file over the base YAML, every tensor matched', async () => {
    const tensors = randomTensors();
    const file = path.join(dir, 'fp32.sft');
    await writeSafetensors(file, tensors, metadata());
    const base = await loadExampleConfig(); // full size: the file's config must win
    const c = await loadCheckpoint(file, { baseConfig: base });
    expect(c.format).toBe('sft');
    expect(c.configFromFile).toBe(true);
    expect(c.spec.dModel).toBe(D);
    expect(c.spec.layers).toBe(LAYERS);
    expect(c.config.hyperparameters).toEqual(base.hyperparameters);
    expect(c.warnings).toEqual([]);
    expect(c.stats).toEqual(STATS);
    expect(c.userdata).toEqual({ symmap: { a: 16 } });
    expectSameWeights(c.weights, tensors);
  });

  it('.pth holding the export dict {module, config, stats, userdata, lora}, and a bare state dict', async () => {
    const tensors = randomTensors(2);
    const exportDict = path.join(dir, 'fp32.pth');
    await writeFile(
      exportDict,
      encodeTorchCheckpoint(tensors, { wrap: (sd) => new Map<unknown, unknown>([['module', sd], ['lora', null], ['stats', toPyDict(STATS)], ['userdata', toPyDict({ symmap: { a: 1 } })], ['config', toPyDict(model)]]) }),
    );
    const a = await loadCheckpoint(exportDict);
    expect(a.configFromFile).toBe(true);
    expect(a.spec.dModel).toBe(D);
    expect(a.stats).toEqual(STATS);
    expect(a.warnings).toEqual(['ignored checkpoint entries: lora']);
    expectSameWeights(a.weights, tensors);

    const bare = path.join(dir, 'bare.pth');
    await writeFile(bare, encodeTorchCheckpoint(tensors));
    const b = await loadCheckpoint(bare, { baseConfig: tinyConfig({ model: { langs: LANGS } }) });
    expect(b.configFromFile).toBe(false);
    expect(b.warnings.join()).toMatch(/no model config/);
    expectSameWeights(b.weights, tensors);
    // Without a matching base config the bare file is checked against the example (full size) and refused.
    const e = await refusal(loadCheckpoint(bare));
    expect(e.message).toMatch(/wrong shape .*text_emb\.weight is \[256, 32\], expected \[256, 1024\]/);
  });

  it('names every missing, unexpected and wrong-shaped tensor in one error', async () => {
    const tensors = randomTensors(3);
    tensors.delete('model.layers.1.mlp.up_proj.weight');
    tensors.set('rvq_l_emb.weight', { dtype: 'float32', shape: [9, D], data: new Float32Array(9 * D) });
    tensors.set('classifiers.proj.0.weight', { dtype: 'float32', shape: [2], data: new Float32Array(2) });
    const file = path.join(dir, 'corrupt.sft');
    await writeSafetensors(file, tensors, metadata());
    const e = await refusal(loadCheckpoint(file));
    expect(e.code).toBe('invalid_input');
    expect(e.message).toMatch(/missing 1 tensor\(s\): model\.layers\.1\.mlp\.up_proj\.weight/);
    expect(e.message).toMatch(/unexpected 1 tensor\(s\): classifiers\.proj\.0\.weight/);
    expect(e.message).toMatch(/rvq_l_emb\.weight is \[9, 32\], expected \[8, 32\]/);
    expect(e.details).toMatchObject({ missing: ['model.layers.1.mlp.up_proj.weight'], unexpected: ['classifiers.proj.0.weight'] });
  });

  it('fills a missing dropout_token (older checkpoints) with a warning; strict refuses it', async () => {
    const tensors = randomTensors(4);
    tensors.delete('dropout_token');
    const file = path.join(dir, 'old.sft');
    await writeSafetensors(file, tensors, metadata());
    const c = await loadCheckpoint(file);
    expect(c.weights.get('dropout_token')!.every((v) => v === 0)).toBe(true);
    expect(c.warnings.join()).toMatch(/dropout_token is missing/);
    const e = await refusal(loadCheckpoint(file, { strict: true }));
    expect(e.message).toMatch(/missing 1 tensor\(s\): dropout_token/);
  });

  it('renames the old retnet. prefix and converts float16 data', async () => {
    const tensors = randomTensors(5);
    const renamed = new Map<string, HostTensor>();
    for (const [k, t] of tensors) {
      const half: HostTensor = { dtype: 'float16', shape: t.shape, data: f32ArrayToF16(t.data as Float32Array) };
      renamed.set(k.startsWith('model.') ? `retnet.${k.slice(6)}` : k, half);
    }
    const file = path.join(dir, 'retnet.sft');
    await writeSafetensors(file, renamed, metadata());
    const c = await loadCheckpoint(file);
    expect(c.storedDtypes).toEqual(['float16']);
    const w = c.weights.get('model.layers.0.self_attn.q_proj.weight')!;
    const ref = tensors.get('model.layers.0.self_attn.q_proj.weight')!.data as Float32Array;
    for (let i = 0; i < w.length; i++) expect(Math.abs(w[i] - ref[i])).toBeLessThanOrEqual(Math.abs(ref[i]) * 2 ** -11 + 1e-7);
  });

  it('refuses a missing file, a non-checkpoint and config keys it does not know', async () => {
    expect((await refusal(loadCheckpoint(path.join(dir, 'nope.sft')))).code).toBe('not_found');
    const junk = path.join(dir, 'junk.pth');
    await writeFile(junk, 'not a zip');
    expect((await refusal(loadCheckpoint(junk))).message).toMatch(/junk\.pth: cannot read PyTorch checkpoint/);
    const file = path.join(dir, 'future.sft');
    await writeSafetensors(file, randomTensors(6), { config: JSON.stringify({ ...model, future_switch: true }) });
    expect((await refusal(loadCheckpoint(file))).message).toMatch(/future_switch/);
  });
});

describe('exportCheckpoint', () => {
  const weightsOf = (tensors: Map<string, HostTensor>) => new Map([...tensors].map(([k, t]) => [k, t.data as Float32Array]));

  it('float32 round trip is exact, with the reference metadata layout', async () => {
    const tensors = randomTensors(7);
    const file = path.join(dir, 'export32.sft');
    const r = await exportCheckpoint({ path: file, model, weights: weightsOf(tensors), stats: STATS, userdata: { symmap: { b: 2 } } });
    expect(r.tensors).toBe(appendixB().length);
    const raw = readSafetensors(await readFile(file));
    expect(Object.keys(raw.metadata).sort()).toEqual(['config', 'stats', 'userdata']);
    expect(JSON.parse(raw.metadata.config)).toEqual(JSON.parse(JSON.stringify(model)));
    expect(raw.metadata.stats).toBe('{"global_step": 1000, "micro_step": 4000, "global_samples": 16000, "tokens_processed": 123}');
    const back = await loadCheckpoint(file, { baseConfig: await loadExampleConfig() });
    expect(back.model).toEqual(model);
    expectSameWeights(back.weights, tensors);
    expect((await readdir(dir)).filter((n) => n.includes('.tmp'))).toEqual([]);
  });

  for (const [dtype, eps] of [['float16', 2 ** -11], ['bfloat16', 2 ** -8]] as const) {
    it(`${dtype} round trip is within half-precision rounding`, async () => {
      const tensors = randomTensors(8);
      const file = path.join(dir, `export-${dtype}.sft`);
      await exportCheckpoint({ path: file, model, weights: weightsOf(tensors), dtype });
      const back = await loadCheckpoint(file);
      expect(back.storedDtypes).toEqual([dtype]);
      let worst = 0;
      for (const [name, t] of tensors) {
        const a = t.data as Float32Array;
        const b = back.weights.get(name)!;
        for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(Math.abs(a[i]), 2 ** -14));
      }
      expect(worst).toBeLessThanOrEqual(eps);
      expect(worst).toBeGreaterThan(0);
    });
  }

  it('refuses weights that do not fit the model, a bad dtype and a non-.sft path, writing nothing', async () => {
    const w = weightsOf(randomTensors(9));
    w.delete('classifier.bias');
    w.set('sep', new Float32Array(3));
    const file = path.join(dir, 'bad.sft');
    const e = await refusal(exportCheckpoint({ path: file, model, weights: w }));
    expect(e.message).toMatch(/missing 1 tensor\(s\): classifier\.bias/);
    expect(e.message).toMatch(/sep is \[3\], expected \[32\]/);
    await refusal(exportCheckpoint({ path: file, model, weights: weightsOf(randomTensors(9)), dtype: 'int8' as never }));
    await refusal(exportCheckpoint({ path: path.join(dir, 'x.pth'), model, weights: weightsOf(randomTensors(9)) }));
    expect((await readdir(dir)).includes('bad.sft')).toBe(false);
  });
});
