import { describe, expect, it } from 'vitest';
import { handleSeekKey, seekSliderAria } from './seek-keys.js';

function press(key: string, shiftKey = false) {
  const event = { key, shiftKey, prevented: false, preventDefault() { this.prevented = true; } };
  const calls: (number | 'toggle')[] = [];
  handleSeekKey(event as unknown as KeyboardEvent, { currentTime: 2, duration: 5, seek: (t) => calls.push(t), toggle: () => calls.push('toggle') });
  return { calls, prevented: event.prevented };
}

describe('handleSeekKey', () => {
  it('steps 1 s with the arrows and 0.1 s with Shift', () => {
    expect(press('ArrowRight')).toEqual({ calls: [3], prevented: true });
    expect(press('ArrowLeft')).toEqual({ calls: [1], prevented: true });
    expect(press('ArrowRight', true).calls[0]).toBeCloseTo(2.1);
  });

  it('jumps to the ends and toggles on Space and Enter', () => {
    expect(press('Home').calls).toEqual([0]);
    expect(press('End').calls).toEqual([5]);
    expect(press(' ').calls).toEqual(['toggle']);
    expect(press('Enter').calls).toEqual(['toggle']);
  });

  it('lets other keys through untouched', () => {
    expect(press('Tab')).toEqual({ calls: [], prevented: false });
  });
});

describe('seekSliderAria', () => {
  it('reports the position in tenths of a second', () => {
    expect(seekSliderAria(1.26, 3.04)).toEqual({
      'aria-valuemin': 0,
      'aria-valuemax': 3,
      'aria-valuenow': 1.3,
      'aria-valuetext': '1.3 of 3.0 seconds',
    });
  });
});
