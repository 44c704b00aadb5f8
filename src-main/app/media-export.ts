import { randomBytes } from 'node:crypto';
import { copyFile, open, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { StudioError } from '../../src-shared/api/errors.js';
import { mediaPathOf } from './media-request.js';

const MEDIA_ID = /^[0-9a-f]{64}$/;

/**
 * Writes a copy of a stored media item to a path the user chose in the native save dialog. The copy goes to a
 * temp file beside the destination, is fsynced and renamed over it, so a failure never leaves half a file and
 * never damages a file that was there before.
 */
export async function exportMedia(mediaRoot: string, mediaId: string, destination: string): Promise<void> {
  if (!MEDIA_ID.test(mediaId)) throw new StudioError('invalid_input', 'Not a media id (64 lower-case hex digits).');
  if (!isAbsolute(destination)) throw new StudioError('invalid_input', `The save path must be absolute: ${destination}`);
  const source = mediaPathOf(mediaRoot, mediaId);
  const found = await stat(source).catch(() => null);
  if (!found?.isFile()) throw new StudioError('not_found', 'That audio is no longer in the studio’s media store.');
  const temp = join(dirname(destination), `.${basename(destination)}.${randomBytes(6).toString('hex')}.partial`);
  try {
    await copyFile(source, temp);
    const handle = await open(temp, 'r+');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, destination);
  } catch (error) {
    await rm(temp, { force: true });
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOSPC') throw new StudioError('disk_full', `The disk is full; ${destination} was not written.`);
    throw new StudioError('internal', `Could not write ${destination}: ${(error as Error).message}`);
  }
}
