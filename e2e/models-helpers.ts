import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, type Locator, type Page } from '@playwright/test';
import { MODEL_CATALOGUE } from '../src-main/engine/models/catalogue.js';
import { FakeHub } from '../src-main/engine/models/testing/fake-hub.js';
import { writeTinyValleSft } from '../src-main/engine/models/testing/tiny-checkpoints.js';
import { exampleConfigPath } from '../src-main/engine/valle/config/index.js';

/** The catalogue's reference model, which the local hub serves in a tiny version. */
export const reference = MODEL_CATALOGUE.find((c) => c.kind === 'valle')!;

/** A tiny but real reference checkpoint (.sft with its config in the metadata), as bytes. */
export async function tinyCheckpoint(options: { layers: number; seed: number }): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), 'valle-e2e-ckpt-'));
  try {
    await writeTinyValleSft(join(dir, 'fp32.sft'), options);
    return await readFile(join(dir, 'fp32.sft'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * The Hugging Face hub stand-in on the port playwright.config.ts points the web host at (VALLE_STUDIO_HUB_URL),
 * serving the reference model's repository with a tiny checkpoint and the example YAML.
 */
export async function startLocalHub(checkpoint: Buffer): Promise<{ hub: FakeHub; totalBytes: number }> {
  const port = Number(process.env.VALLE_E2E_HUB_PORT ?? 17862);
  const yaml = await readFile(exampleConfigPath());
  const hub = await FakeHub.start(
    [
      {
        repo: reference.repo,
        revision: reference.revision,
        files: [
          { path: reference.files[0].path, bytes: checkpoint },
          { path: reference.files[1].path, bytes: yaml, lfs: false },
        ],
      },
    ],
    port,
  );
  return { hub, totalBytes: checkpoint.length + yaml.length };
}

export function downloadCard(page: Page, name: string): Locator {
  return page.getByRole('list', { name: 'Downloadable models' }).getByRole('listitem', { name });
}

export function modelRow(page: Page, name: string): Locator {
  return page.getByRole('table', { name: 'Installed models' }).getByRole('row', { name: `Model ${name}` });
}

export function activeModel(page: Page): Locator {
  return page.getByRole('region', { name: 'Active model' });
}

/** Imports a checkpoint through the Import dialog's file picker (an upload on the web host). */
export async function importCheckpoint(page: Page, fileName: string, bytes: Buffer, name?: string): Promise<void> {
  await page.getByRole('button', { name: 'Import model', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Import a model' });
  await dialog.getByLabel('Checkpoint file').setInputFiles({ name: fileName, mimeType: 'application/octet-stream', buffer: bytes });
  if (name) await dialog.getByLabel('Name (optional)').fill(name);
  await dialog.getByRole('button', { name: 'Import', exact: true }).click();
  await expect(dialog).toBeHidden({ timeout: 60_000 });
}

/**
 * Specs share one web host, so a spec that needs the first-run screen removes whatever earlier specs installed
 * (through the Models view, as a person would). Expects the Models view to be open.
 */
export async function removeAllModels(page: Page): Promise<void> {
  const unload = activeModel(page).getByRole('button', { name: 'Unload' });
  if (await unload.isVisible()) {
    await unload.click();
    await expect(unload).toBeHidden();
  }
  const deleteButtons = page.getByRole('button', { name: /^Delete / });
  while ((await deleteButtons.count()) > 0) {
    const button = deleteButtons.first();
    const label = (await button.getAttribute('aria-label')) ?? (await button.innerText());
    const before = await deleteButtons.count();
    await button.click();
    await page.getByRole('dialog', { name: `${label}?` }).getByRole('button', { name: 'Delete model' }).click();
    await expect(deleteButtons).toHaveCount(before - 1);
  }
}
