import { describe, expect, it } from 'vitest';
import { noise } from '../../media/testing/test-audio.js';
import { rmsOf, vowel } from '../testing/signals.js';
import { analyzeFeatures } from './analysis.js';
import { DEFAULT_LITE_LAYOUT, featureIndex } from './layout.js';
import { LiteSynthesizer, renderFeatures } from './synthesizer.js';

const layout = DEFAULT_LITE_LAYOUT;
const FS = 24000;

/** A vowel, a pause, a noise burst: voiced, silent and unvoiced frames. */
function mixedSignal(): Float32Array {
  const v = vowel({ sampleRate: FS, seconds: 0.6, f0Start: 110, f0End: 180, rms: 0.1 });
  const gap = new Float32Array(0.2 * FS);
  const n = noise(0.3 * FS, 0.05, 4);
  const out = new Float32Array(v.length + gap.length + n.length + 100);
  out.set(v);
  out.set(n, v.length + gap.length);
  return out;
}

describe('LiteSynthesizer', () => {
  const features = analyzeFeatures(mixedSignal(), layout);

  it('produces exactly frames × 320 samples', () => {
    const y = renderFeatures(layout, features.data, features.frames, features.dims);
    expect(y.length).toBe(features.frames * 320);
  });

  it('gives bit-identical output however the frames are chunked', () => {
    const oneShot = renderFeatures(layout, features.data, features.frames, features.dims);
    for (const pattern of [[1], [7], [3, 1, 12, 5], [features.frames - 1]]) {
      const synth = new LiteSynthesizer(layout);
      const pieces: Float32Array[] = [];
      let t = 0;
      for (let i = 0; t < features.frames; i++) {
        const n = Math.min(pattern[i % pattern.length], features.frames - t);
        for (let k = 0; k < n; k++, t++) synth.pushFrame(features.data.subarray(t * features.dims, (t + 1) * features.dims));
        pieces.push(synth.take());
      }
      synth.flush();
      pieces.push(synth.take());
      const joined = new Float32Array(pieces.reduce((s, p) => s + p.length, 0));
      let o = 0;
      for (const p of pieces) joined.set(p, o), (o += p.length);
      expect(joined.length).toBe(oneShot.length);
      let same = true;
      for (let i = 0; i < joined.length; i++) if (joined[i] !== oneShot[i]) same = false;
      expect(same, `chunk pattern ${pattern}`).toBe(true);
    }
  });

  it('emits samples only up to the last frame centre until flushed', () => {
    const synth = new LiteSynthesizer(layout);
    synth.pushFrame(features.data.subarray(0, features.dims));
    expect(synth.take().length).toBe(160);
    synth.pushFrame(features.data.subarray(features.dims, 2 * features.dims));
    expect(synth.take().length).toBe(320);
    synth.flush();
    expect(synth.take().length).toBe(160);
    expect(() => synth.pushFrame(features.data.subarray(0, features.dims))).toThrow(/flushed/);
  });

  it('rebuilds the level of voiced and unvoiced sound from the features (within 2 dB)', () => {
    const idx = featureIndex(layout);
    for (const x of [vowel({ sampleRate: FS, seconds: 0.8, f0Start: 140, rms: 0.08 }), noise(0.8 * FS, 0.1, 9)]) {
      const f = analyzeFeatures(x, layout);
      const y = renderFeatures(layout, f.data, f.frames, f.dims);
      const ratioDb = 20 * Math.log10(rmsOf(y, 2400, x.length - 2400) / rmsOf(x, 2400, x.length - 2400));
      expect(Math.abs(ratioDb), `voiced frames: ${f.data[10 * f.dims + idx.vuv]}`).toBeLessThan(2);
    }
  });
});
