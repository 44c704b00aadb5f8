import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { StudioError } from '../../../src-shared/api/errors.js';
import type { WaveformPeaks } from '../../../src-shared/api/library.js';
import { createAtomicWriter } from './atomic-file.js';
import { decodeAudioFile } from './decode.js';
import type { Pcm } from './pcm.js';
import { frameCount } from './pcm.js';
import { computePeaks, rebucketPeaks } from './peaks.js';
import { wavHeader, wavSampleBytes } from './wav.js';

/** Peaks sidecars hold this resolution (the most media.peaks may ask for); coarser requests re-bucket it. */
export const SIDECAR_PEAKS_PER_SECOND = 1000;
const SIDECAR_MAGIC = 'VSPK';
const SIDECAR_VERSION = 1;
const SIDECAR_HEADER = 32;
const WRITE_FRAMES = 65536;
const MEDIA_ID = /^[0-9a-f]{64}$/;

/**
 * Content-addressed audio: every item is a 32-bit float WAV named by the sha256 of its bytes, at
 * `<root>/<first two hex digits>/<sha>.wav`, with a `<sha>.peaks` sidecar of waveform peaks. Items are
 * immutable; storing the same audio twice stores it once. Temp files live in `<root>/.tmp`.
 */
export class MediaStore {
  constructor(readonly root: string) {}

  /** Stores the audio (atomically: temp file, fsync, rename) and returns its content address. */
  async put(pcm: Pcm, options: { signal?: AbortSignal } = {}): Promise<{ mediaId: string }> {
    validatePcm(pcm);
    const frames = frameCount(pcm);
    const spec = { sampleRate: pcm.sampleRate, channels: pcm.channels.length, format: 'float32' as const };
    const hash = crypto.createHash('sha256');
    const writer = await createAtomicWriter(this.tmpDir);
    try {
      const header = wavHeader(spec, frames);
      hash.update(header);
      await writer.write(header);
      for (let start = 0; start < frames; start += WRITE_FRAMES) {
        if (options.signal?.aborted) throw new StudioError('cancelled', 'Cancelled.');
        const bytes = wavSampleBytes(pcm, 'float32', start, Math.min(frames, start + WRITE_FRAMES));
        hash.update(bytes);
        await writer.write(bytes);
      }
      const mediaId = hash.digest('hex');
      await writer.commit(this.pathOf(mediaId), { keepExisting: true });
      if (!fs.existsSync(this.peaksPath(mediaId))) await this.writeSidecar(mediaId, pcm);
      return { mediaId };
    } catch (error) {
      await writer.discard();
      throw error;
    }
  }

  pathOf(mediaId: string): string {
    checkId(mediaId);
    return path.join(this.root, mediaId.slice(0, 2), `${mediaId}.wav`);
  }

  has(mediaId: string): boolean {
    return MEDIA_ID.test(mediaId) && fs.existsSync(this.pathOf(mediaId));
  }

  /** Decodes a stored item back to PCM. */
  async read(mediaId: string): Promise<Pcm> {
    this.requireExisting(mediaId);
    const { pcm } = await decodeAudioFile(this.pathOf(mediaId), mediaId, { maxDurationSec: Infinity });
    return pcm;
  }

  /** Waveform peaks at `peaksPerSecond` (1..1000), from the sidecar; a missing or damaged sidecar is rebuilt. */
  async peaks(mediaId: string, peaksPerSecond: number): Promise<WaveformPeaks> {
    if (!Number.isInteger(peaksPerSecond) || peaksPerSecond < 1 || peaksPerSecond > SIDECAR_PEAKS_PER_SECOND) {
      throw new StudioError('invalid_input', `peaksPerSecond must be an integer from 1 to ${SIDECAR_PEAKS_PER_SECOND}.`);
    }
    this.requireExisting(mediaId);
    let sidecar = await this.readSidecar(mediaId);
    if (!sidecar) {
      const pcm = await this.read(mediaId);
      await this.writeSidecar(mediaId, pcm);
      sidecar = { sampleRate: pcm.sampleRate, frames: frameCount(pcm), peaks: computePeaks(pcm, SIDECAR_PEAKS_PER_SECOND) };
    }
    const peaks = rebucketPeaks(sidecar.peaks, SIDECAR_PEAKS_PER_SECOND, sidecar.frames, sidecar.sampleRate, peaksPerSecond);
    return { mediaId, durationSec: sidecar.frames / sidecar.sampleRate, peaksPerSecond, peaks: Array.from(peaks) };
  }

