import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { modelKinds, type InstalledModel } from '../../../src-shared/api/models.js';
import { writeAll, writeFileAtomic } from '../nn/io/atomic-write.js';

export const MANIFEST_FILE = 'manifest.json';

/**
 * `models/<id>/manifest.json`: everything known about an installed model, so its folder describes itself (the
 * database row mirrors it; a folder whose row was lost is registered again from it at start-up).
 */
const fileSchema = z.object({
  role: z.enum(['checkpoint', 'yaml', 'lora', 'weights', 'config']),
  name: z.string().min(1).refine((n) => !/[\\/]/.test(n) && n !== '..' && n !== '.', 'a plain file name'),
  bytes: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});

const originSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('imported'), fileName: z.string(), path: z.string().nullable() }),
  z.object({ kind: z.literal('hub'), repo: z.string(), revision: z.string(), catalogueId: z.string() }),
  z.object({ kind: z.literal('demo') }),
]);

export const manifestSchema = z.object({
  manifestVersion: z.literal(1),
  id: z.string().min(1),
  name: z.string().min(1),
  kind: z.enum(modelKinds),
  architecture: z.string().nullable(),
  fullName: z.string().nullable(),
  sizePreset: z.string().nullable(),
  dimensions: z
    .object({ dModel: z.number(), heads: z.number(), layers: z.number(), levels: z.number(), langs: z.number(), tasks: z.number() })
    .nullable(),
  parameterCount: z.number().nullable(),
  codec: z.string().nullable(),
  origin: originSchema,
  files: z.array(fileSchema).min(1),
  totalBytes: z.number().nonnegative(),
  lora: z
    .object({ rank: z.number(), alpha: z.number(), layers: z.number(), targets: z.array(z.string()), dModel: z.number(), parametrized: z.boolean() })
    .nullable(),
  warnings: z.array(z.string()),
  createdAt: z.string(),
});

export async function writeManifest(file: string, model: InstalledModel): Promise<void> {
  const text = `${JSON.stringify({ manifestVersion: 1, ...model }, null, 2)}\n`;
  await writeFileAtomic(file, (fh) => writeAll(fh, Buffer.from(text)));
}

/** The manifest in `file`, or null when it is missing or not a valid manifest. */
export async function readManifest(file: string): Promise<InstalledModel | null> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch {
    return null;
  }
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) return null;
  const { manifestVersion: _version, ...model } = parsed.data;
  return model;
}
