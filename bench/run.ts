/**
 * `npm run bench`: the nn LLaMA stack on ORT CPU against the same model in PyTorch, same thread count.
 * Each measurement runs in its own process (peak RSS is that measurement's alone); engines alternate per
 * round so machine load hits both alike. Prints a table and writes bench/results/<time>.json.
 *
 *   npm run bench -- --sizes small,big --threads 2 --rounds 3 --iters 5 --steps-per-run 8
 *   npm run bench -- --skip-torch          (nn only)
 *
 * Modes: forward, train (one step per ORT run), train-loop (the multi-step graph, --steps-per-run steps
 * per run, reported per step); PyTorch runs its one training loop for both train modes.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { benchSizes } from './llama-sizes.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');

const { values: args } = parseArgs({
  options: {
    sizes: { type: 'string', default: 'small,big' },
    modes: { type: 'string', default: 'forward,forward-gqa,train,train-loop' },
    'steps-per-run': { type: 'string', default: '8' },
    threads: { type: 'string', default: String(os.availableParallelism()) },
    rounds: { type: 'string', default: '2' },
    iters: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '2' },
    python: { type: 'string', default: '/usr/bin/python3' },
    'skip-torch': { type: 'boolean', default: false },

  },
});

interface Measurement {
  engine: 'nn' | 'pytorch';
  mode: string;
  msPerStep: number;
  msMin: number;
  tokensPerSecond: number;
  peakRssMiB: number;
  [k: string]: unknown;
}

function runChild(cmd: string, argv: string[], env: NodeJS.ProcessEnv): Measurement {
  const r = spawnSync(cmd, argv, { cwd: root, env, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  const line = r.stdout.trim().split('\n').filter((l) => l.startsWith('{')).pop();
  if (r.status !== 0 || !line) {
    throw new Error(`${cmd} ${argv.join(' ')} failed (exit ${r.status}):\n${r.stderr.slice(-3000)}`);
  }
  return JSON.parse(line) as Measurement;
}

function measureNn(size: string, mode: string, threads: number): Measurement {
  return runChild(process.execPath, ['--import', 'tsx', 'bench/nn_llama.ts', '--size', size, '--mode', mode, '--threads', String(threads), '--iters', args.iters!, '--warmup', args.warmup!, '--steps-per-run', args['steps-per-run']!], process.env);
}

function measureTorch(size: string, mode: string, threads: number): Measurement {
  const s = benchSizes[size];
  const torchMode = mode === 'forward-gqa' ? 'forward' : mode === 'train-loop' ? 'train' : mode;
  return runChild(
    args.python!,
    ['bench/torch_llama.py', '--d', String(s.d), '--layers', String(s.layers), '--batch', String(s.batch), '--seq', String(s.seq), '--vocab', String(s.vocab), '--threads', String(threads), '--mode', torchMode, '--iters', args.iters!, '--warmup', args.warmup!],
    { ...process.env, OMP_NUM_THREADS: String(threads), OPENBLAS_NUM_THREADS: String(threads) },
  );
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

interface Row {
  size: string;
  mode: string;
  nn: Measurement[];
  torch: Measurement[];
}

function summarize(ms: Measurement[]): { ms: number; best: number; tps: number; rss: number } | null {
  if (ms.length === 0) return null;
  const m = median(ms.map((x) => x.msPerStep));
  const tokens = (ms[0].batch as number) * (ms[0].seq as number);
  return { ms: m, best: Math.min(...ms.map((x) => x.msMin)), tps: tokens / (m / 1000), rss: Math.max(...ms.map((x) => x.peakRssMiB)) };
}

function main(): void {
  const threads = Number(args.threads);
  const sizes = args.sizes!.split(',');
  const modes = args.modes!.split(',');
  for (const s of sizes) if (!benchSizes[s]) throw new Error(`unknown size "${s}" (have ${Object.keys(benchSizes).join(', ')})`);
  const rows: Row[] = [];
  for (const size of sizes) {
    for (const mode of modes) {
      const row: Row = { size, mode, nn: [], torch: [] };
      for (let r = 0; r < Number(args.rounds); r++) {
        process.stderr.write(`${size} ${mode} round ${r + 1}: nn`);
        row.nn.push(measureNn(size, mode, threads));
        if (!args['skip-torch']) {
          process.stderr.write(', pytorch');
          row.torch.push(measureTorch(size, mode, threads));
        }
        process.stderr.write('\n');
      }
      rows.push(row);
    }
  }
  const header = ['size', 'mode', 'nn ms', 'torch ms', 'speed-up', 'nn best', 'torch best', 'best speed-up', 'nn tok/s', 'torch tok/s', 'nn RSS MiB', 'torch RSS MiB'];
  const table = rows.map((r) => {
    const a = summarize(r.nn)!;
    const b = summarize(r.torch);
    const ratio = (x: number, y: number) => `${(x / y).toFixed(2)}×`;
    return [
      r.size, r.mode,
      a.ms.toFixed(1), b ? b.ms.toFixed(1) : '-', b ? ratio(b.ms, a.ms) : '-',
      a.best.toFixed(1), b ? b.best.toFixed(1) : '-', b ? ratio(b.best, a.best) : '-',
      a.tps.toFixed(0), b ? b.tps.toFixed(0) : '-', a.rss.toFixed(0), b ? b.rss.toFixed(0) : '-',
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((t) => t[i].length)));
  const fmt = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i])).join('  ');
  console.log(`threads ${threads}; ms = median step time over rounds, best = fastest step seen; speed-up = torch / nn (> 1: nn faster); tok/s from the median`);
  console.log(fmt(header));
  for (const t of table) console.log(fmt(t));
  const outDir = path.join(here, 'results');
  mkdirSync(outDir, { recursive: true });
  const file = path.join(outDir, `${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(
    file,
    JSON.stringify({ date: new Date().toISOString(), threads, cpu: os.cpus()[0]?.model, cores: os.cpus().length, loadavg: os.loadavg(), node: process.version, rows }, null, 2),
  );
  console.log(`raw results: ${path.relative(root, file)}`);
}

main();
