import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { burstLayout, writeBurstsWav, type BurstLayout } from '../engine/media/testing/speech-like.js';
import { HAS_SOX, listFiles, noise, soxInfo, tempDir, writeWav } from '../engine/media/testing/test-audio.js';
import type { AudioSliceReport } from './audio-slice-command.js';
import { runCli } from './main.js';
import { captureIo } from './testing/fake-io.js';

const dir = tempDir('valle-cli-slice-');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

let layout: BurstLayout;
beforeAll(async () => {
  layout = burstLayout({ sampleRate: 16000, seconds: 45, seed: 3 });
  await writeBurstsWav(path.join(dir, 'talk.wav'), layout);
});

describe('valle audio slice', () => {
  it('prints its help, and is listed under "audio"', async () => {
    const help = captureIo(dir);
    expect(await runCli(['audio', 'slice', '--help'], help.io)).toBe(0);
    expect(help.out().startsWith('Usage: valle audio slice <input> <outdir>')).toBe(true);
    expect(help.out()).toContain('--threshold-db DB');
    const group = captureIo(dir);
    expect(await runCli(['audio', '--help'], group.io)).toBe(0);
    expect(group.out()).toContain('slice <input> <outdir>');
  });

  it('slices a recording, with progress on stderr and a summary on stdout', async () => {
    const run = captureIo(dir);
    const code = await runCli(['audio', 'slice', 'talk.wav', 'clips', '--threshold-db', '-45', '--keep-silence', '0.05', '--min-clip', '1'], run.io);
    expect(run.err()).toMatch(/\[\s*\d+%\] finding utterances/);
    expect(run.err()).toContain('[100%] writing clips');
    expect(code).toBe(0);
    const n = layout.bursts.length;
    expect(run.out()).toMatch(new RegExp(`^Wrote ${n} clip\\(s\\), .* of the 45 s recording, to ${path.join(dir, 'clips').replace(/[/\\]/g, '.')}\\.\\n$`));
    expect(listFiles(path.join(dir, 'clips'))).toEqual(layout.bursts.map((_, i) => `talk_${String(i + 1).padStart(4, '0')}.wav`));

    const again = captureIo(dir);
    expect(await runCli(['audio', 'slice', 'talk.wav', 'clips'], again.io)).toBe(1);
    expect(again.err()).toBe(`valle audio slice: ${path.join(dir, 'clips')} already holds talk_0001.wav; choose another folder or use --force to replace them.\n`);
    const forced = captureIo(dir);
    expect(await runCli(['audio', 'slice', 'talk.wav', 'clips', '--force'], forced.io)).toBe(0);
    expect(listFiles(path.join(dir, 'clips')).length).toBe(n);
  });

  it('prints JSON with every clip, in float when asked', async () => {
    const run = captureIo(dir);
    expect(await runCli(['audio', 'slice', path.join(dir, 'talk.wav'), 'json-clips', '--json', '--format', 'float', '--max-clip=6'], run.io)).toBe(0);
    const report = JSON.parse(run.out()) as AudioSliceReport;
    expect(report.format).toBe('valle-audio-slice/1');
    expect(report).toMatchObject({ sampleRate: 16000, channels: 1, sampleFormat: 'float', sourceDurationSec: 45, outDir: path.join(dir, 'json-clips') });
    expect(report.params.maxClipSec).toBe(6);
    expect(report.clips.length).toBeGreaterThanOrEqual(layout.bursts.length);
    for (const clip of report.clips) {
      expect(clip.durationSec).toBeLessThanOrEqual(6);
      expect(fs.existsSync(clip.file)).toBe(true);
      if (HAS_SOX) expect(soxInfo(clip.file)).toMatchObject({ bits: 32, encoding: 'Floating Point PCM', samples: Math.round(clip.durationSec * 16000) });
    }
    // Every burst is covered by the clips (long ones in several pieces).
    for (const b of layout.bursts) {
      const covered = report.clips.filter((c) => c.endSec > b.start / 16000 && c.startSec < b.end / 16000);
      expect(covered[0].startSec).toBeLessThanOrEqual(b.start / 16000);
      expect(covered.at(-1)!.endSec).toBeGreaterThanOrEqual(b.end / 16000);
    }
  });

  it('reports usage errors with exit status 2', async () => {
    const cases: [string[], RegExp][] = [
      [['talk.wav'], /takes an input file and an output folder/],
      [['talk.wav', 'x', '--min-clip', 'long'], /--min-clip must be a number \(got "long"\)/],
      [['talk.wav', 'x', '--min-clip', '5', '--max-clip', '2'], /--min-clip \(5 s\) cannot exceed --max-clip \(2 s\)/],
      [['talk.wav', 'x', '--threshold-db', '-130'], /--threshold-db must lie between -120 and 0 dBFS/],
      [['talk.wav', 'x', '--format', 'mp3'], /--format must be wav16 or float/],
      [['talk.wav', 'x', '--colour'], /Unknown option '--colour'/],
    ];
    for (const [args, message] of cases) {
      const run = captureIo(dir);
      expect(await runCli(['audio', 'slice', ...args], run.io)).toBe(2);
      expect(run.err()).toMatch(message);
      expect(run.err()).toContain('Run "valle audio slice --help" for usage.');
    }
    expect(fs.existsSync(path.join(dir, 'x'))).toBe(false);
  });

  it('fails with a clear message and writes nothing for bad input', async () => {
    fs.writeFileSync(path.join(dir, 'notes.wav'), 'just some text, not a recording\n'.repeat(10));
    writeWav(path.join(dir, 'hiss.wav'), { sampleRate: 16000, channels: [noise(16000 * 3, 0.001)] });
    const nan = new Float32Array(16000 * 2).fill(0.3);
    nan[16000] = NaN;
    writeWav(path.join(dir, 'nan.wav'), { sampleRate: 16000, channels: [nan] }, 'float32');
    fs.writeFileSync(path.join(dir, 'plain-file'), 'x');
    const cases: [string[], RegExp][] = [
      [['notes.wav', 'bad-out'], /^valle audio slice: notes\.wav is not an audio file/],
      [['hiss.wav', 'bad-out'], /^valle audio slice: hiss\.wav has no speech: nothing in it is louder than the -40 dBFS threshold/],
      [['nan.wav', 'bad-out'], /^valle audio slice: nan\.wav contains invalid samples \(NaN or infinity\) at 1\.000 s/],
      [['missing.wav', 'bad-out'], /^valle audio slice: missing\.wav does not exist/],
      [['talk.wav', path.join('plain-file', 'out')], /part of its path is a file/],
    ];
    for (const [args, message] of cases) {
      const run = captureIo(dir);
      expect(await runCli(['audio', 'slice', ...args], run.io)).toBe(1);
      expect(run.err().split('\n').filter((l) => !l.startsWith('['))[0]).toMatch(message);
      expect(run.out()).toBe('');
    }
    expect(fs.existsSync(path.join(dir, 'bad-out'))).toBe(false);
  });

  it('stops on Ctrl+C and writes nothing', async () => {
    const controller = new AbortController();
    const run = captureIo(dir, { signal: controller.signal });
    let aborted = false;
    const running = runCli(['audio', 'slice', 'talk.wav', 'cancelled-clips'], {
      ...run.io,
      stderr: (text) => {
        run.io.stderr(text);
        if (!aborted && text.includes('writing clips')) {
          aborted = true;
          controller.abort();
        }
      },
    });
    expect(await running).toBe(1);
    expect(run.err()).toContain('Slicing cancelled; no clips were written.');
    expect(fs.existsSync(path.join(dir, 'cancelled-clips'))).toBe(false);
  });
});
