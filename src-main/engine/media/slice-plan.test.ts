import { describe, expect, it } from 'vitest';
import { StudioError } from '../../../src-shared/api/errors.js';
import type { LevelEnvelope } from './silence.js';
import { DEFAULT_SLICE_PARAMS, planSlices, resolveSliceParams, type SliceParams } from './slice-plan.js';

/** 1 kHz "sample rate" and 10-frame hops: hop i is frames [10i, 10i + 10), i.e. 10 ms each. */
function envelope(segments: [seconds: number, db: number][]): LevelEnvelope {
  const levels: number[] = [];
  for (const [seconds, db] of segments) for (let i = 0; i < Math.round(seconds * 100); i++) levels.push(db);
  return { sampleRate: 1000, hopFrames: 10, frames: levels.length * 10, levelsDb: Float32Array.from(levels) };
}

const params = (p: Partial<SliceParams>) => resolveSliceParams({ ...p });
const SPEECH = -20;
const QUIET = -80;

describe('planSlices', () => {
  it('slices at silences, keeping silence at the edges', () => {
    const env = envelope([
      [1, QUIET],
      [2, SPEECH],
      [1, QUIET],
      [3, SPEECH],
      [2, QUIET],
    ]);
    const plan = planSlices(env, params({ keepSilenceSec: 0.1, minClipSec: 0.5 }));
    expect(plan.spans).toEqual([
      { start: 900, end: 3100 },
      { start: 3900, end: 7100 },
    ]);
    expect(plan.utterances).toBe(2);
  });

  it('bridges silences shorter than minSilenceSec', () => {
    const env = envelope([
      [0.5, QUIET],
      [1, SPEECH],
      [0.2, QUIET],
      [1, SPEECH],
      [0.5, QUIET],
    ]);
    expect(planSlices(env, params({ minSilenceSec: 0.3, keepSilenceSec: 0 })).spans).toEqual([{ start: 500, end: 2700 }]);
    expect(planSlices(env, params({ minSilenceSec: 0.15, keepSilenceSec: 0 })).spans).toEqual([
      { start: 500, end: 1500 },
      { start: 1700, end: 2700 },
    ]);
  });

  it('never pads into a neighbour: at most half of each gap, and within the file', () => {
    const env = envelope([
      [0.05, QUIET],
      [1, SPEECH],
      [0.4, QUIET],
      [1, SPEECH],
      [0.03, QUIET],
    ]);
    const { spans } = planSlices(env, params({ keepSilenceSec: 0.5, minSilenceSec: 0.3 }));
    expect(spans).toEqual([
      { start: 0, end: 1250 },
      { start: 1250, end: 2480 },
    ]);
  });

  it('drops sounds shorter than minClipSec, edges included', () => {
    const env = envelope([
      [1, QUIET],
      [0.3, SPEECH],
      [1, QUIET],
      [0.75, SPEECH],
      [1, QUIET],
    ]);
    const plan = planSlices(env, params({ minClipSec: 0.9, keepSilenceSec: 0.1 }));
    expect(plan.spans).toEqual([{ start: 2200, end: 3150 }]); // 0.75 s + 2 × 0.1 s = 0.95 s ≥ 0.9 s
    expect(plan.droppedShort).toBe(1);
  });

  it('cuts long speech at its quietest point within the allowed window', () => {
    // 20 s of speech with short dips at 6 s (-35 dB), 12 s (-38 dB, the quietest) and 16 s (-30 dB).
    const env = envelope([
      [1, QUIET],
      [5, SPEECH],
      [0.05, -35],
      [5.95, SPEECH],
      [0.05, -38],
      [3.95, SPEECH],
      [0.05, -30],
      [5, SPEECH],
      [1, QUIET],
    ]);
    const p = params({ maxClipSec: 10, minClipSec: 2, keepSilenceSec: 0.2 });
    const { spans } = planSlices(env, p);
    // The first piece (from 0.8 s, edge included) must end within [2.8 s, 10.8 s]: the -38 dB dip lies
    // beyond, so it is cut at the -35 dB dip; the next window [8.05 s, 16.05 s] holds both other dips and
    // takes the quieter; the remaining 9.2 s fit in one piece. Cuts fall on the latest hop centre of a dip.
    expect(spans.map((s) => [s.start, s.end])).toEqual([
      [800, 6045],
      [6045, 12045],
      [12045, 21250],
    ]);
    for (const s of spans) {
      expect(s.end - s.start).toBeLessThanOrEqual(10000);
      expect(s.end - s.start).toBeGreaterThanOrEqual(2000);
    }
  });

  it('shrinks edge silence rather than cut speech that fits maxClipSec', () => {
    const env = envelope([
      [1, QUIET],
      [9.9, SPEECH],
      [1, QUIET],
    ]);
    const { spans } = planSlices(env, params({ maxClipSec: 10, keepSilenceSec: 0.2 }));
    expect(spans).toEqual([{ start: 950, end: 10950 }]);
  });

  it('finds nothing in silence', () => {
    const plan = planSlices(envelope([[5, QUIET]]), DEFAULT_SLICE_PARAMS);
    expect(plan).toEqual({ spans: [], utterances: 0, droppedShort: 0 });
  });

  it('keeps every span within [minClip, maxClip] and disjoint, for random envelopes', () => {
    let seed = 12345;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let trial = 0; trial < 200; trial++) {
      const segments: [number, number][] = [];
      for (let k = 0; k < 30; k++) segments.push([0.01 + rand() * 4, rand() < 0.5 ? QUIET + rand() * 30 : -45 + rand() * 40]);
      const min = rand() * 3;
      const p = params({ minClipSec: min, maxClipSec: min + 0.5 + rand() * 10, keepSilenceSec: rand() * 0.2, minSilenceSec: rand() * 0.6 });
      const env = envelope(segments);
      const { spans } = planSlices(env, p);
      let previousEnd = 0;
      for (const s of spans) {
        expect(s.start).toBeGreaterThanOrEqual(previousEnd);
        expect(s.end - s.start).toBeLessThanOrEqual(Math.round(p.maxClipSec * 1000));
        expect(s.end - s.start).toBeGreaterThanOrEqual(Math.max(1, Math.round(p.minClipSec * 1000)));
        expect(s.end).toBeLessThanOrEqual(env.frames);
        previousEnd = s.end;
      }
    }
  });
});

