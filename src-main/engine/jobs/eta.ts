/**
 * Seconds left, assuming the rest of the work goes at the average pace so far: elapsed × (1 − f) / f.
 * Null while the estimate would be noise: no fraction, almost nothing done, or too little time elapsed.
 */
export function estimateEtaSeconds(fraction: number | null, elapsedSeconds: number): number | null {
  if (fraction === null || !Number.isFinite(fraction) || !Number.isFinite(elapsedSeconds)) return null;
  if (fraction >= 1) return 0;
  if (fraction < MIN_FRACTION || elapsedSeconds < MIN_ELAPSED_SECONDS) return null;
  const eta = (elapsedSeconds * (1 - fraction)) / fraction;
  return Math.round(eta * 10) / 10;
}

/** Below 1 % done or half a second in, a linear extrapolation swings wildly. */
const MIN_FRACTION = 0.01;
const MIN_ELAPSED_SECONDS = 0.5;

/** A reported fraction, made safe to store: clamped to 0..1; anything not a finite number means "unknown". */
export function normaliseFraction(fraction: number | null | undefined): number | null {
  if (typeof fraction !== 'number' || !Number.isFinite(fraction)) return null;
  return Math.min(1, Math.max(0, fraction));
}
