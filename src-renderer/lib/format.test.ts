import { describe, expect, it } from 'vitest';
import { formatDb, formatDuration, formatEta, formatLufs, formatSampleRate, initials } from './format.js';

describe('formatting', () => {
  it('shows durations as minutes, seconds and tenths, rounding to the nearest tenth', () => {
    expect(formatDuration(0)).toBe('0:00.0');
    expect(formatDuration(1.54)).toBe('0:01.5');
    expect(formatDuration(59.96)).toBe('1:00.0');
    expect(formatDuration(125.25)).toBe('2:05.3');
    expect(formatDuration(3725)).toBe('1:02:05');
    expect(formatDuration(Number.NaN)).toBe('–');
  });

  it('shows sample rates in kHz without needless decimals', () => {
    expect(formatSampleRate(16000)).toBe('16 kHz');
    expect(formatSampleRate(44100)).toBe('44.1 kHz');
    expect(formatSampleRate(22050)).toBe('22.1 kHz');
    expect(formatSampleRate(0)).toBe('–');
  });

  it('shows loudness and peaks with a true minus sign, and a dash when unmeasured', () => {
    expect(formatLufs(-23.04)).toBe('−23.0 LUFS');
    expect(formatLufs(null)).toBe('– LUFS');
    expect(formatDb(-0.35)).toBe('−0.3 dB');
    expect(formatDb(Number.NEGATIVE_INFINITY)).toBe('−∞ dB');
  });

  it('shows time left coarsely', () => {
    expect(formatEta(null)).toBeNull();
    expect(formatEta(0.2)).toBe('1 s');
    expect(formatEta(42)).toBe('42 s');
    expect(formatEta(150)).toBe('3 min');
    expect(formatEta(3900)).toBe('1 h 05 min');
  });

  it('takes initials from the first and last word', () => {
    expect(initials('Ada Lovelace')).toBe('AL');
    expect(initials('  grace  brewster hopper ')).toBe('GH');
    expect(initials('Zoë')).toBe('ZO');
  });
});
