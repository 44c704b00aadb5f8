import { afterEach, describe, expect, it, vi } from 'vitest';
import { CoalescedReload } from './coalesced-reload.js';

/** A load that stays pending until `finish()` is called, counting how often it started. */
function gatedLoad() {
  const state = { starts: 0, release: [] as (() => void)[] };
  const load = () => {
    state.starts++;
    return new Promise<void>((resolve) => state.release.push(resolve));
  };
  const finish = async () => {
    state.release.shift()?.();
    // Let the loop observe the resolution and decide whether to go round again.
    for (let i = 0; i < 5; i++) await Promise.resolve();
  };
  return { state, load, finish };
}

describe('CoalescedReload', () => {
  afterEach(() => vi.useRealTimers());

  it('shares one load between concurrent runs, plus one more for requests made while it ran', async () => {
    const { state, load, finish } = gatedLoad();
    const reload = new CoalescedReload(load, 40);
    const first = reload.run();
    const second = reload.run();
    expect(second).toBe(first);
    expect(state.starts).toBe(1);
    await finish();
    expect(state.starts).toBe(2);
    await finish();
    await first;
    expect(state.starts).toBe(2);
  });

  it('runs once per burst of schedule() calls, after the delay', async () => {
    vi.useFakeTimers();
    let starts = 0;
    const reload = new CoalescedReload(async () => void starts++, 40);
    reload.schedule();
    reload.schedule();
    reload.schedule();
    expect(starts).toBe(0);
    await vi.advanceTimersByTimeAsync(40);
    expect(starts).toBe(1);
    reload.schedule();
    await vi.advanceTimersByTimeAsync(40);
    expect(starts).toBe(2);
  });

  it('drops a pending scheduled reload on dispose', async () => {
    vi.useFakeTimers();
    let starts = 0;
    const reload = new CoalescedReload(async () => void starts++, 40);
    reload.schedule();
    reload.dispose();
    await vi.advanceTimersByTimeAsync(100);
    expect(starts).toBe(0);
  });
});
