import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeSafetensors } from '../../nn/io/safetensors.js';
import { DEFAULT_LITE_LAYOUT, featureIndex, LITE_FORMAT } from './layout.js';
import { bundledLiteTablesPath, defaultFeatureWeights, loadLiteTables, saveLiteTables, type LiteTables } from './tables.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lite-tables-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function smallTables(): LiteTables {
  const dims = featureIndex(DEFAULT_LITE_LAYOUT).dims;
  const levels = 2;
  const size = 4;
  return {
    layout: DEFAULT_LITE_LAYOUT,
    levels,
    codebookSize: size,
    dims,
    mean: Float64Array.from({ length: dims }, (_, i) => i / 8),
    weight: defaultFeatureWeights(DEFAULT_LITE_LAYOUT),
    codebooks: Float32Array.from({ length: levels * size * dims }, (_, i) => Math.sin(i)),
    build: { seed: '7', corpus: '{"frames":1}' },
  };
}

describe('lite tables file', () => {
  it('saves and loads back the same tables, layout and build notes', async () => {
    const path = join(dir, 'ok.safetensors');
    const t = smallTables();
    await saveLiteTables(path, t);
    const back = await loadLiteTables(path);
    expect(back.layout).toEqual(t.layout);
    expect(back.levels).toBe(2);
    expect(back.codebookSize).toBe(4);
    expect(Array.from(back.codebooks)).toEqual(Array.from(t.codebooks));
    for (let i = 0; i < t.dims; i++) expect(back.mean[i]).toBeCloseTo(t.mean[i], 6);
    expect(back.build).toEqual(t.build);
  });

  it('explains a missing file, a foreign file and a newer version, with the rebuild command', async () => {
    await expect(loadLiteTables(join(dir, 'nope.safetensors'))).rejects.toMatchObject({ code: 'not_found', message: expect.stringContaining('build-lite-codec.ts') });
    const foreign = join(dir, 'foreign.safetensors');
    await writeSafetensors(foreign, { x: { dtype: 'float32', shape: [1], data: new Float32Array(1) } }, { format: 'something-else' });
    await expect(loadLiteTables(foreign)).rejects.toThrow(/are not lite codec tables/);
    const newer = join(dir, 'newer.safetensors');
    await writeSafetensors(newer, { x: { dtype: 'float32', shape: [1], data: new Float32Array(1) } }, { format: LITE_FORMAT, version: '99' });
    await expect(loadLiteTables(newer)).rejects.toThrow(/format version 99/);
    const garbage = join(dir, 'garbage.safetensors');
    await writeFile(garbage, 'not a safetensors file at all');
    await expect(loadLiteTables(garbage)).rejects.toThrow(/cannot be read/);
  });

  it('ships tables with the codec shape every model config expects: 8 levels × 1024', async () => {
    const t = await loadLiteTables(bundledLiteTablesPath());
    expect(t.levels).toBe(8);
    expect(t.codebookSize).toBe(1024);
    expect(t.dims).toBe(featureIndex(t.layout).dims);
  });
});
