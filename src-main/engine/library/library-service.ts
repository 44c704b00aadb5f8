import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { StudioError } from '../../../src-shared/api/errors.js';
import type { OutputOf, ParsedInputOf, ProcedureName } from '../../../src-shared/api/index.js';
import type { Clip, Group, ImportClipsResult, ImportSource, Speaker } from '../../../src-shared/api/library.js';
import type { StudioDatabase } from '../db/database.js';
import type { JobContext } from '../jobs/job-context.js';
import { DEFAULT_MAX_DURATION_SEC } from '../media/decode.js';
import type { MediaStore } from '../media/media-store.js';
import { AllowedRoots } from './allowed-roots.js';
import { runImport, type ImportItem } from './clip-import.js';
import { AUDIO_EXTENSIONS, scanVoicesFolder } from './folder-scan.js';

export type LibraryEntity = 'group' | 'speaker' | 'clip';

export interface LibraryServiceOptions {
  db: StudioDatabase;
  media: MediaStore;
  /** Folders whose files may be imported by path (checked after resolving symlinks and `..`). */
  allowedRoots: string[];
  /** Where an uploaded file was put by the host; throws StudioError('not_found') for unknown ids. */
  resolveUpload(uploadId: string): { path: string; name: string };
  /** Called after each successful change, for the host's `library.changed` events. */
  onChange?(entity: LibraryEntity, id: string): void;
  /** Longest clip accepted by an import (default 30 minutes). */
  maxClipDurationSec?: number;
}

/** What a handler receives for procedure P (after schema parsing, defaults filled in). */
type In<P extends ProcedureName> = ParsedInputOf<P>;

/**
 * The library: groups, speakers and clips, their trash, and the two import jobs.
 *
 * Trash semantics: trashing a group or a speaker marks only that row; everything under it is hidden with
 * it (it drops out of normal listings) and comes back when it is restored. `listTrash` shows the rows
 * trashed themselves; `emptyTrash` deletes them together with everything hidden under them. A speaker or
 * clip cannot be restored while its group or speaker is still in the trash (restore that first), and a
 * restore that would duplicate a live name is refused with `conflict` (rename one of them first).
 * Names of live groups, and of live speakers within one group, are unique regardless of ASCII case.
 */
export class LibraryService {
  private readonly db: StudioDatabase;
  private readonly media: MediaStore;
  private readonly allowed: AllowedRoots;
  private readonly resolveUpload: LibraryServiceOptions['resolveUpload'];
  private readonly changed: (entity: LibraryEntity, id: string) => void;
  private readonly maxClipDurationSec: number;

  constructor(options: LibraryServiceOptions) {
    this.db = options.db;
    this.media = options.media;
    this.allowed = new AllowedRoots(options.allowedRoots);
    this.resolveUpload = options.resolveUpload;
    this.changed = options.onChange ?? (() => undefined);
    this.maxClipDurationSec = options.maxClipDurationSec ?? DEFAULT_MAX_DURATION_SEC;
  }

  // ── groups ───────────────────────────────────────────────────────────────────────────────────────────

  listGroups(input: In<'library.listGroups'>): OutputOf<'library.listGroups'> {
    return this.db.groups.list({ includeTrashed: input.includeTrashed });
  }

  createGroup(input: In<'library.createGroup'>): OutputOf<'library.createGroup'> {
    const name = cleanName(input.name);
    const group = this.db.transaction(() => {
      this.assertGroupNameFree(name, null);
      return this.db.groups.insert({ id: crypto.randomUUID(), name, createdAt: now(), trashedAt: null });
    });
    this.changed('group', group.id);
    return group;
  }

  renameGroup(input: In<'library.renameGroup'>): OutputOf<'library.renameGroup'> {
    const name = cleanName(input.name);
    const group = this.db.transaction(() => {
      const g = this.requireGroup(input.id);
      if (g.trashedAt === null) this.assertGroupNameFree(name, g.id);
      return this.db.groups.update(g.id, { name })!;
    });
    this.changed('group', group.id);
    return group;
  }

  trashGroup(input: In<'library.trashGroup'>): OutputOf<'library.trashGroup'> {
    const g = this.requireGroup(input.id);
    if (g.trashedAt !== null) return g;
    const group = this.db.groups.update(g.id, { trashedAt: now() })!;
    this.changed('group', group.id);
    return group;
  }

