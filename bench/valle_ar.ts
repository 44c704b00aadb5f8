/**
 * AR generation speed of the full-size VALL-E (the example config's 220 M model, random seeded weights) on the
 * CPU with the KV cache: the studio's model (nn graphs on onnxruntime-node, `ValleModel.generateAr`) against an
 * independent PyTorch forward written from the spec (bench/torch_valle_ar.py), same threads, same prompt, same
 * number of steps. Greedy decoding with the stop token banned, so every run generates the same number of frames.
 *
 *   node --import tsx bench/valle_ar.ts                      3 rounds, all cores, 40 text tokens + 225 prompt frames, 150 steps
 *   node --import tsx bench/valle_ar.ts --rounds 1 --steps 30 --torch-linear mv
 *   node --import tsx bench/valle_ar.ts --weights initializers   (each session its own weight copy; see [Note: shared weights])
 *   node --import tsx bench/valle_ar.ts --skip-torch
 *
 * Each measurement runs in its own process (peak RSS is that measurement's alone): this file re-runs itself
 * with `--child nn` for the studio's model, and spawns Debian's /usr/bin/python3 for PyTorch. Engines take turns
 * within a round and the order rotates between rounds, so machine load falls on all of them alike. Prints a
 * table and writes bench/results/valle-ar-<time>.json with every raw measurement and the load average.
 *
 * One generation = a prefill of the prompt (text SEP rvq_l(0) SEP prompt SEP, §5.3) giving the first frame,
 * then `--steps` decode steps of one frame each. Real-time factor = generation time / duration of the
 * generated audio at 75 frames per second (< 1: faster than real time).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { activeModel, loadExampleConfig } from '../src-main/engine/valle/config/index.js';
import { mulberry32 } from '../src-main/engine/nn/random.js';
import { parameterCount, parameterTable } from '../src-main/engine/valle/model/parameters.js';
import type { ArLine } from '../src-main/engine/valle/model/ar-generate.js';
import { buildSequence } from '../src-main/engine/valle/model/input-layout.js';
import { ValleModel } from '../src-main/engine/valle/model/valle-model.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const FRAMES_PER_SECOND = 75;
const STOP_TOKEN = 1024;

const { values: args } = parseArgs({
  options: {
    threads: { type: 'string', default: String(os.availableParallelism()) },
    rounds: { type: 'string', default: '3' },
    text: { type: 'string', default: '40' },
    'prompt-frames': { type: 'string', default: '225' },
    steps: { type: 'string', default: '150' },
    'warmup-steps': { type: 'string', default: '2' },
    seed: { type: 'string', default: '0' },
    weights: { type: 'string', default: 'auto' },
    python: { type: 'string', default: '/usr/bin/python3' },
    'skip-torch': { type: 'boolean', default: false },
    /** PyTorch variants: module (nn.Linear, idiomatic), mv (one-row linears as torch.mv) */
    'torch-linear': { type: 'string', default: 'module,mv' },
    child: { type: 'string' },
  },
});

/** One generation's figures, as both engines print them (one JSON line). */
interface Measurement {
  engine: string;
  threads: number;
  promptLength: number;
  steps: number;
  frames: number;
  buildMs: number;
  prefillMs: number;
  decodeMsMedian: number;
  decodeMsMin: number;
  decodeMsMean: number;
  decodeMsAll: number[];
  totalMs: number;
  decodeFramesPerSecond: number;
  framesPerSecond: number;
  rtf: number;
  weightsMiB: number;
  peakRssMiB: number;
  loadavg?: number[];
  [k: string]: unknown;
}

const int = (name: keyof typeof args): number => {
  const v = Number(args[name]);
  if (!Number.isInteger(v) || v < 0) throw new Error(`--${name} must be a non-negative integer, got ${String(args[name])}`);
  return v;
};

/** Timing figures shared by both engines' JSON (the PyTorch script computes the same). */
function timing(prefillMs: number, stepMs: number[]) {
  const sorted = [...stepMs].sort((a, b) => a - b);
  const decodeTotal = stepMs.reduce((a, b) => a + b, 0);
  const totalMs = prefillMs + decodeTotal;
  const frames = stepMs.length + 1;
  return {
    frames,
    prefillMs,
    decodeMsMedian: sorted[Math.floor(sorted.length / 2)],
    decodeMsMin: sorted[0],
    decodeMsMean: decodeTotal / stepMs.length,
    decodeMsAll: stepMs,
    totalMs,
    decodeFramesPerSecond: (1000 * stepMs.length) / decodeTotal,
    framesPerSecond: frames / (totalMs / 1000),
    rtf: totalMs / 1000 / (frames / FRAMES_PER_SECOND),
  };
}

const mib = (bytes: number) => bytes / 2 ** 20;

