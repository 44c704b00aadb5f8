import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { StudioError } from '../../../src-shared/api/errors.js';
import { audioError } from './audio-errors.js';
import { mixChannels } from './mixdown.js';
import { LevelMeter, type LevelEnvelope } from './silence.js';
import { planSlices, resolveSliceParams, type SliceParams, type SlicePlan, type SliceSpan } from './slice-plan.js';
import { openAudioStream, throwIfCancelled } from './stream-decode.js';
import { createWavStreamWriter, type WavStreamWriter } from './wav-stream-writer.js';

export type SliceFormat = 'pcm16' | 'float32';

export interface SliceProgress {
  /** 0..1 over the whole run: scanning is the first half, writing the second. */
  fraction: number;
  stage: 'scanning' | 'writing';
}

export interface SliceFileOptions {
  params?: Partial<SliceParams>;
  /** Sample encoding of the slices (default 16-bit PCM). */
  format?: SliceFormat;
  /** Mix the slices down to mono (default: keep the source's channels). */
  mono?: boolean;
  /** Replace files of the same names in the out folder (default: refuse with `conflict`). */
  overwrite?: boolean;
  /** Display name of the input for messages (default: its file name). */
  name?: string;
  signal?: AbortSignal;
  onProgress?(progress: SliceProgress): void;
}

export interface SliceInfo {
  /** Absolute path of the written slice. */
  file: string;
  startSec: number;
  endSec: number;
  durationSec: number;
}

export interface SliceResult {
  outDir: string;
  slices: SliceInfo[];
  sampleRate: number;
  channels: number;
  format: SliceFormat;
  params: SliceParams;
  sourceDurationSec: number;
  /** Sum of the slices' durations. */
  totalDurationSec: number;
  /** Utterances found and pieces dropped as shorter than minClipSec. */
  utterances: number;
  droppedShort: number;
}

/**
 * Slices a long recording into utterance clips at its silences (slice-plan.ts) and writes each as a WAV
 * file `<stem>_0001.wav`, `<stem>_0002.wav`, … in `outDir` (names are deterministic: the input's name and
 * the slice's position; at least four digits).
 *
 * Memory stays bounded for any length: the file is decoded twice as a stream (stream-decode.ts), first to
 * measure its level envelope (10 ms hops, 400 bytes per second of audio: 1.4 MB per hour), then to write the
 * planned slices, holding one decoded chunk at a time.
 *
 * Nothing is written half-way. Parameters and the input are checked first; every decoding problem (not
 * audio, truncated, NaN/Inf samples) surfaces in the first pass, before anything is written; a recording
 * without usable sound fails with `empty_audio`. Slices are written (fsynced) into a hidden staging folder
 * inside `outDir` and moved into place only once all are complete, so a cancelled or failed run leaves
 * nothing behind (and removes `outDir` itself when it created it and it is empty). A crash of the process
 * itself can leave a `.valle-slice-*` staging folder, never a partial slice under its final name.
 */
export async function sliceAudioFile(input: string, outDir: string, options: SliceFileOptions = {}): Promise<SliceResult> {
  const params = resolveSliceParams(options.params);
  const format = options.format ?? 'pcm16';
  if (format !== 'pcm16' && format !== 'float32') throw new StudioError('invalid_input', `Unknown slice format "${format}" (use pcm16 or float32).`);
  const name = options.name ?? path.basename(input);
  const { signal } = options;
  const report = options.onProgress ?? (() => {});

  const stem = path.basename(input, path.extname(input));
  const target = path.resolve(outDir);
  // Clips of an earlier run start with the same name: say so now rather than after scanning for an hour.
  if (!options.overwrite) await refuseTaken(target, [`${stem}_0001.wav`]);

  // Pass 1: the level envelope. Opening probes the file, so bad input fails before the out folder is touched.
  const scan = await openAudioStream(input, name, { signal, onProgress: (f) => report({ fraction: f / 2, stage: 'scanning' }) });
  let envelope: LevelEnvelope;
  let sourceChannels = scan.probe.channels;
  try {
    let meter: LevelMeter | null = null;
    for await (const chunk of scan.chunks()) {
      meter ??= new LevelMeter(chunk.sampleRate);
      sourceChannels ??= chunk.channels.length;
      meter.push(chunk.channels);
    }
    envelope = meter!.finish(); // chunks() fails on a stream without frames
  } finally {
    await scan.close();
  }
  const plan = planSlices(envelope, params);
  if (plan.spans.length === 0) throw noSpeech(name, plan, params);

  const channels = options.mono ? 1 : (sourceChannels ?? 1);
  const digits = Math.max(4, String(plan.spans.length).length);
  const names = plan.spans.map((_, i) => `${stem}_${String(i + 1).padStart(digits, '0')}.wav`);
  const out = await prepareOutDir(target, names, options.overwrite ?? false);

  try {
    // Pass 2: decode again and write each span as its frames stream past; stop after the last one.
    const stream = await openAudioStream(input, name, { signal });
    const lastEnd = plan.spans[plan.spans.length - 1].end;
    let index = 0;
    let writer: WavStreamWriter | null = null;
    try {
      for await (const chunk of stream.chunks()) {
        const length = chunk.channels[0].length;
        const chunkEnd = chunk.startFrame + length;
        const frames = options.mono
          ? [mixChannels(chunk.channels)]
          : Array.from({ length: channels }, (_, c) => chunk.channels[c % chunk.channels.length]);
        while (index < plan.spans.length && plan.spans[index].start < chunkEnd) {
          const span = plan.spans[index];
          writer ??= await createWavStreamWriter(out.staging, { sampleRate: envelope.sampleRate, channels, format }, span.end - span.start);
          const from = Math.max(span.start, chunk.startFrame) - chunk.startFrame;
          const to = Math.min(span.end, chunkEnd) - chunk.startFrame;
          if (to > from) await writer.write(frames, from, to);
          if (span.end > chunkEnd) break;
          await writer.commit(path.join(out.staging, names[index]));
          writer = null;
          index++;
        }
        report({ fraction: 0.5 + Math.min(1, chunkEnd / lastEnd) / 2, stage: 'writing' });
        if (index === plan.spans.length) break;
        throwIfCancelled(signal);
      }
    } finally {
      await writer?.discard();
      await stream.close();
    }
    if (index !== plan.spans.length) {
      throw audioError('corrupt_audio', name, 'decoded to a different length the second time it was read.');
    }
    throwIfCancelled(signal);
    await out.publish();
  } catch (error) {
    await out.abandon();
    throw error;
  }

  const seconds = (frames: number) => frames / envelope.sampleRate;
  const slices = plan.spans.map((span: SliceSpan, i) => ({
    file: path.join(target, names[i]),
    startSec: seconds(span.start),
    endSec: seconds(span.end),
    durationSec: seconds(span.end - span.start),
  }));
  return {
    outDir: target,
    slices,
    sampleRate: envelope.sampleRate,
    channels,
    format,
    params,
    sourceDurationSec: seconds(envelope.frames),
    totalDurationSec: slices.reduce((sum, s) => sum + s.durationSec, 0),
    utterances: plan.utterances,
    droppedShort: plan.droppedShort,
  };
}

