import fs from 'node:fs/promises';
import decode from 'audio-decode';
import { StudioError } from '../../../src-shared/api/errors.js';
import { audioError, tooLong } from './audio-errors.js';
import { fileByteSource } from './byte-source.js';
import type { Pcm } from './pcm.js';
import { concatPcm } from './pcm.js';
import { probeAudio, type AudioFormat, type AudioProbe } from './probe.js';

/** Longest clip accepted unless the caller says otherwise: long recordings are sliced, not imported whole. */
export const DEFAULT_MAX_DURATION_SEC = 30 * 60;

const CHUNK_BYTES = 1 << 20;

/** audio-decode's name for each format's streaming decoder. */
const DECODERS: Record<AudioFormat, 'wav' | 'flac' | 'mp3' | 'oga' | 'opus'> = { wav: 'wav', flac: 'flac', mp3: 'mp3', vorbis: 'oga', opus: 'opus' };

export interface DecodeOptions {
  signal?: AbortSignal;
  maxDurationSec?: number;
  /** Fraction of the file's bytes decoded so far. */
  onProgress?(fraction: number): void;
}

export interface DecodedAudio {
  pcm: Pcm;
  format: AudioFormat;
}

/**
 * Decodes an audio file to PCM, streaming it through audio-decode's decoders in 1 MiB chunks so that an
 * abort or an over-long file stops it early. Every failure is a StudioError naming the file:
 * not_found, not_audio, unsupported_audio, corrupt_audio (also for NaN/Inf samples), empty_audio,
 * audio_too_long or cancelled. `name` is the file's display name for those messages.
 */
export async function decodeAudioFile(path: string, name: string, options: DecodeOptions = {}): Promise<DecodedAudio> {
  const { signal, maxDurationSec = DEFAULT_MAX_DURATION_SEC } = options;
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

    const dec = await decode[DECODERS[probe.format]]();
    const pieces: Float32Array[][] = [];
    let sampleRate = probe.sampleRate ?? 0;
    let frames = 0;
    const take = (out: { channelData: Float32Array[]; sampleRate: number }) => {
      if (out.channelData.length === 0 || out.channelData[0].length === 0) return;
      pieces.push(out.channelData);
      sampleRate = out.sampleRate;
      frames += out.channelData[0].length;
      if (frames > maxDurationSec * sampleRate) throw tooLong(name, null, maxDurationSec);
    };
    try {
      for (let pos = probe.start; pos < probe.end; ) {
        throwIfCancelled(signal);
        const chunk = await src.read(pos, Math.min(CHUNK_BYTES, probe.end - pos));
        if (chunk.length === 0) break;
        pos += chunk.length;
        // A plain Uint8Array view, not a Buffer: the WAV decoder realigns samples with .slice(), which
        // copies on a Uint8Array but only re-views on a Buffer.
        take(await dec(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length)));
        options.onProgress?.((pos - probe.start) / (probe.end - probe.start));
      }
      throwIfCancelled(signal);
      take(await dec());
    } catch (error) {
      dec.free();
      if (error instanceof StudioError) throw error;
      throw audioError('corrupt_audio', name, `could not be decoded as ${probe.format.toUpperCase()}: ${error instanceof Error ? error.message : String(error)}.`);
    }

    const pcm = concatPcm(sampleRate, pieces);
    checkDecoded(pcm, frames, probe, name);
    return { pcm, format: probe.format };
  } finally {
    await handle.close();
  }
}

function checkDecoded(pcm: Pcm, frames: number, probe: AudioProbe, name: string): void {
  if (frames === 0) throw audioError('corrupt_audio', name, `is damaged: no audio could be decoded from it.`);
  if (probe.declaredFrames !== null && probe.format !== 'wav') {
    // FLAC declares its exact length; an Ogg stream's last granule does too, up to the codec's end trimming
    // (hence the 0.1 s slack). Fewer frames means lost or cut-off data the decoder skipped over silently.
    const expected = probe.format === 'flac' ? probe.declaredFrames : probe.declaredFrames * (pcm.sampleRate / (probe.sampleRate ?? pcm.sampleRate));
    const slack = probe.format === 'flac' ? 0 : 0.1 * pcm.sampleRate;
    if (frames < expected - slack) {
      const secs = (n: number) => (n / pcm.sampleRate).toFixed(2);
      throw audioError('corrupt_audio', name, `is truncated or damaged: it declares ${secs(expected)} s of audio but only ${secs(frames)} s could be decoded.`);
    }
  }
  for (const channel of pcm.channels) {
    for (let i = 0; i < channel.length; i++) {
      if (!Number.isFinite(channel[i])) {
        throw audioError('corrupt_audio', name, `contains invalid samples (NaN or infinity) at ${(i / pcm.sampleRate).toFixed(3)} s.`);
      }
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
