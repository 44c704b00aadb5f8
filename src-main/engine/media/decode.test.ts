import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeAudioFile } from './decode.js';
import type { Pcm } from './pcm.js';
import { encodeWav, wavHeader, type WavSampleFormat } from './wav.js';
import { ffmpeg, HAS_FFMPEG, HAS_SOX, noise, sine, sox, tempDir, writeWav } from './testing/test-audio.js';
import { studioErrorOf } from '../testing/studio-error-of.js';

const dir = tempDir('studio-decode-');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const at = (name: string) => path.join(dir, name);

function stereo(seconds: number, sampleRate = 22050): Pcm {
  const n = Math.round(seconds * sampleRate);
  const hiss = noise(n, 0.05);
  return {
    sampleRate,
    channels: [
      sine({ sampleRate, seconds, freq: 440, amplitude: 0.5 }).map((v, i) => v + hiss[i]),
      sine({ sampleRate, seconds, freq: 660, amplitude: 0.3 }),
    ],
  };
}

const maxError = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
const rms = (a: Float32Array) => Math.sqrt(a.reduce((s, v) => s + v * v, 0) / a.length);

describe('decodeAudioFile: WAV', () => {
  const steps: [WavSampleFormat, number][] = [
    ['pcm8', 1 / 127],
    ['pcm16', 1 / 32767],
    ['pcm24', 1 / 8388607],
    ['pcm32', 1 / 2147483647],
    ['float32', 0],
  ];
  for (const [format, step] of steps) {
    it(`decodes ${format}`, async () => {
      const pcm = stereo(0.5);
      const file = writeWav(at(`rt-${format}.wav`), pcm, format);
      const { pcm: out, format: kind } = await decodeAudioFile(file, 'rt.wav');
      expect(kind).toBe('wav');
      expect(out.sampleRate).toBe(22050);
      expect(out.channels.length).toBe(2);
      for (let c = 0; c < 2; c++) {
        expect(out.channels[c].length).toBe(pcm.channels[c].length);
        expect(maxError(out.channels[c], pcm.channels[c])).toBeLessThanOrEqual(step / 2 + 1e-7);
      }
    });
  }

  it.skipIf(!HAS_SOX)('decodes µ-law and A-law WAV made by sox', async () => {
    const pcm = stereo(0.3);
    const src = writeWav(at('g711-src.wav'), pcm, 'pcm16');
    for (const encoding of ['u-law', 'a-law']) {
      const file = at(`g711-${encoding}.wav`);
      sox(src, '-e', encoding, file);
      const { pcm: out } = await decodeAudioFile(file, 'g711.wav');
      expect(out.channels[0].length).toBe(pcm.channels[0].length);
      // G.711 is logarithmic: about 2 % relative error, plus a small absolute floor near zero.
      for (let i = 0; i < out.channels[0].length; i += 17) {
        expect(Math.abs(out.channels[0][i] - pcm.channels[0][i])).toBeLessThan(0.04 * Math.abs(pcm.channels[0][i]) + 0.002);
      }
    }
  });
});