function noSpeech(name: string, plan: SlicePlan, params: SliceParams): StudioError {
  if (plan.utterances === 0) {
    return audioError('empty_audio', name, `has no speech: nothing in it is louder than the ${params.thresholdDb} dBFS threshold. Lower the threshold if the recording is quiet.`, {
      thresholdDb: params.thresholdDb,
    });
  }
  return audioError(
    'empty_audio',
    name,
    `has no speech long enough to keep: all ${plan.utterances} sound(s) above ${params.thresholdDb} dBFS are shorter than the minimum clip length of ${params.minClipSec} s.`,
    { thresholdDb: params.thresholdDb, minClipSec: params.minClipSec, utterances: plan.utterances },
  );
}

interface OutDir {
  staging: string;
  /** Moves the staged slices into the folder (replacing same-named files) and removes the staging folder. */
  publish(): Promise<void>;
  /** Removes the staging folder, and the out folder when this run created it and it is empty. */
  abandon(): Promise<void>;
}

/**
 * Creates `dir` if needed and a staging folder inside it (same filesystem, so the final moves are
 * renames); refuses when a slice name is taken and `overwrite` is off.
 */
async function prepareOutDir(dir: string, names: string[], overwrite: boolean): Promise<OutDir> {
  /** The topmost folder this run created (mkdir -p), if any. */
  let createdTop: string | undefined;
  /** Removes the folders this run created, innermost first, as long as they are empty. */
  const removeCreated = async () => {
    if (!createdTop) return;
    for (let d = dir; ; d = path.dirname(d)) {
      const removed = await fs.rmdir(d).then(
        () => true,
        () => false,
      );
      if (!removed || d === createdTop || path.dirname(d) === d) break;
    }
  };
  let staging: string | undefined;
  try {
    const stat = await fs.stat(dir).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return null;
      throw error;
    });
    if (stat && !stat.isDirectory()) throw new StudioError('conflict', `${dir} exists and is not a folder.`, { path: dir });
    if (!stat) createdTop = await fs.mkdir(dir, { recursive: true });
    if (!overwrite) await refuseTaken(dir, names);
    staging = path.join(dir, `.valle-slice-${crypto.randomUUID()}`);
    await fs.mkdir(staging);
  } catch (error) {
    if (staging) await fs.rm(staging, { recursive: true, force: true }).catch(() => undefined);
    await removeCreated();
    throw mapDirError(error, dir);
  }
  const stagingDir = staging;
  return {
    staging: stagingDir,
    async abandon() {
      await fs.rm(stagingDir, { recursive: true, force: true });
      await removeCreated();
    },
    async publish() {
      for (const name of names) await fs.rename(path.join(stagingDir, name), path.join(dir, name));
      await syncDir(dir);
      await fs.rm(stagingDir, { recursive: true, force: true });
    },
  };
}

/** Throws `conflict` when `dir` already holds any of `names` (a missing `dir` holds none). */
async function refuseTaken(dir: string, names: string[]): Promise<void> {
  const existing = new Set(await fs.readdir(dir).catch(() => [] as string[]));
  const taken = names.filter((n) => existing.has(n));
  if (taken.length > 0) {
    throw new StudioError(
      'conflict',
      `${dir} already holds ${taken.length === 1 ? taken[0] : `${taken.length} of the slice names (${taken.slice(0, 3).join(', ')}${taken.length > 3 ? ', …' : ''})`}; choose another folder or allow overwriting.`,
      { path: dir, taken },
    );
  }
}

function mapDirError(error: unknown, dir: string): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
    return new StudioError('path_not_allowed', `Cannot write slices to ${dir} (permission denied or read-only).`, { path: dir });
  }
  if (code === 'ENOTDIR' || code === 'EEXIST') return new StudioError('conflict', `Cannot create the folder ${dir}: part of its path is a file.`, { path: dir });
  if (code === 'ENOSPC' || code === 'EDQUOT') return new StudioError('disk_full', 'The disk is full: free some space and try again.');
  return error;
}

/** Makes the renames durable where directories can be fsynced (not on Windows). */
async function syncDir(dir: string): Promise<void> {
  const handle = await fs.open(dir, 'r').catch(() => null);
  try {
    await handle?.sync();
  } catch {
    // best effort
  } finally {
    await handle?.close().catch(() => undefined);
  }
}
