import { describe, expect, it } from 'vitest';
import { StudioError } from '../../../../src-shared/api/errors.js';
import { defaultSamplerOptions, levelSettings, parseSamplerOptions, samplerOptionDocs, samplerOptionLimits, samplerOptionsSchema } from './sampler-options.js';

describe('sampler options', () => {
  it('has one set of defaults, reconciling the reference entry points (spec §7.10)', () => {
    expect(defaultSamplerOptions).toEqual({
      arTemperature: 1.0, // forward, CLI, web UI
      narTemperature: 0.0, // web UI, demo, eval (CLI 0.01)
      minArTemperature: null, // −1 in the CLI / web UI
      minNarTemperature: null,
      topK: 0,
      topP: 1.0,
      repetitionPenalty: 1.0,
      repetitionPenaltyDecay: 0.0,
      lengthPenalty: 0.0,
      beamWidth: 0,
      mirostatTau: 0.0,
      mirostatEta: 0.1, // forward / TTS.inference
      dryMultiplier: 0.0,
      dryBase: 1.75,
      dryAllowedLength: 2,
      seed: null,
    });
    expect(parseSamplerOptions(undefined)).toEqual(defaultSamplerOptions);
  });

  it('fills in defaults around what is given', () => {
    const o = parseSamplerOptions({ topK: 50, seed: 0 });
    expect(o.topK).toBe(50);
    expect(o.seed).toBe(0); // 0 is a seed (the reference treats it as "no seed")
    expect(o.arTemperature).toBe(1.0);
  });

  it('reports every bad field at once as invalid_input', () => {
    let err: unknown;
    try {
      parseSamplerOptions({ topP: 1.5, topK: 2.5, arTemperature: -1, bogus: 1, seed: -3 });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StudioError);
    const se = err as StudioError;
    expect(se.code).toBe('invalid_input');
    for (const field of ['topP', 'topK', 'arTemperature', 'bogus', 'seed']) expect(se.message).toContain(field);
    expect(se.message).toMatch(/5 errors/);
    expect(se.message).toContain('topK: must be an integer from 0 to 1024, got 2.5');
    expect(se.message).toContain('bogus: unknown option');
    expect(() => parseSamplerOptions([1, 2])).toThrow(/must be an object/);
  });

  it('rejects a minimum temperature above the temperature', () => {
    expect(() => parseSamplerOptions({ arTemperature: 0.5, minArTemperature: 0.7 })).toThrow(/minArTemperature: must not exceed arTemperature \(0.5\)/);
    expect(() => parseSamplerOptions({ narTemperature: 0, minNarTemperature: 0.1 })).toThrow(/minNarTemperature/);
    expect(parseSamplerOptions({ arTemperature: 1, minArTemperature: 0.85 }).minArTemperature).toBe(0.85);
  });

  it('rejects non-finite numbers and values outside the limits', () => {
    for (const bad of [{ topP: Number.NaN }, { arTemperature: Infinity }, { beamWidth: 33 }, { dryBase: 0.5 }, { repetitionPenalty: 0.9 }, { lengthPenalty: 3 }]) {
      expect(() => parseSamplerOptions(bad)).toThrow(StudioError);
    }
  });

  it('documents and bounds every option and nothing else', () => {
    const keys = Object.keys(samplerOptionsSchema.parse({})).sort();
    expect(Object.keys(samplerOptionDocs).sort()).toEqual(keys);
    expect(Object.keys(samplerOptionLimits).sort()).toEqual(keys);
    // Every default lies inside its own limits.
    for (const [key, l] of Object.entries(samplerOptionLimits)) {
      const d = defaultSamplerOptions[key as keyof typeof defaultSamplerOptions];
      if (d === null) expect(l.nullable).toBe(true);
      else expect(d >= l.min && d <= l.max).toBe(true);
    }
    for (const doc of Object.values(samplerOptionDocs)) {
      expect(doc.help.length).toBeGreaterThan(10);
      expect(doc.help).not.toContain('\n');
      expect(doc.reference).toMatch(/^--[a-z-]+$/);
    }
  });

  it('NAR levels get temperature and top-k/top-p only (spec §7.10)', () => {
    const o = parseSamplerOptions({ narTemperature: 0.7, minNarTemperature: 0.3, topK: 5, topP: 0.9, repetitionPenalty: 2, lengthPenalty: 1, dryMultiplier: 1, mirostatTau: 3, beamWidth: 4 });
    const nar = levelSettings(o, 3);
    expect(nar).toMatchObject({ temperature: 0.7, minTemperature: 0.3, topK: 5, topP: 0.9, repetitionPenalty: 1, lengthPenalty: 0, dryMultiplier: 0, mirostatTau: 0, beamWidth: 0 });
    const ar = levelSettings(o, 0);
    expect(ar).toMatchObject({ temperature: 1, repetitionPenalty: 2, lengthPenalty: 1, dryMultiplier: 1, mirostatTau: 3, beamWidth: 4 });
  });
});
