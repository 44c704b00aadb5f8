import { describe, expect, it } from 'vitest';
import { downmix, encodeWav16 } from './wav-encode.js';

/** Reads a canonical 44-byte-header WAV with DataView, field by field, as the spec lays it out. */
function parse(bytes: Uint8Array): { tag: string; sampleRate: number; channels: number; bits: number; samples: number[] } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const text = (o: number) => String.fromCharCode(...bytes.subarray(o, o + 4));
  const dataBytes = view.getUint32(40, true);
  expect(view.getUint32(4, true)).toBe(bytes.length - 8);
  expect(text(36)).toBe('data');
  const samples = [];
  for (let i = 0; i < dataBytes / 2; i++) samples.push(view.getInt16(44 + 2 * i, true));
  return { tag: text(0) + text(8) + text(12), sampleRate: view.getUint32(24, true), channels: view.getUint16(22, true), bits: view.getUint16(34, true), samples };
}

describe('encodeWav16', () => {
  it('writes a RIFF/WAVE PCM header and int16 samples, clipping out-of-range values', () => {
    const wav = parse(encodeWav16(new Float32Array([0, 0.5, -0.5, 1, -1, 2, -3]), 48000));
    expect(wav.tag).toBe('RIFFWAVEfmt ');
    expect(wav).toMatchObject({ sampleRate: 48000, channels: 1, bits: 16 });
    expect(wav.samples).toEqual([0, Math.round(0.5 * 32767), -16384, 32767, -32768, 32767, -32768]);
  });

  it('writes an empty data chunk for no samples and refuses a bad rate', () => {
    expect(parse(encodeWav16(new Float32Array(0), 16000)).samples).toEqual([]);
    expect(() => encodeWav16(new Float32Array(1), 0)).toThrow(/sample rate/);
  });
});

describe('downmix', () => {
  it('averages channels sample by sample and passes mono through', () => {
    const left = new Float32Array([1, 0.5, 0]);
    expect([...downmix([left, new Float32Array([0, -0.5, 1])])]).toEqual([0.5, 0, 0.5]);
    expect(downmix([left])).toBe(left);
    expect(downmix([])).toHaveLength(0);
  });
});
