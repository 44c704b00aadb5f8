import type { TimeSpan } from '$shared/api/library.js';

/** Shortest span worth using as a voice prompt; a drag that leaves less is refused. */
export const minSpanSec = 0.1;

/**
 * The span after one edge (or both) moves, clamped to [0, total]. Null means "all of it": the whole audio,
 * or an edit that would leave less than `minSpanSec` keeps the previous span instead (returned unchanged).
 */
export function editSpan(current: TimeSpan | null, total: number, edit: Partial<TimeSpan>): TimeSpan | null {
  const base = current ?? { startSec: 0, endSec: total };
  const clamp = (v: number) => Math.min(total, Math.max(0, Number.isFinite(v) ? v : 0));
  const startSec = round3(clamp(edit.startSec ?? base.startSec));
  const endSec = round3(clamp(edit.endSec ?? base.endSec));
  if (endSec - startSec < minSpanSec) return current;
  if (startSec === 0 && endSec >= round3(total)) return null;
  return { startSec, endSec };
}

/** Milliseconds are plenty for a trim, and keep the fields and the label readable. */
function round3(v: number): number {
  return Math.round(v * 1000) / 1000;
}
