/** Finding the weights from --model / --yaml / $VALLE_YAML, the reference's layouts (§6.1). */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportCheckpoint } from '../checkpoint/export-checkpoint.js';
import { testWeights, tinyModel, tinySpec } from '../model/testing/tiny-model.js';
import { loadVoiceModel } from './model-files.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'valle-model-files-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

// A reference-style YAML: one model named ar+nar, size given by hand (as tinyModel), llama, 8 levels.
const YAML = `models:
  - name: ar+nar
    size: { dim: 32, heads: 4, layers: 2 }
    resp_levels: 8
    tasks: 8
    langs: 2
    tones: 1
    arch_type: llama
    version: 5
    capabilities: [ar, nar]
    experimental: { unified_position_ids: false }
`;

async function exportTo(file: string, weights: Map<string, Float32Array>): Promise<void> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  await exportCheckpoint({ path: file, model: tinyModel(), weights });
}

beforeAll(async () => {
  const weights = testWeights(tinySpec(), 2);
  await exportTo(path.join(dir, 'flat', 'fp32.safetensors'), weights);
  await exportTo(path.join(dir, 'ref', 'ckpt', 'ar+nar-llama-8', 'fp32.sft'), weights);
  fs.writeFileSync(path.join(dir, 'ref', 'config.yaml'), YAML);
  await exportTo(path.join(dir, 'two', 'ckpt', 'a', 'fp32.sft'), weights);
  await exportTo(path.join(dir, 'two', 'ckpt', 'b', 'fp32.sft'), weights);
  fs.mkdirSync(path.join(dir, 'empty'));
});

describe('loadVoiceModel', () => {
  it('finds a file, fp32.* in a folder, the one ckpt/<name>/fp32.*, and the weights next to a YAML', async () => {
    const at = async (request: Parameters<typeof loadVoiceModel>[0]) => path.relative(dir, (await loadVoiceModel(request)).location.file);
    expect(await at({ model: 'flat/fp32.safetensors', cwd: dir })).toBe(path.join('flat', 'fp32.safetensors'));
    expect(await at({ model: 'flat', cwd: dir })).toBe(path.join('flat', 'fp32.safetensors'));
    expect(await at({ model: 'ref', cwd: dir })).toBe(path.join('ref', 'ckpt', 'ar+nar-llama-8', 'fp32.sft'));
    expect(await at({ yaml: 'ref/config.yaml', cwd: dir })).toBe(path.join('ref', 'ckpt', 'ar+nar-llama-8', 'fp32.sft'));
    expect(await at({ cwd: dir, env: { VALLE_YAML: path.join(dir, 'ref', 'config.yaml') } })).toBe(path.join('ref', 'ckpt', 'ar+nar-llama-8', 'fp32.sft'));
    const loaded = await loadVoiceModel({ model: 'flat', cwd: dir });
    expect(loaded.model.spec.dModel).toBe(32);
    expect(loaded.location.yaml).toBeNull();
  });

  it('says what is missing or ambiguous', async () => {
    await expect(loadVoiceModel({ cwd: dir })).rejects.toMatchObject({ code: 'not_found', message: /No VALL-E model given/ });
    await expect(loadVoiceModel({ model: 'nothing-here', cwd: dir })).rejects.toMatchObject({ code: 'not_found', message: /nothing-here does not exist/ });
    await expect(loadVoiceModel({ model: 'empty', cwd: dir })).rejects.toMatchObject({ code: 'not_found', message: /empty holds no model weights/ });
    await expect(loadVoiceModel({ model: 'two', cwd: dir })).rejects.toMatchObject({ code: 'invalid_input', message: /several models \(ckpt\/a\/fp32\.sft, ckpt\/b\/fp32\.sft\)/ });
    fs.writeFileSync(path.join(dir, 'empty', 'config.yaml'), YAML);
    await expect(loadVoiceModel({ yaml: 'empty/config.yaml', cwd: dir })).rejects.toMatchObject({ code: 'not_found', message: /No weights for model ar\+nar-llama-8/ });
  });
});