  restoreGroup(input: In<'library.restoreGroup'>): OutputOf<'library.restoreGroup'> {
    const group = this.db.transaction(() => {
      const g = this.requireGroup(input.id);
      if (g.trashedAt === null) return null;
      this.assertGroupNameFree(g.name, g.id, 'restore');
      return this.db.groups.update(g.id, { trashedAt: null })!;
    });
    if (!group) return this.requireGroup(input.id);
    this.changed('group', group.id);
    return group;
  }

  // ── speakers ─────────────────────────────────────────────────────────────────────────────────────────

  listSpeakers(input: In<'library.listSpeakers'>): OutputOf<'library.listSpeakers'> {
    if (typeof input.groupId === 'string') this.requireGroup(input.groupId);
    return this.db.speakers.list({ groupId: input.groupId, includeTrashed: input.includeTrashed });
  }

  createSpeaker(input: In<'library.createSpeaker'>): OutputOf<'library.createSpeaker'> {
    const name = cleanName(input.name);
    const speaker = this.db.transaction(() => {
      if (input.groupId !== null) this.requireLiveGroup(input.groupId);
      this.assertSpeakerNameFree(input.groupId, name, null);
      return this.db.speakers.insert({ id: crypto.randomUUID(), groupId: input.groupId, name, createdAt: now() });
    });
    this.changed('speaker', speaker.id);
    return speaker;
  }

  renameSpeaker(input: In<'library.renameSpeaker'>): OutputOf<'library.renameSpeaker'> {
    const name = cleanName(input.name);
    const speaker = this.db.transaction(() => {
      const s = this.requireSpeaker(input.id);
      if (s.trashedAt === null) this.assertSpeakerNameFree(s.groupId, name, s.id);
      return this.db.speakers.update(s.id, { name })!;
    });
    this.changed('speaker', speaker.id);
    return speaker;
  }

  moveSpeaker(input: In<'library.moveSpeaker'>): OutputOf<'library.moveSpeaker'> {
    const speaker = this.db.transaction(() => {
      const s = this.requireSpeaker(input.id);
      if (input.groupId !== null) this.requireLiveGroup(input.groupId);
      if (s.groupId === input.groupId) return s;
      if (s.trashedAt === null) this.assertSpeakerNameFree(input.groupId, s.name, s.id);
      return this.db.speakers.update(s.id, { groupId: input.groupId })!;
    });
    this.changed('speaker', speaker.id);
    return speaker;
  }

  trashSpeaker(input: In<'library.trashSpeaker'>): OutputOf<'library.trashSpeaker'> {
    const s = this.requireSpeaker(input.id);
    if (s.trashedAt !== null) return s;
    const speaker = this.db.speakers.update(s.id, { trashedAt: now() })!;
    this.changed('speaker', speaker.id);
    return speaker;
  }

  restoreSpeaker(input: In<'library.restoreSpeaker'>): OutputOf<'library.restoreSpeaker'> {
    const speaker = this.db.transaction(() => {
      const s = this.requireSpeaker(input.id);
      if (s.trashedAt === null) return null;
      const group = s.groupId === null ? null : this.db.groups.get(s.groupId);
      if (group?.trashedAt) {
        throw new StudioError('conflict', `Speaker “${s.name}” belongs to group “${group.name}”, which is in the trash: restore the group first.`);
      }
      this.assertSpeakerNameFree(s.groupId, s.name, s.id, 'restore');
      return this.db.speakers.update(s.id, { trashedAt: null })!;
    });
    if (!speaker) return this.requireSpeaker(input.id);
    this.changed('speaker', speaker.id);
    return speaker;
  }

  // ── clips ────────────────────────────────────────────────────────────────────────────────────────────

  listClips(input: In<'library.listClips'>): OutputOf<'library.listClips'> {
    this.requireSpeaker(input.speakerId);
    return this.db.clips.listBySpeaker(input.speakerId, { includeTrashed: input.includeTrashed });
  }

  getClip(input: In<'library.getClip'>): OutputOf<'library.getClip'> {
    return this.requireClip(input.id);
  }

  updateClip(input: In<'library.updateClip'>): OutputOf<'library.updateClip'> {
    const clip = this.db.transaction(() => {
      const c = this.requireClip(input.id);
      if (input.span && input.span.endSec > c.durationSec + 1e-6) {
        throw new StudioError('invalid_input', `The span ends at ${input.span.endSec} s, after the end of the clip (${c.durationSec.toFixed(3)} s).`);
      }
      return this.db.clips.update(c.id, {
        name: input.name === undefined ? undefined : cleanName(input.name),
        transcript: input.transcript,
        language: input.language?.trim(),
        span: input.span,
        flags: input.flags === undefined ? undefined : [...new Set(input.flags)],
      })!;
    });
    this.changed('clip', clip.id);
    return clip;
  }

