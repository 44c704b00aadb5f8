import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { StudioError } from '../../../src-shared/api/errors.js';
import type { InstalledModel, ModelFileRole, ModelKind } from '../../../src-shared/api/models.js';
import type { StudioDatabase } from '../db/database.js';
import { silentLog, type HostLog } from '../host/host-log.js';
import { MANIFEST_FILE, readManifest, writeManifest } from './manifest.js';

export interface ModelRegistryOptions {
  db: StudioDatabase;
  /** `<home>/models`. */
  modelsDir: string;
  onChange?: (id: string, change: 'added' | 'removed') => void;
  log?: HostLog;
}

/** A model about to be installed: its facts, without the id and time the registry gives it. */
export type NewModel = Omit<InstalledModel, 'id' | 'createdAt'>;

const STAGING = '.staging';
const REMOVING = '.removing';

/**
 * The installed models: one folder per model under `<home>/models/<id>/` holding its files and `manifest.json`,
 * and a row in the `models` table (path relative to the home, the manifest as its config) for queries and for
 * generations and runs to refer to.
 *
 * - Installing is atomic: files are assembled in `models/.staging/<uuid>/`, the manifest written there, and the
 *   folder renamed to `models/<id>/` before the row is inserted. A crash leaves either no model or a folder whose
 *   row is restored from its manifest at the next start.
 * - Deleting removes the row, then moves the folder to `models/.removing/` and deletes it, so a crash never
 *   leaves a half-deleted folder that looks like a model. Deleting is for good: models are large and re-made by
 *   importing or downloading again, so there is no trash (the UI asks for confirmation).
 */
export class ModelRegistry {
  readonly modelsDir: string;
  readonly #db: StudioDatabase;
  readonly #onChange: NonNullable<ModelRegistryOptions['onChange']>;
  readonly #log: HostLog;

  private constructor(options: ModelRegistryOptions) {
    this.modelsDir = options.modelsDir;
    this.#db = options.db;
    this.#onChange = options.onChange ?? (() => undefined);
    this.#log = options.log ?? silentLog;
  }

  /** Opens the registry and reconciles folders with rows (leftover staging and removals are cleared). */
  static async open(options: ModelRegistryOptions): Promise<ModelRegistry> {
    const registry = new ModelRegistry(options);
    await mkdir(options.modelsDir, { recursive: true });
    await registry.#reconcile();
    return registry;
  }

  list(kind?: ModelKind): InstalledModel[] {
    return this.#db.models
      .list()
      .map((row) => row.config as unknown as InstalledModel)
      .filter((m) => kind === undefined || m.kind === kind);
  }

  find(id: string): InstalledModel | null {
    const row = this.#db.models.get(id);
    return row ? (row.config as unknown as InstalledModel) : null;
  }

  get(id: string): InstalledModel {
    const model = this.find(id);
    if (!model) throw new StudioError('not_found', `There is no installed model with id ${id}.`, { id });
    return model;
  }

  folderOf(id: string): string {
    return path.join(this.modelsDir, id);
  }

  /** Absolute path of a model's first file with this role, or null. */
  fileOf(model: InstalledModel, role: ModelFileRole): string | null {
    const file = model.files.find((f) => f.role === role);
    return file ? path.join(this.folderOf(model.id), file.name) : null;
  }

  /** A fresh, empty staging folder on the same file system as the models (so installing is a rename). */
  async createStaging(): Promise<string> {
    const dir = path.join(this.modelsDir, STAGING, randomUUID());
    await mkdir(dir, { recursive: true });
    return dir;
  }

  async discardStaging(dir: string): Promise<void> {
    await rm(dir, { recursive: true, force: true }).catch((error: unknown) => this.#log.warn(`could not remove ${dir}`, error));
  }

  /**
   * Publishes a staged folder (holding exactly `model.files`) as an installed model. `idHint` becomes its id when
   * free (a slug of the name otherwise).
   */
  async install(stagingDir: string, model: NewModel, idHint?: string): Promise<InstalledModel> {
    const id = this.#freeId(idHint ?? model.name);
    const installed: InstalledModel = { ...model, id, createdAt: new Date().toISOString() };
    await writeManifest(path.join(stagingDir, MANIFEST_FILE), installed);
    const folder = this.folderOf(id);
    await rename(stagingDir, folder);
    try {
      this.#insertRow(installed);
    } catch (error) {
      await rm(folder, { recursive: true, force: true });
      throw error;
    }
    this.#onChange(id, 'added');
    return installed;
  }

  async remove(id: string): Promise<void> {
    this.get(id);
    this.#db.models.delete(id);
    const removing = path.join(this.modelsDir, REMOVING, `${id}-${randomUUID()}`);
    await mkdir(path.dirname(removing), { recursive: true });
    try {
      await rename(this.folderOf(id), removing);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    this.#onChange(id, 'removed');
    await rm(removing, { recursive: true, force: true }).catch((error: unknown) => this.#log.warn(`could not delete ${removing}`, error));
  }

  #insertRow(model: InstalledModel): void {
    this.#db.models.insert({
      id: model.id,
      name: model.name,
      kind: model.kind,
      path: path.posix.join('models', model.id),
      config: model as unknown as Record<string, unknown>,
      createdAt: model.createdAt,
    });
  }

  #freeId(hint: string): string {
    const base = slug(hint);
    for (let n = 1; ; n++) {
      const id = n === 1 ? base : `${base}-${n}`;
      if (!this.#db.models.get(id) && !existsSync(this.folderOf(id))) return id;
    }
  }

  async #reconcile(): Promise<void> {
    await rm(path.join(this.modelsDir, STAGING), { recursive: true, force: true });
    await rm(path.join(this.modelsDir, REMOVING), { recursive: true, force: true });
    const rows = new Set(this.#db.models.list().map((r) => r.id));
    for (const id of rows) {
      if (!existsSync(path.join(this.folderOf(id), MANIFEST_FILE))) {
        this.#log.warn(`model ${id} has no folder any more; forgetting it`);
        this.#db.models.delete(id);
      }
    }
    for (const entry of await readdir(this.modelsDir, { withFileTypes: true })) {
      if (!entry.isDirectory() || entry.name.startsWith('.') || rows.has(entry.name)) continue;
      const manifest = await readManifest(path.join(this.modelsDir, entry.name, MANIFEST_FILE));
      if (manifest && manifest.id === entry.name) {
        this.#log.info(`registering model ${entry.name} from its manifest`);
        this.#insertRow(manifest);
      }
    }
  }
}

/** A folder-safe id from a name: lower-case letters, digits and dashes, at most 48 characters. */
export function slug(name: string): string {
  const s = name
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 48)
    .replace(/-+$/, '');
  return s === '' ? 'model' : s;
}
