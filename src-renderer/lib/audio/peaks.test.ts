import { describe, expect, it } from 'vitest';
import { FakeClient } from '$lib/testing/fake-client.js';
import { StudioError } from '$shared/api/errors.js';
import { PeaksCache, peaksPerSecondFor, splitPeaks } from './peaks.js';

describe('peaks', () => {
  it('splits interleaved [min, max] pairs into an upper and a lower channel', () => {
    const [upper, lower] = splitPeaks([-0.5, 0.25, -1, 1, 0, 0.125]);
    expect([...upper]).toEqual([0.25, 1, 0.125]);
    expect([...lower]).toEqual([-0.5, -1, 0]);
  });

  it('drops a trailing unpaired value', () => {
    const [upper, lower] = splitPeaks([-0.5, 0.5, -0.25]);
    expect(upper).toHaveLength(1);
    expect(lower).toHaveLength(1);
  });

  it('asks for about one bucket per target pixel, within the API’s 1..1000 per second', () => {
    expect(peaksPerSecondFor(2, 1200)).toBe(600);
    expect(peaksPerSecondFor(0.5, 1200)).toBe(1000);
    expect(peaksPerSecondFor(7200, 1200)).toBe(1);
    expect(peaksPerSecondFor(0)).toBe(100);
  });

  it('fetches each (media, resolution) once and retries after a failure', async () => {
    let fail = true;
    const client = new FakeClient().handle('media.peaks', ({ mediaId, peaksPerSecond }) => {
      if (fail) throw new StudioError('not_found', 'No such media.');
      return { mediaId, durationSec: 1, peaksPerSecond: peaksPerSecond ?? 100, peaks: [0, 0] };
    });
    const cache = new PeaksCache(client);
    const id = 'a'.repeat(64);
    await expect(cache.get(id, 100)).rejects.toMatchObject({ code: 'not_found' });
    fail = false;
    const first = await cache.get(id, 100);
    const again = await cache.get(id, 100);
    expect(again).toBe(first);
    await cache.get(id, 200);
    expect(client.callsOf('media.peaks')).toEqual([
      { mediaId: id, peaksPerSecond: 100 },
      { mediaId: id, peaksPerSecond: 100 },
      { mediaId: id, peaksPerSecond: 200 },
    ]);
  });
});
