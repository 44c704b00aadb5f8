import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCodec } from '../registry.js';
import { randomVocosWeights, TINY_VOCOS, writeVocosFolder } from '../vocos/testing/tiny-vocos.js';
import { randomEncodecWeights, TINY_ENCODEC, writeEncodecFolder } from './testing/tiny-checkpoint.js';

describe('encodec and vocos through the codec registry', () => {
  let models: string;
  beforeAll(async () => {
    models = await mkdtemp(join(tmpdir(), 'codec-registry-'));
    await writeEncodecFolder(join(models, 'encodec_24khz'), TINY_ENCODEC, randomEncodecWeights(TINY_ENCODEC, 1));
    await writeVocosFolder(join(models, 'vocos'), TINY_VOCOS, randomVocosWeights(TINY_VOCOS, 2));
  });
  afterAll(async () => {
    await rm(models, { recursive: true, force: true });
  });

  it('loads EnCodec from <models>/encodec_24khz or an explicit folder, at the requested bandwidth', async () => {
    const codec = await createCodec('encodec', { modelsDir: models, bandwidth: 40 });
    expect([codec.name, codec.sampleRate, codec.hopLength, codec.levels]).toEqual(['encodec', 24000, 24, 4]);
    const again = await createCodec('encodec', { path: join(models, 'encodec_24khz'), bandwidth: 20 });
    expect(again.levels).toBe(2);
    await expect(createCodec('encodec', { modelsDir: models, bandwidth: 7 })).rejects.toMatchObject({ code: 'invalid_input' });
  });

  it('loads Vocos; its encoder needs EnCodec and says where it looked', async () => {
    const vocos = await createCodec('vocos', { path: join(models, 'vocos') });
    expect([vocos.name, vocos.levels, vocos.hopLength]).toEqual(['vocos', 8, 16]);
    const pcm = await vocos.decode({ frames: 3, levels: 8, data: new Uint16Array(24).fill(5) });
    expect(pcm.channels[0].length).toBe(48);
    const elsewhere = await createCodec('vocos', { path: join(models, 'vocos'), modelsDir: join(models, 'missing') });
    await expect(elsewhere.encode({ sampleRate: 24000, channels: [new Float32Array(100).fill(0.1)] })).rejects.toMatchObject({
      code: 'not_found',
      message: expect.stringMatching(/Vocos encodes with EnCodec[\s\S]*missing[/\\]encodec_24khz/),
    });
  });

  it('says what to install when the weights are absent', async () => {
    await expect(createCodec('encodec', { modelsDir: join(models, 'nothing') })).rejects.toMatchObject({
      code: 'not_found',
      message: expect.stringContaining('facebook/encodec_24khz'),
    });
    await expect(createCodec('vocos', {})).rejects.toMatchObject({ code: 'not_found', message: expect.stringContaining('no models folder was given') });
  });
});