  trashClip(input: In<'library.trashClip'>): OutputOf<'library.trashClip'> {
    const c = this.requireClip(input.id);
    if (c.trashedAt !== null) return c;
    const clip = this.db.clips.update(c.id, { trashedAt: now() })!;
    this.changed('clip', clip.id);
    return clip;
  }

  restoreClip(input: In<'library.restoreClip'>): OutputOf<'library.restoreClip'> {
    const c = this.requireClip(input.id);
    if (c.trashedAt === null) return c;
    if (!this.db.speakers.isLive(c.speakerId)) {
      const s = this.db.speakers.get(c.speakerId);
      throw new StudioError('conflict', `Clip “${c.name}” belongs to speaker “${s?.name ?? '?'}”, which is in the trash: restore the speaker first.`);
    }
    const clip = this.db.clips.update(c.id, { trashedAt: null })!;
    this.changed('clip', clip.id);
    return clip;
  }

  // ── trash ────────────────────────────────────────────────────────────────────────────────────────────

  listTrash(_input: In<'library.listTrash'>): OutputOf<'library.listTrash'> {
    return { groups: this.db.groups.listTrashed(), speakers: this.db.speakers.listTrashed(), clips: this.db.clips.listTrashed() };
  }

  /**
   * Deletes everything in the trash (rows trashed themselves and everything hidden under them) in one
   * transaction, then removes media files that no remaining clip or generation refers to.
   */
  emptyTrash(_input: In<'library.emptyTrash'>): OutputOf<'library.emptyTrash'> {
    const deleted = this.db.transaction(() => {
      const clips = this.db.clips.deleteInTrash();
      const speakers = this.db.speakers.deleteInTrash();
      const groups = this.db.groups.deleteTrashed();
      return { clips, speakers, groups };
    });
    for (const mediaId of deleted.clips.mediaIds) {
      if (!this.db.clips.isMediaReferenced(mediaId) && !this.db.generations.isMediaReferenced(mediaId)) this.media.remove(mediaId);
    }
    for (const id of deleted.groups) this.changed('group', id);
    for (const id of deleted.speakers) this.changed('speaker', id);
    for (const id of deleted.clips.ids) this.changed('clip', id);
    return { deleted: deleted.groups.length + deleted.speakers.length + deleted.clips.ids.length };
  }

  // ── media ────────────────────────────────────────────────────────────────────────────────────────────

  /** Folders (or files) the user granted at run time, e.g. chosen in a native dialog or dropped. */
  allowRoots(paths: readonly string[]): void {
    this.allowed.add(paths);
  }

  peaks(input: In<'media.peaks'>): Promise<OutputOf<'media.peaks'>> {
    return this.media.peaks(input.mediaId, input.peaksPerSecond);
  }

  // ── import jobs ──────────────────────────────────────────────────────────────────────────────────────

  /**
   * Job body of `library.importClips`. Every source is checked before anything is decoded: a path outside
   * the allowed roots (or an unknown upload) fails the whole job with nothing changed.
   */
  async importClips(input: { speakerId: string; sources: ImportSource[] }, ctx: JobContext): Promise<ImportClipsResult> {
    const speaker = this.requireSpeaker(input.speakerId);
    if (!this.db.speakers.isLive(speaker.id)) throw new StudioError('not_found', `Speaker “${speaker.name}” is in the trash.`);
    const items = input.sources.map((source): ImportItem => {
      const file = this.resolveSource(source);
      return { ...file, speakerId: () => speaker.id };
    });
    return runImport(items, this.importDeps(), ctx);
  }

