import type { LogitRow } from './logit-math.js';

/**
 * Scales the stop token's logit by `length^factor` (`length` = tokens so far + 1, as the reference): factor > 0
 * makes stopping less likely the longer the sequence is (longer output), factor < 0 more likely (shorter).
 * A positive logit is divided by the scale and a negative one multiplied, so the direction does not depend on
 * the logit's sign.
 *
 * Deviations (spec §7.3; the same sign defect as A.14): the reference always divides, so when the stop
 * logit is negative the effect reverses. It also always targets token 1024, even for STT where the stop token
 * is 2; here the caller passes the task's stop token. Identical for a positive stop logit in TTS, and at the
 * default factor 0 (no-op) everywhere.
 */
export function applyLengthPenalty(logits: LogitRow, length: number, factor: number, stopToken: number): void {
  if (factor === 0) return;
  if (stopToken < 0 || stopToken >= logits.length) {
    throw new RangeError(`stop token ${stopToken} is outside the logits row (width ${logits.length})`);
  }
  const scale = length ** factor;
  const v = logits[stopToken];
  logits[stopToken] = v > 0 ? v / scale : v * scale;
}
