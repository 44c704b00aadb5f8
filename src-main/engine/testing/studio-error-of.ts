/**
 * Test helper: the StudioError that `work` rejects (or throws) with. Fails the test when it succeeds or
 * fails with anything else, so a test can then assert the error's code and message.
 */
import { expect } from 'vitest';
import { StudioError } from '../../../src-shared/api/errors.js';

export async function studioErrorOf(work: Promise<unknown> | (() => unknown)): Promise<StudioError> {
  try {
    await (typeof work === 'function' ? work() : work);
  } catch (error) {
    expect(error).toBeInstanceOf(StudioError);
    return error as StudioError;
  }
  throw new Error('expected a StudioError, but it succeeded');
}
