import { InjectionToken } from '$lib/context.js';
import type { ToastService } from '$lib/notifications/toasts.svelte.js';
import type {
  GenerateChunk,
  GenerateOptions,
  GenerateResult,
  Generation,
  GenerationPreset,
  GenerationSettingsValues,
  StagedReference,
  TimeSpan,
  VoiceInput,
} from '$shared/api/generate.js';
import type { JobRecord } from '$shared/api/jobs.js';
import type { DesktopServices } from '$shared/bridge.js';
import type { StudioClient } from '$shared/client.js';
import { decodeChunkSamples, GrowingSamples } from './chunk-samples.js';

export type RunPhase = 'idle' | 'running' | 'succeeded' | 'failed' | 'cancelled';

/** Where the voice comes from in the form. */
export type VoiceChoice =
  | { kind: 'speaker'; speakerId: string; clipId: string | null }
  | { kind: 'file'; staged: StagedReference }
  | { kind: 'none' };

const searchDelayMs = 150;

/**
 * The Generate view's state: the form (text, voice, settings, seed), the running generation with the audio
 * streamed so far, the history, presets and the A/B pair. Everything is the engine's answer; chunks come from
 * `generate.chunk`, completion from the job.
 */
export class GenerateService {
  options = $state.raw<GenerateOptions | null>(null);
  presets = $state.raw<GenerationPreset[]>([]);
  history = $state.raw<Generation[]>([]);
  query = $state('');
  /** The history lists the trash instead of the live generations. */
  showTrash = $state(false);

  text = $state('');
  voice = $state.raw<VoiceChoice>({ kind: 'none' });
  /** Trim of the chosen clip or file; null = all of it. */
  span = $state.raw<TimeSpan | null>(null);
  settings = $state<GenerationSettingsValues>({ language: 'en', sampler: {} });
  /** Empty = a fresh random seed. */
  seed = $state('');

  phase = $state<RunPhase>('idle');
  jobId = $state<string | null>(null);
  stage = $state('');
  fraction = $state<number | null>(null);
  error = $state<string | null>(null);
  /** Grows with each chunk; `streamedSamples` changes so views redraw. */
  readonly streamed = new GrowingSamples();
  streamedSamples = $state(0);
  chunkCount = $state(0);
  sampleRate = $state(24000);
  /** Start of each line in the streamed audio, seconds. */
  streamedLineStarts = $state.raw<number[]>([]);
  /** The finished generation shown as the result. */
  result = $state.raw<Generation | null>(null);
  compare = $state.raw<[Generation | null, Generation | null]>([null, null]);

  #client: StudioClient;
  #toasts: ToastService;
  #offs: (() => void)[] = [];
  #chunkListeners = new Set<(samples: Float32Array) => void>();
  #searchTimer: ReturnType<typeof setTimeout> | null = null;

  readonly #desktop: DesktopServices | null;

  constructor(client: StudioClient, toasts: ToastService, desktop: DesktopServices | null = null) {
    this.#client = client;
    this.#toasts = toasts;
    this.#desktop = desktop;
    this.#offs.push(
      client.on('generate.chunk', (chunk) => this.#onChunk(chunk)),
      client.on('generate.changed', () => void this.refreshHistory()),
      client.on('generate.presetsChanged', () => void this.refreshPresets()),
    );
  }

