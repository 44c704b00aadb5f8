import { z } from 'zod';
import { defineEvent, defineProcedure } from './define.js';

/** Library entities. Everything the user made is trashed first; only `library.emptyTrash` deletes. */
export interface Group {
  id: string;
  name: string;
  createdAt: string;
  trashedAt: string | null;
}

export interface Speaker {
  id: string;
  groupId: string | null;
  name: string;
  createdAt: string;
  trashedAt: string | null;
  clipCount: number;
}

export interface TimeSpan {
  startSec: number;
  endSec: number;
}

export interface Clip {
  id: string;
  speakerId: string;
  /** Content address (sha256 hex of the normalised stored audio) in the media store. */
  mediaId: string;
  /** Original file name, for display. */
  name: string;
  durationSec: number;
  /** Sample rate of the source file. */
  sampleRate: number;
  channels: number;
  /** Integrated loudness (EBU R128, LUFS); null for clips too short to measure. */
  loudnessLufs: number | null;
  peakDb: number;
  /** The part of the media used as this clip; null means the whole file. */
  span: TimeSpan | null;
  transcript: string;
  phonemes: string;
  language: string;
  /** Reference to encoded codec codes, once encoded. */
  codesRef: string | null;
  metrics: Record<string, number>;
  flags: string[];
  createdAt: string;
  trashedAt: string | null;
}

export interface WaveformPeaks {
  mediaId: string;
  durationSec: number;
  /** Peaks per second of audio in `peaks`. */
  peaksPerSecond: number;
  /** Interleaved [min, max] pairs in -1..1, one pair per bucket. */
  peaks: number[];
}

/** Where an imported file comes from. `upload` ids come from the client's `upload()`. */
export const importSourceSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('path'), path: z.string().min(1).max(4096) }).strict(),
  z.object({ kind: z.literal('upload'), uploadId: z.string().min(1).max(100), name: z.string().min(1).max(255) }).strict(),
]);
export type ImportSource = z.infer<typeof importSourceSchema>;

export interface ImportFileResult {
  name: string;
  clipId: string | null;
  error: { code: string; message: string } | null;
}

/** Result of a `library.importClips` job. */
export interface ImportClipsResult {
  files: ImportFileResult[];
}

const id = z.string().min(1).max(100);
const name = z.string().trim().min(1).max(200);

export const libraryProcedures = {
  'library.listGroups': defineProcedure(
    z.object({ includeTrashed: z.boolean().default(false) }).strict(),
    'All groups.',
  ).returns<Group[]>(),
  'library.createGroup': defineProcedure(z.object({ name }).strict(), 'Create a group.').returns<Group>(),
  'library.renameGroup': defineProcedure(z.object({ id, name }).strict(), 'Rename a group.').returns<Group>(),
  'library.trashGroup': defineProcedure(z.object({ id }).strict(), 'Move a group (and its speakers) to the trash.').returns<Group>(),
  'library.restoreGroup': defineProcedure(z.object({ id }).strict(), 'Bring a group back from the trash.').returns<Group>(),

  'library.listSpeakers': defineProcedure(
    z.object({ groupId: id.nullable().optional(), includeTrashed: z.boolean().default(false) }).strict(),
    'Speakers, optionally of one group (null: ungrouped).',
  ).returns<Speaker[]>(),
  'library.createSpeaker': defineProcedure(z.object({ name, groupId: id.nullable().default(null) }).strict(), 'Create a speaker.').returns<Speaker>(),
  'library.renameSpeaker': defineProcedure(z.object({ id, name }).strict(), 'Rename a speaker.').returns<Speaker>(),
  'library.moveSpeaker': defineProcedure(z.object({ id, groupId: id.nullable() }).strict(), 'Put a speaker in another group.').returns<Speaker>(),
  'library.trashSpeaker': defineProcedure(z.object({ id }).strict(), 'Move a speaker (and its clips) to the trash.').returns<Speaker>(),
  'library.restoreSpeaker': defineProcedure(z.object({ id }).strict(), 'Bring a speaker back from the trash.').returns<Speaker>(),

  'library.listClips': defineProcedure(
    z.object({ speakerId: id, includeTrashed: z.boolean().default(false) }).strict(),
    'Clips of a speaker, oldest first.',
  ).returns<Clip[]>(),
  'library.getClip': defineProcedure(z.object({ id }).strict(), 'One clip.').returns<Clip>(),
  'library.updateClip': defineProcedure(
    z
      .object({
        id,
        name: name.optional(),
        transcript: z.string().max(10000).optional(),
        language: z.string().max(20).optional(),
        span: z
          .object({ startSec: z.number().min(0), endSec: z.number().min(0) })
          .strict()
          .refine((s) => s.endSec > s.startSec, 'span must end after it starts')
          .nullable()
          .optional(),
        flags: z.array(z.string().min(1).max(50)).max(50).optional(),
      })
      .strict(),
    'Edit a clip’s editable fields.',
  ).returns<Clip>(),
  'library.trashClip': defineProcedure(z.object({ id }).strict(), 'Move a clip to the trash.').returns<Clip>(),
  'library.restoreClip': defineProcedure(z.object({ id }).strict(), 'Bring a clip back from the trash.').returns<Clip>(),
  'library.listTrash': defineProcedure(z.object({}).strict(), 'Everything in the trash.').returns<{
    groups: Group[];
    speakers: Speaker[];
    clips: Clip[];
  }>(),
  'library.emptyTrash': defineProcedure(
    z.object({ confirm: z.literal(true) }).strict(),
    'Delete everything in the trash for good (media no longer referenced is removed).',
  ).returns<{ deleted: number }>(),

  'library.importClips': defineProcedure(
    z.object({ speakerId: id, sources: z.array(importSourceSchema).min(1).max(1000) }).strict(),
    'Decode, store and add audio files to a speaker. Returns a job; its result is ImportClipsResult.',
  ).startsJob(),
  'library.importFolder': defineProcedure(
    z.object({ path: z.string().min(1).max(4096) }).strict(),
    'Import a {group}/{speaker}/*.wav tree (the reference voices/ layout). Job result: ImportClipsResult.',
  ).startsJob(),

  'media.peaks': defineProcedure(
    z.object({ mediaId: z.string().regex(/^[0-9a-f]{64}$/), peaksPerSecond: z.number().int().min(1).max(1000).default(100) }).strict(),
    'Waveform peaks of stored media, for drawing.',
  ).returns<WaveformPeaks>(),
};

export const libraryEvents = {
  'library.changed': defineEvent<{ entity: 'group' | 'speaker' | 'clip'; id: string }>('Something in the library changed.'),
};
