/**
 * Speech-to-text with the tiny random model and the lite codec: greedy ids are the argmax over the 256 text
 * ids of a full forward pass of the STT sequence at every step, the IPA is the tokenizer's decoding of them,
 * audio and its codes give the same result, seeds reproduce, bad input and cancellation.
 */
import { describe, expect, it } from 'vitest';
import { PhonemeTokenizer } from '../../text/tokenizer.js';
import { STT_BOS } from '../model/ar-generate.js';
import { graphNames } from '../model/graphs.js';
import { forwardFeeds } from '../model/graph-runner.js';
import { batchSequences, buildSequence } from '../model/input-layout.js';
import { transcribe, type TranscribeOptions } from './stt.js';
import { pipelineFixture } from './testing/pipeline-fixture.js';
import { referenceClip } from './testing/tiny-voice.js';

// Weights whose greedy transcription runs to the step limit (seed 7, for one, stops at once).
const fixture = pipelineFixture(5);
const { model } = fixture;

const speech = referenceClip(0.8, 16000);
const base = (): TranscribeOptions => ({ model, runner: fixture.runner, codec: fixture.codec, audio: speech, maxSteps: 12 });

describe('transcribe', () => {
  it('decodes the greedy text ids of the STT sequence to IPA', async () => {
    const r = await transcribe(base());
    expect(r.ids.length).toBeGreaterThan(0);
    expect(r.ids.length).toBeLessThanOrEqual(12);
    expect(r.stopped).toBe(r.ids.length < 12);
    expect(r.ids.every((id) => Number.isInteger(id) && id >= 0 && id < 256 && id !== 2)).toBe(true);
    expect(r.phonemes).toBe(PhonemeTokenizer.fromFile().decode(r.ids));
    expect(typeof r.phonemes).toBe('string');
    expect(r.audioFrames).toBe(60);

    // Independent of the cached loop: a full forward of [audio SEP rvq SEP <bos> ids<n] per step, argmax < 256.
    const audio = await fixture.codec.encode(speech);
    for (let n = 0; n < Math.min(4, r.ids.length); n++) {
      const layout = buildSequence(model.spec, { task: 'stt', level: 0, resp: audio, text: [STT_BOS, ...r.ids.slice(0, n)] });
      const out = await fixture.runner.run('forward', forwardFeeds(batchSequences([layout]), [[layout.length - 1]]), [graphNames.logits]);
      const logits = out[graphNames.logits].data as Float32Array;
      let best = 0;
      for (let i = 1; i < 256; i++) if (logits[i] > logits[best]) best = i;
      expect(r.ids[n]).toBe(best);
    }

    const fromCodes = await transcribe({ ...base(), audio });
    expect(fromCodes.ids).toEqual(r.ids);
  });

  it('samples reproducibly from a seed when a temperature is set', async () => {
    const opts = { ...base(), sampler: { arTemperature: 1 } };
    const a = await transcribe({ ...opts, seed: 3 });
    const b = await transcribe({ ...opts, seed: 3 });
    const c = await transcribe({ ...opts, seed: 4 });
    expect(b.ids).toEqual(a.ids);
    expect(c.ids).not.toEqual(a.ids);
    expect(a.seed).toBe(3);
  });

  it('refuses bad input and stops when cancelled', async () => {
    const silent = { sampleRate: 16000, channels: [new Float32Array(8000)] };
    await expect(transcribe({ ...base(), audio: silent })).rejects.toMatchObject({ code: 'empty_audio' });
    await expect(transcribe({ ...base(), sampler: { beamWidth: 4 } })).rejects.toMatchObject({ code: 'invalid_input', message: /Beam search/ });
    await expect(transcribe({ ...base(), maxSteps: 0 })).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(transcribe({ ...base(), language: 'xx' })).rejects.toMatchObject({ code: 'invalid_input' });
    const controller = new AbortController();
    let after = 0;
    await expect(
      transcribe({
        ...base(),
        maxSteps: 200,
        sampler: { arTemperature: 1 },
        seed: 1,
        signal: controller.signal,
        onProgress: (p) => {
          if (p.stage !== 'ar') return;
          if (controller.signal.aborted) after++;
          if (p.done === 2) controller.abort();
        },
      }),
    ).rejects.toMatchObject({ code: 'cancelled' });
    expect(after).toBe(0);
  });
});
