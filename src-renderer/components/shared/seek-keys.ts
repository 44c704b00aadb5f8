/** What a waveform seek slider does with a key; both the shared waveform and the generate result use it. */
export interface SeekKeyTarget {
  /** Seconds played so far. */
  currentTime: number;
  duration: number;
  seek: (seconds: number) => void;
  toggle: () => void;
}

/** Arrows step 1 s (0.1 s with Shift), Home/End jump to the ends, Space/Enter play or pause. Other keys pass through. */
export function handleSeekKey(event: KeyboardEvent, target: SeekKeyTarget): void {
  const step = event.shiftKey ? 0.1 : 1;
  if (event.key === 'ArrowRight') target.seek(target.currentTime + step);
  else if (event.key === 'ArrowLeft') target.seek(target.currentTime - step);
  else if (event.key === 'Home') target.seek(0);
  else if (event.key === 'End') target.seek(target.duration);
  else if (event.key === ' ' || event.key === 'Enter') target.toggle();
  else return;
  event.preventDefault();
}

/** The slider's ARIA value attributes, in tenths of a second; spread onto the waveform element. */
export function seekSliderAria(currentTime: number, duration: number): Record<string, string | number> {
  return {
    'aria-valuemin': 0,
    'aria-valuemax': Math.round(duration * 10) / 10,
    'aria-valuenow': Math.round(currentTime * 10) / 10,
    'aria-valuetext': `${currentTime.toFixed(1)} of ${duration.toFixed(1)} seconds`,
  };
}
