/**
 * `generate.chunk` samples on the wire: little-endian int16, base64. Events cross the web host as JSON, where
 * float arrays would be ~10 bytes per sample as text; int16 base64 is 2.67 bytes, plenty for listening while
 * the generation runs (the stored result is the exact float audio).
 */
export function encodeChunkSamples(samples: Float32Array): string {
  const bytes = Buffer.alloc(samples.length * 2);
  for (let i = 0; i < samples.length; i++) {
    const x = Math.max(-1, Math.min(1, samples[i]));
    bytes.writeInt16LE(Math.round(x < 0 ? x * 0x8000 : x * 0x7fff), i * 2);
  }
  return bytes.toString('base64');
}

/** The inverse, for tests (the renderer has its own, in lib/generate/chunk-samples.ts). */
export function decodeChunkSamples(base64: string): Float32Array {
  const bytes = Buffer.from(base64, 'base64');
  const out = new Float32Array(bytes.length / 2);
  for (let i = 0; i < out.length; i++) {
    const v = bytes.readInt16LE(i * 2);
    out[i] = v < 0 ? v / 0x8000 : v / 0x7fff;
  }
  return out;
}
