/**
 * Errors that cross the Studio API boundary. A stack trace never crosses: only a code the UI can branch
 * on, a message a person can read, and optional structured details.
 */
export const errorCodes = [
  'invalid_input', // the input failed its schema
  'not_found',
  'conflict', // e.g. a name already taken
  'unknown_procedure',
  'malformed_message',
  'unauthorized',
  'path_not_allowed',
  'unsupported_audio', // a format we do not decode
  'corrupt_audio', // looks like audio, fails to decode
  'not_audio', // not an audio file at all (e.g. text renamed .wav)
  'empty_audio', // zero length / zero samples
  'audio_too_long',
  'cancelled',
  'worker_crashed',
  'db_version_too_new',
  'engine_unavailable', // the engine process died or is restarting
  'disk_full',
  'network_unavailable', // the hub (or the network) cannot be reached, or the connection dropped
  'checksum_mismatch', // downloaded bytes differ from what the source says they are
  'internal',
] as const;

export type ErrorCode = (typeof errorCodes)[number];

export interface StudioErrorData {
  code: ErrorCode;
  message: string;
  details?: Record<string, unknown>;
}

export class StudioError extends Error {
  readonly code: ErrorCode;
  readonly details?: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'StudioError';
    this.code = code;
    this.details = details;
  }

  toData(): StudioErrorData {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }

  static fromData(data: StudioErrorData): StudioError {
    return new StudioError(data.code, data.message, data.details);
  }
}

export function isStudioError(value: unknown): value is StudioError {
  return value instanceof StudioError;
}
