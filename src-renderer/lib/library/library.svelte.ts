import { CoalescedReload } from '$lib/coalesced-reload.js';
import { InjectionToken } from '$lib/context.js';
import type { ToastService } from '$lib/notifications/toasts.svelte.js';
import type { Clip, Group, Speaker } from '$shared/api/library.js';
import type { StudioClient } from '$shared/client.js';

export type LibrarySelection = { kind: 'speaker'; id: string } | { kind: 'trash' } | { kind: 'none' };

export interface TrashContents {
  groups: Group[];
  speakers: Speaker[];
  clips: Clip[];
}

const selectionKey = 'valle.library.selection';
/** Events often come in bursts (an import adds many clips): one reload serves the whole burst. */
const refreshDelayMs = 40;

/**
 * The library as the UI sees it: groups, speakers, the selected speaker's clips and the trash.
 * Every change goes through the engine; the state here is only ever replaced by what the engine
 * answers, and `library.changed` (from this window or any other) triggers a reload.
 */
export class LibraryService {
  groups = $state.raw<Group[]>([]);
  speakers = $state.raw<Speaker[]>([]);
  trash = $state.raw<TrashContents>({ groups: [], speakers: [], clips: [] });
  selection = $state.raw<LibrarySelection>({ kind: 'none' });
  /** Clips of the selected speaker, oldest first. */
  clips = $state.raw<Clip[]>([]);
  /** The speaker `clips` belong to; differs from the selection while a new list loads. */
  clipsOf = $state<string | null>(null);
  loaded = $state(false);
  loadError = $state<string | null>(null);

  selectedSpeaker: Speaker | null = $derived.by(() => {
    const selection = this.selection;
    return selection.kind === 'speaker' ? (this.speakers.find((s) => s.id === selection.id) ?? null) : null;
  });
  ungrouped: Speaker[] = $derived(this.speakers.filter((s) => s.groupId === null || !this.groups.some((g) => g.id === s.groupId)));
  trashCount: number = $derived(this.trash.groups.length + this.trash.speakers.length + this.trash.clips.length);

  #client: StudioClient;
  #toasts: ToastService;
  #off: () => void;
  #reload = new CoalescedReload(() => this.#loadAll(), refreshDelayMs);
  #storage: Storage | null;

  constructor(client: StudioClient, toasts: ToastService, storage: Storage | null = safeLocalStorage()) {
    this.#client = client;
    this.#toasts = toasts;
    this.#storage = storage;
    this.selection = readSelection(storage);
    this.#off = client.on('library.changed', () => this.#reload.schedule());
  }

  speakersOf(groupId: string): Speaker[] {
    return this.speakers.filter((s) => s.groupId === groupId);
  }

  groupName(groupId: string | null): string | null {
    if (groupId === null) return null;
    return (this.groups.find((g) => g.id === groupId) ?? this.trash.groups.find((g) => g.id === groupId))?.name ?? null;
  }

  speakerName(speakerId: string): string | null {
    return (this.speakers.find((s) => s.id === speakerId) ?? this.trash.speakers.find((s) => s.id === speakerId))?.name ?? null;
  }

  /** Reload everything shown. Concurrent requests share one reload, plus one more if asked meanwhile. */
  refresh(): Promise<void> {
    return this.#reload.run();
  }