/** The nn measurement (child process): build, warm up, one timed generation, one JSON line on stdout. */
async function measureNnChild(): Promise<void> {
  const threads = int('threads');
  const steps = int('steps');
  const weights = args.weights as 'auto' | 'inputs' | 'initializers';
  if (!['auto', 'inputs', 'initializers'].includes(weights)) throw new Error(`--weights must be auto, inputs or initializers, got ${weights}`);
  const t0 = performance.now();
  const modelConfig = activeModel(await loadExampleConfig({ training: false }));
  const model = ValleModel.fromScratch(modelConfig, int('seed'));
  let weightBytes = 0;
  for (const w of model.weights.values()) weightBytes += w.byteLength;
  const rssAfterWeights = process.memoryUsage().rss;
  const runner = await model.openRunner({ provider: 'cpu', intraOpThreads: threads, interOpThreads: 1, weights });
  const buildMs = performance.now() - t0;
  const rssAfterBuild = process.memoryUsage().rss;

  // A realistic request: BOS, 38 phoneme ids, EOS; a 3 s voice prompt (8 levels, level 0 is what the AR reads).
  const rand = mulberry32(int('seed') + 1);
  const nText = int('text');
  const frames = int('prompt-frames');
  const line: ArLine = {
    text: [1, ...Array.from({ length: nText - 2 }, () => 3 + Math.floor(rand() * 253)), 2],
    prompt: { frames, levels: 8, data: Array.from({ length: frames * 8 }, () => Math.floor(rand() * 1024)) },
  };
  const greedy = (logits: Float32Array) => {
    let best = 0;
    for (let i = 1; i < STOP_TOKEN; i++) if (logits[i] > logits[best]) best = i; // stop token banned
    return best;
  };

  const w0 = performance.now();
  await model.generateAr(runner, [line], { maxSteps: int('warmup-steps') + 1, sample: greedy });
  const warmupMs = performance.now() - w0;

  // onStep runs after each step's token is picked: the first after the prefill, then one per decode step.
  const marks: number[] = [];
  const start = performance.now();
  const [codes] = await model.generateAr(runner, [line], { maxSteps: steps + 1, sample: greedy, onStep: () => void marks.push(performance.now()) });
  const stepMs = marks.slice(1).map((t, i) => t - marks[i]);
  const peakRss = process.resourceUsage().maxRSS * 1024;
  await runner.dispose();
  const ortVersion = (JSON.parse(readFileSync(path.join(root, 'node_modules/onnxruntime-node/package.json'), 'utf8')) as { version: string }).version;
  console.log(
    JSON.stringify({
      engine: 'nn',
      version: `onnxruntime-node ${ortVersion}`,
      weightsMode: weights,
      threads,
      params: parameterCount(parameterTable(model.spec)),
      textTokens: nText,
      promptFrames: frames,
      promptLength: buildSequence(model.spec, { task: 'tts', level: 0, text: line.text, prompt: line.prompt, resp: { frames: 0, levels: 1, data: [] } }).length,
      steps,
      buildMs,
      warmupMs,
      ...timing(marks[0] - start, stepMs),
      weightsMiB: mib(weightBytes),
      rssAfterWeightsMiB: mib(rssAfterWeights),
      rssAfterBuildMiB: mib(rssAfterBuild),
      peakRssMiB: mib(peakRss),
      codesHead: codes.slice(0, 8),
    }),
  );
}

