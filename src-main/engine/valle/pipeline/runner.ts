/** Runs `work` on the given runner, or on sessions opened for it and always closed after. */
import type { SessionOptions } from '../../nn/runtime/session.js';
import type { GraphRunner } from '../model/graph-runner.js';
import type { ValleModel } from '../model/valle-model.js';

export async function withRunner<T>(model: ValleModel, runner: GraphRunner | undefined, session: SessionOptions | undefined, work: (runner: GraphRunner) => Promise<T>): Promise<T> {
  if (runner) return work(runner);
  const own = await model.openRunner(session ?? {});
  try {
    return await work(own);
  } finally {
    await own.dispose();
  }
}