describe('resolveSliceParams', () => {
  it('fills in the defaults', () => {
    expect(resolveSliceParams()).toEqual(DEFAULT_SLICE_PARAMS);
    expect(resolveSliceParams({ thresholdDb: -50, maxClipSec: undefined }).thresholdDb).toBe(-50);
  });

  it.each([
    [{ minClipSec: 5, maxClipSec: 4 }, 'minClipSec', /cannot exceed maxClipSec/],
    [{ thresholdDb: 3 }, 'thresholdDb', /between -120 and 0/],
    [{ thresholdDb: NaN }, 'thresholdDb', /finite/],
    [{ maxClipSec: 0 }, 'maxClipSec', /positive/],
    [{ minSilenceSec: -1 }, 'minSilenceSec', /negative/],
    [{ keepSilenceSec: -0.1 }, 'keepSilenceSec', /negative/],
    [{ keepSilenceSec: 1, maxClipSec: 2, minClipSec: 0.5 }, 'maxClipSec', /twice keepSilenceSec/],
    [{ hysteresisDb: -1 }, 'hysteresisDb', /0 to 40/],
  ] as [Partial<SliceParams>, string, RegExp][])('refuses %j', (given, param, message) => {
    try {
      resolveSliceParams(given);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(StudioError);
      expect((error as StudioError).code).toBe('invalid_input');
      expect((error as StudioError).details?.param).toBe(param);
      expect((error as StudioError).message).toMatch(message);
    }
  });
});
