import type { Pcm } from './pcm.js';
import { frameCount } from './pcm.js';

/** Sample encodings this writer produces. Integer PCM is little-endian, 8-bit unsigned as WAV requires. */
export type WavSampleFormat = 'pcm8' | 'pcm16' | 'pcm24' | 'pcm32' | 'float32';

const BYTES: Record<WavSampleFormat, number> = { pcm8: 1, pcm16: 2, pcm24: 3, pcm32: 4, float32: 4 };
const TAG_PCM = 0x0001;
const TAG_FLOAT = 0x0003;
const TAG_EXTENSIBLE = 0xfffe;
/** KSDATAFORMAT_SUBTYPE_* GUIDs end with these 14 bytes; the first two are the format tag. */
const GUID_TAIL = [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71];

export interface WavSpec {
  sampleRate: number;
  channels: number;
  format: WavSampleFormat;
}

/**
 * The header (everything before the sample bytes) of a WAV file with `frames` frames. Follows Microsoft's
 * rule: WAVE_FORMAT_EXTENSIBLE when there are more than 2 channels or more than 16 bits of integer PCM;
 * IEEE float always carries a `fact` chunk (frame count), as the spec asks of non-PCM formats.
 */
export function wavHeader(spec: WavSpec, frames: number): Buffer {
  const { sampleRate, channels, format } = spec;
  if (!Number.isInteger(sampleRate) || sampleRate <= 0) throw new RangeError(`invalid sample rate ${sampleRate}`);
  if (!Number.isInteger(channels) || channels < 1 || channels > 65535) throw new RangeError(`invalid channel count ${channels}`);
  const width = BYTES[format];
  const bits = width * 8;
  const blockAlign = width * channels;
  const dataBytes = frames * blockAlign;
  const isFloat = format === 'float32';
  const extensible = channels > 2 || (!isFloat && bits > 16);
  const fmtSize = extensible ? 40 : isFloat ? 18 : 16;
  const factSize = isFloat ? 12 : 0;
  const headerSize = 12 + 8 + fmtSize + factSize + 8;
  const riffSize = headerSize - 8 + dataBytes + (dataBytes % 2);
  if (riffSize > 0xffffffff) throw new RangeError('audio too large for a WAV file (over 4 GiB)');

  const h = Buffer.alloc(headerSize);
  let p = 0;
  const str = (s: string) => {
    h.write(s, p, 'ascii');
    p += 4;
  };
  const u16 = (v: number) => {
    h.writeUInt16LE(v, p);
    p += 2;
  };
  const u32 = (v: number) => {
    h.writeUInt32LE(v, p);
    p += 4;
  };
  str('RIFF');
  u32(riffSize);
  str('WAVE');
  str('fmt ');
  u32(fmtSize);
  u16(extensible ? TAG_EXTENSIBLE : isFloat ? TAG_FLOAT : TAG_PCM);
  u16(channels);
  u32(sampleRate);
  u32(sampleRate * blockAlign);
  u16(blockAlign);
  u16(bits);
  if (extensible) {
    u16(22);
    u16(bits); // valid bits per sample
    u32(0); // channel mask: unspecified speaker positions
    u16(isFloat ? TAG_FLOAT : TAG_PCM);
    for (const b of GUID_TAIL) h[p++] = b;
  } else if (isFloat) {
    u16(0);
  }
  if (isFloat) {
    str('fact');
    u32(4);
    u32(frames);
  }
  str('data');
  u32(dataBytes);
  return h;
}

/**
 * Interleaved sample bytes of frames [start, end). Integer formats clamp to -1..1 and scale negatives by
 * 2^(bits-1) and positives by 2^(bits-1) - 1, the inverse of the common decoder convention, so full scale
 * maps to the extreme codes and a decode round trip is within half a step.
 */
export function wavSampleBytes(pcm: Pcm, format: WavSampleFormat, start = 0, end = frameCount(pcm)): Buffer {
  const n = pcm.channels.length;
  const width = BYTES[format];
  const out = Buffer.alloc((end - start) * n * width);
  let p = 0;
  const quantise = (x: number, neg: number, pos: number) => {
    const v = x > 1 ? 1 : x < -1 ? -1 : x; // NaN falls through to the comparison below
    return Number.isNaN(v) ? 0 : Math.round(v < 0 ? v * neg : v * pos);
  };
  for (let i = start; i < end; i++) {
    for (let c = 0; c < n; c++) {
      const x = pcm.channels[c][i];
      switch (format) {
        case 'float32':
          out.writeFloatLE(x, p);
          break;
        case 'pcm8':
          out[p] = quantise(x, 128, 127) + 128;
          break;
        case 'pcm16':
          out.writeInt16LE(quantise(x, 32768, 32767), p);
          break;
        case 'pcm24':
          out.writeIntLE(quantise(x, 8388608, 8388607), p, 3);
          break;
        case 'pcm32':
          out.writeInt32LE(quantise(x, 2147483648, 2147483647), p);
          break;
      }
      p += width;
    }
  }
  return out;
}

/** A complete WAV file in memory (with the pad byte RIFF requires after an odd-sized data chunk). */
export function encodeWav(pcm: Pcm, format: WavSampleFormat): Buffer {
  const frames = frameCount(pcm);
  const header = wavHeader({ sampleRate: pcm.sampleRate, channels: pcm.channels.length, format }, frames);
  const body = wavSampleBytes(pcm, format);
  return Buffer.concat(body.length % 2 ? [header, body, Buffer.alloc(1)] : [header, body]);
}
