import { describe, expect, it } from 'vitest';
import { mixChannels, mixdownToMono } from './mixdown.js';
import { noise } from './testing/test-audio.js';

describe('mixdownToMono', () => {
  it('averages the channels sample by sample', () => {
    const a = noise(1000, 0.9, 1);
    const b = noise(1000, 0.9, 2);
    const c = noise(1000, 0.9, 3);
    const out = mixdownToMono({ sampleRate: 8000, channels: [a, b, c] });
    expect(out.sampleRate).toBe(8000);
    expect(out.channels.length).toBe(1);
    for (let i = 0; i < 1000; i++) expect(out.channels[0][i]).toBeCloseTo((a[i] + b[i] + c[i]) / 3, 6);
  });

  it('keeps identical channels unchanged and cancels opposite ones', () => {
    const a = noise(500, 1, 4);
    expect(mixChannels([a, a])).toEqual(a);
    expect(Math.max(...mixChannels([a, a.map((v) => -v)]).map(Math.abs))).toBe(0);
  });

  it('returns mono input as is and refuses ragged or empty input', () => {
    const mono = { sampleRate: 16000, channels: [noise(10, 1)] };
    expect(mixdownToMono(mono)).toBe(mono);
    expect(() => mixChannels([])).toThrow(/without channels/);
    expect(() => mixChannels([new Float32Array(3), new Float32Array(4)])).toThrow(/differ/);
  });
});
