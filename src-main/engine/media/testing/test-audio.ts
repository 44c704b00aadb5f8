/** Helpers for tests: synthetic signals, temp folders and the optional Debian `sox` / `ffmpeg` tools. */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Pcm } from '../pcm.js';
import { encodeWav, type WavSampleFormat } from '../wav.js';

export function sine(options: { sampleRate: number; seconds: number; freq: number; amplitude: number; phase?: number }): Float32Array {
  const n = Math.round(options.seconds * options.sampleRate);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = options.amplitude * Math.sin((2 * Math.PI * options.freq * i) / options.sampleRate + (options.phase ?? 0));
  return out;
}

/** Deterministic pseudo-random noise in [-amplitude, amplitude). */
export function noise(n: number, amplitude: number, seed = 1): Float32Array {
  let s = seed >>> 0 || 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = ((s >>> 0) / 2 ** 32 - 0.5) * 2 * amplitude;
  }
  return out;
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function writeWav(file: string, pcm: Pcm, format: WavSampleFormat = 'pcm16'): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, encodeWav(pcm, format));
  return file;
}

function hasTool(tool: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status === 0;
}

export const HAS_SOX = hasTool('sox');
export const HAS_FFMPEG = hasTool('ffmpeg');

/** Runs sox with the given arguments (throws with its stderr when it fails). */
export function sox(...args: string[]): void {
  execFileSync('sox', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

export function ffmpeg(...args: string[]): void {
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** `sox --i` fields of a file, as sox (an independent reader) sees its header. */
export function soxInfo(file: string): { rate: number; channels: number; bits: number; encoding: string; samples: number } {
  const q = (flag: string) => execFileSync('sox', ['--i', flag, file], { encoding: 'utf8' }).trim();
  return { rate: Number(q('-r')), channels: Number(q('-c')), bits: Number(q('-b')), encoding: q('-e'), samples: Number(q('-s')) };
}

/** Reads any file sox understands as raw little-endian 32-bit float, de-interleaved. */
export function soxDecode(file: string, channels: number): Float32Array[] {
  const raw = execFileSync('sox', [file, '-t', 'f32', '-e', 'floating-point', '-b', '32', '-L', '-'], { maxBuffer: 1 << 30 });
  const all = new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
  const frames = all.length / channels;
  return Array.from({ length: channels }, (_, c) => {
    const ch = new Float32Array(frames);
    for (let i = 0; i < frames; i++) ch[i] = all[i * channels + c];
    return ch;
  });
}

/** Lists every file under `dir` (relative paths, sorted) — to assert that a failure left nothing behind. */
export function listFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true, withFileTypes: true }) as fs.Dirent[])
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath ?? (e as unknown as { path: string }).path, e.name)))
    .sort();
}
