import { createAtomicWriter, type AtomicWriter } from './atomic-file.js';
import { wavHeader, wavSampleBytes, type WavSpec } from './wav.js';

/** Sample bytes are gathered up to this size before each write, so small chunks cost few syscalls. */
const FLUSH_BYTES = 256 * 1024;

/**
 * Writes a WAV file of a known length piece by piece, through an atomic temp file: nothing appears at the
 * target until `commit`, and the file's header is final from the first byte (no seek back to patch it).
 */
export interface WavStreamWriter {
  readonly spec: WavSpec;
  readonly frames: number;
  readonly framesWritten: number;
  /** Appends frames [start, end) of `channels` (one array per channel, as many channels as the spec). */
  write(channels: readonly Float32Array[], start?: number, end?: number): Promise<void>;
  /** Checks that exactly `frames` frames were written, then fsyncs and renames into place. */
  commit(target: string): Promise<void>;
  /** Drops the temp file; safe after a failure and more than once. */
  discard(): Promise<void>;
}

/** `tmpDir` must be on the same filesystem as the eventual target (the commit is a rename). */
export async function createWavStreamWriter(tmpDir: string, spec: WavSpec, frames: number): Promise<WavStreamWriter> {
  if (!Number.isInteger(frames) || frames < 0) throw new RangeError(`invalid frame count ${frames}`);
  const header = wavHeader(spec, frames); // validates the spec before any file exists
  const file: AtomicWriter = await createAtomicWriter(tmpDir);
  const pending: Buffer[] = [header];
  let pendingBytes = header.length;
  let written = 0;
  const flush = async () => {
    if (pendingBytes === 0) return;
    const bytes = pending.length === 1 ? pending[0] : Buffer.concat(pending, pendingBytes);
    pending.length = 0;
    pendingBytes = 0;
    await file.write(bytes);
  };
  return {
    spec,
    frames,
    get framesWritten() {
      return written;
    },
    async write(channels, start = 0, end = channels[0]?.length ?? 0) {
      if (channels.length !== spec.channels) throw new RangeError(`expected ${spec.channels} channels, got ${channels.length}`);
      if (end < start) throw new RangeError(`invalid frame range ${start}..${end}`);
      if (written + (end - start) > frames) throw new RangeError(`writing past the declared ${frames} frames`);
      const bytes = wavSampleBytes({ sampleRate: spec.sampleRate, channels: channels as Float32Array[] }, spec.format, start, end);
      written += end - start;
      pending.push(bytes);
      pendingBytes += bytes.length;
      if (pendingBytes >= FLUSH_BYTES) await flush();
    },
    async commit(target) {
      if (written !== frames) throw new Error(`WAV writer got ${written} of ${frames} frames`);
      // RIFF chunks are word-aligned: an odd-sized data chunk takes a pad byte.
      if ((header.readUInt32LE(header.length - 4) & 1) === 1) {
        pending.push(Buffer.alloc(1));
        pendingBytes += 1;
      }
      await flush();
      await file.commit(target);
    },
    discard: () => file.discard(),
  };
}
