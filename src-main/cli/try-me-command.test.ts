/**
 * `valle try-me` in-process: usage errors, a short real run (too short to pass: exit 1, its JSON and progress
 * lines), the exit status and summary of a passing result (the engine's full run is tested in
 * valle/try-me/run-try-me.test.ts; here its result is stubbed so the suite does not train twice), and Ctrl+C.
 */
import { describe, expect, it, vi } from 'vitest';
import { runCli } from './main.js';
import { captureIo } from './testing/fake-io.js';
import type { TryMeReport } from './try-me-command.js';
import { runTryMe, TRY_ME_THRESHOLDS, type TryMeResult } from '../engine/valle/try-me/index.js';

vi.mock('../engine/valle/try-me/index.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../engine/valle/try-me/index.js')>();
  return { ...actual, runTryMe: vi.fn(actual.runTryMe) };
});

describe('valle try-me', () => {
  it('prints its help and refuses bad options with exit status 2', async () => {
    const help = captureIo(process.cwd());
    expect(await runCli(['try-me', '--help'], help.io)).toBe(0);
    expect(help.out()).toMatch(/^Usage: valle try-me \[--steps N\] \[--seed S\] \[--json\]/);
    for (const argv of [['--steps', '0'], ['--steps', 'many'], ['--seed', '-1'], ['--seed', '1.5'], ['extra'], ['--colour']]) {
      const c = captureIo(process.cwd());
      expect(await runCli(['try-me', ...argv], c.io), argv.join(' ')).toBe(2);
      expect(c.err()).toContain('Run "valle try-me --help" for usage.');
    }
  });

  it('a run too short to pass exits 1 with the measured values as JSON, progress on stderr', async () => {
    const c = captureIo(process.cwd());
    expect(await runCli(['try-me', '--steps', '6', '--seed', '2', '--json'], c.io)).toBe(1);
    const report = JSON.parse(c.out()) as TryMeReport;
    expect(report.format).toBe('valle-try-me/1');
    expect(report.passed).toBe(false);
    expect([report.steps, report.maxSteps, report.seed]).toEqual([6, 6, 2]);
    expect(report.narAccuracyPerLevel).toHaveLength(7);
    expect(report.loss.curveSummary.length).toBeGreaterThan(0);
    expect(report.thresholds).toEqual(TRY_ME_THRESHOLDS);
    expect(report.wallSec).toBeGreaterThan(0);
    expect(c.err()).toMatch(/^\[  0%\] preparing$/m);
    expect(c.err()).toMatch(/\] evaluating step 6\/6, loss \d/);
  });

  it('exits 0 and prints a summary when every threshold is met', async () => {
    const result: TryMeResult = {
      passed: true,
      arAccuracy: 0.987,
      arFirstError: 120,
      generatedFrames: 311,
      stopFrameError: 1,
      narAccuracyPerLevel: [1, 0.99, 1, 1, 0.97, 1, 1],
      narAccuracy: 0.97,
      steps: 210,
      maxSteps: 600,
      targetFrames: 310,
      promptFrames: 75,
      loss: { first: 7.1, last: 0.06, min: 0.05, curveSummary: [{ step: 210, loss: 0.06 }], lastPerLevel: new Array(8).fill(0.06) },
      evaluations: [{ step: 210, arAccuracy: 0.987, narAccuracy: 0.97, stopFrameError: 1, passed: true }],
      model: { dim: 128, heads: 4, layers: 2, parameters: 2_921_089 },
      thresholds: TRY_ME_THRESHOLDS,
      seed: 0,
      wallSec: 41.2,
      trainSec: 38,
    };
    vi.mocked(runTryMe).mockResolvedValueOnce(result);
    const c = captureIo(process.cwd());
    expect(await runCli(['try-me'], c.io)).toBe(0);
    expect(c.out()).toContain('Try Me passed: 210 training steps in 41.2 s');
    expect(c.out()).toContain('ok   AR level 0: 98.7% of 310 frames (needs 95.0%)');
    expect(c.out()).toContain('ok   AR stop: +1 frame(s) from the end (needs within ±2)');
    expect(c.out()).toContain('ok   NAR levels 1-7: 100.0% 99.0% 100.0% 100.0% 97.0% 100.0% 100.0%');

    vi.mocked(runTryMe).mockResolvedValueOnce({ ...result, passed: false, stopFrameError: null, generatedFrames: 385 });
    const failed = captureIo(process.cwd());
    expect(await runCli(['try-me'], failed.io)).toBe(1);
    expect(failed.out()).toContain('FAIL AR stop: no stop within 385 frames');
  });

  it('Ctrl+C cancels: exit 1, nothing on stdout', async () => {
    const controller = new AbortController();
    controller.abort();
    const c = captureIo(process.cwd(), { signal: controller.signal });
    expect(await runCli(['try-me', '--json'], c.io)).toBe(1);
    expect(c.err()).toContain('Try Me cancelled.');
    expect(c.out()).toBe('');
  });
});
