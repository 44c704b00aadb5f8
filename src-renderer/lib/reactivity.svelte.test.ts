import { flushSync } from 'svelte';
import { describe, expect, it } from 'vitest';
import { FakeClient } from '$lib/testing/fake-client.js';
import { ToastService } from '$lib/notifications/toasts.svelte.js';
import type { Speaker } from '$shared/api/library.js';
import { LibraryService } from '$lib/library/library.svelte.js';

/**
 * Pins the Svelte behaviour the services rely on: a `$derived` class field follows `$state.raw` fields
 * that are replaced after an `await`, and an effect reading it re-runs. If a Svelte upgrade changed
 * this, views would silently stop updating after engine calls.
 */
describe('service reactivity (Svelte client runtime)', () => {
  it('re-runs an effect on a derived field when an async reload replaces the state it reads', async () => {
    let speakers: Speaker[] = [];
    const client = new FakeClient()
      .handle('library.listGroups', () => [])
      .handle('library.listSpeakers', () => speakers)
      .handle('library.listTrash', () => ({ groups: [], speakers: [], clips: [] }))
      .handle('library.listClips', () => []);
    const library = new LibraryService(client, new ToastService(), null);
    const seen: (string | null)[] = [];
    const stop = $effect.root(() => {
      $effect(() => {
        seen.push(library.selectedSpeaker?.name ?? null);
      });
    });
    flushSync();
    library.select({ kind: 'speaker', id: 's1' });
    speakers = [{ id: 's1', groupId: null, name: 'Ada', createdAt: '', trashedAt: null, clipCount: 0 }];
    await library.refresh();
    flushSync();
    speakers = [{ ...speakers[0]!, name: 'Ada Lovelace' }];
    await library.refresh();
    flushSync();
    stop();
    expect(seen).toEqual([null, 'Ada', 'Ada Lovelace']);
  });
});
