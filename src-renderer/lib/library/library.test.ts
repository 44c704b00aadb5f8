import { describe, expect, it, vi } from 'vitest';
import { FakeClient } from '$lib/testing/fake-client.js';
import { ToastService } from '$lib/notifications/toasts.svelte.js';
import { StudioError } from '$shared/api/errors.js';
import type { Clip, Group, Speaker } from '$shared/api/library.js';
import { LibraryService } from './library.svelte.js';

function memoryStorage(): Storage {
  const map = new Map<string, string>();
  return {
    get length() {
      return map.size;
    },
    clear: () => map.clear(),
    getItem: (key) => map.get(key) ?? null,
    key: (index) => [...map.keys()][index] ?? null,
    removeItem: (key) => void map.delete(key),
    setItem: (key, value) => void map.set(key, String(value)),
  };
}

const group = (id: string, name = id): Group => ({ id, name, createdAt: '', trashedAt: null });
const speaker = (id: string, groupId: string | null = null): Speaker => ({ id, groupId, name: id, createdAt: '', trashedAt: null, clipCount: 0 });
const clip = (id: string, speakerId: string): Clip => ({
  id,
  speakerId,
  mediaId: 'a'.repeat(64),
  name: `${id}.wav`,
  durationSec: 1,
  sampleRate: 16000,
  channels: 1,
  loudnessLufs: -23,
  peakDb: -3,
  span: null,
  transcript: '',
  phonemes: '',
  language: 'en',
  codesRef: null,
  metrics: {},
  flags: [],
  createdAt: '',
  trashedAt: null,
});

/** A fake engine with a tiny in-memory library. */
function engine() {
  const state = { groups: [group('g1')], speakers: [speaker('s1', 'g1'), speaker('s2')], clips: [clip('c1', 's1'), clip('c2', 's2')] };
  const client = new FakeClient()
    .handle('library.listGroups', () => state.groups)
    .handle('library.listSpeakers', () => state.speakers)
    .handle('library.listTrash', () => ({ groups: [], speakers: [], clips: [] }))
    .handle('library.listClips', ({ speakerId }) => state.clips.filter((c) => c.speakerId === speakerId));
  return { state, client };
}

describe('LibraryService', () => {
  it('loads groups, speakers and the remembered speaker’s clips', async () => {
    const { client } = engine();
    const storage = memoryStorage();
    storage.setItem('valle.library.selection', 'speaker:s2');
    const library = new LibraryService(client, new ToastService(), storage);
    await library.refresh();
    expect(library.groups.map((g) => g.id)).toEqual(['g1']);
    expect(library.speakersOf('g1').map((s) => s.id)).toEqual(['s1']);
    expect(library.ungrouped.map((s) => s.id)).toEqual(['s2']);
    expect(library.clipsOf).toBe('s2');
    expect(library.clips.map((c) => c.id)).toEqual(['c2']);
  });

  it('forgets a selected speaker that no longer exists', async () => {
    const { client } = engine();
    const storage = memoryStorage();
    storage.setItem('valle.library.selection', 'speaker:gone');
    const library = new LibraryService(client, new ToastService(), storage);
    await library.refresh();
    expect(library.selection).toEqual({ kind: 'none' });
    expect(storage.getItem('valle.library.selection')).toBeNull();
  });

  it('serves a burst of refresh requests with one reload plus one for requests made during it', async () => {
    const { client } = engine();
    const library = new LibraryService(client, new ToastService(), memoryStorage());
    const first = library.refresh();
    const second = library.refresh();
    const third = library.refresh();
    expect(second).toBe(first);
    expect(third).toBe(first);
    await first;
    expect(client.callsOf('library.listGroups')).toHaveLength(2);
  });

  it('coalesces library.changed events into one reload', async () => {
    vi.useFakeTimers();
    try {
      const { client } = engine();
      const library = new LibraryService(client, new ToastService(), memoryStorage());
      for (let i = 0; i < 5; i++) client.emit('library.changed', { entity: 'clip', id: `c${i}` });
      await vi.advanceTimersByTimeAsync(100);
      expect(client.callsOf('library.listGroups')).toHaveLength(1);
      library.dispose();
      expect(client.listenerCount('library.changed')).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('does not show clips of a speaker the user has already left', async () => {
    const { client, state } = engine();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    client.handle('library.listClips', async ({ speakerId }) => {
      if (speakerId === 's1') await gate;
      return state.clips.filter((c) => c.speakerId === speakerId);
    });
    const library = new LibraryService(client, new ToastService(), memoryStorage());
    await library.refresh();
    library.select({ kind: 'speaker', id: 's1' });
    library.select({ kind: 'speaker', id: 's2' });
    await vi.waitFor(() => expect(library.clipsOf).toBe('s2'));
    release();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(library.clipsOf).toBe('s2');
    expect(library.clips.map((c) => c.id)).toEqual(['c2']);
  });

  it('reports a failed change as a toast, answers null and keeps its state', async () => {
    const { client } = engine();
    client.handle('library.createGroup', () => {
      throw new StudioError('conflict', 'A group named “g1” already exists.');
    });
    const toasts = new ToastService();
    const library = new LibraryService(client, toasts, memoryStorage());
    await library.refresh();
    expect(await library.createGroup('g1')).toBeNull();
    expect(toasts.toasts).toHaveLength(1);
    expect(toasts.toasts[0]).toMatchObject({ kind: 'error', code: 'conflict', message: 'A group named “g1” already exists.' });
    expect(library.groups.map((g) => g.id)).toEqual(['g1']);
  });

  it('selects a new speaker and reloads after creating it', async () => {
    const { client, state } = engine();
    client.handle('library.createSpeaker', ({ name, groupId }) => {
      const created = { ...speaker('s3', groupId ?? null), name };
      state.speakers = [...state.speakers, created];
      return created;
    });
    const storage = memoryStorage();
    const library = new LibraryService(client, new ToastService(), storage);
    await library.refresh();
    const created = await library.createSpeaker('Ada', 'g1');
    expect(created?.id).toBe('s3');
    expect(library.selection).toEqual({ kind: 'speaker', id: 's3' });
    expect(storage.getItem('valle.library.selection')).toBe('speaker:s3');
    expect(library.speakersOf('g1').map((s) => s.name)).toEqual(['s1', 'Ada']);
  });
});
