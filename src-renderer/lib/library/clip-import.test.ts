import { describe, expect, it } from 'vitest';
import { FakeClient, jobRecord } from '$lib/testing/fake-client.js';
import { ToastService } from '$lib/notifications/toasts.svelte.js';
import { StudioError } from '$shared/api/errors.js';
import type { ImportClipsResult } from '$shared/api/library.js';
import type { DesktopServices } from '$shared/bridge.js';
import { LibraryService } from './library.svelte.js';
import { ClipImportService, isAudioFileName } from './clip-import.svelte.js';

function setup(result: ImportClipsResult, state: 'succeeded' | 'failed' = 'succeeded', desktop: DesktopServices | null = null) {
  const client = new FakeClient()
    .handle('library.listGroups', () => [])
    .handle('library.listSpeakers', () => [])
    .handle('library.listTrash', () => ({ groups: [], speakers: [], clips: [] }))
    .handle('library.importClips', () => ({ jobId: 'job-1' }));
  client.jobs.set(
    'job-1',
    jobRecord({
      id: 'job-1',
      state,
      result: state === 'succeeded' ? result : null,
      error: state === 'failed' ? { code: 'internal', message: 'The import worker crashed.' } : null,
    }),
  );
  const toasts = new ToastService();
  const library = new LibraryService(client, toasts, null);
  const importer = new ClipImportService(client, toasts, library, desktop);
  return { client, toasts, importer };
}

const file = (name: string, bytes = 8) => new File([new Uint8Array(bytes)], name);

describe('ClipImportService', () => {
  it('knows the audio formats by extension, case-insensitively', () => {
    expect(['a.wav', 'b.FLAC', 'c.mp3', 'd.ogg', 'e.opus'].every(isAudioFileName)).toBe(true);
    expect(['notes.txt', 'wav', 'a.wav.zip', 'x.aac'].some(isAudioFileName)).toBe(false);
  });

  it('uploads every audio file, imports them in one job and reports each failed file by name', async () => {
    const { client, toasts, importer } = setup({
      files: [
        { name: 'a.wav', clipId: 'c1', error: null },
        { name: 'b.flac', clipId: null, error: { code: 'corrupt_audio', message: 'b.flac could not be decoded.' } },
      ],
    });
    const added = await importer.importFiles('s1', [file('a.wav', 10), file('notes.txt'), file('b.flac', 20)]);
    expect(added).toBe(1);
    expect(client.uploads).toEqual([
      { name: 'a.wav', bytes: 10 },
      { name: 'b.flac', bytes: 20 },
    ]);
    expect(client.callsOf('library.importClips')).toEqual([
      {
        speakerId: 's1',
        sources: [
          { kind: 'upload', uploadId: 'upload-1', name: 'a.wav' },
          { kind: 'upload', uploadId: 'upload-2', name: 'b.flac' },
        ],
      },
    ]);
    const errors = toasts.toasts.filter((t) => t.kind === 'error').map((t) => [t.context, t.message]);
    expect(errors).toEqual([
      ['Import notes.txt', 'Not a supported audio file (use wav, flac, mp3, ogg, opus).'],
      ['Import b.flac', 'b.flac could not be decoded.'],
    ]);
    expect(toasts.toasts.some((t) => t.kind === 'success' && t.message === 'Imported 1 clip.')).toBe(true);
    expect(importer.tasks).toEqual([]);
  });

  it('skips a file whose upload fails and imports the rest', async () => {
    const { client, toasts, importer } = setup({ files: [{ name: 'b.wav', clipId: 'c2', error: null }] });
    client.uploadError = (name) => (name === 'a.wav' ? new StudioError('disk_full', 'The disk is full.') : null);
    expect(await importer.importFiles('s1', [file('a.wav'), file('b.wav')])).toBe(1);
    expect((client.callsOf('library.importClips')[0] as { sources: unknown[] }).sources).toHaveLength(1);
    expect(toasts.toasts[0]).toMatchObject({ kind: 'error', context: 'Upload a.wav', code: 'disk_full' });
  });

  it('reports a failed job with its error and adds nothing', async () => {
    const { toasts, importer } = setup({ files: [] }, 'failed');
    expect(await importer.importFiles('s1', [file('a.wav')])).toBe(0);
    expect(toasts.toasts.map((t) => [t.context, t.message])).toEqual([['Import a.wav', 'The import worker crashed.']]);
  });

  it('on the desktop, imports files that are on disk by path and uploads only the others', async () => {
    const onDisk = file('on-disk.wav');
    const desktop: DesktopServices = {
      pathsForFiles: async (files) => files.filter((f) => f === onDisk).map((f) => `/home/me/${f.name}`),
      chooseAudioFiles: async () => [],
      chooseFolder: async () => null,
      saveMedia: async () => null,
    };
    const { client, importer } = setup({ files: [] }, 'succeeded', desktop);
    await importer.importFiles('s1', [onDisk, file('made-in-script.wav')]);
    expect(client.uploads.map((u) => u.name)).toEqual(['made-in-script.wav']);
    expect((client.callsOf('library.importClips')[0] as { sources: unknown[] }).sources).toEqual([
      { kind: 'path', path: '/home/me/on-disk.wav' },
      { kind: 'upload', uploadId: 'upload-1', name: 'made-in-script.wav' },
    ]);
  });

  it('starts no job when no file is audio', async () => {
    const { client, importer } = setup({ files: [] });
    expect(await importer.importFiles('s1', [file('a.txt')])).toBe(0);
    expect(client.callsOf('library.importClips')).toEqual([]);
  });
});
