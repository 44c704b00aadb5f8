import type { Database } from 'better-sqlite3';
import type { Clip } from '../../../src-shared/api/library.js';
import { parseJson } from './sql-helpers.js';

interface ClipRow {
  id: string;
  speaker_id: string;
  media_id: string;
  name: string;
  duration_sec: number;
  sample_rate: number;
  channels: number;
  loudness_lufs: number | null;
  peak_db: number;
  span_start_sec: number | null;
  span_end_sec: number | null;
  transcript: string;
  phonemes: string;
  language: string;
  codes_ref: string | null;
  metrics_json: string;
  flags_json: string;
  created_at: string;
  trashed_at: string | null;
}

function toClip(row: ClipRow): Clip {
  return {
    id: row.id,
    speakerId: row.speaker_id,
    mediaId: row.media_id,
    name: row.name,
    durationSec: row.duration_sec,
    sampleRate: row.sample_rate,
    channels: row.channels,
    loudnessLufs: row.loudness_lufs,
    peakDb: row.peak_db,
    span: row.span_start_sec === null || row.span_end_sec === null ? null : { startSec: row.span_start_sec, endSec: row.span_end_sec },
    transcript: row.transcript,
    phonemes: row.phonemes,
    language: row.language,
    codesRef: row.codes_ref,
    metrics: parseJson<Record<string, number>>(row.metrics_json, {}),
    flags: parseJson<string[]>(row.flags_json, []),
    createdAt: row.created_at,
    trashedAt: row.trashed_at,
  };
}

function toParams(clip: Partial<Clip>): Record<string, unknown> {
  const p: Record<string, unknown> = {};
  if (clip.name !== undefined) p.name = clip.name;
  if (clip.transcript !== undefined) p.transcript = clip.transcript;
  if (clip.phonemes !== undefined) p.phonemes = clip.phonemes;
  if (clip.language !== undefined) p.language = clip.language;
  if (clip.codesRef !== undefined) p.codes_ref = clip.codesRef;
  if (clip.metrics !== undefined) p.metrics_json = JSON.stringify(clip.metrics);
  if (clip.flags !== undefined) p.flags_json = JSON.stringify(clip.flags);
  if (clip.trashedAt !== undefined) p.trashed_at = clip.trashedAt;
  if (clip.span !== undefined) {
    p.span_start_sec = clip.span?.startSec ?? null;
    p.span_end_sec = clip.span?.endSec ?? null;
  }
  return p;
}

/** In the trash: the clip itself, its speaker, or its speaker's group was trashed. */
const IN_TRASH_FROM = `
  FROM clips c JOIN speakers s ON s.id = c.speaker_id LEFT JOIN groups g ON g.id = s.group_id
  WHERE c.trashed_at IS NOT NULL OR s.trashed_at IS NOT NULL OR g.trashed_at IS NOT NULL`;

export type ClipPatch = Partial<Pick<Clip, 'name' | 'transcript' | 'phonemes' | 'language' | 'span' | 'flags' | 'metrics' | 'codesRef' | 'trashedAt'>>;

export class ClipsRepository {
  constructor(private readonly db: Database) {}

  insert(clip: Clip): Clip {
    this.db
      .prepare(
        `INSERT INTO clips (id, speaker_id, media_id, name, duration_sec, sample_rate, channels, loudness_lufs, peak_db,
           span_start_sec, span_end_sec, transcript, phonemes, language, codes_ref, metrics_json, flags_json, created_at, trashed_at)
         VALUES (@id, @speaker_id, @media_id, @name, @duration_sec, @sample_rate, @channels, @loudness_lufs, @peak_db,
           @span_start_sec, @span_end_sec, @transcript, @phonemes, @language, @codes_ref, @metrics_json, @flags_json, @created_at, @trashed_at)`,
      )
      .run({
        ...toParams(clip),
        id: clip.id,
        speaker_id: clip.speakerId,
        media_id: clip.mediaId,
        duration_sec: clip.durationSec,
        sample_rate: clip.sampleRate,
        channels: clip.channels,
        loudness_lufs: clip.loudnessLufs,
        peak_db: clip.peakDb,
        created_at: clip.createdAt,
      });
    return this.get(clip.id) as Clip;
  }

  get(id: string): Clip | null {
    const row = this.db.prepare('SELECT * FROM clips WHERE id = ?').get(id) as ClipRow | undefined;
    return row ? toClip(row) : null;
  }

  /** Oldest first. */
  listBySpeaker(speakerId: string, options: { includeTrashed: boolean }): Clip[] {
    const trashed = options.includeTrashed ? '' : 'AND trashed_at IS NULL';
    const rows = this.db
      .prepare(`SELECT * FROM clips WHERE speaker_id = ? ${trashed} ORDER BY created_at, rowid`)
      .all(speakerId) as ClipRow[];
    return rows.map(toClip);
  }

  /** Clips trashed themselves (not those only hidden with a trashed speaker or group). */
  listTrashed(): Clip[] {
    const rows = this.db.prepare('SELECT * FROM clips WHERE trashed_at IS NOT NULL ORDER BY trashed_at, rowid').all() as ClipRow[];
    return rows.map(toClip);
  }

  /** Returns the updated clip, or null when there is none with this id. */
  update(id: string, patch: ClipPatch): Clip | null {
    const params = toParams(patch);
    const columns = Object.keys(params);
    if (columns.length > 0) {
      this.db.prepare(`UPDATE clips SET ${columns.map((c) => `${c} = @${c}`).join(', ')} WHERE id = @id`).run({ ...params, id });
    }
    return this.get(id);
  }

  isMediaReferenced(mediaId: string): boolean {
    return this.db.prepare('SELECT 1 FROM clips WHERE media_id = ? LIMIT 1').get(mediaId) !== undefined;
  }

  /** Deletes every clip in the trash; returns their ids and the media they used. */
  deleteInTrash(): { ids: string[]; mediaIds: string[] } {
    const rows = this.db.prepare(`SELECT c.id, c.media_id ${IN_TRASH_FROM}`).all() as { id: string; media_id: string }[];
    const del = this.db.prepare('DELETE FROM clips WHERE id = ?');
    for (const row of rows) del.run(row.id);
    return { ids: rows.map((r) => r.id), mediaIds: [...new Set(rows.map((r) => r.media_id))] };
  }
}
