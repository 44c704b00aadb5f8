import { expect, type Locator, type Page } from '@playwright/test';

/** The library's sidebar (an <aside> labelled "Library"). */
export function sidebar(page: Page): Locator {
  return page.getByRole('complementary', { name: 'Library' });
}

export async function waitForEngine(page: Page): Promise<void> {
  await expect(page.getByRole('status').filter({ hasText: 'Engine connected' })).toBeVisible();
}

export async function createGroup(page: Page, name: string): Promise<void> {
  await sidebar(page).getByRole('button', { name: 'New group', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'New group' });
  await dialog.getByLabel('Name').fill(name);
  await dialog.getByRole('button', { name: 'Create group' }).click();
  await expect(dialog).toBeHidden();
  await expect(sidebar(page).getByRole('listitem', { name: `Group ${name}` })).toBeVisible();
}

export async function createSpeakerInGroup(page: Page, group: string, name: string): Promise<void> {
  await sidebar(page).getByRole('button', { name: `New speaker in ${group}` }).click();
  const dialog = page.getByRole('dialog', { name: 'New speaker' });
  await expect(dialog.getByLabel('Group')).toHaveValue(/.+/);
  await dialog.getByLabel('Name').fill(name);
  await dialog.getByRole('button', { name: 'Create speaker' }).click();
  await expect(dialog).toBeHidden();
  await expect(speakerPanel(page, name)).toBeVisible();
}

export function speakerPanel(page: Page, name: string): Locator {
  return page.getByRole('region', { name: `Speaker ${name}` });
}

export function clipRow(page: Page, name: string): Locator {
  return page.getByRole('listitem', { name: `Clip ${name}` });
}

/**
 * Drops files on the speaker's clip area the way a file manager would: a DataTransfer built inside the
 * page from the bytes, then dragenter, dragover and drop events carrying it.
 */
export async function dropFiles(page: Page, files: { name: string; bytes: Buffer; type?: string }[]): Promise<void> {
  const payload = files.map((file) => ({ name: file.name, type: file.type ?? 'audio/wav', base64: file.bytes.toString('base64') }));
  const dataTransfer = await page.evaluateHandle((items) => {
    const transfer = new DataTransfer();
    for (const item of items) {
      const binary = atob(item.base64);
      const bytes = new Uint8Array(binary.length);
      for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
      transfer.items.add(new File([bytes], item.name, { type: item.type }));
    }
    return transfer;
  }, payload);
  const zone = page.locator('[data-drop-active]');
  await zone.dispatchEvent('dragenter', { dataTransfer });
  await zone.dispatchEvent('dragover', { dataTransfer });
  await expect(zone).toHaveAttribute('data-drop-active', 'true');
  await zone.dispatchEvent('drop', { dataTransfer });
  await dataTransfer.dispose();
}

/** Size of the drawn waveform and how many of its pixels are painted, read from wavesurfer's shadow DOM. */
export async function waveformPixels(row: Locator): Promise<{ width: number; height: number; painted: number }> {
  const waveform = row.locator('.waveform[data-ready="true"]');
  await expect(waveform).toBeVisible();
  return waveform.evaluate((element) => {
    const hosts = [element, ...element.querySelectorAll('*')].filter((node) => node.shadowRoot);
    const canvases = hosts.flatMap((host) => [...(host.shadowRoot?.querySelectorAll('canvas') ?? [])]);
    let width = 0;
    let height = 0;
    let painted = 0;
    for (const canvas of canvases) {
      width = Math.max(width, canvas.getBoundingClientRect().width);
      height = Math.max(height, canvas.getBoundingClientRect().height);
      const context = canvas.getContext('2d');
      if (!context || canvas.width === 0 || canvas.height === 0) continue;
      const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
      for (let i = 3; i < data.length; i += 4) if ((data[i] ?? 0) > 0) painted++;
    }
    return { width, height, painted };
  });
}