  async load(): Promise<void> {
    try {
      const [options, presets] = await Promise.all([this.#client.call('generate.options', {}), this.#client.call('generate.presets.list', {})]);
      this.options = options;
      this.presets = presets;
      await this.refreshHistory();
    } catch (error) {
      this.#toasts.error(error, 'Could not load the Generate view');
    }
  }

  async refreshHistory(): Promise<void> {
    const trashed = this.showTrash;
    const list = await this.#client.call('generate.history', { query: this.query, trashed });
    // A toggle while the call was out wins: drop the stale answer.
    if (trashed === this.showTrash) this.history = list;
  }

  /** Switches the history between the live generations and the trash. */
  async setShowTrash(on: boolean): Promise<void> {
    if (this.showTrash === on) return;
    this.showTrash = on;
    this.history = [];
    await this.refreshHistory().catch((e: unknown) => this.#toasts.error(e, on ? 'Could not list the trash' : 'Could not list the history'));
  }

  async refreshPresets(): Promise<void> {
    this.presets = await this.#client.call('generate.presets.list', {});
  }

  search(query: string): void {
    this.query = query;
    if (this.#searchTimer) clearTimeout(this.#searchTimer);
    this.#searchTimer = setTimeout(() => void this.refreshHistory().catch((e: unknown) => this.#toasts.error(e, 'Search failed')), searchDelayMs);
  }

  /** Called with each chunk's samples as it arrives (streaming playback). */
  onChunkSamples(listener: (samples: Float32Array) => void): () => void {
    this.#chunkListeners.add(listener);
    return () => this.#chunkListeners.delete(listener);
  }

  voiceInput(): VoiceInput | null {
    const v = this.voice;
    if (v.kind === 'speaker') return v.clipId ? { kind: 'clips', clipIds: [v.clipId], span: this.span } : { kind: 'speaker', speakerId: v.speakerId };
    if (v.kind === 'file') return { kind: 'media', mediaId: v.staged.mediaId, name: v.staged.name, span: this.span };
    return null;
  }

  seedValue(): number | null {
    const t = this.seed.trim();
    if (t === '') return null;
    const n = Number(t);
    return Number.isInteger(n) && n >= 0 ? n : NaN;
  }

  canGenerate(): boolean {
    return this.phase !== 'running' && this.text.trim() !== '' && this.voiceInput() !== null && !Number.isNaN(this.seedValue());
  }

  async generate(): Promise<void> {
    const voice = this.voiceInput();
    if (!voice || this.phase === 'running') return;
    const seed = this.seedValue();
    if (Number.isNaN(seed)) {
      this.#toasts.error(new Error('The seed must be a whole number (or empty for a random one).'));
      return;
    }
    await this.#run(() => this.#client.call('generate.start', { text: this.text, voice, settings: $state.snapshot(this.settings), seed }));
  }

  async rerun(generation: Generation): Promise<void> {
    if (this.phase === 'running') return;
    await this.#run(() => this.#client.call('generate.rerun', { id: generation.id }));
  }

  async cancel(): Promise<void> {
    if (!this.jobId || this.phase !== 'running') return;
    await this.#client.call('jobs.cancel', { jobId: this.jobId }).catch((e: unknown) => this.#toasts.error(e, 'Could not cancel'));
  }

  /** Puts a stored generation's settings, text and seed back in the form. */
  reuse(g: Generation): void {
    this.text = g.text;
    this.seed = String(g.seed);
    this.settings = { language: g.language as GenerationSettingsValues['language'], sampler: { ...g.sampler }, ...g.settings, codec: g.codec as GenerationSettingsValues['codec'] };
  }

  show(g: Generation): void {
    this.result = g;
  }

  async trash(g: Generation): Promise<void> {
    try {
      await this.#client.call('generate.trash', { id: g.id });
      if (this.result?.id === g.id) this.result = null;
      this.compare = [this.compare[0]?.id === g.id ? null : this.compare[0], this.compare[1]?.id === g.id ? null : this.compare[1]];
      this.#toasts.info('Moved to the trash.');
    } catch (error) {
      this.#toasts.error(error, 'Could not move it to the trash');
    }
  }

  async restore(g: Generation): Promise<void> {
    try {
      await this.#client.call('generate.restore', { id: g.id });
      await this.refreshHistory();
      this.#toasts.info('Restored from the trash.', 'success');
    } catch (error) {
      this.#toasts.error(error, 'Could not restore it');
    }
  }

  setCompare(slot: 0 | 1, g: Generation): void {
    this.compare = slot === 0 ? [g, this.compare[1]] : [this.compare[0], g];
  }

  async sendToLibrary(g: Generation, speakerId: string): Promise<void> {
    try {
      const clip = await this.#client.call('generate.sendToLibrary', { id: g.id, speakerId });
      this.#toasts.info(`Added “${clip.name}” to the library.`, 'success');
    } catch (error) {
      this.#toasts.error(error, 'Could not add it to the library');
    }
  }

  async stageFile(file: File): Promise<boolean> {
    return this.stageBytes(file.name, await file.arrayBuffer());
  }

  /** Uploads a dropped or recorded file and makes it the voice (whole, untrimmed). False if it failed. */
  async stageBytes(name: string, bytes: ArrayBuffer): Promise<boolean> {
    try {
      const { uploadId } = await this.#client.upload(name, bytes);
      const staged = await this.#client.call('generate.stageReference', { uploadId, name });
      this.voice = { kind: 'file', staged };
      this.span = null;
      return true;
    } catch (error) {
      this.#toasts.error(error, `Could not use ${name} as a voice`);
      return false;
    }
  }

  async savePreset(name: string): Promise<void> {
    try {
      await this.#client.call('generate.presets.save', { name, settings: $state.snapshot(this.settings) });
      await this.refreshPresets();
      this.#toasts.info(`Saved preset “${name}”.`, 'success');
    } catch (error) {
      this.#toasts.error(error, 'Could not save the preset');
    }
  }

  applyPreset(preset: GenerationPreset): void {
    this.settings = structuredClone(preset.settings);
  }

  async deletePreset(name: string): Promise<void> {
    try {
      await this.#client.call('generate.presets.delete', { name });
      await this.refreshPresets();
    } catch (error) {
      this.#toasts.error(error, 'Could not delete the preset');
    }
  }

  mediaUrl(mediaId: string): string {
    return this.#client.mediaUrl(mediaId);
  }

  /** True where a native save dialog exists (desktop); the web host saves through a download link instead. */
  get canSaveNatively(): boolean {
    return this.#desktop !== null;
  }

  /** Desktop: native save dialog, then the engine's stored WAV copied to the chosen path. */
  async saveNatively(mediaId: string, fileName: string): Promise<void> {
    if (!this.#desktop) return;
    try {
      const path = await this.#desktop.saveMedia(mediaId, fileName);
      if (path) this.#toasts.info(`Saved ${path}`, 'success');
    } catch (error) {
      this.#toasts.error(error, 'Could not save the audio');
    }
  }

  dispose(): void {
    for (const off of this.#offs) off();
    if (this.#searchTimer) clearTimeout(this.#searchTimer);
  }

  async #run(start: () => Promise<{ jobId: string }>): Promise<void> {
    this.phase = 'running';
    this.error = null;
    this.stage = 'starting';
    this.fraction = null;
    this.streamed.length = 0;
    this.streamedSamples = 0;
    this.chunkCount = 0;
    this.streamedLineStarts = [];
    this.result = null;
    try {
      const { jobId } = await start();
      this.jobId = jobId;
      const job = await this.#client.waitForJob(jobId, (j) => this.#onJob(j));
      this.phase = job.state === 'succeeded' ? 'succeeded' : job.state === 'cancelled' ? 'cancelled' : 'failed';
      if (job.state === 'succeeded') {
        const { generationId } = job.result as GenerateResult;
        this.result = await this.#client.call('generate.get', { id: generationId });
        await this.refreshHistory();
      } else if (job.state === 'failed') {
        this.error = job.error?.message ?? 'The generation failed.';
      }
    } catch (error) {
      this.phase = 'failed';
      this.error = error instanceof Error ? error.message : String(error);
      this.#toasts.error(error, 'Could not generate');
    }
  }

  #onJob(job: JobRecord): void {
    this.stage = job.progress.stage;
    this.fraction = job.progress.fraction;
  }

  #onChunk(chunk: GenerateChunk): void {
    if (chunk.jobId !== this.jobId || this.phase !== 'running') return;
    const samples = decodeChunkSamples(chunk.samples);
    this.sampleRate = chunk.sampleRate;
    if (chunk.kind === 'speech' && this.streamedLineStarts.length <= chunk.line) {
      this.streamedLineStarts = [...this.streamedLineStarts, chunk.startSec];
    }
    this.streamed.append(samples);
    this.streamedSamples = this.streamed.length;
    this.chunkCount++;
    for (const listener of this.#chunkListeners) listener(samples);
  }
}

export const GENERATE = new InjectionToken<GenerateService>('GenerateService');
