import { describe, expect, it } from 'vitest';
import { microphoneErrorMessage } from './mic-recorder.js';

/** getUserMedia rejects with DOMExceptions; Node has DOMException too, with the same `name` field. */
const failure = (name: string, message = '') => new DOMException(message, name);

describe('microphoneErrorMessage', () => {
  it('tells a denied permission apart from a missing or busy microphone', () => {
    expect(microphoneErrorMessage(failure('NotAllowedError'))).toMatch(/denied.*Allow the microphone/);
    expect(microphoneErrorMessage(failure('NotFoundError'))).toMatch(/No microphone was found/);
    expect(microphoneErrorMessage(failure('NotReadableError'))).toMatch(/in use/);
  });

  it('passes on the message of anything else', () => {
    expect(microphoneErrorMessage(new Error('boom'))).toBe('Could not start the microphone: boom');
    expect(microphoneErrorMessage('nope')).toBe('Could not start the microphone.');
  });
});
