import { z } from 'zod';
import { defineEvent, defineProcedure } from './define.js';
import type { StudioErrorData } from './errors.js';

export const jobStates = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type JobState = (typeof jobStates)[number];

export interface JobProgress {
  /** 0..1, or null while the amount of work is unknown. */
  fraction: number | null;
  /** Short human-readable stage name ("decoding", "writing"). */
  stage: string;
  /** Seconds left, or null when it cannot be estimated yet. */
  etaSeconds: number | null;
}

export interface JobRecord {
  id: string;
  /** Which kind of work, e.g. 'library.import'. */
  kind: string;
  /** One line a person reads in the job tray. */
  title: string;
  state: JobState;
  progress: JobProgress;
  /** Set when the job failed or was cancelled. */
  error: StudioErrorData | null;
  /** Kind-specific JSON result, set when the job succeeded. */
  result: unknown;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

const jobId = z.object({ jobId: z.string().min(1).max(100) }).strict();

export const jobProcedures = {
  'jobs.list': defineProcedure(
    z.object({ limit: z.number().int().min(1).max(1000).default(100), activeOnly: z.boolean().default(false) }).strict(),
    'Jobs, newest first.',
  ).returns<JobRecord[]>(),
  'jobs.get': defineProcedure(jobId, 'One job by id.').returns<JobRecord>(),
  'jobs.cancel': defineProcedure(jobId, 'Ask a queued or running job to stop; resolves once it has.').returns<JobRecord>(),
};

export const jobEvents = {
  /** Sent on every state or progress change of any job. */
  'job.updated': defineEvent<JobRecord>('A job changed state or reported progress.'),
};
