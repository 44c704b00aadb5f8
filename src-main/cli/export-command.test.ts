/**
 * `valle export` in-process: .sft → .sft in f32/f16/bf16 (values and metadata read back with the checkpoint
 * loader), a bare .pth state dict with --yaml for its model, and the refusals — bad options, an existing
 * output, a checkpoint that does not fit its model — which leave no file behind.
 */
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { bf16ArrayToF32, f16ArrayToF32, f32ArrayToBf16, f32ArrayToF16 } from '../engine/nn/io/half.js';
import type { HostTensor } from '../engine/nn/io/host-tensor.js';
import { SafetensorsFile } from '../engine/nn/io/safetensors.js';
import { encodeTorchCheckpoint } from '../engine/nn/io/torch-zip.js';
import { exportCheckpoint } from '../engine/valle/checkpoint/export-checkpoint.js';
import { loadCheckpoint } from '../engine/valle/checkpoint/load-checkpoint.js';
import { parameterTable } from '../engine/valle/model/parameters.js';
import { testWeights, tinyModel, tinySpec } from '../engine/valle/model/testing/tiny-model.js';
import { runCli } from './main.js';
import { captureIo } from './testing/fake-io.js';

const cleanup: string[] = [];
afterEach(async () => {
  for (const dir of cleanup.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'valle-export-'));
  cleanup.push(dir);
  return dir;
}

const STATS = { global_step: 12, micro_step: 48, global_samples: 96, tokens_processed: 1000 };

async function sourceCheckpoint(dir: string): Promise<{ file: string; weights: Map<string, Float32Array> }> {
  const weights = testWeights(tinySpec(), 3);
  const file = path.join(dir, 'fp32.sft');
  await exportCheckpoint({ path: file, model: tinyModel(), weights, stats: STATS, userdata: { symmap: { a: 16 } } });
  return { file, weights };
}

describe('valle export', () => {
  it('prints its help', async () => {
    const c = captureIo(process.cwd());
    expect(await runCli(['export', '--help'], c.io)).toBe(0);
    expect(c.out()).toMatch(/^Usage: valle export <checkpoint\.sft\|\.pth> <out\.sft>/);
  });

  it('.sft → .sft as f32 (bit for bit), f16 and bf16 (rounded as the half conversions do), metadata carried over', async () => {
    const dir = await tempDir();
    const { weights } = await sourceCheckpoint(dir);
    const rounding: Record<string, (x: Float32Array) => Float32Array> = {
      f32: (x) => x,
      f16: (x) => f16ArrayToF32(f32ArrayToF16(x)),
      bf16: (x) => bf16ArrayToF32(f32ArrayToBf16(x)),
    };
    const stored: Record<string, string> = { f32: 'float32', f16: 'float16', bf16: 'bfloat16' };
    for (const dtype of ['f32', 'f16', 'bf16']) {
      const c = captureIo(dir);
      expect(await runCli(['export', 'fp32.sft', `out-${dtype}.sft`, '--dtype', dtype], c.io), c.err()).toBe(0);
      expect(c.out()).toMatch(new RegExp(`^Wrote ${parameterTable(tinySpec()).length} tensors \\(.* parameters\\) as ${stored[dtype]} to .*out-${dtype}\\.sft\\.\\n$`));
      const back = await loadCheckpoint(path.join(dir, `out-${dtype}.sft`));
      expect(back.storedDtypes).toEqual([stored[dtype]]);
      expect(back.configFromFile).toBe(true);
      expect(back.model).toEqual(tinyModel());
      expect(back.stats).toEqual(STATS);
      expect(back.userdata).toEqual({ symmap: { a: 16 } });
      for (const [name, w] of weights) expect(Buffer.from(back.weights.get(name)!.buffer).equals(Buffer.from(rounding[dtype](w).buffer)), `${dtype} ${name}`).toBe(true);
    }
    // f16 values really are halves on disk
    const f = await SafetensorsFile.open(path.join(dir, 'out-f16.sft'));
    expect(f.header.entries.find((e) => e.name === 'sep')).toMatchObject({ dtype: 'float16', shape: [32] });
    await f.close();
  });

  it('a bare .pth state dict needs --yaml for its model; with it, the output carries that model config', async () => {
    const dir = await tempDir();
    const weights = testWeights(tinySpec(), 5);
    const tensors = new Map<string, HostTensor>(parameterTable(tinySpec()).map((e) => [e.name, { dtype: 'float32', shape: e.shape, data: weights.get(e.name)! }]));
    await writeFile(path.join(dir, 'bare.pth'), encodeTorchCheckpoint(tensors));
    const withoutYaml = captureIo(dir);
    expect(await runCli(['export', 'bare.pth', 'out.sft'], withoutYaml.io)).toBe(1);
    expect(withoutYaml.err()).toMatch(/bare\.pth: tensors do not match the model .*wrong shape/);
    expect(await readdir(dir)).toEqual(['bare.pth']);

    await writeFile(
      path.join(dir, 'tiny.yaml'),
      'models:\n  - name: "ar+nar"\n    size: { dim: 32, heads: 4, layers: 2 }\n    resp_levels: 8\n    tasks: 8\n    langs: 2\n    tones: 1\n    arch_type: llama\n    version: 5\n    capabilities: ["ar", "nar"]\n    experimental: { unified_position_ids: false }\n',
    );
    const c = captureIo(dir);
    expect(await runCli(['export', 'bare.pth', 'out.sft', '--yaml', 'tiny.yaml'], c.io), c.err()).toBe(0);
    expect(c.err()).toContain('warning: bare.pth carries no model config');
    const back = await loadCheckpoint(path.join(dir, 'out.sft'));
    expect(back.configFromFile).toBe(true);
    expect(back.spec.dModel).toBe(32);
    for (const [name, w] of weights) expect(Buffer.from(back.weights.get(name)!.buffer).equals(Buffer.from(w.buffer)), name).toBe(true);
  });

  it('refuses bad options (2) and an existing output without --force (1), writing nothing', async () => {
    const dir = await tempDir();
    await sourceCheckpoint(dir);
    for (const argv of [['fp32.sft'], ['fp32.sft', 'out.sft', '--dtype', 'f8'], ['fp32.sft', 'out.pth'], ['fp32.sft', 'fp32.sft']]) {
      const c = captureIo(dir);
      expect(await runCli(['export', ...argv], c.io), argv.join(' ')).toBe(2);
      expect(c.err()).toContain('Run "valle export --help" for usage.');
    }
    const missing = captureIo(dir);
    expect(await runCli(['export', 'nope.sft', 'out.sft'], missing.io)).toBe(1);
    expect(missing.err()).toContain('Cannot read checkpoint');
    expect((await readdir(dir)).sort()).toEqual(['fp32.sft']);

    const first = captureIo(dir);
    expect(await runCli(['export', 'fp32.sft', 'out.sft', '--dtype', 'bf16'], first.io)).toBe(0);
    const again = captureIo(dir);
    expect(await runCli(['export', 'fp32.sft', 'out.sft'], again.io)).toBe(1);
    expect(again.err()).toMatch(/out\.sft already exists; use --force to replace it\./);
    expect((await loadCheckpoint(path.join(dir, 'out.sft'))).storedDtypes).toEqual(['bfloat16']);
    const forced = captureIo(dir);
    expect(await runCli(['export', 'fp32.sft', 'out.sft', '--force'], forced.io)).toBe(0);
    expect((await loadCheckpoint(path.join(dir, 'out.sft'))).storedDtypes).toEqual(['float32']);
    expect((await readdir(dir)).sort()).toEqual(['fp32.sft', 'out.sft']);
  });
});
