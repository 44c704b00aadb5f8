import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32, encodePng, renderSpectrogram, stackImages } from './spectrogram-image.js';
import { sine } from '../media/testing/test-audio.js';

describe('encodePng', () => {
  it('uses the standard CRC-32', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
  });

  it('writes signature, IHDR, IDAT rows with filter 0, and the canonical IEND', () => {
    const pixels = Uint8Array.from({ length: 3 * 2 * 3 }, (_, i) => i * 10);
    const png = encodePng({ width: 3, height: 2, pixels });
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(png.toString('ascii', 12, 16)).toBe('IHDR');
    expect(png.readUInt32BE(16)).toBe(3);
    expect(png.readUInt32BE(20)).toBe(2);
    const idatLen = png.readUInt32BE(33);
    expect(png.toString('ascii', 37, 41)).toBe('IDAT');
    const raw = inflateSync(png.subarray(41, 41 + idatLen));
    expect(raw.length).toBe(2 * (1 + 9));
    expect(raw[0]).toBe(0);
    expect([...raw.subarray(1, 10)]).toEqual([...pixels.subarray(0, 9)]);
    expect(png.subarray(png.length - 12).toString('hex')).toBe('0000000049454e44ae426082');
  });
});

describe('renderSpectrogram', () => {
  it('puts a tone in the row of its frequency, brighter than elsewhere', () => {
    const img = renderSpectrogram(sine({ sampleRate: 24000, seconds: 1, freq: 3000, amplitude: 0.5 }), { fftSize: 512, hop: 240, height: 257 });
    // Row 0 is 12 kHz, the last row 0 Hz: 3 kHz is at row 256 − 3000/46.875 = 192.
    const brightness = (row: number) => img.pixels[(row * img.width + 50) * 3] + img.pixels[(row * img.width + 50) * 3 + 1];
    expect(brightness(192)).toBeGreaterThan(brightness(100) + 100);
    const both = stackImages([img, img], 4);
    expect(both.height).toBe(2 * 257 + 4);
  });
});
