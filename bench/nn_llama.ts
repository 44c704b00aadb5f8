/**
 * One nn measurement in its own process (so peak RSS is this measurement's alone): builds the benchmark
 * LLaMA with nn, runs it on ORT CPU, prints one JSON line. Driven by bench/run.ts.
 *
 *   node --import tsx bench/nn_llama.ts --size small --mode forward|forward-gqa|train|train-loop --threads 2 [--steps-per-run 8]
 *
 * train: one step per ORT run (the single-step graph); train-loop: the multi-step graph, `--steps-per-run`
 * steps per run, timed per run and reported per step.
 */
import { parseArgs } from 'node:util';
import type { HostTensor } from '../src-main/engine/nn/io/host-tensor.js';
import { Graph } from '../src-main/engine/nn/graph.js';
import { emitOnnx } from '../src-main/engine/nn/emit/onnx.js';
import { crossEntropy } from '../src-main/engine/nn/composite/loss.js';
import { slice } from '../src-main/engine/nn/primitives.js';
import { Session } from '../src-main/engine/nn/runtime/session.js';
import { INFERENCE_PLAN, TRAINING_PLAN, inferencePlan, type EmitPlan } from '../src-main/engine/nn/blocks/emit-plan.js';
import { embedding } from '../src-main/engine/nn/blocks/embedding.js';
import { linear } from '../src-main/engine/nn/blocks/linear.js';
import { llamaStack } from '../src-main/engine/nn/blocks/llama-stack.js';
import { ParamStore } from '../src-main/engine/nn/blocks/params.js';
import { compileTrainStep } from '../src-main/engine/nn/optim/train-step.js';
import { TrainStepRunner } from '../src-main/engine/nn/optim/train-step-runner.js';
import { benchOptimizer, benchSizes, type BenchSize } from './llama-sizes.js';

const { values: args } = parseArgs({
  options: {
    size: { type: 'string', default: 'small' },
    mode: { type: 'string', default: 'forward' },
    threads: { type: 'string', default: '2' },
    warmup: { type: 'string', default: '2' },
    iters: { type: 'string', default: '5' },
    'steps-per-run': { type: 'string', default: '8' },
  },
});

function pickSize(name: string): BenchSize {
  const s = benchSizes[name];
  if (!s) throw new Error(`unknown size ${name} (have ${Object.keys(benchSizes).join(', ')})`);
  return s;
}
const size = pickSize(args.size!);
const threads = Number(args.threads);
const mode = args.mode!;

/** ids → logits; `frozen` keeps weights as initializers (inference), else they are trainable inputs. */
function buildLogits(g: Graph, params: ParamStore, plan: EmitPlan) {
  const ids = g.input('ids', 'int64', [size.batch, size.seq]);
  const h = embedding(ids, { params, name: 'embed', vocabSize: size.vocab, dim: size.d, init: { kind: 'normal', std: 0.02 } });
  const { out } = llamaStack(h, {
    params, plan, numLayers: size.layers, dim: size.d, numHeads: size.d / 64, hidden: 4 * size.d,
    activation: 'gelu', rmsNormEps: 1e-6, ropeTheta: 10000,
  });
  return { ids, logits: linear(out, { params, name: 'classifier', inFeatures: size.d, outFeatures: size.vocab, bias: true }) };
}

function randomIds(): HostTensor<'int64'> {
  const data = new BigInt64Array(size.batch * size.seq);
  let s = 12345;
  for (let i = 0; i < data.length; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    data[i] = BigInt(s % size.vocab);
  }
  return { dtype: 'int64', shape: [size.batch, size.seq], data };
}

async function time(fn: () => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < Number(args.warmup); i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < Number(args.iters); i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b);
}

async function main(): Promise<void> {
  const t0 = performance.now();
  const ids = randomIds();
  let times: number[];
  let buildMs: number;
  let stepsPerRun = 1;
  if (mode === 'forward' || mode === 'forward-gqa') {
    const plan = mode === 'forward' ? INFERENCE_PLAN : inferencePlan({ groupQueryAttention: true, maxPositions: size.seq });
    const params = new ParamStore({ seed: 1, frozen: () => true });
    const g = new Graph('bench_forward');
    g.output('logits', buildLogits(g, params, plan).logits);
    const session = await Session.create(emitOnnx(g).model, { provider: 'cpu', intraOpThreads: threads, interOpThreads: 1, graphOptimizationLevel: 'all' });
    buildMs = performance.now() - t0;
    times = await time(() => session.run({ ids }));
    await session.dispose();
  } else if (mode === 'train' || mode === 'train-loop') {
    const perRun = mode === 'train' ? 1 : Number(args['steps-per-run']);
    const params = new ParamStore({ seed: 1 });
    const compiled = compileTrainStep({
      name: 'bench_train',
      optimizer: benchOptimizer,
      multiStep: mode === 'train-loop',
      intraOpThreads: threads,
      build: (g) => {
        const { ids: idsIn, logits } = buildLogits(g, params, TRAINING_PLAN);
        void idsIn;
        const targets = g.input('targets', 'int64', [size.batch, size.seq - 1]);
        const shifted = slice(logits, [{ axis: 1, start: 0, end: size.seq - 1 }]);
        return { loss: crossEntropy(shifted, targets) };
      },
    });
    const runner = await TrainStepRunner.create(compiled, { provider: 'cpu', intraOpThreads: threads, interOpThreads: 1 });
    buildMs = performance.now() - t0;
    const targets: HostTensor<'int64'> = { dtype: 'int64', shape: [size.batch, size.seq - 1], data: new BigInt64Array(size.batch * (size.seq - 1)) };
    for (let b = 0; b < size.batch; b++) for (let t = 0; t < size.seq - 1; t++) targets.data[b * (size.seq - 1) + t] = ids.data[b * size.seq + t + 1];
    const batches = Array.from({ length: perRun }, () => ({ ids, targets }));
    times = (
      await time(async () => {
        const reports = await runner.steps(batches, { lr: 1e-4 });
        if (reports.length !== perRun || reports.some((r) => !r.finite)) throw new Error('bench train step overflowed');
      })
    ).map((t) => t / perRun);
    stepsPerRun = perRun;
    await runner.dispose();
  } else {
    throw new Error(`unknown mode ${mode} (forward | forward-gqa | train | train-loop)`);
  }
  const median = times[Math.floor(times.length / 2)];
  console.log(
    JSON.stringify({
      engine: 'nn',
      mode,
      ...size,
      threads,
      stepsPerRun,
      buildMs,
      msPerStep: median,
      msMin: times[0],
      msAll: times,
      tokensPerSecond: (size.batch * size.seq) / (median / 1000),
      peakRssMiB: process.resourceUsage().maxRSS / 1024,
    }),
  );
}

await main();
