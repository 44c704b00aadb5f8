/**
 * Spectrogram pictures for looking at what a codec did: log-power STFT images (time →, frequency ↑) encoded
 * as PNG with nothing but node:zlib. Used by the quality test (before/after images under test-results/) and
 * the build script's report.
 */
import { deflateSync } from 'node:zlib';
import { fftOfSize, powerSpectrum } from './dsp/fft.js';

export interface RgbImage {
  width: number;
  height: number;
  /** RGB, row-major, top row first. */
  pixels: Uint8Array;
}

export interface SpectrogramOptions {
  /** Top of the colour scale is the loudest bin; everything this far below it is black. Default 80 dB. */
  rangeDb?: number;
  /** Reference level (dB) for the top of the scale; default: this signal's loudest bin. */
  topDb?: number;
  fftSize?: number;
  hop?: number;
  /** Pixel rows (frequency is resampled linearly onto them). Default fftSize / 4. */
  height?: number;
}

/** Loudest bin (dB) of the signal's spectrogram, to put several images on one colour scale. */
export function spectrogramPeakDb(x: Float32Array, options: SpectrogramOptions = {}): number {
  return computeDb(x, options).peak;
}

export function renderSpectrogram(x: Float32Array, options: SpectrogramOptions = {}): RgbImage {
  const { db, frames, bins, peak } = computeDb(x, options);
  const range = options.rangeDb ?? 80;
  const top = options.topDb ?? peak;
  const height = options.height ?? Math.round((bins - 1) / 2);
  const width = Math.max(1, frames);
  const pixels = new Uint8Array(width * height * 3);
  for (let row = 0; row < height; row++) {
    // Row 0 is the top: the highest frequency.
    const pos = ((height - 1 - row) / Math.max(1, height - 1)) * (bins - 1);
    const k = Math.floor(pos);
    const a = pos - k;
    for (let col = 0; col < frames; col++) {
      const v0 = db[col * bins + k];
      const v = k + 1 < bins ? v0 * (1 - a) + db[col * bins + k + 1] * a : v0;
      const level = Math.min(1, Math.max(0, (v - (top - range)) / range));
      const [r, g, b] = colour(level);
      const p = (row * width + col) * 3;
      pixels[p] = r;
      pixels[p + 1] = g;
      pixels[p + 2] = b;
    }
  }
  return { width, height, pixels };
}

/** Images one above the other, separated by a `gap`-pixel white line. */
export function stackImages(images: RgbImage[], gap = 4): RgbImage {
  const width = Math.max(...images.map((i) => i.width));
  const height = images.reduce((h, i) => h + i.height, 0) + gap * (images.length - 1);
  const pixels = new Uint8Array(width * height * 3).fill(255);
  let y0 = 0;
  for (const img of images) {
    for (let y = 0; y < img.height; y++) {
      pixels.set(img.pixels.subarray(y * img.width * 3, (y + 1) * img.width * 3), ((y0 + y) * width) * 3);
      // Pad narrower images with black rather than white so the gap stays the only white.
      pixels.fill(0, ((y0 + y) * width + img.width) * 3, (y0 + y + 1) * width * 3);
    }
    y0 += img.height + gap;
  }
  return { width, height, pixels };
}

function computeDb(x: Float32Array, options: SpectrogramOptions): { db: Float64Array; frames: number; bins: number; peak: number } {
  const size = options.fftSize ?? 512;
  const hop = options.hop ?? 120;
  const fft = fftOfSize(size);
  const bins = size / 2 + 1;
  const frames = Math.max(1, Math.ceil(x.length / hop));
  const window = new Float64Array(size);
  for (let i = 0; i < size; i++) window[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * (i + 0.5)) / size);
  const db = new Float64Array(frames * bins);
  const frame = new Float64Array(size);
  const p = new Float64Array(bins);
  const scratch = { re: new Float64Array(size), im: new Float64Array(size) };
  let peak = -Infinity;
  for (let f = 0; f < frames; f++) {
    const start = f * hop - size / 2;
    for (let i = 0; i < size; i++) {
      const k = start + i;
      frame[i] = k >= 0 && k < x.length ? x[k] * window[i] : 0;
    }
    powerSpectrum(fft, frame, p, scratch);
    for (let k = 0; k < bins; k++) {
      const v = 10 * Math.log10(p[k] + 1e-20);
      db[f * bins + k] = v;
      if (v > peak) peak = v;
    }
  }
  return { db, frames, bins, peak };
}

/** A perceptually ordered dark → bright map (black, purple, orange, pale yellow). */
function colour(level: number): [number, number, number] {
  const stops: [number, number, number, number][] = [
    [0, 0, 0, 4],
    [0.25, 80, 18, 123],
    [0.5, 182, 54, 121],
    [0.75, 251, 136, 97],
    [1, 252, 253, 191],
  ];
  for (let i = 1; i < stops.length; i++) {
    if (level <= stops[i][0]) {
      const [l0, r0, g0, b0] = stops[i - 1];
      const [l1, r1, g1, b1] = stops[i];
      const a = (level - l0) / (l1 - l0);
      return [Math.round(r0 + (r1 - r0) * a), Math.round(g0 + (g1 - g0) * a), Math.round(b0 + (b1 - b0) * a)];
    }
  }
  return [252, 253, 191];
}

/** PNG file bytes (8-bit RGB, no interlace, filter 0 on every row). */
export function encodePng(image: RgbImage): Buffer {
  const { width, height, pixels } = image;
  if (pixels.length !== width * height * 3) throw new RangeError(`expected ${width * height * 3} bytes of RGB, got ${pixels.length}`);
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (width * 3 + 1)] = 0;
    raw.set(pixels.subarray(y * width * 3, (y + 1) * width * 3), y * (width * 3 + 1) + 1);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type: RGB
  ihdr[10] = 0;
  ihdr[11] = 0;
  ihdr[12] = 0;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
