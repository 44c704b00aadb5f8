import { StudioError, type StudioErrorData } from '../../../src-shared/api/errors.js';
import type { HostLog } from './host-log.js';

/**
 * [Note: public errors] What an error may look like once it leaves the engine. A StudioError carries a code
 * and a message written for people, so it passes as is. Anything else is a bug or an environment failure whose
 * message and stack may hold paths or internals: it is logged here, on the host, and replaced by a generic
 * 'internal' error. A stack never crosses the boundary.
 */
export function toPublicError(error: unknown, log: HostLog, context: string): StudioErrorData {
  if (isStudioErrorLike(error)) return error.toData();
  log.error(`${context} failed unexpectedly`, error);
  return { code: 'internal', message: 'Something went wrong inside the studio engine; the details are in its log.' };
}

/** `instanceof` plus a structural check, so a StudioError from another copy of the module still counts. */
export function isStudioErrorLike(error: unknown): error is StudioError {
  if (error instanceof StudioError) return true;
  return (
    error instanceof Error &&
    error.name === 'StudioError' &&
    typeof (error as { code?: unknown }).code === 'string' &&
    typeof (error as { toData?: unknown }).toData === 'function'
  );
}

export function isCancellation(error: unknown): boolean {
  return isStudioErrorLike(error) && error.code === 'cancelled';
}
