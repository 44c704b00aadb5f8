/**
 * Streaming TTS with the tiny random model and the real lite codec: chunks arrive while the AR runs (by event
 * order), the joined chunks are exactly the codec's one-shot decode of the streamed codes, and with the
 * default full left context the streamed codes equal the non-streamed synthesis of the same seed. With a
 * bounded NAR context the share of codes that differ is measured and reported.
 */
import { describe, expect, it } from 'vitest';
import type { SpeechChunk } from './streaming.js';
import { pipelineFixture } from './testing/pipeline-fixture.js';
import { referenceClip } from './testing/tiny-voice.js';
import { synthesize, type SynthesizeOptions } from './tts.js';

const fixture = pipelineFixture(4);
const { model } = fixture;

const base = (): SynthesizeOptions => ({
  model,
  runner: fixture.runner,
  codec: fixture.codec,
  text: 'Streaming speech.',
  refs: [referenceClip(0.5)],
  maxArSteps: 47,
  seed: 11,
  sampler: { arTemperature: 1, narTemperature: 0.7 },
});

function samples(chunks: readonly SpeechChunk[]): Float32Array {
  const out = new Float32Array(chunks.reduce((n, c) => n + c.pcm.channels[0].length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c.pcm.channels[0], at);
    at += c.pcm.channels[0].length;
  }
  return out;
}

function differingShare(a: ArrayLike<number>, b: ArrayLike<number>, levels: number, level: number): number {
  let diff = 0;
  let n = 0;
  for (let i = level; i < a.length; i += levels, n++) if (a[i] !== b[i]) diff++;
  return diff / n;
}

describe('streaming synthesis', () => {
  it('emits chunks during the AR, seamlessly, with the codes of the non-streamed synthesis', async () => {
    const events: string[] = [];
    const chunks: SpeechChunk[] = [];
    const streamed = await synthesize({
      ...base(),
      stream: { chunkFrames: 10 },
      onProgress: (p) => {
        if (p.stage === 'ar') events.push(`ar ${p.done}`);
      },
      onChunk: (c) => {
        events.push(`chunk ${c.index}`);
        chunks.push(c);
      },
    });
    expect(streamed.streamed).toBe(true);
    const line = streamed.lines[0];
    const frames = line.codes.frames;
    expect(frames).toBeGreaterThan(20);
    // The first chunk comes before the AR's last step; chunks follow the AR in order.
    expect(events.indexOf('chunk 0')).toBeGreaterThan(-1);
    expect(events.indexOf('chunk 0')).toBeLessThan(events.indexOf(`ar ${frames}`));
    expect(events.indexOf('chunk 0')).toBeGreaterThan(events.indexOf('ar 10'));
    expect(chunks.map((c) => c.index)).toEqual(chunks.map((_, i) => i));
    expect(chunks.map((c) => [c.fromFrame, c.toFrame])).toEqual(
      Array.from({ length: Math.ceil(frames / 10) }, (_, i) => [i * 10, Math.min(frames, i * 10 + 10)]),
    );
    expect(chunks.at(-1)!.lineDone).toBe(true);
    expect(chunks.slice(0, -1).every((c) => !c.lineDone)).toBe(true);
    expect(chunks[0].pcm.channels[0].length).toBeGreaterThan(0);

    // Seamless: the joined chunks are the one-shot decode of the same codes, sample for sample.
    const joined = samples(chunks);
    const oneShot = await fixture.codec.decode(line.codes);
    expect(joined.length).toBe(frames * fixture.codec.hopLength);
    expect(joined).toEqual(oneShot.channels[0]);
    expect(streamed.joined.channels[0]).toEqual(joined);

    // Full left context: the same codes as the non-streamed synthesis of the same seed, every level.
    const batched = await synthesize(base());
    expect(batched.streamed).toBe(false);
    expect(Array.from(line.codes.data)).toEqual(Array.from(batched.lines[0].codes.data));
    expect(streamed.joined.channels[0]).toEqual(batched.joined.channels[0]);
  });

  it('with a bounded NAR context, level 0 and the first chunk are unchanged; the rest is measured', async () => {
    const full = await synthesize(base());
    const bounded = await synthesize({ ...base(), stream: { chunkFrames: 10, narContextFrames: 4 }, onChunk: () => {} });
    const a = full.lines[0].codes;
    const b = bounded.lines[0].codes;
    expect(b.frames).toBe(a.frames);
    expect(differingShare(a.data, b.data, 8, 0)).toBe(0);
    expect(Array.from(b.data.subarray(0, 10 * 8))).toEqual(Array.from(a.data.subarray(0, 10 * 8)));
    const shares = Array.from({ length: 7 }, (_, k) => differingShare(a.data.subarray(80), b.data.subarray(80), 8, k + 1));
    console.info(`bounded NAR context (4 frames, chunks of 10): share of differing codes after the first chunk, levels 1–7: ${shares.map((s) => s.toFixed(2)).join(' ')}`);
    // The tiny random model makes the NAR's codes depend on the window, so something must differ.
    expect(Math.max(...shares)).toBeGreaterThan(0);
  });

  it('refuses to stream a beam search, and streams several lines with the gap between them', async () => {
    await expect(synthesize({ ...base(), sampler: { beamWidth: 2 }, onChunk: () => {} })).rejects.toMatchObject({ code: 'invalid_input', message: /Beam search cannot stream/ });
    const chunks: SpeechChunk[] = [];
    const r = await synthesize({ ...base(), text: 'One.\nTwo.', maxArSteps: 12, lineGapSec: 0.1, stream: { chunkFrames: 5 }, onChunk: (c) => void chunks.push(c) });
    expect(chunks.map((c) => `${c.line}${c.kind[0]}`)).toEqual(['0s', '0s', '0s', '0g', '1s', '1s', '1s']);
    expect(chunks[3].pcm.channels[0]).toEqual(new Float32Array(2400));
    expect(samples(chunks)).toEqual(r.joined.channels[0]);
  });

  it('stops with "cancelled" when aborted from a chunk callback, without further chunks', async () => {
    const controller = new AbortController();
    let after = 0;
    let arAfter = 0;
    await expect(
      synthesize({
        ...base(),
        maxArSteps: 200,
        signal: controller.signal,
        stream: { chunkFrames: 5 },
        onProgress: (p) => {
          if (p.stage === 'ar' && controller.signal.aborted) arAfter++;
        },
        onChunk: () => {
          if (controller.signal.aborted) after++;
          controller.abort();
        },
      }),
    ).rejects.toMatchObject({ name: 'StudioError', code: 'cancelled' });
    expect(after).toBe(0);
    expect(arAfter).toBe(0);
  });
});
