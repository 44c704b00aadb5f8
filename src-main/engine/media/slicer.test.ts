import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeAudioFile } from './decode.js';
import { sliceAudioFile, type SliceProgress } from './slicer.js';
import { burstLayout, renderBursts, writeBurstsWav, type BurstLayout } from './testing/speech-like.js';
import { HAS_SOX, listFiles, noise, sox, soxInfo, tempDir, writeWav } from './testing/test-audio.js';
import { studioErrorOf } from '../testing/studio-error-of.js';

const dir = tempDir('studio-slicer-');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const at = (...parts: string[]) => path.join(dir, ...parts);

/** Edges may move by a 10 ms hop plus the bursts' 10 ms fade. */
const TOLERANCE_SEC = 0.025;

let layout: BurstLayout;
let source: string;
beforeAll(async () => {
  layout = burstLayout({ sampleRate: 16000, seconds: 60, seed: 5 });
  source = at('talk.wav');
  await writeBurstsWav(source, layout);
});

describe('sliceAudioFile', () => {
  it('writes one slice per burst, with the kept silence at its edges and the source samples inside', async () => {
    const out = at('out-basic');
    const progress: SliceProgress[] = [];
    const result = await sliceAudioFile(source, out, { params: { keepSilenceSec: 0.1 }, onProgress: (p) => progress.push(p) });

    expect(layout.bursts.length).toBeGreaterThan(5);
    expect(result.slices.length).toBe(layout.bursts.length);
    expect(listFiles(out)).toEqual(layout.bursts.map((_, i) => `talk_${String(i + 1).padStart(4, '0')}.wav`));
    const whole = (await decodeAudioFile(source, 'talk.wav')).pcm.channels[0];
    for (const [i, slice] of result.slices.entries()) {
      const burst = layout.bursts[i];
      expect(Math.abs(slice.startSec - (burst.start / 16000 - 0.1))).toBeLessThan(TOLERANCE_SEC);
      expect(Math.abs(slice.endSec - (burst.end / 16000 + 0.1))).toBeLessThan(TOLERANCE_SEC);
      expect(slice.file).toBe(path.join(out, `talk_${String(i + 1).padStart(4, '0')}.wav`));
      const written = await decodeAudioFile(slice.file, 'slice');
      expect(written.pcm.sampleRate).toBe(16000);
      const from = Math.round(slice.startSec * 16000);
      // 16-bit in, 16-bit out: the slice is the source's samples, bit for bit.
      const expected = whole.subarray(from, from + written.pcm.channels[0].length);
      expect(written.pcm.channels[0].length).toBe(Math.round(slice.durationSec * 16000));
      expect(Buffer.from(written.pcm.channels[0].buffer).equals(Buffer.from(expected.slice().buffer))).toBe(true);
    }
    expect(result.totalDurationSec).toBeCloseTo(
      result.slices.reduce((s, x) => s + x.durationSec, 0),
      9,
    );
    expect(result.sourceDurationSec).toBe(60);
    expect(progress.at(-1)).toEqual({ fraction: 1, stage: 'writing' });
    const fractions = progress.map((p) => p.fraction);
    expect(fractions).toEqual([...fractions].sort((a, b) => a - b));
    expect(progress.some((p) => p.stage === 'scanning')).toBe(true);
  });

  it('splits speech longer than maxClipSec and writes float or mono slices on request', async () => {
    const long: BurstLayout = { sampleRate: 16000, frames: 16000 * 30, bursts: [{ start: 16000, end: 16000 * 28 }] };
    const left = renderBursts(long, 0, long.frames);
    const right = noise(long.frames, 0.01, 4);
    const file = writeWav(at('long-stereo.wav'), { sampleRate: 16000, channels: [left, right] }, 'float32');
    const result = await sliceAudioFile(file, at('out-long'), { params: { maxClipSec: 8, minClipSec: 1 }, format: 'float32', mono: true });
    expect(result.slices.length).toBe(4); // 27.2 s of speech and edges in pieces of at most 8 s
    expect(result.channels).toBe(1);
    let previousEnd = result.slices[0].startSec;
    for (const slice of result.slices) {
      expect(slice.durationSec).toBeLessThanOrEqual(8);
      expect(slice.startSec).toBeCloseTo(previousEnd, 9); // pieces of one utterance are contiguous
      previousEnd = slice.endSec;
      const written = await decodeAudioFile(slice.file, 'slice');
      expect(written.pcm.channels.length).toBe(1);
      const from = Math.round(slice.startSec * 16000);
      for (let k = 0; k < written.pcm.channels[0].length; k += 997) {
        expect(written.pcm.channels[0][k]).toBeCloseTo((left[from + k] + right[from + k]) / 2, 6);
      }
      if (HAS_SOX) expect(soxInfo(slice.file)).toMatchObject({ channels: 1, bits: 32, encoding: 'Floating Point PCM' });
    }
  });

  it('slices FLAC the same as the WAV it came from', async () => {
    if (!HAS_SOX) return;
    const flac = at('talk.flac');
    sox(source, flac);
    const fromWav = await sliceAudioFile(source, at('out-wav-ref'));
    const fromFlac = await sliceAudioFile(flac, at('out-flac'));
    expect(fromFlac.slices.map((s) => [s.startSec, s.endSec])).toEqual(fromWav.slices.map((s) => [s.startSec, s.endSec]));
  });

  it('refuses silence-only input as "no speech" and writes nothing', async () => {
    const quiet = writeWav(at('quiet.wav'), { sampleRate: 16000, channels: [noise(16000 * 5, 0.001)] });
    const out = at('out-quiet');
    const error = await studioErrorOf(sliceAudioFile(quiet, out));
    expect(error.code).toBe('empty_audio');
    expect(error.message).toMatch(/^quiet\.wav has no speech: nothing in it is louder than the -40 dBFS threshold/);
    expect(fs.existsSync(out)).toBe(false);

    const clicks = new Float32Array(16000 * 5);
    for (let i = 0; i < 800; i++) clicks[16000 + i] = 0.5 * Math.sin(i);
    const short = await studioErrorOf(sliceAudioFile(writeWav(at('clicks.wav'), { sampleRate: 16000, channels: [clicks] }), out));
    expect(short.message).toMatch(/shorter than the minimum clip length of 1 s/);
    expect(fs.existsSync(out)).toBe(false);
  });

  it('refuses bad input before writing anything: NaN samples, truncation, not audio, bad parameters', async () => {
    const out = at('out-bad');
    const x = renderBursts(layout, 0, 16000 * 20);
    x[16000 * 15] = Infinity;
    const nan = await studioErrorOf(sliceAudioFile(writeWav(at('inf.wav'), { sampleRate: 16000, channels: [x] }, 'float32'), out));
    expect(nan.code).toBe('corrupt_audio');
    expect(nan.message).toContain('at 15.000 s');

    const bytes = fs.readFileSync(source);
    fs.writeFileSync(at('cut.wav'), bytes.subarray(0, bytes.length / 2));
    expect((await studioErrorOf(sliceAudioFile(at('cut.wav'), out))).message).toMatch(/truncated/);

    fs.writeFileSync(at('notes.wav'), 'these are my notes, not a recording\n'.repeat(10));
    expect((await studioErrorOf(sliceAudioFile(at('notes.wav'), out))).code).toBe('not_audio');

    const params = await studioErrorOf(sliceAudioFile(source, out, { params: { minClipSec: 20, maxClipSec: 10 } }));
    expect(params.code).toBe('invalid_input');
    expect(fs.existsSync(out)).toBe(false);
  });

  it('refuses to overwrite slices unless asked, and an out folder that is a file', async () => {
    const out = at('out-again');
    const first = await sliceAudioFile(source, out);
    fs.writeFileSync(path.join(out, 'keep-me.txt'), 'mine');
    const before = listFiles(out);
    const conflict = await studioErrorOf(sliceAudioFile(source, out));
    expect(conflict.code).toBe('conflict');
    expect(conflict.message).toContain('talk_0001.wav');
    expect(listFiles(out)).toEqual(before);
    const again = await sliceAudioFile(source, out, { overwrite: true });
    expect(again.slices.length).toBe(first.slices.length);
    expect(listFiles(out)).toEqual(before);

    fs.writeFileSync(at('a-file'), 'x');
    const notDir = await studioErrorOf(sliceAudioFile(source, at('a-file')));
    expect(notDir.code).toBe('conflict');
    const under = await studioErrorOf(sliceAudioFile(source, at('a-file', 'sub')));
    expect(under.code).toBe('conflict');
  });

  it('refuses an out folder it may not write to', async () => {
    if (process.getuid?.() === 0) return; // root writes anywhere
    const locked = at('locked');
    fs.mkdirSync(locked);
    fs.chmodSync(locked, 0o500);
    try {
      const error = await studioErrorOf(sliceAudioFile(source, path.join(locked, 'out')));
      expect(error.code).toBe('path_not_allowed');
    } finally {
      fs.chmodSync(locked, 0o700);
    }
  });

  it('leaves nothing behind when cancelled while writing', async () => {
    for (const existing of [false, true]) {
      const out = at(existing ? 'out-cancel-existing' : 'out-cancel-new', 'deeper');
      if (existing) {
        fs.mkdirSync(out, { recursive: true });
        fs.writeFileSync(path.join(out, 'other.txt'), 'untouched');
      }
      const controller = new AbortController();
      const error = await studioErrorOf(
        sliceAudioFile(source, out, {
          signal: controller.signal,
          onProgress: (p) => {
            if (p.stage === 'writing' && p.fraction > 0.6) controller.abort();
          },
        }),
      );
      expect(error.code).toBe('cancelled');
      if (existing) expect(listFiles(out)).toEqual(['other.txt']);
      else expect(fs.existsSync(path.dirname(out))).toBe(false); // both folders it created are gone
    }
  });
});
