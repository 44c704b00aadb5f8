import { expect, test } from './fixtures.js';
import { clipRow, createGroup, createSpeakerInGroup, dropFiles, sidebar, speakerPanel, waitForEngine, waveformPixels } from './library-helpers.js';
import { chirpWav, syllablesWav } from './wav.js';

test('library: groups, speakers, drag-and-drop import, waveform, playback, rename, trash and restore, persistence', async ({ studio: page }, testInfo) => {
  const suffix = `${Date.now().toString(36)}`;
  const group = `Narrators ${suffix}`;
  const speaker = `Ada ${suffix}`;
  const renamed = `Ada Lovelace ${suffix}`;
  const clipName = 'chirp-1500ms.wav';

  await waitForEngine(page);
  await page.keyboard.press('Control+2');
  await expect(sidebar(page)).toBeVisible();

  await createGroup(page, group);
  await createSpeakerInGroup(page, group, speaker);

  // Import by drag and drop.
  await dropFiles(page, [{ name: clipName, bytes: chirpWav({ seconds: 1.5 }) }]);
  const row = clipRow(page, clipName);
  await expect(row).toBeVisible({ timeout: 60_000 });
  await expect(page.getByRole('status').filter({ hasText: 'Imported 1 clip.' })).toBeVisible();
  await expect(row).toContainText('0:01.5');
  await expect(row).toContainText('16 kHz');
  await expect(row).toContainText('LUFS');

  // The waveform is drawn from the engine's peaks, before any audio is fetched.
  const pixels = await waveformPixels(row);
  expect(pixels.width).toBeGreaterThan(100);
  expect(pixels.height).toBeGreaterThan(20);
  expect(pixels.painted).toBeGreaterThan(500);

  // Play: the media element must actually advance.
  await row.getByRole('button', { name: `Play ${clipName}` }).click();
  const audio = row.locator('audio');
  await expect.poll(() => audio.evaluate((media: HTMLMediaElement) => media.currentTime), { timeout: 15_000 }).toBeGreaterThan(0.1);
  await expect(row).toHaveAttribute('data-playing', 'true');
  await row.getByRole('button', { name: `Pause ${clipName}` }).click();
  await expect(row).toHaveAttribute('data-playing', 'false');

  // Rename the speaker inline.
  const panel = speakerPanel(page, speaker);
  await panel.getByRole('button', { name: `Rename speaker ${speaker}` }).click();
  await panel.getByRole('textbox', { name: `speaker ${speaker}` }).fill(renamed);
  await page.keyboard.press('Enter');
  await expect(speakerPanel(page, renamed)).toBeVisible();
  await expect(sidebar(page).getByRole('button', { name: new RegExp(renamed) })).toBeVisible();

  // Trash the clip, then restore it from the trash.
  await row.getByRole('button', { name: `Move ${clipName} to trash` }).click();
  await expect(row).toBeHidden();
  await sidebar(page).getByRole('button', { name: /^Trash/ }).click();
  const trashed = page.getByRole('list', { name: 'Trashed clips' }).getByRole('listitem', { name: `Clip ${clipName}` });
  await expect(trashed).toContainText(`from ${renamed}`);
  await trashed.getByRole('button', { name: `Restore clip ${clipName}` }).click();
  await expect(trashed).toBeHidden();
  await expect(page.getByText('The trash is empty')).toBeVisible();
  await sidebar(page).getByRole('button', { name: new RegExp(renamed) }).click();
  await expect(clipRow(page, clipName)).toBeVisible();

  // Everything is in the engine, not in the page: a reload shows the same library.
  await page.reload();
  await waitForEngine(page);
  await expect(sidebar(page).getByRole('listitem', { name: `Group ${group}` })).toBeVisible();
  await expect(speakerPanel(page, renamed)).toBeVisible();
  const again = clipRow(page, clipName);
  await expect(again).toBeVisible();
  expect((await waveformPixels(again)).painted).toBeGreaterThan(500);

  await page.mouse.move(0, 0);
  const shot = testInfo.outputPath('library-light.png');
  await page.screenshot({ path: shot });
  await testInfo.attach('library view (light)', { path: shot, contentType: 'image/png' });
});

test('library: a file that is not audio is refused with a message naming it', async ({ studio: page }) => {
  const suffix = Date.now().toString(36);
  await waitForEngine(page);
  await page.keyboard.press('Control+2');
  await createGroup(page, `Refusals ${suffix}`);
  await createSpeakerInGroup(page, `Refusals ${suffix}`, `Bob ${suffix}`);
  // A text file named .wav gets past the extension check and must be refused by the engine, by name.
  await dropFiles(page, [{ name: 'notes.wav', bytes: Buffer.from('this is not audio at all, just text\n'.repeat(20)) }]);
  const alert = page.getByRole('alert').filter({ hasText: 'notes.wav' });
  await expect(alert).toBeVisible({ timeout: 60_000 });
  await alert.getByRole('button', { name: 'Dismiss' }).click();
  await expect(alert).toBeHidden();
  await expect(page.getByText('No clips yet')).toBeVisible();
});

