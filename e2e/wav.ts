import { pcm16MonoWav } from '../src-main/engine/media/testing/reference-wav.js';

/**
 * Test audio made on the spot, as 16-bit PCM WAV. First a linear chirp. A chirp rather than a pure tone so the
 * drawn waveform has visible shape, and so nothing binary has to live in the repository.
 */
export function chirpWav(options: { seconds: number; sampleRate?: number; fromHz?: number; toHz?: number; amplitude?: number }): Buffer {
  const { seconds, sampleRate = 16000, fromHz = 220, toHz = 1760, amplitude = 0.6 } = options;
  const frames = Math.round(seconds * sampleRate);
  const samples = new Float32Array(frames);
  const fade = Math.round(0.02 * sampleRate);
  for (let i = 0; i < frames; i++) {
    const t = i / sampleRate;
    // Phase of a linear sweep: 2π (f0 t + (f1 − f0) t² / 2T).
    const phase = 2 * Math.PI * (fromHz * t + ((toHz - fromHz) * t * t) / (2 * seconds));
    // A slow swell makes the envelope easy to see; short fades avoid clicks.
    const envelope = (0.55 + 0.45 * Math.sin((Math.PI * t) / seconds)) * Math.min(1, i / fade, (frames - 1 - i) / fade);
    samples[i] = amplitude * envelope * Math.sin(phase);
  }
  return pcm16MonoWav(samples, sampleRate);
}

/**
 * Something that looks like speech on a waveform: voiced "syllables" (a 120–220 Hz buzz with harmonics)
 * in bursts of varying length and level, separated by short pauses. Deterministic for a given seed.
 */
export function syllablesWav(options: { seconds: number; seed?: number; sampleRate?: number; level?: number }): Buffer {
  const { seconds, seed = 1, sampleRate = 16000, level = 0.7 } = options;
  let state = seed >>> 0 || 1;
  const random = () => {
    // xorshift32: enough randomness for test audio, reproducible from the seed.
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 0x100000000;
  };
  const frames = Math.round(seconds * sampleRate);
  const samples = new Float32Array(frames);
  let t = 0.08;
  while (t < seconds - 0.1) {
    const length = 0.12 + random() * 0.22;
    const gain = level * (0.35 + random() * 0.65);
    const pitch = 120 + random() * 100;
    const start = Math.round(t * sampleRate);
    const end = Math.min(frames, Math.round((t + length) * sampleRate));
    for (let i = start; i < end; i++) {
      const local = (i - start) / (end - start);
      const envelope = Math.sin(Math.PI * local) ** 1.5;
      const time = i / sampleRate;
      let value = 0;
      for (let h = 1; h <= 6; h++) value += Math.sin(2 * Math.PI * pitch * h * time) / h;
      samples[i] = (samples[i] ?? 0) + gain * envelope * value * 0.45;
    }
    t += length + (random() < 0.25 ? 0.18 + random() * 0.2 : 0.02 + random() * 0.05);
  }
  return pcm16MonoWav(samples, sampleRate);
}
