/**
 * Saved generation presets: named sets of settings, in one JSON file in the studio home, rewritten atomically
 * (temp file, fsync, rename) on every change. A damaged file is set aside (renamed) rather than losing the
 * studio's ability to save presets.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { StudioError } from '../../../src-shared/api/errors.js';
import { generationSettingsSchema, type GenerationPreset, type GenerationSettingsValues } from '../../../src-shared/api/generate.js';
import { createAtomicWriter } from '../media/atomic-file.js';
import type { HostLog } from '../host/host-log.js';

const MAX_PRESETS = 200;

export class PresetsStore {
  #presets = new Map<string, GenerationPreset>();
  #writing: Promise<void> = Promise.resolve();

  private constructor(private readonly file: string) {}

  static async open(file: string, log?: HostLog): Promise<PresetsStore> {
    const store = new PresetsStore(file);
    let text: string | null = null;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    if (text !== null) {
      try {
        const data = JSON.parse(text) as { presets?: unknown };
        for (const raw of Array.isArray(data.presets) ? data.presets : []) {
          const p = raw as Partial<GenerationPreset>;
          const settings = generationSettingsSchema.safeParse(p.settings);
          if (typeof p.name === 'string' && settings.success) {
            store.#presets.set(p.name, { name: p.name, settings: settings.data, updatedAt: String(p.updatedAt ?? '') });
          }
        }
      } catch (error) {
        const aside = `${file}.damaged-${Date.now()}`;
        log?.warn(`presets file is damaged; moved to ${aside}`, error);
        await fs.rename(file, aside).catch(() => undefined);
      }
    }
    return store;
  }

  list(): GenerationPreset[] {
    return [...this.#presets.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  async save(name: string, settings: GenerationSettingsValues): Promise<GenerationPreset> {
    if (!this.#presets.has(name) && this.#presets.size >= MAX_PRESETS) {
      throw new StudioError('invalid_input', `There are already ${MAX_PRESETS} presets; delete some first.`);
    }
    const preset: GenerationPreset = { name, settings, updatedAt: new Date().toISOString() };
    const before = this.#presets.get(name);
    this.#presets.set(name, preset);
    try {
      await this.#persist();
    } catch (error) {
      if (before) this.#presets.set(name, before);
      else this.#presets.delete(name);
      throw error;
    }
    return preset;
  }

  async delete(name: string): Promise<void> {
    const before = this.#presets.get(name);
    if (!before) throw new StudioError('not_found', `There is no preset named “${name}”.`);
    this.#presets.delete(name);
    try {
      await this.#persist();
    } catch (error) {
      this.#presets.set(name, before);
      throw error;
    }
  }

  /** Writes one after another, each the whole current list. */
  #persist(): Promise<void> {
    const bytes = Buffer.from(`${JSON.stringify({ version: 1, presets: this.list() }, null, 2)}\n`);
    const write = this.#writing.then(async () => {
      const writer = await createAtomicWriter(path.join(path.dirname(this.file), '.tmp'));
      try {
        await writer.write(bytes);
        await writer.commit(this.file);
      } catch (error) {
        await writer.discard();
        throw error;
      }
    });
    this.#writing = write.catch(() => undefined);
    return write;
  }
}
