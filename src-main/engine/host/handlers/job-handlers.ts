import type { jobProcedures } from '../../../../src-shared/api/jobs.js';
import type { HandlersFor } from '../handler-table.js';
import type { HostParts } from '../host-parts.js';

export function jobHandlers(parts: Pick<HostParts, 'jobs'>): HandlersFor<keyof typeof jobProcedures> {
  return {
    'jobs.list': (input) => parts.jobs.list(input),
    'jobs.get': (input) => parts.jobs.get(input.jobId),
    'jobs.cancel': (input) => parts.jobs.cancel(input.jobId),
  };
}
