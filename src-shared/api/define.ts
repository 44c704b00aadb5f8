import type { z } from 'zod';

/**
 * One procedure of the Studio API: a runtime schema for its input (the engine validates every call,
 * because a renderer is untrusted) and a compile-time type for its result.
 */
export interface ProcedureDef<I extends z.ZodType = z.ZodType, O = unknown> {
  readonly input: I;
  /** Phantom: carries the result type; never read at run time. */
  readonly output?: O;
  /** True when the procedure starts a job and returns `{ jobId }` at once. */
  readonly job: boolean;
  readonly summary: string;
}

export function defineProcedure<I extends z.ZodType>(input: I, summary: string) {
  return {
    returns<O>(): ProcedureDef<I, O> {
      return { input, job: false, summary };
    },
    /** A long operation: returns a job id now; progress and result arrive as `job.updated` events. */
    startsJob(): ProcedureDef<I, JobStarted> {
      return { input, job: true, summary };
    },
  };
}

export interface JobStarted {
  jobId: string;
}

/** Event payload types are declared with this marker so the map stays a plain object. */
export function defineEvent<P>(summary: string): EventDef<P> {
  return { summary };
}

export interface EventDef<P> {
  readonly summary: string;
  /** Phantom: carries the payload type. */
  readonly payload?: P;
}
