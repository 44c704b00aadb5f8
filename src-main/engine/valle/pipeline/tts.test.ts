/**
 * Batched TTS with the tiny random model and the real lite codec: shapes and lengths, one result per line and
 * the joined audio, reproducibility from the seed, beam search, bad input and cancellation.
 */
import { describe, expect, it } from 'vitest';
import { PhonemeTokenizer } from '../../text/tokenizer.js';
import { pipelineFixture } from './testing/pipeline-fixture.js';
import { referenceClip } from './testing/tiny-voice.js';
import { synthesize, type SynthesisProgress, type SynthesizeOptions } from './tts.js';

const fixture = pipelineFixture(3);
const { model } = fixture;

const base = (): SynthesizeOptions => ({
  model,
  runner: fixture.runner,
  codec: fixture.codec,
  text: 'Hello there.\nGood morning to you.',
  refs: [referenceClip(0.6), referenceClip(0.5, 16000, 180)],
  promptSec: 1,
  maxArSteps: 30,
  seed: 5,
});

describe('synthesize', () => {
  it('gives one result per line and the lines joined with a gap', async () => {
    const stages = new Set<string>();
    const r = await synthesize({ ...base(), lineGapSec: 0.2, onProgress: (p) => void stages.add(p.stage) });
    expect(r.seed).toBe(5);
    expect(r.sampleRate).toBe(24000);
    expect(r.promptFrames).toBe(75);
    expect([...stages]).toEqual(['text', 'prompt', 'ar', 'nar', 'decode']);
    expect(r.lines.map((l) => l.text)).toEqual(['Hello there.', 'Good morning to you.']);
    const tokenizer = PhonemeTokenizer.fromFile();
    for (const l of r.lines) {
      expect(l.phonemes.length).toBeGreaterThan(3);
      expect(tokenizer.decode(tokenizer.encode(l.phonemes).ids)).toBe(l.phonemes);
      expect(l.codes.levels).toBe(8);
      expect(l.codes.frames).toBeGreaterThan(0);
      expect(l.codes.frames).toBeLessThanOrEqual(30);
      expect(l.stopped).toBe(l.codes.frames < 30);
      expect(l.pcm.channels[0].length).toBe(l.codes.frames * fixture.codec.hopLength);
      expect(l.pcm.channels[0]).toEqual((await fixture.codec.decode(l.codes)).channels[0]);
    }
    const [a, b] = r.lines.map((l) => l.pcm.channels[0]);
    const joined = r.joined.channels[0];
    expect(joined.length).toBe(a.length + 4800 + b.length);
    expect(joined.subarray(0, a.length)).toEqual(a);
    expect(joined.subarray(a.length, a.length + 4800).every((x) => x === 0)).toBe(true);
    expect(joined.subarray(a.length + 4800)).toEqual(b);
  });

  it('is exactly reproducible from the seed, and the seed matters', async () => {
    const first = await synthesize(base());
    const again = await synthesize(base());
    for (let i = 0; i < 2; i++) expect(Array.from(again.lines[i].codes.data)).toEqual(Array.from(first.lines[i].codes.data));
    expect(again.joined.channels[0]).toEqual(first.joined.channels[0]);

    const other = await synthesize({ ...base(), seed: 6 });
    expect(Array.from(other.lines[0].codes.data)).not.toEqual(Array.from(first.lines[0].codes.data));

    // No seed: a fresh one is drawn and reported, and it reproduces the run.
    const fresh = await synthesize({ ...base(), seed: undefined, text: 'Hello there.' });
    expect(Number.isSafeInteger(fresh.seed)).toBe(true);
    const replay = await synthesize({ ...base(), seed: fresh.seed, text: 'Hello there.' });
    expect(Array.from(replay.lines[0].codes.data)).toEqual(Array.from(fresh.lines[0].codes.data));
  });

  it('uses the NAR level limit and the prompt trim', async () => {
    const r = await synthesize({ ...base(), text: 'Hi.', maxNarLevels: 2, promptSec: 0.2, maxArSteps: 12 });
    expect(r.lines[0].codes.levels).toBe(3);
    expect(r.promptFrames).toBe(15);
    const untrimmed = await synthesize({ ...base(), text: 'Hi.', maxNarLevels: 0, promptSec: 0, maxArSteps: 12 });
    expect(untrimmed.lines[0].codes.levels).toBe(1);
    expect(untrimmed.promptFrames).toBe(45 + 38);
  });

  it('runs a deterministic beam search when beamWidth > 1', async () => {
    const opts = { ...base(), text: 'Hi.', maxArSteps: 10, sampler: { beamWidth: 3 } };
    const a = await synthesize({ ...opts, seed: 1 });
    const b = await synthesize({ ...opts, seed: 2 });
    // Beam search and the greedy NAR draw nothing at random: the seed does not matter.
    expect(Array.from(b.lines[0].codes.data)).toEqual(Array.from(a.lines[0].codes.data));
    expect(a.lines[0].codes.frames).toBeGreaterThan(0);
    const sampled = await synthesize({ ...opts, sampler: {}, seed: 1 });
    expect(Array.from(sampled.lines[0].codes.data)).not.toEqual(Array.from(a.lines[0].codes.data));
  });

  it('refuses bad input with a clear error before doing any work', async () => {
    const progress: SynthesisProgress[] = [];
    const bad = (o: Partial<SynthesizeOptions>) => synthesize({ ...base(), ...o, onProgress: (p) => void progress.push(p) });
    await expect(bad({ text: '  \n\n ' })).rejects.toMatchObject({ code: 'invalid_input', message: /text is empty/ });
    await expect(bad({ language: 'xx' })).rejects.toMatchObject({ code: 'invalid_input', message: /Language "xx" is not supported.*Supported: en/ });
    await expect(bad({ maxArSteps: 0 })).rejects.toMatchObject({ code: 'invalid_input', message: /maxArSteps must be a whole number/ });
    await expect(bad({ maxNarLevels: 8 })).rejects.toMatchObject({ code: 'invalid_input', message: /maxNarLevels/ });
    await expect(bad({ sampler: { topP: 3 } })).rejects.toMatchObject({ code: 'invalid_input', message: /topP/ });
    expect(progress).toEqual([]);
    const silent = { sampleRate: 24000, channels: [new Float32Array(12000)] };
    await expect(bad({ refs: [referenceClip(0.3), silent] })).rejects.toMatchObject({ code: 'empty_audio', message: /^Reference clip 2: .*silent/ });
  });

  it('stops promptly with "cancelled" when aborted during the AR', async () => {
    const controller = new AbortController();
    let stepsAfterAbort = 0;
    await expect(
      synthesize({
        ...base(),
        maxArSteps: 500,
        signal: controller.signal,
        onProgress: (p) => {
          if (p.stage !== 'ar') return;
          if (controller.signal.aborted) stepsAfterAbort++;
          if (p.done === 3) controller.abort();
        },
      }),
    ).rejects.toMatchObject({ name: 'StudioError', code: 'cancelled' });
    expect(stepsAfterAbort).toBe(0);
    const already = new AbortController();
    already.abort();
    await expect(synthesize({ ...base(), signal: already.signal })).rejects.toMatchObject({ code: 'cancelled' });
  });
});
