/**
 * `valle tts` in-process with the tiny random model written to a temp .sft (exportCheckpoint) and the lite
 * codec: files per line plus the joined file, equal to the library's result for the same seed; reproducible
 * from --seed; help lists the sampler flags; bad flags and a missing model are clear errors.
 */
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
import { referenceClip } from '../engine/valle/pipeline/testing/tiny-voice.js';
import { synthesize } from '../engine/valle/pipeline/tts.js';
import { samplerOptionDocs } from '../engine/valle/sampling/sampler-options.js';
import { runCli } from './main.js';
import { captureIo } from './testing/fake-io.js';
import type { TtsReport } from './tts-command.js';

const dir = tempDir('valle-cli-tts-');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

beforeAll(async () => {
  await exportCheckpoint({ path: path.join(dir, 'tiny.sft'), model: tinyModel(), weights: testWeights(tinySpec(), 3) });
  writeWav(path.join(dir, 'a.wav'), referenceClip(0.6, 16000));
  writeWav(path.join(dir, 'b.wav'), referenceClip(0.5, 24000, 170));
});

const TEXT = 'Hello there.\nGood morning.';
const common = ['--model', 'tiny.sft', '--codec', 'lite', '--device', 'cpu', '--max-ar-steps', '20', '--seed', '7'];

describe('valle tts', () => {
  it('prints its help with every sampler flag, and is listed', async () => {
    const help = captureIo(dir);
    expect(await runCli(['tts', '--help'], help.io)).toBe(0);
    expect(help.out().startsWith('Usage: valle tts <text> --ref a.wav')).toBe(true);
    for (const doc of Object.values(samplerOptionDocs)) {
      expect(help.out()).toContain(`${doc.reference} `);
      expect(help.out()).toContain(doc.help);
    }
    const main = captureIo(dir);
    await runCli(['--help'], main.io);
    expect(main.out()).toMatch(/tts <text>\s+speak text/);
    expect(main.out()).toMatch(/stt <audio>\s+transcribe speech/);
  });

  it('writes the joined result and one file per line, equal to the library result for the seed', async () => {
    const run = captureIo(dir);
    const code = await runCli(['tts', TEXT, '--ref', 'a.wav', '--ref', 'b.wav', '--out', 'out.wav', '--prompt-sec', '1', '--line-gap', '0.1', ...common, '--json'], run.io);
    expect(run.err()).toBe('');
    expect(code).toBe(0);
    const report = JSON.parse(run.out()) as TtsReport;
    expect(report.seed).toBe(7);
    expect(report.lines.map((l) => [l.text, l.output])).toEqual([
      ['Hello there.', 'out-1.wav'],
      ['Good morning.', 'out-2.wav'],
    ]);
    const read = async (f: string) => (await decodeAudioFile(path.join(dir, f), f)).pcm.channels[0];

    const model = ValleModel.fromCheckpoint(await loadCheckpoint(path.join(dir, 'tiny.sft')));
    const refs = [(await decodeAudioFile(path.join(dir, 'a.wav'), 'a')).pcm, (await decodeAudioFile(path.join(dir, 'b.wav'), 'b')).pcm];
    const lib = await synthesize({ model, session: { provider: 'cpu' }, codec: await LiteCodec.load(), text: TEXT, refs, promptSec: 1, lineGapSec: 0.1, maxArSteps: 20, seed: 7 });
    expect(await read('out.wav')).toEqual(lib.joined.channels[0]);
    expect(await read('out-1.wav')).toEqual(lib.lines[0].pcm.channels[0]);
    expect(await read('out-2.wav')).toEqual(lib.lines[1].pcm.channels[0]);
    expect(report.lines.map((l) => l.phonemes)).toEqual(lib.lines.map((l) => l.phonemes));

    // The same seed again: the same bytes. Streaming a one-line text: the same audio as batched.
    const again = captureIo(dir);
    expect(await runCli(['tts', TEXT, '--ref', 'a.wav', '--ref', 'b.wav', '--out', 'again.wav', '--prompt-sec', '1', '--line-gap', '0.1', ...common], again.io)).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'again.wav'))).toEqual(fs.readFileSync(path.join(dir, 'out.wav')));
    expect(again.out()).toMatch(/^line 1: .*→ again-1\.wav\nline 2: .*\nWrote again\.wav \(.* s, lite, seed 7\)\.\n$/);

    const one = captureIo(dir);
    expect(await runCli(['tts', 'Hello there.', '--ref', 'a.wav', '--out', 'one.wav', ...common], one.io)).toBe(0);
    const streamed = captureIo(dir);
    expect(await runCli(['tts', 'Hello there.', '--ref', 'a.wav', '--out', 'streamed.wav', '--stream', '--chunk-frames', '8', ...common], streamed.io)).toBe(0);
    expect(streamed.err()).toMatch(/\[chunk 0\] line 1, frames 0–8/);
    expect(fs.existsSync(path.join(dir, 'one-1.wav'))).toBe(false);
    expect(await read('streamed.wav')).toEqual(await read('one.wav'));
  });

  it('reports usage errors and missing models clearly', async () => {
    const noOut = captureIo(dir);
    expect(await runCli(['tts', 'Hi.', ...common], noOut.io)).toBe(2);
    expect(noOut.err()).toContain('--out is required');

    const badFlag = captureIo(dir);
    expect(await runCli(['tts', 'Hi.', '--out', 'x.wav', ...common, '--top-p', '3', '--ar-temp', 'hot'], badFlag.io)).toBe(2);
    expect(badFlag.err()).toContain('--ar-temp must be a number, got "hot"');
    const range = captureIo(dir);
    expect(await runCli(['tts', 'Hi.', '--out', 'x.wav', ...common, '--top-p', '3'], range.io)).toBe(2);
    expect(range.err()).toContain('--top-p must be a number from 0 to 1, got 3');

    const noModel = captureIo(dir);
    expect(await runCli(['tts', 'Hi.', '--out', 'x.wav'], noModel.io)).toBe(1);
    expect(noModel.err()).toMatch(/No VALL-E model given\. Pass --model .*ar\+nar-llama-8\/fp32\.sft/);

    // Without --codec the config's audio backend (vocos, the reference's) is asked for.
    const vocos = captureIo(dir);
    expect(await runCli(['tts', 'Hi.', '--out', 'x.wav', '--model', 'tiny.sft'], vocos.io)).toBe(1);
    expect(vocos.err()).toMatch(/vocos/);

    const emptyText = captureIo(dir);
    expect(await runCli(['tts', ' ', '--out', 'x.wav', ...common], emptyText.io)).toBe(1);
    expect(emptyText.err()).toContain('The text is empty');
    expect(fs.existsSync(path.join(dir, 'x.wav'))).toBe(false);
  });
});
