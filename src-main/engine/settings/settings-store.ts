import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { providerRequests, type StudioSettings } from '../../../src-shared/api/settings.js';
import { silentLog, type HostLog } from '../host/host-log.js';
import { writeFileAtomic, writeAll } from '../nn/io/atomic-write.js';

export const DEFAULT_SETTINGS: Readonly<StudioSettings> = Object.freeze({ executionProvider: 'auto', intraOpThreads: 0, interOpThreads: 0 });

const threads = z.number().int().min(0).max(256);
/** Each field on its own: one bad value in a hand-edited file costs that value, not the others. */
const fieldSchemas = {
  executionProvider: z.enum(providerRequests),
  intraOpThreads: threads,
  interOpThreads: threads,
} as const;

/**
 * The engine settings in `<home>/settings.json`, a small JSON file written atomically (temp, fsync, rename).
 * A file that is missing gives the defaults; one that cannot be read or holds bad values gives the defaults for
 * those values, with a warning in the log, and is rewritten on the next change.
 */
export class SettingsStore {
  #current: StudioSettings = { ...DEFAULT_SETTINGS };
  #writing: Promise<void> = Promise.resolve();

  private constructor(
    readonly file: string,
    private readonly log: HostLog,
  ) {}

  static async open(file: string, log: HostLog = silentLog): Promise<SettingsStore> {
    const store = new SettingsStore(file, log);
    store.#current = await readSettings(file, log);
    return store;
  }

  get current(): StudioSettings {
    return { ...this.#current };
  }

  /** Applies a validated patch and persists it; concurrent updates are written in order. */
  async update(patch: Partial<StudioSettings>): Promise<StudioSettings> {
    const next: StudioSettings = { ...this.#current };
    for (const key of Object.keys(fieldSchemas) as (keyof StudioSettings)[]) {
      if (patch[key] !== undefined) (next as unknown as Record<string, unknown>)[key] = fieldSchemas[key].parse(patch[key]);
    }
    const write = this.#writing.then(() => writeFileAtomic(this.file, (fh) => writeAll(fh, Buffer.from(`${JSON.stringify(next, null, 2)}\n`))));
    this.#writing = write.catch(() => undefined);
    await write;
    this.#current = next;
    return this.current;
  }
}

async function readSettings(file: string, log: HostLog): Promise<StudioSettings> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') log.warn(`cannot read ${file}; using default settings`, error);
    return { ...DEFAULT_SETTINGS };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    log.warn(`${file} is not valid JSON; using default settings`, error);
    return { ...DEFAULT_SETTINGS };
  }
  const settings: StudioSettings = { ...DEFAULT_SETTINGS };
  if (typeof raw !== 'object' || raw === null) return settings;
  for (const key of Object.keys(fieldSchemas) as (keyof StudioSettings)[]) {
    const value = (raw as Record<string, unknown>)[key];
    if (value === undefined) continue;
    const parsed = fieldSchemas[key].safeParse(value);
    if (parsed.success) (settings as unknown as Record<string, unknown>)[key] = parsed.data;
    else log.warn(`${file}: ignoring ${key}=${JSON.stringify(value)} (${parsed.error.issues[0]?.message ?? 'invalid'})`);
  }
  return settings;
}
