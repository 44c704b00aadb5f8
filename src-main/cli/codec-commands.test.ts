import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCodes } from '../engine/codec/codes.js';
import { encodeEncFile, readEncFile } from '../engine/codec/enc-file.js';
import { concat, vowel } from '../engine/codec/testing/signals.js';
import { decodeAudioFile } from '../engine/media/decode.js';
import { noise } from '../engine/media/testing/test-audio.js';
import { encodeWav } from '../engine/media/wav.js';
import type { RoundTripReport } from './codec-roundtrip-command.js';
import { runCli } from './main.js';
import { captureIo } from './testing/fake-io.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'valle-codec-cli-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function run(...argv: string[]) {
  const c = captureIo(dir);
  const code = await runCli(argv, c.io);
  return { code, out: c.out(), err: c.err() };
}

/** Speech-like audio at 16 kHz stereo (so encoding has to mix down and resample). */
async function speechWav(name = 'speech.wav'): Promise<string> {
  const a = concat(vowel({ sampleRate: 16000, seconds: 0.6, f0Start: 130, f0End: 160 }), noise(1600, 0.03, 2), vowel({ sampleRate: 16000, seconds: 0.5, f0Start: 150 }));
  await writeFile(join(dir, name), encodeWav({ sampleRate: 16000, channels: [a, a] }, 'pcm16'));
  return name;
}

const seedFixture = fileURLToPath(new URL('../../../shared/fixtures/seed/qnt.enc', import.meta.url));