  select(selection: LibrarySelection): void {
    this.selection = selection;
    writeSelection(this.#storage, selection);
    if (selection.kind === 'speaker') void this.#loadClips(selection.id);
  }

  // Groups ------------------------------------------------------------------------------------------

  createGroup(name: string): Promise<Group | null> {
    return this.#mutate(`Create group “${name}”`, () => this.#client.call('library.createGroup', { name }));
  }

  renameGroup(id: string, name: string): Promise<Group | null> {
    return this.#mutate('Rename group', () => this.#client.call('library.renameGroup', { id, name }));
  }

  trashGroup(id: string): Promise<Group | null> {
    return this.#mutate('Move group to trash', () => this.#client.call('library.trashGroup', { id }));
  }

  restoreGroup(id: string): Promise<Group | null> {
    return this.#mutate('Restore group', () => this.#client.call('library.restoreGroup', { id }));
  }

  // Speakers ----------------------------------------------------------------------------------------

  async createSpeaker(name: string, groupId: string | null): Promise<Speaker | null> {
    const speaker = await this.#mutate(`Create speaker “${name}”`, () => this.#client.call('library.createSpeaker', { name, groupId }));
    if (speaker) this.select({ kind: 'speaker', id: speaker.id });
    return speaker;
  }

  renameSpeaker(id: string, name: string): Promise<Speaker | null> {
    return this.#mutate('Rename speaker', () => this.#client.call('library.renameSpeaker', { id, name }));
  }

  moveSpeaker(id: string, groupId: string | null): Promise<Speaker | null> {
    return this.#mutate('Move speaker', () => this.#client.call('library.moveSpeaker', { id, groupId }));
  }

  trashSpeaker(id: string): Promise<Speaker | null> {
    return this.#mutate('Move speaker to trash', () => this.#client.call('library.trashSpeaker', { id }));
  }

  restoreSpeaker(id: string): Promise<Speaker | null> {
    return this.#mutate('Restore speaker', () => this.#client.call('library.restoreSpeaker', { id }));
  }

  // Clips -------------------------------------------------------------------------------------------

  renameClip(id: string, name: string): Promise<Clip | null> {
    return this.#mutate('Rename clip', () => this.#client.call('library.updateClip', { id, name }));
  }

  trashClip(id: string): Promise<Clip | null> {
    return this.#mutate('Move clip to trash', () => this.#client.call('library.trashClip', { id }));
  }

  restoreClip(id: string): Promise<Clip | null> {
    return this.#mutate('Restore clip', () => this.#client.call('library.restoreClip', { id }));
  }

  emptyTrash(): Promise<{ deleted: number } | null> {
    return this.#mutate('Empty trash', () => this.#client.call('library.emptyTrash', { confirm: true }));
  }

  dispose(): void {
    this.#off();
    this.#reload.dispose();
  }

  // Internals ---------------------------------------------------------------------------------------

  /** Run one change; on failure say why in a toast and answer null, so a dialog can stay open. */
  async #mutate<T>(what: string, run: () => Promise<T>): Promise<T | null> {
    try {
      const result = await run();
      await this.refresh();
      return result;
    } catch (error) {
      this.#toasts.error(error, what);
      return null;
    }
  }

  async #loadAll(): Promise<void> {
    try {
      const [groups, speakers, trash] = await Promise.all([
        this.#client.call('library.listGroups', {}),
        this.#client.call('library.listSpeakers', {}),
        this.#client.call('library.listTrash', {}),
      ]);
      this.groups = groups;
      this.speakers = speakers;
      this.trash = trash;
      this.loadError = null;
      const selection = this.selection;
      if (selection.kind === 'speaker') {
        if (speakers.some((s) => s.id === selection.id)) await this.#loadClips(selection.id);
        else this.select({ kind: 'none' });
      }
    } catch (error) {
      this.loadError = error instanceof Error ? error.message : String(error);
      if (this.loaded) this.#toasts.error(error, 'Loading the library');
    } finally {
      this.loaded = true;
    }
  }

  async #loadClips(speakerId: string): Promise<void> {
    try {
      const clips = await this.#client.call('library.listClips', { speakerId });
      // The user may have picked another speaker while this list loaded.
      const selection = this.selection;
      if (selection.kind !== 'speaker' || selection.id !== speakerId) return;
      this.clips = clips;
      this.clipsOf = speakerId;
    } catch (error) {
      this.#toasts.error(error, 'Loading clips');
    }
  }
}

function safeLocalStorage(): Storage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null;
  }
}

function readSelection(storage: Storage | null): LibrarySelection {
  const stored = storage?.getItem(selectionKey) ?? null;
  if (stored === 'trash') return { kind: 'trash' };
  if (stored?.startsWith('speaker:')) return { kind: 'speaker', id: stored.slice('speaker:'.length) };
  return { kind: 'none' };
}

function writeSelection(storage: Storage | null, selection: LibrarySelection): void {
  try {
    if (selection.kind === 'none') storage?.removeItem(selectionKey);
    else storage?.setItem(selectionKey, selection.kind === 'trash' ? 'trash' : `speaker:${selection.id}`);
  } catch {
    // Remembering the selection is a convenience; losing it is harmless.
  }
}

export const LIBRARY = new InjectionToken<LibraryService>('LibraryService');
