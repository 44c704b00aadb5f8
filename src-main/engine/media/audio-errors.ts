import { StudioError, type ErrorCode } from '../../../src-shared/api/errors.js';

export const SUPPORTED_FORMATS_TEXT = 'WAV, FLAC, MP3, Ogg Vorbis and Opus';

/** An error about one file, its message starting with the file's display name. */
export function audioError(code: ErrorCode, name: string, text: string, details: Record<string, unknown> = {}): StudioError {
  return new StudioError(code, `${name} ${text}`, { file: name, ...details });
}

export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${Math.round(seconds * 10) / 10} s`;
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  return h > 0 ? `${h} h ${m} min` : m > 0 ? `${m} min ${r} s` : `${r} s`;
}

export function tooLong(name: string, durationSec: number | null, maxDurationSec: number): StudioError {
  const actual = durationSec === null ? `is longer than ${formatDuration(maxDurationSec)}` : `is ${formatDuration(durationSec)} long`;
  return audioError(
    'audio_too_long',
    name,
    `${actual}; clips are limited to ${formatDuration(maxDurationSec)}. Slice long recordings into shorter clips (dataset slicing) before importing.`,
    { durationSec, maxDurationSec },
  );
}
