import { rowMax, type LogitRow } from './logit-math.js';

/** Below this gap between temperature and minimum temperature the plain temperature is used (reference §7.1 step 9). */
export const DYNAMIC_TEMPERATURE_MIN_GAP = 0.001;
/** Steepness and centre of the sigmoid over the top probability (the reference's defaults, k = 10, centre 0.5). */
export const DYNAMIC_TEMPERATURE_STEEPNESS = 10;
export const DYNAMIC_TEMPERATURE_CENTER = 0.5;

/**
 * The temperature for one row under dynamic temperature (spec §7.5, from koboldcpp): with p_max the
 * probability of the best token (softmax of the row as given, i.e. after filtering, before temperature),
 * `T_dyn = T − (T − T_min) / (1 + exp(−k · (p_max − centre)))`. A confident row (p_max near 1) is sampled near
 * T_min, an uncertain one near T. Identical to the reference.
 */
export function dynamicTemperature(
  logits: ArrayLike<number>,
  temperature: number,
  minTemperature: number,
  steepness = DYNAMIC_TEMPERATURE_STEEPNESS,
  center = DYNAMIC_TEMPERATURE_CENTER,
): number {
  const m = rowMax(logits);
  let sumExp = 0;
  for (let i = 0; i < logits.length; i++) sumExp += Math.exp(logits[i] - m);
  const pMax = 1 / sumExp;
  return temperature - (temperature - minTemperature) / (1 + Math.exp(-steepness * (pMax - center)));
}

/**
 * Divides the row by the temperature in effect and returns it: the fixed temperature when no minimum is set
 * (`null`, the reference's negative value) or when it is within 0.001 of the temperature, otherwise the
 * dynamic temperature of this row. Callers handle greedy (temperature ≈ 0) before this.
 */
export function applyTemperature(logits: LogitRow, temperature: number, minTemperature: number | null): number {
  const t =
    minTemperature === null || Math.abs(temperature - minTemperature) < DYNAMIC_TEMPERATURE_MIN_GAP
      ? temperature
      : dynamicTemperature(logits, temperature, minTemperature);
  for (let i = 0; i < logits.length; i++) logits[i] /= t;
  return t;
}
