/**
 * The voice of a generation as audio: a speaker's live clips (each trimmed to its own span), chosen clips, or
 * a staged file, optionally trimmed to a span. Everything is checked before any work: a missing clip or a span
 * outside the audio is a specific error.
 */
import { StudioError } from '../../../src-shared/api/errors.js';
import type { Voice } from '../../../src-shared/api/generate.js';
import type { TimeSpan } from '../../../src-shared/api/library.js';
import type { StudioDatabase } from '../db/database.js';
import type { MediaStore } from '../media/media-store.js';
import type { Pcm } from '../media/pcm.js';

/** Most clips of a speaker used as the prompt: the prompt is cut to a few seconds anyway. */
const MAX_SPEAKER_CLIPS = 8;

export interface ResolvedVoice {
  refs: Pcm[];
  label: string;
  /** The speaker the voice belongs to, when there is exactly one. */
  speakerId: string | null;
}

interface Part {
  mediaId: string;
  span: TimeSpan | null;
  name: string;
}

export function describeSpan(span: TimeSpan): string {
  const f = (s: number) => `${Math.floor(s / 60)}:${(s % 60).toFixed(1).padStart(4, '0')}`;
  return `${f(span.startSec)}–${f(span.endSec)}`;
}

/** Checks the voice and says what it will read, without reading audio. */
export function planVoice(db: StudioDatabase, media: MediaStore, voice: Voice): { parts: Part[]; label: string; speakerId: string | null } {
  if (voice.kind === 'speaker') {
    const speaker = db.speakers.get(voice.speakerId);
    if (!speaker || speaker.trashedAt) throw new StudioError('not_found', 'That speaker does not exist (or is in the trash).', { speakerId: voice.speakerId });
    const clips = db.clips.listBySpeaker(speaker.id, { includeTrashed: false }).slice(0, MAX_SPEAKER_CLIPS);
    if (clips.length === 0) throw new StudioError('invalid_input', `${speaker.name} has no clips to use as a voice: import some in the Library first.`, { speakerId: speaker.id });
    return {
      parts: clips.map((c) => ({ mediaId: c.mediaId, span: c.span, name: c.name })),
      label: `${speaker.name} (${clips.length} clip${clips.length === 1 ? '' : 's'})`,
      speakerId: speaker.id,
    };
  }
  if (voice.kind === 'clips') {
    const clips = voice.clipIds.map((id) => {
      const clip = db.clips.get(id);
      if (!clip || clip.trashedAt) throw new StudioError('not_found', 'A chosen clip no longer exists (or is in the trash).', { clipId: id });
      return clip;
    });
    if (voice.span && clips.length > 1) throw new StudioError('invalid_input', 'A span can trim one clip only; choose a single clip to trim it.');
    const speakers = new Set(clips.map((c) => c.speakerId));
    const speakerId = speakers.size === 1 ? clips[0].speakerId : null;
    const speakerName = speakerId ? db.speakers.get(speakerId)?.name : null;
    const names = clips.length === 1 ? clips[0].name : `${clips.length} clips`;
    const span = voice.span ?? (clips.length === 1 ? clips[0].span : null);
    const parts = clips.map((c) => ({ mediaId: c.mediaId, span: clips.length === 1 ? span : c.span, name: c.name }));
    for (const [i, c] of clips.entries()) checkSpan(parts[i].span, c.durationSec, c.name);
    return { parts, label: `${speakerName ? `${speakerName}: ` : ''}${names}${voice.span ? ` ${describeSpan(voice.span)}` : ''}`, speakerId };
  }
  if (!media.has(voice.mediaId)) throw new StudioError('not_found', `The reference file ${voice.name} is no longer stored; drop it again.`, { mediaId: voice.mediaId });
  return { parts: [{ mediaId: voice.mediaId, span: voice.span, name: voice.name }], label: `${voice.name}${voice.span ? ` ${describeSpan(voice.span)}` : ''}`, speakerId: null };
}

function checkSpan(span: TimeSpan | null, durationSec: number, name: string): void {
  if (span && span.startSec >= durationSec) {
    throw new StudioError('invalid_input', `The span of ${name} starts at ${span.startSec.toFixed(2)} s, after its end (${durationSec.toFixed(2)} s).`);
  }
}

/** Reads the planned audio, each part cut to its span (a span past the end is cut at the end). */
export async function readVoice(media: MediaStore, parts: Part[]): Promise<Pcm[]> {
  const refs: Pcm[] = [];
  for (const part of parts) {
    const pcm = await media.read(part.mediaId);
    refs.push(part.span ? trim(pcm, part.span, part.name) : pcm);
  }
  return refs;
}

export function trim(pcm: Pcm, span: TimeSpan, name: string): Pcm {
  const frames = pcm.channels[0]?.length ?? 0;
  const start = Math.min(frames, Math.round(span.startSec * pcm.sampleRate));
  const end = Math.min(frames, Math.round(span.endSec * pcm.sampleRate));
  if (end <= start) throw new StudioError('invalid_input', `The span ${describeSpan(span)} of ${name} holds no audio.`);
  return { sampleRate: pcm.sampleRate, channels: pcm.channels.map((c) => c.slice(start, end)) };
}
