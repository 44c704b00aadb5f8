import { InjectionToken } from '$lib/context.js';
import type { ToastService } from '$lib/notifications/toasts.svelte.js';
import type { DesktopServices } from '$shared/bridge.js';
import type { ImportClipsResult, ImportSource } from '$shared/api/library.js';
import type { StudioClient } from '$shared/client.js';
import type { LibraryService } from './library.svelte.js';

export const audioExtensions = ['wav', 'flac', 'mp3', 'ogg', 'opus'] as const;
/** For `<input type=file accept=…>`. */
export const audioAccept = audioExtensions.map((ext) => `.${ext}`).join(',');

export function isAudioFileName(name: string): boolean {
  const ext = name.toLowerCase().split('.').pop() ?? '';
  return name.includes('.') && (audioExtensions as readonly string[]).includes(ext);
}

export interface ImportTask {
  id: number;
  speakerId: string;
  total: number;
  uploaded: number;
  phase: 'uploading' | 'importing';
  /** Engine job progress while importing, 0..1 or null. */
  fraction: number | null;
}

/**
 * Adding audio files to a speaker: stage each file's bytes with `upload`, start one `library.importClips`
 * job for all of them, follow it to the end, and report every file that failed by name.
 * [Note: paths on the desktop] Under Electron a file the user picked or dropped is on disk: the engine reads
 * it in place by path (the preload grants access) instead of copying its bytes through the page. Files
 * without a path (made in script, e.g. by a test) are uploaded as on the web.
 */
export class ClipImportService {
  tasks = $state.raw<ImportTask[]>([]);
  #client: StudioClient;
  #toasts: ToastService;
  #library: LibraryService;
  #desktop: DesktopServices | null;
  #nextId = 1;

  constructor(client: StudioClient, toasts: ToastService, library: LibraryService, desktop: DesktopServices | null = null) {
    this.#client = client;
    this.#toasts = toasts;
    this.#library = library;
    this.#desktop = desktop;
  }

  tasksFor(speakerId: string): ImportTask[] {
    return this.tasks.filter((task) => task.speakerId === speakerId);
  }

  /** Import the audio files among `files`; others are reported and skipped. Answers how many clips were added. */
  async importFiles(speakerId: string, files: readonly File[]): Promise<number> {
    const audio = files.filter((file) => isAudioFileName(file.name));
    for (const file of files) {
      if (!isAudioFileName(file.name)) {
        this.#toasts.error(`Not a supported audio file (use ${audioExtensions.join(', ')}).`, `Import ${file.name}`);
      }
    }
    if (audio.length === 0) return 0;

    const task: ImportTask = { id: this.#nextId++, speakerId, total: audio.length, uploaded: 0, phase: 'uploading', fraction: null };
    this.tasks = [...this.tasks, task];
    try {
      const sources: ImportSource[] = [];
      for (const [index, file] of audio.entries()) {
        try {
          sources.push(await this.#stage(file));
        } catch (error) {
          this.#toasts.error(error, `Upload ${file.name}`);
        }
        this.#update(task.id, { uploaded: index + 1 });
      }
      if (sources.length === 0) return 0;

      this.#update(task.id, { phase: 'importing' });
      const { jobId } = await this.#client.call('library.importClips', { speakerId, sources });
      const job = await this.#client.waitForJob(jobId, (update) => this.#update(task.id, { fraction: update.progress.fraction }));
      if (job.state !== 'succeeded') {
        if (job.state === 'failed') this.#toasts.error(job.error?.message ?? 'The import failed.', `Import ${describeFiles(sources)}`);
        return 0;
      }
      const result = job.result as ImportClipsResult | null;
      const files = result?.files ?? [];
      for (const file of files) {
        if (file.error) this.#toasts.error(file.error.message, `Import ${file.name}`);
      }
      const added = files.filter((file) => file.clipId !== null).length;
      if (added > 0) this.#toasts.info(`Imported ${added} clip${added === 1 ? '' : 's'}.`, 'success');
      await this.#library.refresh();
      return added;
    } catch (error) {
      this.#toasts.error(error, 'Import');
      return 0;
    } finally {
      this.tasks = this.tasks.filter((t) => t.id !== task.id);
    }
  }

  async #stage(file: File): Promise<ImportSource> {
    // One file per call: the answer leaves out files that are not on disk, so it cannot be matched up otherwise.
    const [path] = this.#desktop ? await this.#desktop.pathsForFiles([file]) : [];
    if (path) return { kind: 'path', path };
    const { uploadId } = await this.#client.upload(file.name, await file.arrayBuffer());
    return { kind: 'upload', uploadId, name: file.name };
  }

  #update(id: number, patch: Partial<ImportTask>): void {
    this.tasks = this.tasks.map((task) => (task.id === id ? { ...task, ...patch } : task));
  }
}

/** "a.wav", "a.wav and b.wav", "a.wav, b.wav and 3 more": the files a message is about. */
function describeFiles(sources: readonly ImportSource[]): string {
  const names = sources.map((source) => (source.kind === 'upload' ? source.name : (source.path.split(/[\\/]/).pop() ?? source.path)));
  if (names.length <= 2) return names.join(' and ');
  return `${names.slice(0, 2).join(', ')} and ${names.length - 2} more`;
}

export const CLIP_IMPORT = new InjectionToken<ClipImportService>('ClipImportService');
