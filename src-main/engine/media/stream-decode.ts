import fs from 'node:fs/promises';
import decode from 'audio-decode';
import { StudioError } from '../../../src-shared/api/errors.js';
import { audioError, tooLong } from './audio-errors.js';
import { fileByteSource } from './byte-source.js';
import { firstNonFinite } from './pcm.js';
import { probeAudio, type AudioFormat, type AudioProbe } from './probe.js';

/**
 * Bytes read and handed to the decoder at a time. Lossy formats decode to 10–50 times their size, so they
 * are fed in smaller pieces: 64 KiB of 64 kbit/s MP3 is 8 s of audio, 3 MB decoded as 44.1 kHz stereo.
 */
const CHUNK_BYTES: Record<AudioFormat, number> = { wav: 1 << 20, flac: 1 << 20, mp3: 1 << 16, vorbis: 1 << 16, opus: 1 << 16 };

/** audio-decode's name for each format's streaming decoder. */
const DECODERS: Record<AudioFormat, 'wav' | 'flac' | 'mp3' | 'oga' | 'opus'> = { wav: 'wav', flac: 'flac', mp3: 'mp3', vorbis: 'oga', opus: 'opus' };

/** A run of decoded frames. */
export interface AudioChunk {
  /** One array per channel. The count can change mid-stream (audio-decode's MP3 mono detection). */
  channels: Float32Array[];
  sampleRate: number;
  /** Index of this chunk's first frame in the whole stream. */
  startFrame: number;
}

export interface AudioStreamOptions {
  signal?: AbortSignal;
  /** Stop with `audio_too_long` past this many seconds (checked from the header first). Default: no limit. */
  maxDurationSec?: number;
  /** Fraction of the file's bytes decoded so far. */
  onProgress?(fraction: number): void;
}

export interface AudioStream {
  format: AudioFormat;
  /** What the headers say (sample rate, channels, declared length), before any decoding. */
  probe: AudioProbe;
  /** Size of the file in bytes. */
  size: number;
  /**
   * Decodes the file once, front to back. Each chunk has been checked (finite samples, length limit); the
   * generator ends by checking the whole (something decoded; no fewer frames than the container declares).
   * Leaving the loop early (break, throw) frees the decoder. Call once per stream.
   */
  chunks(): AsyncGenerator<AudioChunk, void, undefined>;
  close(): Promise<void>;
}

/**
 * Opens an audio file for streamed decoding through audio-decode's streaming decoders, 1 MiB at a time
 * (64 KiB for lossy formats): memory stays bounded by the chunk size for every format (WAV keeps at most one partial frame between
 * chunks; FLAC, MP3, Vorbis and Opus keep their codec state). Opening probes the headers, so a missing,
 * non-audio, unsupported or header-damaged file fails here, before any decoding. Every failure is a
 * StudioError naming the file: not_found, not_audio, unsupported_audio, corrupt_audio (also NaN/Inf
 * samples, truncation, a sample rate that changes mid-stream), empty_audio, audio_too_long or cancelled.
 */
