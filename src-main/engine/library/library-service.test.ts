import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StudioError } from '../../../src-shared/api/errors.js';
import type { ImportSource } from '../../../src-shared/api/library.js';
import { openDatabase, type StudioDatabase } from '../db/database.js';
import type { JobContext, ProgressReport, TaskRunner } from '../jobs/job-context.js';
import { decodeAudioFile } from '../media/decode.js';
import { ingestAudio, type IngestInput } from '../media/ingest.js';
import { integratedLoudness } from '../media/loudness.js';
import { MediaStore } from '../media/media-store.js';
import type { Pcm } from '../media/pcm.js';
import { computePeaks } from '../media/peaks.js';
import { wavHeader } from '../media/wav.js';
import { listFiles, noise, sine, tempDir, writeWav } from '../media/testing/test-audio.js';
import { LibraryService } from './library-service.js';
import { studioErrorOf } from '../testing/studio-error-of.js';

let dir: string;
let allowed: string;
let mediaRoot: string;
let db: StudioDatabase;
let media: MediaStore;
let service: LibraryService;
let changes: [string, string][];
let uploads: Map<string, { path: string; name: string }>;

beforeEach(() => {
  dir = tempDir('studio-library-');
  allowed = path.join(dir, 'allowed');
  mediaRoot = path.join(dir, 'media');
  fs.mkdirSync(allowed);
  db = openDatabase(path.join(dir, 'studio.db'));
  media = new MediaStore(mediaRoot);
  changes = [];
  uploads = new Map();
  service = new LibraryService({
    db,
    media,
    allowedRoots: [allowed],
    resolveUpload: (id) => {
      const u = uploads.get(id);
      if (!u) throw new StudioError('not_found', `No upload ${id}.`);
      return u;
    },
    onChange: (entity, id) => changes.push([entity, id]),
  });
});
afterEach(() => {
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Runs 'media.ingest' in this thread, as the worker pool would in a worker. */
const inThreadTasks: TaskRunner = {
  async run<I, O>(task: string, input: I, options: { signal: AbortSignal; onProgress?: (r: ProgressReport) => void }): Promise<O> {
    if (task !== 'media.ingest') throw new Error(`unexpected task ${task}`);
    return (await ingestAudio(input as IngestInput, { signal: options.signal, progress: options.onProgress ?? (() => undefined) })) as O;
  },
};

function jobContext(controller = new AbortController(), onProgress?: (r: ProgressReport) => void): JobContext & { reports: ProgressReport[] } {
  const reports: ProgressReport[] = [];
  return {
    signal: controller.signal,
    tasks: inThreadTasks,
    reports,
    progress: (r) => {
      reports.push(r);
      onProgress?.(r);
    },
  };
}

function voice(seed: number, seconds = 1, sampleRate = 16000): Pcm {
  const hiss = noise(Math.round(seconds * sampleRate), 0.05, seed);
  return { sampleRate, channels: [sine({ sampleRate, seconds, freq: 150 + 10 * seed, amplitude: 0.4 }).map((v, i) => v + hiss[i])] };
}

const file = (rel: string) => path.join(allowed, rel);
const pathSource = (p: string): ImportSource => ({ kind: 'path', path: p });

/** Every row of every table, and every file under the media root. */
function snapshot() {
  const tables = ['groups', 'speakers', 'clips', 'generations', 'jobs'];
  return {
    rows: Object.fromEntries(tables.map((t) => [t, db.raw.prepare(`SELECT * FROM ${t} ORDER BY rowid`).all()])),
    media: listFiles(mediaRoot),
  };
}

describe('groups and speakers', () => {
  it('creates, lists and renames groups; live names are unique regardless of case', async () => {
    const a = service.createGroup({ name: 'LibriTTS' });
    const b = service.createGroup({ name: 'Audiobooks' });
    expect(service.listGroups({ includeTrashed: false }).map((g) => g.name)).toEqual(['Audiobooks', 'LibriTTS']);
    expect((await studioErrorOf(() => service.createGroup({ name: 'libritts' }))).code).toBe('conflict');
    expect((await studioErrorOf(() => service.renameGroup({ id: b.id, name: 'LIBRITTS' }))).code).toBe('conflict');
    expect(service.renameGroup({ id: a.id, name: 'libriTTS' }).name).toBe('libriTTS');
    expect((await studioErrorOf(() => service.renameGroup({ id: 'nope', name: 'x' }))).code).toBe('not_found');
    expect(changes).toEqual([
      ['group', a.id],
      ['group', b.id],
      ['group', a.id],
    ]);
  });

  it('hides a trashed group’s speakers and brings them back on restore', async () => {
    const g = service.createGroup({ name: 'G' });
    const s = service.createSpeaker({ name: 'alice', groupId: g.id });
    service.createSpeaker({ name: 'loose', groupId: null });
    const trashed = service.trashGroup({ id: g.id });
    expect(trashed.trashedAt).not.toBeNull();
    expect(service.listGroups({ includeTrashed: false })).toEqual([]);
    expect(service.listGroups({ includeTrashed: true }).map((x) => x.id)).toEqual([g.id]);
    expect(service.listSpeakers({ includeTrashed: false }).map((x) => x.name)).toEqual(['loose']);
    expect(service.listSpeakers({ groupId: g.id, includeTrashed: true }).map((x) => x.id)).toEqual([s.id]);
    expect(service.listTrash({})).toMatchObject({ groups: [{ id: g.id }], speakers: [], clips: [] });
    expect((await studioErrorOf(() => service.createSpeaker({ name: 'bob', groupId: g.id }))).code).toBe('not_found');

    // A new live group took the name meanwhile: restoring must not create a duplicate.
    const other = service.createGroup({ name: 'g' });
    expect((await studioErrorOf(() => service.restoreGroup({ id: g.id }))).code).toBe('conflict');
    service.renameGroup({ id: other.id, name: 'G2' });
    expect(service.restoreGroup({ id: g.id }).trashedAt).toBeNull();
    expect(service.listSpeakers({ groupId: g.id, includeTrashed: false }).map((x) => x.id)).toEqual([s.id]);
  });

  it('keeps speaker names unique within a group (ungrouped included) and checks moves', async () => {
    const g1 = service.createGroup({ name: 'G1' });
    const g2 = service.createGroup({ name: 'G2' });
    const a = service.createSpeaker({ name: 'Alice', groupId: g1.id });
    const a2 = service.createSpeaker({ name: 'alice', groupId: g2.id });
    service.createSpeaker({ name: 'solo', groupId: null });
    expect((await studioErrorOf(() => service.createSpeaker({ name: 'ALICE', groupId: g1.id }))).code).toBe('conflict');
    expect((await studioErrorOf(() => service.createSpeaker({ name: 'Solo', groupId: null }))).code).toBe('conflict');
    expect((await studioErrorOf(() => service.moveSpeaker({ id: a2.id, groupId: g1.id }))).code).toBe('conflict');
    expect(service.moveSpeaker({ id: a.id, groupId: null }).groupId).toBeNull();
    expect(service.listSpeakers({ groupId: null, includeTrashed: false }).map((s) => s.name)).toEqual(['Alice', 'solo']);
    expect((await studioErrorOf(() => service.listSpeakers({ groupId: 'missing', includeTrashed: false }))).code).toBe('not_found');
    expect((await studioErrorOf(() => service.moveSpeaker({ id: a.id, groupId: 'missing' }))).code).toBe('not_found');
  });

  it('will not restore a speaker whose group is still in the trash', async () => {
    const g = service.createGroup({ name: 'G' });
    const s = service.createSpeaker({ name: 'alice', groupId: g.id });
    service.trashSpeaker({ id: s.id });
    service.trashGroup({ id: g.id });
    expect((await studioErrorOf(() => service.restoreSpeaker({ id: s.id }))).code).toBe('conflict');
    service.restoreGroup({ id: g.id });
    expect(service.restoreSpeaker({ id: s.id }).trashedAt).toBeNull();
  });
});

describe('importClips', () => {
  it('imports several files, reporting per-file errors, and the job succeeds', async () => {
    const speaker = service.createSpeaker({ name: 'alice', groupId: null });
    const one = writeWav(file('one.wav'), voice(1, 1.5), 'pcm16');
    const two = writeWav(file('two.wav'), voice(2, 0.8, 22050), 'float32');
    fs.writeFileSync(file('notes.wav'), 'hello, I am text\n'.repeat(10));
    changes = [];
    const ctx = jobContext();
    const result = await service.importClips({ speakerId: speaker.id, sources: [pathSource(one), pathSource(file('notes.wav')), pathSource(two)] }, ctx);

    expect(result.files.map((f) => [f.name, f.clipId !== null, f.error?.code ?? null])).toEqual([
      ['one.wav', true, null],
      ['notes.wav', false, 'not_audio'],
      ['two.wav', true, null],
    ]);
    expect(result.files[1].error!.message).toMatch(/^notes\.wav is not an audio file/);
    const clips = service.listClips({ speakerId: speaker.id, includeTrashed: false });
    expect(clips.map((c) => c.name)).toEqual(['one.wav', 'two.wav']);
    const decoded = (await decodeAudioFile(one, 'one.wav')).pcm;
    expect(clips[0]).toMatchObject({ durationSec: 1.5, sampleRate: 16000, channels: 1, span: null, transcript: '', flags: [], trashedAt: null });
    expect(clips[0].loudnessLufs).toBeCloseTo(integratedLoudness(decoded)!, 9);
    expect(clips[1]).toMatchObject({ durationSec: 0.8, sampleRate: 22050 });
    expect(clips.every((c) => media.has(c.mediaId))).toBe(true);
    expect(service.listSpeakers({ includeTrashed: false })[0].clipCount).toBe(2);
    expect(changes).toEqual(clips.map((c) => ['clip', c.id]));
    const fractions = ctx.reports.map((r) => r.fraction!);
    expect(fractions).toEqual([...fractions].sort((a, b) => a - b));
    expect(fractions.at(-1)).toBe(1);
    expect(ctx.reports.some((r) => r.stage.includes('two.wav (3 of 3)'))).toBe(true);
  });

  describe('a single bad file fails the job with its own error and changes nothing', () => {
    const cases: [string, () => string, string][] = [
      ['text renamed .wav', () => (fs.writeFileSync(file('notes.wav'), 'plain text\n'.repeat(30)), file('notes.wav')), 'not_audio'],
      ['zero-length file', () => (fs.writeFileSync(file('empty.wav'), ''), file('empty.wav')), 'empty_audio'],
      [
        'truncated WAV',
        () => {
          const full = writeWav(file('full.wav'), voice(3, 2));
          fs.writeFileSync(file('cut.wav'), fs.readFileSync(full).subarray(0, 20000));
          return file('cut.wav');
        },
        'corrupt_audio',
      ],
      [
        '2-hour WAV',
        () => {
          const frames = 2 * 3600 * 44100;
          const header = wavHeader({ sampleRate: 44100, channels: 2, format: 'pcm16' }, frames);
          fs.writeFileSync(file('long.wav'), header);
          fs.truncateSync(file('long.wav'), header.length + frames * 4);
          return file('long.wav');
        },
        'audio_too_long',
      ],
      ['missing file', () => file('nowhere.wav'), 'not_found'],
    ];
    for (const [label, make, code] of cases) {
      it(label, async () => {
        const speaker = service.createSpeaker({ name: 'alice', groupId: null });
        const source = make();
        const before = snapshot();
        const error = await studioErrorOf(service.importClips({ speakerId: speaker.id, sources: [pathSource(source)] }, jobContext()));
        expect(error.code).toBe(code);
        expect(error.message).toContain(path.basename(source));
        expect(snapshot()).toEqual(before);
      });
    }
  });

  it('fails when every file of a multi-file import fails, with the first error', async () => {
    const speaker = service.createSpeaker({ name: 'alice', groupId: null });
    fs.writeFileSync(file('a.wav'), '');
    fs.writeFileSync(file('b.wav'), 'text');
    const before = snapshot();
    const error = await studioErrorOf(service.importClips({ speakerId: speaker.id, sources: [pathSource(file('a.wav')), pathSource(file('b.wav'))] }, jobContext()));
    expect(error.code).toBe('empty_audio');
    expect(error.message).toMatch(/None of the 2 files/);
    expect((error.details!.files as unknown[]).length).toBe(2);
    expect(snapshot()).toEqual(before);
  });

  it('refuses paths outside the allowed roots (.., symlinks) before importing anything', async () => {
    const speaker = service.createSpeaker({ name: 'alice', groupId: null });
    const good = writeWav(file('good.wav'), voice(1));
    const outside = writeWav(path.join(dir, 'outside', 'secret.wav'), voice(2));
    fs.symlinkSync(outside, file('link.wav'));
    const before = snapshot();
    for (const bad of [outside, path.join(allowed, '..', 'outside', 'secret.wav'), file('link.wav')]) {
      const error = await studioErrorOf(service.importClips({ speakerId: speaker.id, sources: [pathSource(good), pathSource(bad)] }, jobContext()));
      expect(error.code).toBe('path_not_allowed');
      expect(snapshot()).toEqual(before);
    }
  });

  it('reads a folder once the user grants it at run time, and refuses relative or missing grants', async () => {
    const speaker = service.createSpeaker({ name: 'alice', groupId: null });
    const outside = writeWav(path.join(dir, 'granted', 'take.wav'), voice(3));
    expect((await studioErrorOf(service.importClips({ speakerId: speaker.id, sources: [pathSource(outside)] }, jobContext()))).code).toBe('path_not_allowed');
    expect(() => service.allowRoots(['granted'])).toThrow(/Only absolute paths/);
    expect(() => service.allowRoots([path.join(dir, 'missing')])).toThrow(/does not exist/);
    service.allowRoots([path.dirname(outside)]);
    const result = await service.importClips({ speakerId: speaker.id, sources: [pathSource(outside)] }, jobContext());
    expect(result.files[0].error).toBeNull();
  });

  it('imports uploads, which are not subject to the allowed roots, and refuses unknown uploads', async () => {
    const speaker = service.createSpeaker({ name: 'alice', groupId: null });
    uploads.set('u1', { path: writeWav(path.join(dir, 'uploads', 'tmp-123'), voice(4)), name: 'tmp-123' });
    const result = await service.importClips({ speakerId: speaker.id, sources: [{ kind: 'upload', uploadId: 'u1', name: 'My voice.wav' }] }, jobContext());
    expect(service.getClip({ id: result.files[0].clipId! }).name).toBe('My voice.wav');
    const before = snapshot();
    const error = await studioErrorOf(service.importClips({ speakerId: speaker.id, sources: [{ kind: 'upload', uploadId: 'nope', name: 'x.wav' }] }, jobContext()));
    expect(error.code).toBe('not_found');
    expect(snapshot()).toEqual(before);
  });

  it('refuses a speaker that is missing or in the trash', async () => {
    const speaker = service.createSpeaker({ name: 'alice', groupId: null });
    service.trashSpeaker({ id: speaker.id });
    const source = pathSource(writeWav(file('a.wav'), voice(1)));
    expect((await studioErrorOf(service.importClips({ speakerId: speaker.id, sources: [source] }, jobContext()))).code).toBe('not_found');
    expect((await studioErrorOf(service.importClips({ speakerId: 'missing', sources: [source] }, jobContext()))).code).toBe('not_found');
  });

  it('on cancel keeps the files already imported and leaves no partial rows or files', async () => {
    const sources = [1, 2, 3].map((i) => pathSource(writeWav(file(`${i}.wav`), voice(i, 2))));
    // Cancel at each progress report of the second file in turn: before it starts, while decoding,
    // measuring, storing, and once it is stored (then its row is inserted: it is complete).
    const dryRun = jobContext();
    await service.importClips({ speakerId: service.createSpeaker({ name: 'dry run', groupId: null }).id, sources }, dryRun);
    const reportsOfSecond = dryRun.reports.filter((r) => r.stage.startsWith('2.wav')).length;
    for (let k = 0; k < reportsOfSecond; k++) {
      const speaker = service.createSpeaker({ name: `alice ${k}`, groupId: null });
      fs.rmSync(mediaRoot, { recursive: true, force: true });
      const controller = new AbortController();
      let seen = 0;
      let stage = '';
      const ctx = jobContext(controller, (r) => {
        if (!r.stage.startsWith('2.wav') || controller.signal.aborted) return;
        if (seen++ === k) {
          stage = `${r.stage} @ ${r.fraction!.toFixed(3)}`;
          controller.abort();
        }
      });
      const error = await studioErrorOf(service.importClips({ speakerId: speaker.id, sources }, ctx));
      expect(error.code, stage).toBe('cancelled');
      const clips = service.listClips({ speakerId: speaker.id, includeTrashed: true });
      const expected = k === reportsOfSecond - 1 ? ['1.wav', '2.wav'] : ['1.wav'];
      expect(clips.map((c) => c.name), stage).toEqual(expected);
      const ids = clips.map((c) => c.mediaId);
      expect(listFiles(mediaRoot), stage).toEqual(ids.flatMap((id) => [`${id.slice(0, 2)}/${id}.peaks`, `${id.slice(0, 2)}/${id}.wav`]).sort());
    }
    expect(reportsOfSecond).toBeGreaterThanOrEqual(5);
  });
});

describe('importFolder', () => {
  it('imports a {group}/{speaker}/* tree, reusing live groups and speakers by name', async () => {
    const existing = service.createGroup({ name: 'libritts' });
    const alice = service.createSpeaker({ name: 'Alice', groupId: existing.id });
    const trashedOther = service.createGroup({ name: 'Other' });
    service.trashGroup({ id: trashedOther.id });
    const voices = file('voices');
    writeWav(path.join(voices, 'LibriTTS', 'alice', 'a1.wav'), voice(1));
    writeWav(path.join(voices, 'LibriTTS', 'alice', 'a2.WAV'), voice(2));
    writeWav(path.join(voices, 'LibriTTS', 'bob', 'b1.wav'), voice(3));
    writeWav(path.join(voices, 'Other', 'carol', 'c1.wav'), voice(4));
    fs.writeFileSync(path.join(voices, 'Other', 'carol', 'readme.txt'), 'not audio, ignored by extension');
    fs.mkdirSync(path.join(voices, 'Other', 'dave'));
    fs.writeFileSync(path.join(voices, 'Other', 'dave', 'broken.wav'), 'text, not audio');
    writeWav(path.join(voices, 'top-level.wav'), voice(5)); // wrong depth: ignored
    writeWav(path.join(voices, '.hidden', 'x', 'h.wav'), voice(6)); // hidden: ignored
    changes = [];

    const result = await service.importFolder({ path: voices }, jobContext());
    expect(result.files.map((f) => [f.name, f.error?.code ?? null])).toEqual([
      ['LibriTTS/alice/a1.wav', null],
      ['LibriTTS/alice/a2.WAV', null],
      ['LibriTTS/bob/b1.wav', null],
      ['Other/carol/c1.wav', null],
      ['Other/dave/broken.wav', 'not_audio'],
    ]);
    const groups = service.listGroups({ includeTrashed: false });
    expect(groups.map((g) => g.name)).toEqual(['libritts', 'Other']);
    const newOther = groups.find((g) => g.name === 'Other')!;
    expect(newOther.id).not.toBe(trashedOther.id);
    expect(service.listSpeakers({ groupId: existing.id, includeTrashed: false }).map((s) => [s.name, s.clipCount])).toEqual([
      ['Alice', 2],
      ['bob', 1],
    ]);
    expect(service.listSpeakers({ groupId: existing.id, includeTrashed: false })[0].id).toBe(alice.id);
    // dave's only file failed, so dave was never created.
    expect(service.listSpeakers({ groupId: newOther.id, includeTrashed: false }).map((s) => s.name)).toEqual(['carol']);
    expect(changes.filter(([e]) => e !== 'clip').map(([e]) => e)).toEqual(['speaker', 'group', 'speaker']);
  });

  it('reports a symlink leading outside the allowed roots per file', async () => {
    const voices = file('voices');
    writeWav(path.join(voices, 'G', 's', 'ok.wav'), voice(1));
    const outside = writeWav(path.join(dir, 'outside', 'secret.wav'), voice(2));
    fs.symlinkSync(outside, path.join(voices, 'G', 's', 'secret.wav'));
    const result = await service.importFolder({ path: voices }, jobContext());
    expect(result.files.map((f) => [f.name, f.error?.code ?? null])).toEqual([
      ['G/s/ok.wav', null],
      ['G/s/secret.wav', 'path_not_allowed'],
    ]);
  });

  it('refuses a folder outside the roots, a file, a missing folder and a folder without audio', async () => {
    fs.mkdirSync(path.join(dir, 'outside', 'G', 's'), { recursive: true });
    writeWav(path.join(dir, 'outside', 'G', 's', 'a.wav'), voice(1));
    fs.mkdirSync(file('empty/G/s'), { recursive: true });
    writeWav(file('plain.wav'), voice(1));
    const before = snapshot();
    const code = async (p: string) => (await studioErrorOf(service.importFolder({ path: p }, jobContext()))).code;
    expect(await code(path.join(dir, 'outside'))).toBe('path_not_allowed');
    expect(await code(file('plain.wav'))).toBe('invalid_input');
    expect(await code(file('missing'))).toBe('not_found');
    expect(await code(file('empty'))).toBe('not_found');
    expect(snapshot()).toEqual(before);
  });
});

describe('clips, trash and media', () => {
  async function importInto(speakerId: string, ...names: string[]) {
    const result = await service.importClips({ speakerId, sources: names.map((n) => pathSource(file(n))) }, jobContext());
    return result.files.map((f) => service.getClip({ id: f.clipId! }));
  }

  it('updates editable clip fields and checks the span', async () => {
    const s = service.createSpeaker({ name: 'alice', groupId: null });
    writeWav(file('a.wav'), voice(1, 2));
    const [clip] = await importInto(s.id, 'a.wav');
    const updated = service.updateClip({ id: clip.id, name: ' First ', transcript: 'hello there', language: 'en', span: { startSec: 0.25, endSec: 1.5 }, flags: ['good', 'good', 'noisy'] });
    expect(updated).toMatchObject({ name: 'First', transcript: 'hello there', language: 'en', span: { startSec: 0.25, endSec: 1.5 }, flags: ['good', 'noisy'] });
    expect(service.getClip({ id: clip.id })).toEqual(updated);
    expect(service.updateClip({ id: clip.id, span: null }).span).toBeNull();
    expect((await studioErrorOf(() => service.updateClip({ id: clip.id, span: { startSec: 1, endSec: 2.5 } }))).code).toBe('invalid_input');
    expect((await studioErrorOf(() => service.getClip({ id: 'missing' }))).code).toBe('not_found');
  });

  it('trashes and restores clips; a clip of a trashed speaker waits for its speaker', async () => {
    const s = service.createSpeaker({ name: 'alice', groupId: null });
    writeWav(file('a.wav'), voice(1));
    const [clip] = await importInto(s.id, 'a.wav');
    service.trashClip({ id: clip.id });
    expect(service.listClips({ speakerId: s.id, includeTrashed: false })).toEqual([]);
    expect(service.listSpeakers({ includeTrashed: false })[0].clipCount).toBe(0);
    service.trashSpeaker({ id: s.id });
    expect((await studioErrorOf(() => service.restoreClip({ id: clip.id }))).code).toBe('conflict');
    service.restoreSpeaker({ id: s.id });
    expect(service.restoreClip({ id: clip.id }).trashedAt).toBeNull();
  });

  it('empties the trash in one go and removes media no longer referenced', async () => {
    writeWav(file('1.wav'), voice(1));
    writeWav(file('2.wav'), voice(2));
    writeWav(file('2-again.wav'), voice(2)); // same audio as 2.wav: same media id
    writeWav(file('4.wav'), voice(4));
    writeWav(file('5.wav'), voice(5));
    const g = service.createGroup({ name: 'G' });
    const inGroup = service.createSpeaker({ name: 'in-group', groupId: g.id });
    const trashedSpeaker = service.createSpeaker({ name: 'gone', groupId: null });
    const keeper = service.createSpeaker({ name: 'keeper', groupId: null });
    const [c1] = await importInto(inGroup.id, '1.wav');
    const [c2] = await importInto(trashedSpeaker.id, '2.wav');
    const [c3, c4, c5] = await importInto(keeper.id, '2-again.wav', '4.wav', '5.wav');
    expect(c3.mediaId).toBe(c2.mediaId);
    service.trashGroup({ id: g.id });
    service.trashSpeaker({ id: trashedSpeaker.id });
    service.trashClip({ id: c4.id });
    changes = [];

    expect(service.emptyTrash({ confirm: true })).toEqual({ deleted: 1 + 2 + 3 });
    expect(service.listTrash({})).toEqual({ groups: [], speakers: [], clips: [] });
    expect(service.listGroups({ includeTrashed: true })).toEqual([]);
    expect(service.listSpeakers({ includeTrashed: true }).map((s) => s.id)).toEqual([keeper.id]);
    expect(service.listClips({ speakerId: keeper.id, includeTrashed: true }).map((c) => c.id)).toEqual([c3.id, c5.id]);
    expect(media.has(c1.mediaId)).toBe(false);
    expect(media.has(c4.mediaId)).toBe(false);
    expect(media.has(c2.mediaId)).toBe(true); // still used by c3
    expect(media.has(c5.mediaId)).toBe(true);
    expect(listFiles(mediaRoot)).toHaveLength(4);
    expect(changes).toHaveLength(6);
    expect(service.emptyTrash({ confirm: true })).toEqual({ deleted: 0 });
  });

  it('serves waveform peaks of stored media', async () => {
    const s = service.createSpeaker({ name: 'alice', groupId: null });
    const pcm = voice(7, 1.25);
    writeWav(file('a.wav'), pcm, 'float32');
    const [clip] = await importInto(s.id, 'a.wav');
    const peaks = await service.peaks({ mediaId: clip.mediaId, peaksPerSecond: 50 });
    expect(peaks).toEqual({ mediaId: clip.mediaId, durationSec: 1.25, peaksPerSecond: 50, peaks: Array.from(computePeaks(pcm, 50)) });
    expect((await studioErrorOf(service.peaks({ mediaId: 'f'.repeat(64), peaksPerSecond: 50 }))).code).toBe('not_found');
  });
});
