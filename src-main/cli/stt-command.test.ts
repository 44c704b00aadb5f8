/** `valle stt` in-process with the tiny random model (temp .sft) and the lite codec. */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LiteCodec } from '../engine/codec/lite/lite-codec.js';
import { decodeAudioFile } from '../engine/media/decode.js';
import { tempDir, writeWav } from '../engine/media/testing/test-audio.js';
import { exportCheckpoint } from '../engine/valle/checkpoint/export-checkpoint.js';
import { loadCheckpoint } from '../engine/valle/checkpoint/load-checkpoint.js';
import { testWeights, tinyModel, tinySpec } from '../engine/valle/model/testing/tiny-model.js';
import { ValleModel } from '../engine/valle/model/valle-model.js';
import { transcribe } from '../engine/valle/pipeline/stt.js';
import { referenceClip } from '../engine/valle/pipeline/testing/tiny-voice.js';
import { runCli } from './main.js';
import { captureIo } from './testing/fake-io.js';

const dir = tempDir('valle-cli-stt-');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

beforeAll(async () => {
  // Seed 5: weights whose greedy transcription of this clip does not end at once.
  fs.mkdirSync(path.join(dir, 'model'));
  await exportCheckpoint({ path: path.join(dir, 'model', 'fp32.sft'), model: tinyModel(), weights: testWeights(tinySpec(), 5) });
  writeWav(path.join(dir, 'speech.wav'), referenceClip(0.8, 16000));
});

const common = ['--model', 'model', '--codec', 'lite', '--device', 'cpu', '--max-ar-steps', '12'];

describe('valle stt', () => {
  it('prints its help', async () => {
    const help = captureIo(dir);
    expect(await runCli(['stt', '-h'], help.io)).toBe(0);
    expect(help.out().startsWith('Usage: valle stt <audio>')).toBe(true);
    expect(help.out()).toContain('--repetition-penalty X');
  });

  it('prints the IPA of the library transcription (a model folder works as --model)', async () => {
    const model = ValleModel.fromCheckpoint(await loadCheckpoint(path.join(dir, 'model', 'fp32.sft')));
    const audio = (await decodeAudioFile(path.join(dir, 'speech.wav'), 'speech')).pcm;
    const lib = await transcribe({ model, session: { provider: 'cpu' }, codec: await LiteCodec.load(), audio, maxSteps: 12 });
    expect(lib.ids.length).toBeGreaterThan(0);

    const plain = captureIo(dir);
    expect(await runCli(['stt', 'speech.wav', ...common], plain.io)).toBe(0);
    expect(plain.out()).toBe(`${lib.phonemes}\n`);

    const json = captureIo(dir);
    expect(await runCli(['stt', 'speech.wav', ...common, '--json'], json.io)).toBe(0);
    const report = JSON.parse(json.out());
    expect(report.ids).toEqual(lib.ids);
    expect(report.phonemes).toBe(lib.phonemes);
    expect(report.model).toBe(path.join(dir, 'model', 'fp32.sft'));
  });

  it('reports a missing model, a missing file and a bad option', async () => {
    const noModel = captureIo(dir);
    expect(await runCli(['stt', 'speech.wav'], noModel.io)).toBe(1);
    expect(noModel.err()).toContain('No VALL-E model given');
    const missing = captureIo(dir);
    expect(await runCli(['stt', 'nope.wav', ...common], missing.io)).toBe(1);
    expect(missing.err()).toContain('nope.wav does not exist');
    const bad = captureIo(dir);
    expect(await runCli(['stt', 'speech.wav', ...common, '--max-ar-steps', '-3'], bad.io)).toBe(2);
    const beam = captureIo(dir);
    expect(await runCli(['stt', 'speech.wav', ...common, '--beam-width', '3'], beam.io)).toBe(1);
    expect(beam.err()).toContain('Beam search is not available');
  });
});