describe.skipIf(!HAS_SOX)('decodeAudioFile: formats made by sox', () => {
  const flacSource = stereo(1.2);
  const vorbisSource = stereo(1.5, 44100);
  beforeAll(() => {
    sox(writeWav(at('flac-src-16.wav'), flacSource, 'pcm16'), at('s16.flac'));
    sox(writeWav(at('flac-src-24.wav'), flacSource, 'pcm24'), at('s24.flac'));
    sox(writeWav(at('vorbis-src.wav'), vorbisSource), at('s.ogg'));
  });

  it('decodes 16- and 24-bit FLAC losslessly', async () => {
    for (const bits of ['16', '24']) {
      const [fromWav, fromFlac] = await Promise.all([decodeAudioFile(at(`flac-src-${bits}.wav`), 'a.wav'), decodeAudioFile(at(`s${bits}.flac`), 'a.flac')]);
      expect(fromFlac.format).toBe('flac');
      expect(fromFlac.pcm.sampleRate).toBe(22050);
      expect(fromFlac.pcm.channels.length).toBe(2);
      // Same integer codes; the FLAC decoder scales them by 1/32767 where the WAV decoder uses 1/32768 for
      // negative codes, so allow that relative difference and nothing more.
      for (let c = 0; c < 2; c++) {
        const a = fromWav.pcm.channels[c];
        const b = fromFlac.pcm.channels[c];
        expect(b.length).toBe(a.length);
        let worst = 0;
        for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) - Math.abs(a[i]) / 32767);
        expect(worst).toBeLessThan(1e-6);
      }
    }
  });

  it('decodes Ogg Vorbis close to the source', async () => {
    const { pcm: out, format } = await decodeAudioFile(at('s.ogg'), 's.ogg');
    expect(format).toBe('vorbis');
    expect(out.sampleRate).toBe(44100);
    expect(Math.abs(out.channels[0].length - vorbisSource.channels[0].length)).toBeLessThan(0.01 * 44100);
    for (let c = 0; c < 2; c++) {
      const db = 20 * Math.log10(rms(out.channels[c]) / rms(vorbisSource.channels[c]));
      expect(Math.abs(db)).toBeLessThan(0.5);
    }
  });

  it('refuses AIFF as a known but unsupported format', async () => {
    const src = writeWav(at('aiff-src.wav'), stereo(0.2));
    const aiff = at('s.aiff');
    sox(src, aiff);
    const error = await studioErrorOf(decodeAudioFile(aiff, 'voice.aiff'));
    expect(error.code).toBe('unsupported_audio');
    expect(error.message).toMatch(/^voice\.aiff is AIFF/);
  });

  it('reports a truncated FLAC file', async () => {
    const flac = at('s16.flac');
    const cut = at('cut.flac');
    fs.writeFileSync(cut, fs.readFileSync(flac).subarray(0, Math.floor(fs.statSync(flac).size / 2)));
    const error = await studioErrorOf(decodeAudioFile(cut, 'cut.flac'));
    expect(error.code).toBe('corrupt_audio');
    expect(error.message).toMatch(/truncated/);
  });

  it('reports a garbled FLAC file', async () => {
    const bytes = fs.readFileSync(at('s16.flac'));
    for (let i = 200; i < bytes.length; i += 5) bytes[i] ^= 0x5a;
    fs.writeFileSync(at('garbled.flac'), bytes);
    expect((await studioErrorOf(decodeAudioFile(at('garbled.flac'), 'garbled.flac'))).code).toBe('corrupt_audio');
  });

  it('reports truncated and garbled Ogg files', async () => {
    const ogg = fs.readFileSync(at('s.ogg'));
    fs.writeFileSync(at('cut.ogg'), ogg.subarray(0, Math.floor(ogg.length * 0.6)));
    expect((await studioErrorOf(decodeAudioFile(at('cut.ogg'), 'cut.ogg'))).code).toBe('corrupt_audio');
    const garbled = Buffer.from(ogg);
    for (let i = Math.floor(ogg.length * 0.3); i < ogg.length * 0.7; i += 3) garbled[i] ^= 0xa5;
    fs.writeFileSync(at('garbled.ogg'), garbled);
    expect((await studioErrorOf(decodeAudioFile(at('garbled.ogg'), 'garbled.ogg'))).code).toBe('corrupt_audio');
  });

  it('stops decoding once a file without a declared length passes the limit', async () => {
    // A FLAC whose STREAMINFO does not state its length (allowed): only the running count can catch it.
    const bytes = fs.readFileSync(at('s16.flac'));
    bytes[8 + 13] &= 0xf0;
    bytes.writeUInt32BE(0, 8 + 14);
    fs.writeFileSync(at('unknown-length.flac'), bytes);
    expect((await decodeAudioFile(at('unknown-length.flac'), 'x.flac')).pcm.channels[0].length).toBe(Math.round(1.2 * 22050));
    const error = await studioErrorOf(decodeAudioFile(at('unknown-length.flac'), 'x.flac', { maxDurationSec: 0.5 }));
    expect(error.code).toBe('audio_too_long');
    expect(error.details).toMatchObject({ durationSec: null, maxDurationSec: 0.5 });
  });
});

describe.skipIf(!HAS_FFMPEG)('decodeAudioFile: formats made by ffmpeg', () => {
  it('decodes MP3 and Ogg Opus', async () => {
    const pcm = stereo(1.5, 48000);
    const wav = writeWav(at('ff-src.wav'), pcm);
    for (const [ext, format] of [
      ['mp3', 'mp3'],
      ['opus', 'opus'],
    ] as const) {
      const file = at(`s.${ext}`);
      ffmpeg('-i', wav, file);
      const { pcm: out, format: kind } = await decodeAudioFile(file, `s.${ext}`);
      expect(kind).toBe(format);
      expect(out.sampleRate).toBe(48000);
      expect(Math.abs(out.channels[0].length - pcm.channels[0].length)).toBeLessThan(0.1 * 48000);
      expect(Math.abs(20 * Math.log10(rms(out.channels[0]) / rms(pcm.channels[0])))).toBeLessThan(1);
    }
  });
});

