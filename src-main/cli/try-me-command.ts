import { parseArgs } from 'node:util';
import { StudioError } from '../../src-shared/api/errors.js';
import { runTryMe, TRY_ME_DEFAULT_STEPS, type TryMeProgress, type TryMeResult } from '../engine/valle/try-me/index.js';
import { EXIT_FAILED, EXIT_OK, UsageError, type CliIo } from './cli-io.js';

export const tryMeHelp = `Usage: valle try-me [--steps N] [--seed S] [--json]

The model's self-test (the reference's overfit test): train a small VALL-E model from scratch, on this
computer's CPU, on one utterance (4.1 s of EnCodec codes with its phoneme text), then check that it
learned it:
  - from the text and the first 75 frames as the prompt, greedy AR generation reproduces at least 95% of
    the level-0 codes and stops within 2 frames of the end;
  - given the true lower levels, the NAR gets at least 95% of the codes of each of levels 1-7 right.
Training stops as soon as an evaluation passes. It takes a minute or two. Progress goes to stderr, the
measured values to stdout. Ctrl+C cancels.

Options:
  --steps N    most training steps (default ${TRY_ME_DEFAULT_STEPS})
  --seed S     seed of the initial weights and the order of levels (default 0)
  --json       print the result as one JSON document
  -h, --help   show this help

JSON shape (stable; fields may be added, none removed or renamed while "format" stays the same):
  {
    "format": "valle-try-me/1", "passed": boolean,
    "arAccuracy": number, "arFirstError": number | null, "generatedFrames": number,
    "stopFrameError": number | null,          (null: no stop token within 75 frames past the end)
    "narAccuracyPerLevel": number[7], "narAccuracy": number,   (the lowest level's)
    "steps": number, "maxSteps": number, "targetFrames": number, "promptFrames": number,
    "loss": { "first", "last", "min", "curveSummary": [ { "step", "loss" } ], "lastPerLevel": number[8] },
    "evaluations": [ { "step", "arAccuracy", "narAccuracy", "stopFrameError", "passed" } ],
    "model": { "dim", "heads", "layers", "parameters" },
    "thresholds": { "arAccuracy", "stopFrames", "narAccuracy" },
    "seed": number, "wallSec": number, "trainSec": number
  }

Exit status: 0 when every threshold was met; 1 when one was not, or the run failed or was cancelled;
2 for a usage error.
`;

export interface TryMeReport extends TryMeResult {
  format: 'valle-try-me/1';
}

function parseInteger(flag: string, text: string, min: number): number {
  const value = /^-?\d+$/.test(text.trim()) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value) || value < min) throw new UsageError(`${flag} must be an integer of at least ${min} (got "${text}")`);
  return value;
}

const STAGES: Record<TryMeProgress['stage'], string> = { preparing: 'preparing', training: 'training', evaluating: 'evaluating' };

function progressLine(p: TryMeProgress): string {
  const percent = `${Math.floor(p.fraction * 100)}%`.padStart(4);
  const step = p.stage === 'preparing' ? '' : ` step ${p.step}/${p.steps}`;
  const loss = p.loss === null ? '' : `, loss ${p.loss.toFixed(3)}`;
  const eta = p.etaSeconds === null ? '' : `  (at most ${Math.ceil(p.etaSeconds)} s left)`;
  return `[${percent}] ${STAGES[p.stage]}${step}${loss}${eta}`;
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

function summary(r: TryMeResult): string {
  const t = r.thresholds;
  const mark = (ok: boolean) => (ok ? 'ok  ' : 'FAIL');
  const stopOk = r.stopFrameError !== null && Math.abs(r.stopFrameError) <= t.stopFrames;
  const stop = r.stopFrameError === null ? `no stop within ${r.generatedFrames} frames` : `${r.stopFrameError >= 0 ? '+' : ''}${r.stopFrameError} frame(s) from the end`;
  const lines = [
    `Try Me ${r.passed ? 'passed' : 'FAILED'}: ${r.steps} training steps in ${r.wallSec.toFixed(1)} s (model d=${r.model.dim}, ${r.model.layers} layers, ${(r.model.parameters / 1e6).toFixed(1)} M parameters).`,
    `  ${mark(r.arAccuracy >= t.arAccuracy)} AR level 0: ${pct(r.arAccuracy)} of ${r.targetFrames} frames (needs ${pct(t.arAccuracy)})`,
    `  ${mark(stopOk)} AR stop: ${stop} (needs within ±${t.stopFrames})`,
    `  ${mark(r.narAccuracy >= t.narAccuracy)} NAR levels 1-${r.narAccuracyPerLevel.length}: ${r.narAccuracyPerLevel.map(pct).join(' ')} (each needs ${pct(t.narAccuracy)})`,
    `  loss ${r.loss.first.toFixed(3)} → ${r.loss.last.toFixed(3)} (min ${r.loss.min.toFixed(3)})`,
  ];
  return `${lines.join('\n')}\n`;
}

export async function tryMeCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      steps: { type: 'string' },
      seed: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
  });
  if (values.help) {
    io.stdout(tryMeHelp);
    return EXIT_OK;
  }
  if (positionals.length > 0) throw new UsageError(`try-me takes no arguments (got "${positionals[0]}")`);
  const steps = values.steps === undefined ? undefined : parseInteger('--steps', values.steps, 1);
  const seed = values.seed === undefined ? undefined : parseInteger('--seed', values.seed, 0);

  let lastLine = '';
  let lastAt = 0;
  let result: TryMeResult;
  try {
    result = await runTryMe({
      steps,
      seed,
      signal: io.signal,
      onProgress: (p) => {
        // At most one training line a second: steps take a tenth of that.
        const now = performance.now();
        if (p.stage === 'training' && now - lastAt < 1000) return;
        const line = progressLine(p);
        if (line !== lastLine) io.stderr(`${line}\n`);
        lastLine = line;
        lastAt = now;
      },
    });
  } catch (error) {
    if (error instanceof StudioError && error.code === 'cancelled') {
      io.stderr('Try Me cancelled.\n');
      return EXIT_FAILED;
    }
    throw error;
  }
  if (values.json) {
    const report: TryMeReport = { format: 'valle-try-me/1', ...result };
    io.stdout(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    io.stdout(summary(result));
  }
  return result.passed ? EXIT_OK : EXIT_FAILED;
}
