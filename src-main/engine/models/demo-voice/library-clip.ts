import { StudioError } from '../../../../src-shared/api/errors.js';
import type { StudioDatabase } from '../../db/database.js';
import type { MediaStore } from '../../media/media-store.js';
import type { DemoVoiceClip } from './create-demo-voice.js';

/** A library clip for the demo voice: its text and speaker from the database, its audio from the media store. */
export function demoVoiceClip(db: StudioDatabase, media: MediaStore, clipId: string): DemoVoiceClip {
  const clip = db.clips.get(clipId);
  if (!clip || clip.trashedAt) throw new StudioError('not_found', 'That clip does not exist (or is in the trash).', { clipId });
  const speaker = db.speakers.get(clip.speakerId);
  return {
    name: clip.name,
    speakerName: speaker?.name ?? 'unknown speaker',
    transcript: clip.transcript,
    language: clip.language,
    span: clip.span,
    read: () => media.read(clip.mediaId),
  };
}