export async function openAudioStream(path: string, name: string, options: AudioStreamOptions = {}): Promise<AudioStream> {
  const { signal, maxDurationSec = Infinity } = options;
  throwIfCancelled(signal);
  const handle = await openForReading(path, name);
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw audioError('not_audio', name, 'is not a file.');
    const src = fileByteSource(handle, stat.size);
    const probe = await probeAudio(src, name);
    if (probe.declaredFrames !== null && probe.sampleRate && probe.declaredFrames / probe.sampleRate > maxDurationSec) {
      throw tooLong(name, probe.declaredFrames / probe.sampleRate, maxDurationSec);
    }

    let started = false;
    async function* chunks(): AsyncGenerator<AudioChunk, void, undefined> {
      if (started) throw new Error('AudioStream.chunks() can only be iterated once');
      started = true;
      const dec = await decode[DECODERS[probe.format]]();
      let sampleRate = 0;
      let frames = 0;
      const check = (out: { channelData: Float32Array[]; sampleRate: number }): AudioChunk | null => {
        const length = out.channelData[0]?.length ?? 0;
        if (length === 0) return null;
        if (sampleRate !== 0 && out.sampleRate !== sampleRate) {
          throw audioError('corrupt_audio', name, `changes sample rate mid-stream (${sampleRate} Hz to ${out.sampleRate} Hz), which is not supported.`);
        }
        sampleRate = out.sampleRate;
        const bad = firstNonFinite(out.channelData);
        if (bad) throw audioError('corrupt_audio', name, `contains invalid samples (NaN or infinity) at ${((frames + bad.frame) / sampleRate).toFixed(3)} s.`);
        const chunk = { channels: out.channelData, sampleRate, startFrame: frames };
        frames += length;
        if (frames > maxDurationSec * sampleRate) throw tooLong(name, null, maxDurationSec);
        return chunk;
      };
      const decodeStep = async (bytes?: Uint8Array) => {
        try {
          return await dec(bytes);
        } catch (error) {
          throw audioError('corrupt_audio', name, `could not be decoded as ${probe.format.toUpperCase()}: ${error instanceof Error ? error.message : String(error)}.`);
        }
      };
      try {
        for (let pos = probe.start; pos < probe.end; ) {
          throwIfCancelled(signal);
          const bytes = await src.read(pos, Math.min(CHUNK_BYTES[probe.format], probe.end - pos));
          if (bytes.length === 0) break;
          pos += bytes.length;
          // A plain Uint8Array view, not a Buffer: the WAV decoder realigns samples with .slice(), which
          // copies on a Uint8Array but only re-views on a Buffer.
          const chunk = check(await decodeStep(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length)));
          options.onProgress?.((pos - probe.start) / (probe.end - probe.start));
          if (chunk) yield chunk;
        }
        throwIfCancelled(signal);
        const last = check(await decodeStep());
        if (last) yield last;
        checkLength(frames, sampleRate, probe, name);
      } finally {
        dec.free(); // idempotent; frees the codec when the consumer stops early or a check fails
      }
    }

    return {
      format: probe.format,
      probe,
      size: stat.size,
      chunks,
      close: () => handle.close(),
    };
  } catch (error) {
    await handle.close();
    throw error;
  }
}

/** Fails a stream that decoded nothing, or fewer frames than its container declares. */
function checkLength(frames: number, sampleRate: number, probe: AudioProbe, name: string): void {
  if (frames === 0) throw audioError('corrupt_audio', name, `is damaged: no audio could be decoded from it.`);
  if (probe.declaredFrames !== null && probe.format !== 'wav') {
    // FLAC declares its exact length; an Ogg stream's last granule does too, up to the codec's end trimming
    // (hence the 0.1 s slack). Fewer frames means lost or cut-off data the decoder skipped over silently.
    const expected = probe.format === 'flac' ? probe.declaredFrames : probe.declaredFrames * (sampleRate / (probe.sampleRate ?? sampleRate));
    const slack = probe.format === 'flac' ? 0 : 0.1 * sampleRate;
    if (frames < expected - slack) {
      const secs = (n: number) => (n / sampleRate).toFixed(2);
      throw audioError('corrupt_audio', name, `is truncated or damaged: it declares ${secs(expected)} s of audio but only ${secs(frames)} s could be decoded.`);
    }
  }
}

async function openForReading(path: string, name: string): Promise<fs.FileHandle> {
  try {
    return await fs.open(path, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new StudioError('not_found', `${name} does not exist.`, { file: name });
    if (code === 'EISDIR') throw audioError('not_audio', name, 'is a folder, not an audio file.');
    if (code === 'EACCES' || code === 'EPERM') throw new StudioError('path_not_allowed', `${name} cannot be read (permission denied).`, { file: name });
    throw error;
  }
}

export function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new StudioError('cancelled', 'Cancelled.');
}
