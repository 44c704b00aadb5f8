import { StudioError } from '../../../../src-shared/api/errors.js';
import type { TaskFunction } from '../../jobs/job-context.js';

/**
 * Worker tasks that exist only to test the pool and the queue under failure. Registered only when the
 * registry is asked for test tasks (see task-registry.ts).
 */

export const echo: TaskFunction<unknown, { echoed: unknown; threadId: number }> = async (input) => {
  const { threadId } = await import('node:worker_threads');
  if (typeof input === 'object' && input !== null && 'say' in input) console.log(String((input as { say: unknown }).say));
  return { echoed: input, threadId };
};

/** Reports progress every `stepMs` for `steps` steps; stops promptly when cancelled. */
export const slow: TaskFunction<{ steps: number; stepMs: number }, { steps: number }> = async (input, ctx) => {
  for (let i = 0; i < input.steps; i++) {
    if (ctx.signal.aborted) throw new StudioError('cancelled', 'Cancelled.');
    ctx.progress({ fraction: i / input.steps, stage: `step ${i + 1} of ${input.steps}` });
    await new Promise((resolve) => setTimeout(resolve, input.stepMs));
  }
  ctx.progress({ fraction: 1, stage: 'done' });
  return { steps: input.steps };
};

/** Brings the worker down the way real faults do. */
export const crash: TaskFunction<{ how: 'exit' | 'uncaught' | 'oom'; afterMs?: number }, never> = async (input) => {
  await new Promise((resolve) => setTimeout(resolve, input.afterMs ?? 0));
  if (input.how === 'exit') process.exit(3);
  if (input.how === 'uncaught') {
    // Thrown from a timer, outside the task's promise: only the worker's 'error' event sees it.
    setTimeout(() => {
      throw new Error('boom from a timer');
    }, 0);
  }
  if (input.how === 'oom') {
    const hog: number[][] = [];
    for (;;) hog.push(new Array(1_000_000).fill(Math.random()));
  }
  return new Promise<never>(() => {});
};

/** Fails the ordinary way: a StudioError, or a plain Error the host must not show to the user. */
export const fail: TaskFunction<{ studio: boolean }, never> = async (input) => {
  if (input.studio) throw new StudioError('corrupt_audio', 'The file is damaged.', { file: 'x.wav' });
  throw new TypeError('internal detail that must stay in the log');
};

/** Ignores its signal and blocks the thread, as a stuck native call would. */
export const ignoreCancel: TaskFunction<{ blockMs: number }, { done: true }> = async (input, ctx) => {
  ctx.progress({ fraction: 0, stage: 'blocking' });
  await new Promise((resolve) => setTimeout(resolve, 20));
  const until = Date.now() + input.blockMs;
  while (Date.now() < until) {
    // busy: a synchronous session.run does not look at signals either
  }
  return { done: true };
};