describe('valle codec', () => {
  it.each([
    [['codec', '--help'], 'Usage: valle codec <encode|decode|roundtrip>'],
    [['codec', 'encode', '--help'], 'Usage: valle codec encode <audio> <out.enc>'],
    [['codec', 'decode', '-h'], 'Usage: valle codec decode <in.enc> <out.wav>'],
    [['codec', 'roundtrip', '--help'], 'Usage: valle codec roundtrip <audio> <out.wav>'],
  ])('%j prints its help', async (...args) => {
    const [argv, heading] = args as [string[], string];
    const r = await run(...argv);
    expect(r.code).toBe(0);
    expect(r.out.startsWith(heading)).toBe(true);
  });

  it('encodes to the reference .enc layout and decodes back to the original duration', async () => {
    const input = await speechWav();
    const enc = await run('codec', 'encode', input, 'speech.enc', '--language', 'en');
    expect(enc.code, enc.err).toBe(0);
    const file = await readEncFile(join(dir, 'speech.enc'));
    expect(file.codes.levels).toBe(8);
    expect(file.originalLength).toBe(16000 * 1.1 + 1600);
    expect(file.sampleRate).toBe(16000);
    expect(file.language).toBe('en');
    expect(file.codec).toBe('lite');
    // 19200 samples @ 16 kHz = 28800 @ 24 kHz → 90 frames of 320.
    expect(file.codes.frames).toBe(90);

    const dec = await run('codec', 'decode', 'speech.enc', 'back.wav');
    expect(dec.code, dec.err).toBe(0);
    const { pcm } = await decodeAudioFile(join(dir, 'back.wav'), 'back.wav');
    expect(pcm.sampleRate).toBe(24000);
    expect(pcm.channels[0].length).toBe(28800);
  });

  it('keeps fewer levels with --levels', async () => {
    const input = await speechWav();
    expect((await run('codec', 'encode', input, 'four.enc', '--levels', '4')).code).toBe(0);
    expect((await readEncFile(join(dir, 'four.enc'))).codes.levels).toBe(4);
    expect((await run('codec', 'decode', 'four.enc', 'four.wav')).code).toBe(0);
    const bad = await run('codec', 'encode', input, 'x.enc', '--levels', 'many');
    expect(bad.code).toBe(2);
    const tooMany = await run('codec', 'encode', input, 'x.enc', '--levels', '9');
    expect(tooMany.code).toBe(1);
    expect(tooMany.err).toContain('1 to 8 levels');
    expect(existsSync(join(dir, 'x.enc'))).toBe(false);
  });

  it('round-trips with metrics as JSON', async () => {
    const input = await speechWav();
    const r = await run('codec', 'roundtrip', input, 'rt.wav', '--json');
    expect(r.code, r.err).toBe(0);
    const report = JSON.parse(r.out) as RoundTripReport;
    expect(report.codec).toBe('lite');
    expect(report.levels).toBe(8);
    expect(report.metrics.mcdDb).toBeGreaterThan(0);
    expect(report.metrics.mcdDb).toBeLessThan(6);
    expect(report.metrics.frames).toBeGreaterThan(50);
    expect(existsSync(join(dir, 'rt.wav'))).toBe(true);
    const text = await run('codec', 'roundtrip', input, 'rt2.wav');
    expect(text.out).toMatch(/MCD\s+\d+\.\d\d dB/);
  });

  describe('bad input: clear errors, nothing written', () => {
    const leftovers = () => readdirSync(dir).filter((f) => f.endsWith('.tmp') || f.startsWith('.'));

    it('NaN samples', async () => {
      const x = vowel({ sampleRate: 24000, seconds: 0.5, f0Start: 120 });
      x[1000] = Number.NaN;
      await writeFile(join(dir, 'nan.wav'), encodeWav({ sampleRate: 24000, channels: [x] }, 'float32'));
      const r = await run('codec', 'encode', 'nan.wav', 'nan.enc');
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/invalid samples \(NaN or infinity\)/);
      expect(existsSync(join(dir, 'nan.enc'))).toBe(false);
      expect(leftovers()).toEqual([]);
    });

    it('silence only', async () => {
      await writeFile(join(dir, 'quiet.wav'), encodeWav({ sampleRate: 24000, channels: [new Float32Array(24000)] }, 'pcm16'));
      for (const argv of [
        ['codec', 'encode', 'quiet.wav', 'quiet.enc'],
        ['codec', 'roundtrip', 'quiet.wav', 'quiet-rt.wav'],
      ]) {
        const r = await run(...argv);
        expect(r.code).toBe(1);
        expect(r.err).toContain('silent');
      }
      expect(readdirSync(dir)).toEqual(['quiet.wav']);
    });

    it('codes out of range, with too many levels, or not a codes file', async () => {
      const outOfRange = createCodes(10, 8);
      outOfRange.data[8 * 4 + 7] = 1500;
      await writeFile(join(dir, 'range.enc'), encodeEncFile(outOfRange, { originalLength: 3200, sampleRate: 24000, codec: 'lite' }));
      const r1 = await run('codec', 'decode', 'range.enc', 'range.wav');
      expect(r1.code).toBe(1);
      expect(r1.err).toContain('code 1500 at frame 4, level 7 is outside 0..1023');

      await writeFile(join(dir, 'nine.enc'), encodeEncFile(createCodes(10, 9), { originalLength: null, sampleRate: null, codec: 'lite' }));
      const r2 = await run('codec', 'decode', 'nine.enc', 'nine.wav');
      expect(r2.code).toBe(1);
      expect(r2.err).toContain('9 level(s) given; the lite codec decodes 1 to 8');

      await writeFile(join(dir, 'junk.enc'), 'this is not numpy');
      const r3 = await run('codec', 'decode', 'junk.enc', 'junk.wav');
      expect(r3.code).toBe(1);
      expect(r3.err).toContain('junk.enc is not a codes file (.enc)');

      for (const f of ['range.wav', 'nine.wav', 'junk.wav']) expect(existsSync(join(dir, f))).toBe(false);
      expect(leftovers()).toEqual([]);
    });

    it('missing input, missing output folder, wrong argument count', async () => {
      expect((await run('codec', 'encode', 'nope.wav', 'x.enc')).err).toContain('nope.wav does not exist');
      const input = await speechWav();
      const r = await run('codec', 'encode', input, 'no/such/dir/x.enc');
      expect(r.code).toBe(1);
      expect(r.err).toContain('does not exist');
      expect((await run('codec', 'encode', input)).code).toBe(2);
    });
  });

  it('says plainly that encodec needs its weights, and does not guess the codec of reference files', async () => {
    const input = await speechWav();
    const r = await run('codec', 'encode', input, 'e.enc', '--codec', 'encodec', '--home', '.');
    expect(r.code).toBe(1);
    expect(r.err).toContain('the encodec codec needs its weights');
    expect(r.err).toContain('docs/codecs.md');
    const unknown = await run('codec', 'encode', input, 'e.enc', '--codec', 'mp3');
    expect(unknown.err).toContain('unknown codec "mp3"');

    await writeFile(join(dir, 'ref.enc'), await readFile(seedFixture));
    const guess = await run('codec', 'decode', 'ref.enc', 'ref.wav');
    expect(guess.code).toBe(1);
    expect(guess.err).toContain('does not say which codec made it');
    const forced = await run('codec', 'decode', 'ref.enc', 'ref.wav', '--codec', 'lite');
    expect(forced.code, forced.err).toBe(0);
    // qnt.enc: 310 frames; its original_length is a bogus fraction, so nothing is cut.
    const { pcm } = await decodeAudioFile(join(dir, 'ref.wav'), 'ref.wav');
    expect(pcm.channels[0].length).toBe(310 * 320);
  });
});