test('library: rename, move, trash and restore groups and speakers', async ({ studio: page }) => {
  const suffix = Date.now().toString(36);
  const first = `Choir ${suffix}`;
  const second = `Band ${suffix}`;
  const renamedGroup = `Chamber choir ${suffix}`;
  const speaker = `Cleo ${suffix}`;
  await waitForEngine(page);
  await page.keyboard.press('Control+2');
  await createGroup(page, first);
  await createGroup(page, second);
  await createSpeakerInGroup(page, first, speaker);

  // Rename a group inline from its row.
  const firstRow = sidebar(page).getByRole('listitem', { name: `Group ${first}` });
  await firstRow.getByRole('button', { name: `Rename group ${first}` }).click();
  await firstRow.getByRole('textbox', { name: `group ${first}` }).fill(renamedGroup);
  await page.keyboard.press('Enter');
  const renamedRow = sidebar(page).getByRole('listitem', { name: `Group ${renamedGroup}` });
  await expect(renamedRow).toBeVisible();
  await expect(renamedRow.getByRole('button', { name: new RegExp(speaker) })).toBeVisible();

  // Move the speaker to the other group.
  await speakerPanel(page, speaker).getByLabel('Group').selectOption({ label: second });
  const secondRow = sidebar(page).getByRole('listitem', { name: `Group ${second}` });
  await expect(secondRow.getByRole('button', { name: new RegExp(speaker) })).toBeVisible();
  await expect(renamedRow.getByRole('button', { name: new RegExp(speaker) })).toBeHidden();

  // Trash the speaker, then the now empty group; restore both from the trash.
  await speakerPanel(page, speaker).getByRole('button', { name: `Move speaker ${speaker} to trash` }).click();
  await expect(sidebar(page).getByRole('button', { name: new RegExp(speaker) })).toBeHidden();
  await renamedRow.getByRole('button', { name: `Move group ${renamedGroup} to trash` }).click();
  await expect(renamedRow).toBeHidden();

  await sidebar(page).getByRole('button', { name: /^Trash/ }).click();
  const trashedGroup = page.getByRole('list', { name: 'Trashed groups' }).getByRole('listitem', { name: `Group ${renamedGroup}` });
  const trashedSpeaker = page.getByRole('list', { name: 'Trashed speakers' }).getByRole('listitem', { name: `Speaker ${speaker}` });
  await expect(trashedGroup).toBeVisible();
  await expect(trashedSpeaker).toContainText(`in ${second}`);
  await trashedGroup.getByRole('button', { name: `Restore group ${renamedGroup}` }).click();
  await trashedSpeaker.getByRole('button', { name: `Restore speaker ${speaker}` }).click();
  await expect(renamedRow).toBeVisible();
  await expect(secondRow.getByRole('button', { name: new RegExp(speaker) })).toBeVisible();

  // Emptying the trash asks first; cancelling keeps everything.
  await renamedRow.getByRole('button', { name: `Move group ${renamedGroup} to trash` }).click();
  await sidebar(page).getByRole('button', { name: /^Trash/ }).click();
  await page.getByRole('button', { name: 'Empty trash…' }).click();
  const confirm = page.getByRole('dialog', { name: 'Empty the trash?' });
  await expect(confirm.getByRole('button', { name: 'Cancel' })).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(confirm).toBeHidden();
  await expect(trashedGroup).toBeVisible();
  await page.getByRole('button', { name: 'Empty trash…' }).click();
  await confirm.getByRole('button', { name: 'Delete for good' }).click();
  await expect(page.getByText('The trash is empty')).toBeVisible();
  await page.reload();
  await waitForEngine(page);
  await expect(sidebar(page).getByRole('listitem', { name: `Group ${renamedGroup}` })).toBeHidden();
  await expect(sidebar(page).getByRole('listitem', { name: `Group ${second}` })).toBeVisible();
});

test('library: import with the file picker', async ({ studio: page }) => {
  const suffix = Date.now().toString(36);
  await waitForEngine(page);
  await page.keyboard.press('Control+2');
  await createGroup(page, `Picker ${suffix}`);
  await createSpeakerInGroup(page, `Picker ${suffix}`, `Dana ${suffix}`);
  const chooser = page.waitForEvent('filechooser');
  await page.getByRole('button', { name: 'Import audio…' }).click();
  await (await chooser).setFiles([
    { name: 'picked-a.wav', mimeType: 'audio/wav', buffer: syllablesWav({ seconds: 1.8, seed: 3 }) },
    { name: 'picked-b.wav', mimeType: 'audio/wav', buffer: syllablesWav({ seconds: 2.2, seed: 9, sampleRate: 22050 }) },
  ]);
  await expect(clipRow(page, 'picked-a.wav')).toBeVisible({ timeout: 60_000 });
  await expect(clipRow(page, 'picked-b.wav')).toContainText('22.1 kHz');
  await expect(speakerPanel(page, `Dana ${suffix}`)).toContainText('2 clips');
});