describe('decodeAudioFile: bad input', () => {
  it('refuses an empty file', async () => {
    fs.writeFileSync(at('empty.wav'), '');
    const error = await studioErrorOf(decodeAudioFile(at('empty.wav'), 'empty.wav'));
    expect(error.code).toBe('empty_audio');
  });

  it('refuses a WAV file without samples', async () => {
    fs.writeFileSync(at('nosamples.wav'), encodeWav({ sampleRate: 16000, channels: [new Float32Array(0)] }, 'pcm16'));
    expect((await studioErrorOf(decodeAudioFile(at('nosamples.wav'), 'nosamples.wav'))).code).toBe('empty_audio');
  });

  it('refuses a text file renamed .wav as not audio', async () => {
    fs.writeFileSync(at('notes.wav'), 'Shopping list:\n- eggs\n- milk\n'.repeat(50));
    const error = await studioErrorOf(decodeAudioFile(at('notes.wav'), 'notes.wav'));
    expect(error.code).toBe('not_audio');
    expect(error.message).toMatch(/^notes\.wav is not an audio file/);
  });

  it('refuses an image as not audio', async () => {
    fs.writeFileSync(at('photo.mp3'), Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(500, 7)]));
    expect((await studioErrorOf(decodeAudioFile(at('photo.mp3'), 'photo.mp3'))).code).toBe('not_audio');
  });

  it('refuses a WAV with a codec we do not decode', async () => {
    const bytes = encodeWav(stereo(0.1), 'pcm16');
    bytes.writeUInt16LE(0x0031, 20); // GSM 6.10
    fs.writeFileSync(at('gsm.wav'), bytes);
    const error = await studioErrorOf(decodeAudioFile(at('gsm.wav'), 'gsm.wav'));
    expect(error.code).toBe('unsupported_audio');
    expect(error.message).toMatch(/GSM/);
  });

  it('refuses a 12-bit PCM WAV', async () => {
    const bytes = encodeWav(stereo(0.1), 'pcm16');
    bytes.writeUInt16LE(12, 34);
    fs.writeFileSync(at('12bit.wav'), bytes);
    expect((await studioErrorOf(decodeAudioFile(at('12bit.wav'), '12bit.wav'))).code).toBe('unsupported_audio');
  });

  it('reports a truncated WAV and one cut inside its header', async () => {
    const bytes = encodeWav(stereo(1), 'pcm16');
    fs.writeFileSync(at('cut.wav'), bytes.subarray(0, bytes.length / 2));
    const cut = await studioErrorOf(decodeAudioFile(at('cut.wav'), 'cut.wav'));
    expect(cut.code).toBe('corrupt_audio');
    expect(cut.message).toMatch(/truncated/);
    fs.writeFileSync(at('header.wav'), bytes.subarray(0, 30));
    expect((await studioErrorOf(decodeAudioFile(at('header.wav'), 'header.wav'))).code).toBe('corrupt_audio');
  });

  it('reports NaN and infinite samples as corrupt', async () => {
    for (const bad of [NaN, Infinity]) {
      const pcm = stereo(0.2);
      pcm.channels[1][1234] = bad;
      writeWav(at('nan.wav'), pcm, 'float32');
      const error = await studioErrorOf(decodeAudioFile(at('nan.wav'), 'nan.wav'));
      expect(error.code).toBe('corrupt_audio');
      expect(error.message).toMatch(/NaN or infinity/);
    }
  });

  it('refuses a 2-hour WAV from its header alone', async () => {
    // A sparse file: a real header declaring 2 h of 48 kHz stereo 16-bit audio, and 1.4 GB of holes.
    const frames = 2 * 3600 * 48000;
    const header = wavHeader({ sampleRate: 48000, channels: 2, format: 'pcm16' }, frames);
    const file = at('two-hours.wav');
    fs.writeFileSync(file, header);
    fs.truncateSync(file, header.length + frames * 4);
    const error = await studioErrorOf(decodeAudioFile(file, 'two-hours.wav'));
    expect(error.code).toBe('audio_too_long');
    // The exact duration can only have come from the header: decoding stops at the limit with no total.
    expect(error.details).toMatchObject({ durationSec: 7200, maxDurationSec: 1800 });
    expect(error.message).toMatch(/2 h 0 min long.*[Ss]lice/);
  });

  it('respects a custom limit', async () => {
    const file = writeWav(at('three-seconds.wav'), stereo(3));
    expect((await studioErrorOf(decodeAudioFile(file, 'x.wav', { maxDurationSec: 2 }))).code).toBe('audio_too_long');
    expect((await decodeAudioFile(file, 'x.wav', { maxDurationSec: 4 })).pcm.channels[0].length).toBe(3 * 22050);
  });

  it('reports a missing file and a folder', async () => {
    expect((await studioErrorOf(decodeAudioFile(at('nope.wav'), 'nope.wav'))).code).toBe('not_found');
    expect((await studioErrorOf(decodeAudioFile(dir, 'folder'))).code).toBe('not_audio');
  });

  it('stops when cancelled, before or during decoding', async () => {
    const file = writeWav(at('long.wav'), stereo(30), 'pcm16'); // ~2.6 MB: several 1 MiB chunks
    const before = new AbortController();
    before.abort();
    expect((await studioErrorOf(decodeAudioFile(file, 'long.wav', { signal: before.signal }))).code).toBe('cancelled');
    const during = new AbortController();
    let reports = 0;
    const error = await studioErrorOf(
      decodeAudioFile(file, 'long.wav', {
        signal: during.signal,
        onProgress: () => {
          reports++;
          during.abort();
        },
      }),
    );
    expect(error.code).toBe('cancelled');
    expect(reports).toBe(1);
  });
});
