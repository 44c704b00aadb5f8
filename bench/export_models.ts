/**
 * Writes the benchmark's nn graphs as ONNX files plus a manifest, for running them on another machine with
 * Python onnxruntime (bench/ort_llama.py) — used where Node is not installed. Weights are left as graph
 * inputs (the files stay small); ort_llama.py turns them into initializers for the forward model.
 *
 *   node --import tsx bench/export_models.ts --out bench/results/export --sizes small,big
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Graph } from '../src-main/engine/nn/graph.js';
import { emitOnnx } from '../src-main/engine/nn/emit/onnx.js';
import { crossEntropy } from '../src-main/engine/nn/composite/loss.js';
import { slice } from '../src-main/engine/nn/primitives.js';
import { INFERENCE_PLAN, TRAINING_PLAN, type EmitPlan } from '../src-main/engine/nn/blocks/emit-plan.js';
import { embedding } from '../src-main/engine/nn/blocks/embedding.js';
import { linear } from '../src-main/engine/nn/blocks/linear.js';
import { llamaStack } from '../src-main/engine/nn/blocks/llama-stack.js';
import { ParamStore } from '../src-main/engine/nn/blocks/params.js';
import { compileTrainStep } from '../src-main/engine/nn/optim/train-step.js';
import { trainNames } from '../src-main/engine/nn/optim/state-layout.js';
import { benchOptimizer, benchSizes, type BenchSize } from './llama-sizes.js';

const { values: args } = parseArgs({
  options: { out: { type: 'string', default: 'bench/results/export' }, sizes: { type: 'string', default: 'small,big' }, 'no-rewrites': { type: 'boolean', default: false } },
});

function logits(g: Graph, size: BenchSize, params: ParamStore, plan: EmitPlan) {
  const ids = g.input('ids', 'int64', [size.batch, size.seq]);
  const h = embedding(ids, { params, name: 'embed', vocabSize: size.vocab, dim: size.d });
  const { out } = llamaStack(h, { params, plan, numLayers: size.layers, dim: size.d, numHeads: size.d / 64, hidden: 4 * size.d, activation: 'gelu', rmsNormEps: 1e-6, ropeTheta: 10000 });
  return linear(out, { params, name: 'classifier', inFeatures: size.d, outFeatures: size.vocab, bias: true });
}

mkdirSync(args.out!, { recursive: true });
for (const name of args.sizes!.split(',')) {
  const size = benchSizes[name];
  // weights as inputs: zero-filled placeholders, ort_llama.py draws the real values
  const lazy = new ParamStore({ seed: 1 });
  const g = new Graph('bench_forward');
  g.output('logits', logits(g, size, lazy, INFERENCE_PLAN));
  writeFileSync(path.join(args.out!, `${name}-forward.onnx`), emitOnnx(g).model);
  const compiled = compileTrainStep({
    name: 'bench_train',
    optimizer: benchOptimizer,
    rewrites: !args['no-rewrites'],
    build: (tg) => {
      const lg = logits(tg, size, new ParamStore({ seed: 1 }), TRAINING_PLAN);
      const targets = tg.input('targets', 'int64', [size.batch, size.seq - 1]);
      return { loss: crossEntropy(slice(lg, [{ axis: 1, start: 0, end: size.seq - 1 }]), targets) };
    },
  });
  writeFileSync(path.join(args.out!, `${name}-train.onnx`), compiled.step.model);
  const manifest = {
    size,
    params: compiled.params.map((p) => ({ name: p.name, shape: p.shape })),
    stateGroups: compiled.stateGroups.map((sg, i) => ({ params: trainNames.params(i), m: trainNames.m(i), v: trainNames.v(i), size: sg.size, members: sg.members })),
    names: { next: trainNames.next('{}'), step: trainNames.step, lr: trainNames.lr, lossScale: trainNames.lossScale, loss: trainNames.loss, gradNorm: trainNames.gradNorm, finite: trainNames.finite },
  };
  writeFileSync(path.join(args.out!, `${name}.json`), JSON.stringify(manifest, null, 1));
  console.log(`${name}: wrote forward and train models to ${args.out}`);
}
