import type { Pcm } from './pcm.js';
import { samplePeakDb, SILENCE_PEAK_DB } from './loudness.js';
import { StreamResampler } from './resample.js';

/** BS.1770 asks for at least 4× oversampling at 48 kHz, i.e. about 192 kHz: lower rates oversample more. */
const OVERSAMPLED_RATE = 192_000;

/**
 * True peak (ITU-R BS.1770-4 Annex 2) in dBTP: the largest absolute value of the signal reconstructed
 * between its samples, estimated by oversampling to about 192 kHz with libsamplerate's best converter
 * (97 % bandwidth) and taking the larger of that and the sample peak. Floored at SILENCE_PEAK_DB.
 */
export async function truePeakDb(pcm: Pcm): Promise<number> {
  const factor = Math.max(1, Math.floor(OVERSAMPLED_RATE / pcm.sampleRate));
  const samplePeak = samplePeakDb(pcm);
  if (factor === 1 || samplePeak === SILENCE_PEAK_DB) return samplePeak;
  let peak = 0;
  const scan = (channels: Float32Array[]) => {
    for (const ch of channels) for (let i = 0; i < ch.length; i++) peak = Math.max(peak, Math.abs(ch[i]));
  };
  const resampler = await StreamResampler.create(pcm.channels.length, pcm.sampleRate, pcm.sampleRate * factor, { quality: 'best' });
  try {
    // Fed in pieces so the oversampled signal never exists whole (a minute at 192 kHz is 46 MB per channel).
    const step = 1 << 16;
    const frames = pcm.channels[0].length;
    for (let at = 0; at < frames; at += step) scan(resampler.push(pcm.channels.map((c) => c.subarray(at, Math.min(frames, at + step)))));
    scan(resampler.finish());
  } finally {
    resampler.close();
  }
  const oversampled = peak === 0 ? SILENCE_PEAK_DB : 20 * Math.log10(peak);
  return Math.max(samplePeak, oversampled);
}