  /** Deletes an item and its sidecar; nothing happens when it is not there. */
  remove(mediaId: string): void {
    fs.rmSync(this.pathOf(mediaId), { force: true });
    fs.rmSync(this.peaksPath(mediaId), { force: true });
  }

  private get tmpDir(): string {
    return path.join(this.root, '.tmp');
  }

  private peaksPath(mediaId: string): string {
    checkId(mediaId);
    return path.join(this.root, mediaId.slice(0, 2), `${mediaId}.peaks`);
  }

  private requireExisting(mediaId: string): void {
    if (!this.has(mediaId)) throw new StudioError('not_found', `No stored audio with id ${mediaId}.`, { mediaId });
  }

  private async writeSidecar(mediaId: string, pcm: Pcm): Promise<void> {
    const peaks = computePeaks(pcm, SIDECAR_PEAKS_PER_SECOND);
    const header = Buffer.alloc(SIDECAR_HEADER);
    header.write(SIDECAR_MAGIC, 0, 'ascii');
    header.writeUInt32LE(SIDECAR_VERSION, 4);
    header.writeUInt32LE(pcm.sampleRate, 8);
    header.writeUInt32LE(pcm.channels.length, 12);
    header.writeDoubleLE(frameCount(pcm), 16);
    header.writeUInt32LE(SIDECAR_PEAKS_PER_SECOND, 24);
    header.writeUInt32LE(peaks.length / 2, 28);
    const writer = await createAtomicWriter(this.tmpDir);
    try {
      await writer.write(header);
      await writer.write(new Uint8Array(peaks.buffer, peaks.byteOffset, peaks.byteLength));
      await writer.commit(this.peaksPath(mediaId));
    } catch (error) {
      await writer.discard();
      throw error;
    }
  }

  /** The sidecar's contents, or null when it is missing or does not look right. */
  private async readSidecar(mediaId: string): Promise<{ sampleRate: number; frames: number; peaks: Float32Array } | null> {
    let bytes: Buffer;
    try {
      bytes = await fsp.readFile(this.peaksPath(mediaId));
    } catch {
      return null;
    }
    if (bytes.length < SIDECAR_HEADER || bytes.toString('ascii', 0, 4) !== SIDECAR_MAGIC || bytes.readUInt32LE(4) !== SIDECAR_VERSION) return null;
    const sampleRate = bytes.readUInt32LE(8);
    const frames = bytes.readDoubleLE(16);
    const count = bytes.readUInt32LE(28);
    if (bytes.readUInt32LE(24) !== SIDECAR_PEAKS_PER_SECOND || bytes.length !== SIDECAR_HEADER + count * 8 || sampleRate === 0) return null;
    const peaks = new Float32Array(count * 2);
    new Uint8Array(peaks.buffer).set(bytes.subarray(SIDECAR_HEADER));
    return { sampleRate, frames, peaks };
  }
}

function checkId(mediaId: string): void {
  if (!MEDIA_ID.test(mediaId)) throw new StudioError('invalid_input', `Not a media id: ${JSON.stringify(mediaId).slice(0, 80)}.`);
}

function validatePcm(pcm: Pcm): void {
  if (!Number.isInteger(pcm.sampleRate) || pcm.sampleRate <= 0) throw new RangeError(`invalid sample rate ${pcm.sampleRate}`);
  if (pcm.channels.length === 0) throw new RangeError('audio has no channels');
  const frames = pcm.channels[0].length;
  if (pcm.channels.some((c) => c.length !== frames)) throw new RangeError('channels differ in length');
}