function runChild(cmd: string, argv: string[], env: NodeJS.ProcessEnv): Measurement {
  const loadavg = os.loadavg();
  const r = spawnSync(cmd, argv, { cwd: root, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const line = r.stdout.trim().split('\n').filter((l) => l.startsWith('{')).pop();
  if (r.status !== 0 || !line) throw new Error(`${cmd} ${argv.join(' ')} failed (exit ${r.status}):\n${r.stderr.slice(-3000)}`);
  return { ...(JSON.parse(line) as Measurement), loadavg, loadavgAfter: os.loadavg() };
}

const common = (): string[] => ['--threads', args.threads!, '--text', args.text!, '--prompt-frames', args['prompt-frames']!, '--steps', args.steps!, '--warmup-steps', args['warmup-steps']!, '--seed', args.seed!];

function measureNn(): Measurement {
  return runChild(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', 'nn', '--weights', args.weights!, ...common()], process.env);
}

function measureTorch(linear: string): Measurement {
  const threads = args.threads!;
  return runChild(args.python!, ['bench/torch_valle_ar.py', '--linear', linear, ...common()], { ...process.env, OMP_NUM_THREADS: threads, OPENBLAS_NUM_THREADS: threads });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

interface Summary {
  prefill: number;
  prefillBest: number;
  decode: number;
  decodeBest: number;
  rtf: number;
  rtfBest: number;
  fps: number;
  rss: number;
}

/** Over rounds: medians, and the best round (the steadier figure on a shared machine). */
function summarize(ms: Measurement[]): Summary {
  return {
    prefill: median(ms.map((m) => m.prefillMs)),
    prefillBest: Math.min(...ms.map((m) => m.prefillMs)),
    decode: median(ms.map((m) => m.decodeMsMedian)),
    decodeBest: Math.min(...ms.map((m) => m.decodeMsMedian)),
    rtf: median(ms.map((m) => m.rtf)),
    rtfBest: Math.min(...ms.map((m) => m.rtf)),
    fps: median(ms.map((m) => m.framesPerSecond)),
    rss: Math.max(...ms.map((m) => m.peakRssMiB)),
  };
}

function printTable(byEngine: Map<string, Measurement[]>): void {
  const nn = summarize(byEngine.get('nn')!);
  const x = (theirs: number, ours: number) => `${(theirs / ours).toFixed(2)}×`;
  const header = ['engine', 'prefill ms', 'best', 'decode ms/frame', 'best', 'decode frames/s', 'frames/s (all)', 'RTF', 'best RTF', 'peak RSS MiB', 'decode vs nn', 'prefill vs nn'];
  const rows = [...byEngine].map(([engine, ms]) => {
    const s = summarize(ms);
    return [
      engine,
      s.prefill.toFixed(0), s.prefillBest.toFixed(0),
      s.decode.toFixed(1), s.decodeBest.toFixed(1),
      (1000 / s.decode).toFixed(2), s.fps.toFixed(2),
      s.rtf.toFixed(2), s.rtfBest.toFixed(2),
      s.rss.toFixed(0),
      engine === 'nn' ? '-' : `${x(s.decode, nn.decode)} (best ${x(s.decodeBest, nn.decodeBest)})`,
      engine === 'nn' ? '-' : `${x(s.prefill, nn.prefill)} (best ${x(s.prefillBest, nn.prefillBest)})`,
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const fmt = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i])).join('  ');
  const m = byEngine.get('nn')![0];
  console.log(`threads ${m.threads}; prompt ${m.promptLength} positions; ${m.frames} frames (prefill + ${m.steps} decode steps) = ${(m.frames / FRAMES_PER_SECOND).toFixed(2)} s of audio`);
  console.log('medians over rounds (decode = each round\'s median step), best = fastest round; "vs nn" = other / nn (> 1: nn faster); RTF < 1: faster than real time');
  console.log(fmt(header));
  for (const r of rows) console.log(fmt(r));
  const loads = [...byEngine.values()].flat().map((q) => q.loadavg![0]);
  console.log(`1-min load average at the start of each measurement: ${Math.min(...loads).toFixed(2)}–${Math.max(...loads).toFixed(2)} (${os.availableParallelism()} cores)`);
}

function main(): void {
  const rounds = int('rounds');
  int('threads');
  if (int('steps') < 1) throw new Error('--steps must be at least 1');
  if (int('text') < 2) throw new Error('--text must be at least 2 (BOS and EOS)');
  const torchVariants = args['skip-torch'] ? [] : args['torch-linear']!.split(',').filter(Boolean);
  for (const v of torchVariants) if (v !== 'module' && v !== 'mv') throw new Error(`--torch-linear takes module and/or mv, got ${v}`);
  const engines: { name: string; run: () => Measurement }[] = [
    { name: 'nn', run: measureNn },
    ...torchVariants.map((v) => ({ name: v === 'module' ? 'pytorch' : 'pytorch-mv', run: () => measureTorch(v) })),
  ];
  const byEngine = new Map<string, Measurement[]>(engines.map((e) => [e.name, []]));
  process.stderr.write(`load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} on ${os.availableParallelism()} cores\n`);
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < engines.length; i++) {
      const e = engines[(i + r) % engines.length];
      process.stderr.write(`round ${r + 1}: ${e.name} (load ${os.loadavg()[0].toFixed(2)}) … `);
      const m = e.run();
      byEngine.get(e.name)!.push(m);
      process.stderr.write(`prefill ${m.prefillMs.toFixed(0)} ms, decode ${m.decodeMsMedian.toFixed(1)} ms/frame, RTF ${m.rtf.toFixed(2)}, peak RSS ${m.peakRssMiB.toFixed(0)} MiB\n`);
    }
  }
  printTable(byEngine);
  const outDir = path.join(here, 'results');
  mkdirSync(outDir, { recursive: true });
  const file = path.join(outDir, `valle-ar-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  const settings = { threads: int('threads'), rounds, text: int('text'), promptFrames: int('prompt-frames'), steps: int('steps'), warmupSteps: int('warmup-steps'), seed: int('seed'), weights: args.weights };
  writeFileSync(
    file,
    JSON.stringify({ date: new Date().toISOString(), settings, cpu: os.cpus()[0]?.model, cores: os.availableParallelism(), totalMemMiB: mib(os.totalmem()), node: process.version, measurements: Object.fromEntries(byEngine) }, null, 2),
  );
  console.log(`raw results: ${path.relative(root, file)}`);
}

if (args.child === 'nn') await measureNnChild();
else if (args.child !== undefined) throw new Error(`unknown --child ${args.child}`);
else main();
