/**
 * The names and layout the compiled train graphs share with their runner (and with tools that feed them):
 * one place, so they cannot disagree.
 */

/** One flat optimizer-state vector (params, m and v each): parameters with the same weight decay, end to end. */
export interface StateGroup {
  weightDecay: number;
  size: number;
  members: { name: string; offset: number; length: number }[];
  /**
   * Whether the single-step graph reads the group's parameters a second time as one flat input
   * `params.{i}` (groups of several members). A lone member is read through its own input only.
   */
  flatInput: boolean;
}

/** Value names used by the compiled graphs. */
export const trainNames = {
  /**
   * The parameters of state group i, flat (slots end to end). The single-step graph reads it besides the
   * per-weight inputs (only when `flatInput`), which must hold the same values (TrainStepRunner feeds views
   * of this buffer); the multi-step graph reads only this.
   */
  params: (group: number) => `params.${group}`,
  /** flat first moments of state group i */
  m: (group: number) => `optim.m.${group}`,
  v: (group: number) => `optim.v.${group}`,
  gradAcc: (param: string) => `grad_acc.${param}`,
  next: (input: string) => `next.${input}`,
  metric: (name: string) => `metric.${name}`,
  step: 'optim.step',
  lr: 'optim.lr',
  lossScale: 'optim.loss_scale',
  gradDivisor: 'optim.grad_divisor',
  loss: 'loss',
  gradNorm: 'grad_norm',
  finite: 'finite',
} as const;

/** What a step reports besides the state (one value per step; the multi-step graph's scan outputs, in order). */
export function stepReportNames(metrics: readonly string[]): string[] {
  return [trainNames.loss, trainNames.gradNorm, trainNames.finite, ...metrics.map(trainNames.metric)];
}