  /**
   * Job body of `library.importFolder`: `<path>/<group>/<speaker>/*.{wav,flac,mp3,ogg,opus}`. Groups and
   * speakers are matched by name with live ones (case-insensitively) and created when missing — in the
   * same transaction as their first clip, so a speaker whose files all fail is not created.
   */
  async importFolder(input: { path: string }, ctx: JobContext): Promise<ImportClipsResult> {
    const root = this.allowed.check(input.path);
    let stat: fs.Stats;
    try {
      stat = fs.statSync(root);
    } catch {
      throw new StudioError('not_found', `The folder ${input.path} does not exist.`, { path: input.path });
    }
    if (!stat.isDirectory()) throw new StudioError('invalid_input', `${input.path} is not a folder.`, { path: input.path });
    const files = scanVoicesFolder(root, this.allowed);
    if (files.length === 0) {
      throw new StudioError(
        'not_found',
        `No audio files found in ${input.path}. Expected <group>/<speaker>/<file> with ${AUDIO_EXTENSIONS.join(', ')} files.`,
        { path: input.path },
      );
    }
    const items = files.map(
      (f): ImportItem => ({
        label: f.label,
        name: f.name,
        path: f.path,
        error: f.error,
        speakerId: (created) => this.findOrCreateSpeaker(f.group, f.speaker, created),
      }),
    );
    return runImport(items, this.importDeps(), ctx);
  }

  // ── helpers ──────────────────────────────────────────────────────────────────────────────────────────

  private importDeps() {
    return { db: this.db, media: this.media, maxDurationSec: this.maxClipDurationSec, onChange: this.changed };
  }

  private resolveSource(source: ImportSource): Omit<ImportItem, 'speakerId'> {
    if (source.kind === 'upload') {
      const upload = this.resolveUpload(source.uploadId);
      return { label: source.name, name: source.name, path: upload.path, error: null };
    }
    const real = this.allowed.check(source.path);
    const name = path.basename(source.path);
    const error = fs.existsSync(real) ? null : { code: 'not_found' as const, message: `${name} does not exist (${source.path}).` };
    return { label: name, name, path: real, error };
  }

  private findOrCreateSpeaker(groupName: string, speakerName: string, created: (entity: 'group' | 'speaker', id: string) => void): string {
    let group = this.db.groups.findLiveByName(groupName);
    if (!group) {
      group = this.db.groups.insert({ id: crypto.randomUUID(), name: groupName, createdAt: now(), trashedAt: null });
      created('group', group.id);
    }
    let speaker = this.db.speakers.findLiveByName(group.id, speakerName);
    if (!speaker) {
      speaker = this.db.speakers.insert({ id: crypto.randomUUID(), groupId: group.id, name: speakerName, createdAt: now() });
      created('speaker', speaker.id);
    }
    return speaker.id;
  }

  private requireGroup(id: string): Group {
    const g = this.db.groups.get(id);
    if (!g) throw new StudioError('not_found', `No group with id ${id}.`, { id });
    return g;
  }

  private requireLiveGroup(id: string): Group {
    const g = this.requireGroup(id);
    if (g.trashedAt !== null) throw new StudioError('not_found', `Group “${g.name}” is in the trash.`, { id });
    return g;
  }

  private requireSpeaker(id: string): Speaker {
    const s = this.db.speakers.get(id);
    if (!s) throw new StudioError('not_found', `No speaker with id ${id}.`, { id });
    return s;
  }

  private requireClip(id: string): Clip {
    const c = this.db.clips.get(id);
    if (!c) throw new StudioError('not_found', `No clip with id ${id}.`, { id });
    return c;
  }

  private assertGroupNameFree(name: string, selfId: string | null, action: 'create' | 'restore' = 'create'): void {
    const other = this.db.groups.findLiveByName(name);
    if (other && other.id !== selfId) {
      throw new StudioError(
        'conflict',
        action === 'restore' ? `Another group is already named “${other.name}”: rename one of them first.` : `A group named “${other.name}” already exists.`,
        { id: other.id },
      );
    }
  }

  private assertSpeakerNameFree(groupId: string | null, name: string, selfId: string | null, action: 'create' | 'restore' = 'create'): void {
    const other = this.db.speakers.findLiveByName(groupId, name);
    if (other && other.id !== selfId) {
      throw new StudioError(
        'conflict',
        action === 'restore'
          ? `Another speaker in that group is already named “${other.name}”: rename one of them first.`
          : `A speaker named “${other.name}” already exists in that group.`,
        { id: other.id },
      );
    }
  }
}

function now(): string {
  return new Date().toISOString();
}

/** The schema trims and bounds names; this guards direct callers too. */
function cleanName(name: string): string {
  const trimmed = name.trim();
  if (trimmed.length === 0 || trimmed.length > 200) throw new StudioError('invalid_input', 'A name must have 1 to 200 characters.');
  return trimmed;
}
