/**
 * A finite-difference gradcheck for every differentiable primitive (float64 where onnxruntime's CPU kernels
 * exist, float32 with the looser `gradcheckDefaults` otherwise), plus the walker's refusals.
 */
import { describe, expect, it } from 'vitest';
import { emitOnnx } from './emit/onnx.js';
import { gradients } from './grad.js';
import { Graph } from './graph.js';
import * as P from './primitives.js';
import type { Tensor } from './tensor.js';
import type { GradcheckInput } from './testing/gradcheck.js';
import { gradcheck, seededUniform } from './testing/gradcheck.js';
import { runModel } from './testing/run-model.js';

type Build = (g: Graph, xs: Tensor[]) => Tensor;

interface Case {
  name: string;
  dtype?: 'float64' | 'float32';
  inputs: GradcheckInput[];
  build: Build;
  eps?: number;
  atol?: number;
  rtol?: number;
}

/** values in [lo, hi) */
function uniform(n: number, lo: number, hi: number, seed: number): number[] {
  return seededUniform(n, seed).map((u) => lo + ((u + 1) / 2) * (hi - lo));
}
/** values with |v| in [0.2, 1): away from kinks at 0 */
function awayFromZero(n: number, seed: number): number[] {
  return seededUniform(n, seed).map((u) => (u < 0 ? -0.2 + 0.8 * u : 0.2 + 0.8 * u));
}
/** distinct values, so max/min/argmax have no ties within eps */
function distinct(n: number, seed: number): number[] {
  const perm = seededUniform(n, seed).map((u, i) => ({ u, i })).sort((a, b) => a.u - b.u);
  const out = new Array<number>(n);
  perm.forEach((p, rank) => (out[p.i] = rank * 0.1 - 0.05 * n));
  return out;
}

const x23: GradcheckInput = { name: 'x', shape: [2, 3] };

const cases: Case[] = [
  { name: 'Identity', inputs: [x23], build: (_, [x]) => P.identity(x) },
  { name: 'Neg', inputs: [x23], build: (_, [x]) => P.neg(x) },
  { name: 'Exp', inputs: [x23], build: (_, [x]) => P.exp(x) },
  { name: 'Log', inputs: [{ name: 'x', shape: [2, 3], data: uniform(6, 0.5, 2, 1) }], build: (_, [x]) => P.log(x) },
  { name: 'Sqrt', inputs: [{ name: 'x', shape: [2, 3], data: uniform(6, 0.5, 2, 2) }], build: (_, [x]) => P.sqrt(x) },
  { name: 'Reciprocal', inputs: [{ name: 'x', shape: [2, 3], data: awayFromZero(6, 3) }], build: (_, [x]) => P.reciprocal(x) },
  { name: 'Abs', inputs: [{ name: 'x', shape: [2, 3], data: awayFromZero(6, 4) }], build: (_, [x]) => P.abs(x) },
  { name: 'Sigmoid', inputs: [x23], build: (_, [x]) => P.sigmoid(x) },
  { name: 'Tanh', inputs: [x23], build: (_, [x]) => P.tanh(x) },
  { name: 'Erf', dtype: 'float32', inputs: [x23], build: (_, [x]) => P.erf(x) },
  { name: 'Sin', inputs: [x23], build: (_, [x]) => P.sin(x) },
  { name: 'Cos', inputs: [x23], build: (_, [x]) => P.cos(x) },
  { name: 'Relu', inputs: [{ name: 'x', shape: [2, 3], data: awayFromZero(6, 5) }], build: (_, [x]) => P.relu(x) },
  {
    name: 'Cast (float64 → float32 → float64)',
    inputs: [x23],
    build: (_, [x]) => P.cast(P.cast(x, 'float32'), 'float64'),
    eps: 1e-3,
    atol: 1e-4,
  },
  { name: 'Add (broadcast [2,3] + [3])', inputs: [x23, { name: 'y', shape: [3] }], build: (_, [x, y]) => P.add(x, y) },
  { name: 'Sub (broadcast [2,1,3] - [4,1])', inputs: [{ name: 'x', shape: [2, 1, 3] }, { name: 'y', shape: [4, 1] }], build: (_, [x, y]) => P.sub(x, y) },
  { name: 'Mul (broadcast [2,1,3] * [4,1])', inputs: [{ name: 'x', shape: [2, 1, 3] }, { name: 'y', shape: [4, 1] }], build: (_, [x, y]) => P.mul(x, y) },
  { name: 'Mul by itself (fan-out)', inputs: [x23], build: (_, [x]) => P.mul(x, P.exp(x)) },
  { name: 'Div', inputs: [x23, { name: 'y', shape: [2, 3], data: awayFromZero(6, 6) }], build: (_, [x, y]) => P.div(x, y) },
  {
    name: 'Pow (base and exponent)',
    inputs: [{ name: 'x', shape: [2, 3], data: uniform(6, 0.5, 2, 7) }, { name: 'y', shape: [3] }],
    build: (_, [x, y]) => P.pow(x, y),
  },
  {
    name: 'Max',
    inputs: [{ name: 'x', shape: [2, 3], data: distinct(6, 8) }, { name: 'y', shape: [2, 3], data: distinct(6, 9).map((v) => v + 0.03) }],
    build: (_, [x, y]) => P.maximum(x, y),
  },
  {
    name: 'Min',
    inputs: [{ name: 'x', shape: [2, 3], data: distinct(6, 10) }, { name: 'y', shape: [2, 3], data: distinct(6, 11).map((v) => v + 0.03) }],
    build: (_, [x, y]) => P.minimum(x, y),
  },
  {
    name: 'Where',
    inputs: [x23, { name: 'y', shape: [3] }, { name: 'c', shape: [2, 3], dtype: 'int64', data: [1, 0, 1, 0, 0, 1] }],
    build: (_, [x, y, c]) => P.where(P.equal(c, 1), x, y),
  },
  { name: 'ReduceSum', inputs: [{ name: 'x', shape: [2, 3, 4] }], build: (_, [x]) => P.reduceSum(x, [0, 2]) },
  { name: 'ReduceSum keepdims', inputs: [{ name: 'x', shape: [2, 3, 4] }], build: (_, [x]) => P.reduceSum(x, 1, true) },
  { name: 'ReduceMean', inputs: [{ name: 'x', shape: [2, 3, 4] }], build: (_, [x]) => P.reduceMean(x, -1) },
  { name: 'ReduceMax', inputs: [{ name: 'x', shape: [3, 4], data: distinct(12, 12) }], build: (_, [x]) => P.reduceMax(x, 1) },
  { name: 'Reshape', inputs: [{ name: 'x', shape: [2, 3, 4] }], build: (_, [x]) => P.reshape(x, [6, -1]) },
  { name: 'Transpose', inputs: [{ name: 'x', shape: [2, 3, 4] }], build: (_, [x]) => P.transpose(x, [2, 0, 1]) },
  { name: 'Expand', inputs: [{ name: 'x', shape: [3, 1] }], build: (_, [x]) => P.expand(x, [2, 3, 4]) },
  { name: 'Squeeze', inputs: [{ name: 'x', shape: [2, 1, 3] }], build: (_, [x]) => P.squeeze(x, 1) },
  { name: 'Unsqueeze', inputs: [x23], build: (_, [x]) => P.unsqueeze(x, [0, 3]) },
  { name: 'Slice (step 1, two axes)', inputs: [{ name: 'x', shape: [4, 5] }], build: (_, [x]) => P.slice(x, [{ axis: 0, start: 1, end: 3 }, { axis: 1, start: -3 }]) },
  { name: 'Slice (step 2)', inputs: [{ name: 'x', shape: [3, 7] }], build: (_, [x]) => P.slice(x, [{ axis: 1, start: 1, step: 2 }]) },
  { name: 'Slice (step -1, reversal)', inputs: [{ name: 'x', shape: [3, 4] }], build: (_, [x]) => P.slice(x, [{ axis: 1, start: -1, end: -5, step: -1 }]) },
  { name: 'Concat', inputs: [x23, { name: 'y', shape: [2, 2] }], build: (_, [x, y]) => P.concat([x, y, x], 1) },
  { name: 'Pad constant', inputs: [x23], build: (_, [x]) => P.pad(x, [[1, 0], [2, 1]], 'constant', 0.5) },
  { name: 'Pad reflect', inputs: [{ name: 'x', shape: [2, 5] }], build: (_, [x]) => P.pad(x, [[0, 0], [3, 2]], 'reflect') },
  { name: 'Pad edge', inputs: [{ name: 'x', shape: [3, 4] }], build: (_, [x]) => P.pad(x, [[1, 2], [2, 1]], 'edge') },
  {
    name: 'Gather axis 0 (duplicate ids)',
    inputs: [{ name: 'table', shape: [5, 3] }, { name: 'ids', shape: [2, 3], dtype: 'int64', data: [0, 4, 0, 2, 2, 2] }],
    build: (_, [t, ids]) => P.gather(t, ids, 0),
  },
  {
    name: 'Gather axis 1',
    inputs: [{ name: 'x', shape: [2, 4, 3] }, { name: 'ids', shape: [3], dtype: 'int64', data: [3, 1, 3] }],
    build: (_, [t, ids]) => P.gather(t, ids, 1),
  },
  {
    name: 'ScatterNDAdd (data)',
    inputs: [{ name: 'x', shape: [4, 2] }, { name: 'ids', shape: [3, 1], dtype: 'int64', data: [1, 3, 1] }],
    build: (g, [x, ids]) => P.scatterNDAdd(x, ids, g.literal([1, 2, 3, 4, 5, 6], [3, 2], 'float64')),
  },
  { name: 'MatMul', inputs: [{ name: 'a', shape: [3, 4] }, { name: 'b', shape: [4, 2] }], build: (_, [a, b]) => P.matmul(a, b) },
  {
    name: 'MatMul (batch broadcast)',
    inputs: [{ name: 'a', shape: [2, 1, 3, 4] }, { name: 'b', shape: [3, 4, 2] }],
    build: (_, [a, b]) => P.matmul(a, b),
  },
  {
    name: 'Conv1d (stride 2, dilation 2, pads)',
    dtype: 'float32',
    inputs: [{ name: 'x', shape: [2, 3, 11] }, { name: 'w', shape: [4, 3, 3] }],
    build: (_, [x, w]) => P.conv1d(x, w, { stride: 2, dilation: 2, pads: [2, 1] }),
  },
  {
    name: 'Conv1d (groups 2, stride 3)',
    dtype: 'float32',
    inputs: [{ name: 'x', shape: [2, 4, 10] }, { name: 'w', shape: [6, 2, 2] }],
    build: (_, [x, w]) => P.conv1d(x, w, { stride: 3, groups: 2, pads: [1, 0] }),
  },
  {
    name: 'ConvTranspose1d (stride 2, dilation 2, pads, output padding)',
    dtype: 'float32',
    inputs: [{ name: 'x', shape: [2, 3, 5] }, { name: 'w', shape: [3, 2, 3] }],
    build: (_, [x, w]) => P.convTranspose1d(x, w, { stride: 2, dilation: 2, pads: [1, 2], outputPadding: 1 }),
  },
  {
    name: 'ConvTranspose1d (groups 2, stride 3)',
    dtype: 'float32',
    inputs: [{ name: 'x', shape: [1, 4, 4] }, { name: 'w', shape: [4, 3, 4] }],
    build: (_, [x, w]) => P.convTranspose1d(x, w, { stride: 3, groups: 2, pads: [1, 1] }),
  },
];

describe('gradcheck of every differentiable primitive', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const result = await gradcheck({
        dtype: c.dtype ?? 'float64',
        inputs: c.inputs,
        build: c.build,
        eps: c.eps,
        atol: c.atol,
        rtol: c.rtol,
      });
      expect(result.ok, result.report).toBe(true);
      expect(result.checked).toBeGreaterThan(0);
    });
  }
});

/** Runs loss + gradients of one graph and returns the gradient values. */
async function gradValues(g: Graph, loss: Tensor, targets: Tensor[], feeds: Parameters<typeof runModel>[1]): Promise<number[][]> {
  gradients(loss, targets).forEach((gr, i) => g.output(`g${i}`, gr));
  const out = await runModel(emitOnnx(g), feeds);
  return targets.map((_, i) => Array.from(out[`g${i}`].data as Float32Array));
}

describe('gradients with symbolic dims', () => {
  it('match the static-shape gradients for strided conv, slices, concat and reductions', async () => {
    const N = 2;
    const L = 9;
    const xData = Float32Array.from(seededUniform(N * 2 * L, 3));
    const wData = Float32Array.from(seededUniform(3 * 2 * 3, 4));
    const build = (lenDim: number | string, batch: number | string): number[][] | Promise<number[][]> => {
      const g = new Graph();
      const x = g.input('x', 'float32', [batch, 2, lenDim]);
      const w = g.input('w', 'float32', [3, 2, 3]);
      const y = P.conv1d(x, w, { stride: 2, pads: [1, 1], dilation: 1 }); // [N, 3, ?]
      const tail = P.slice(y, [{ axis: 2, start: 1 }]); // [N, 3, Lout-1]
      const first = P.slice(x, [{ axis: 1, start: 0, end: 1 }]); // [N, 1, L]
      const twice = P.concat([first, P.exp(first)], 2); // [N, 1, 2L]
      const flat = P.reshape(x, [-1, lenDim]); // [2N, L]
      const loss = P.add(
        P.add(P.reduceSum(P.mul(P.tanh(tail), P.sin(tail)), [0, 1, 2]), P.reduceSum(P.mul(twice, twice), [0, 1, 2])),
        P.reduceSum(P.mul(P.reduceMean(flat, 1), P.reduceMax(flat, 1)), 0),
      );
      return gradValues(g, loss, [x, w], {
        x: { dtype: 'float32', shape: [N, 2, L], data: xData },
        w: { dtype: 'float32', shape: [3, 2, 3], data: wData },
      });
    };
    const fixed = await build(L, N);
    const symbolic = await build('L', 'N');
    expect(symbolic[0].length).toBe(fixed[0].length);
    symbolic.forEach((arr, i) => arr.forEach((v, j) => expect(v).toBeCloseTo(fixed[i][j], 5)));
  });
});

describe('gradients: refusals', () => {
  it('refuses integer targets', () => {
    const g = new Graph();
    const ids = g.input('ids', 'int64', [3]);
    const t = g.param('t', [4, 2], { trainable: true });
    const loss = P.reduceSum(P.gather(t, ids), [0, 1]);
    expect(() => gradients(loss, [ids])).toThrow(/target ids is int64; only float tensors have gradients/);
  });

  it('refuses a non-scalar loss without a seed, and accepts one with a seed', () => {
    const g = new Graph();
    const x = g.input('x', 'float32', [3]);
    const y = P.mul(x, x);
    expect(() => gradients(y, [x])).toThrow(/has shape \[3\]; reduce it to a scalar or pass a seed/);
    expect(() => gradients(y, [x], { seed: g.input('seed', 'float32', [3]) })).not.toThrow();
  });

  it('refuses a constant or a frozen parameter as target', () => {
    const g = new Graph();
    const c = g.literal([1, 2], [2], 'float32');
    const frozen = g.param('w', [2], { trainable: false, data: Float32Array.of(1, 2) });
    const loss = P.reduceSum(P.mul(c, frozen), 0);
    expect(() => gradients(loss, [c])).toThrow(/is a constant; constants have no gradient/);
    expect(() => gradients(loss, [frozen])).toThrow(/parameter "w" is frozen/);
  });

  it('refuses a path through an op without a rule, naming it', () => {
    const g = new Graph();
    const x = g.input('x', 'float32', [3]);
    const [y] = P.onnxOp(g, { opType: 'Softplus', inputs: [x], outputs: [{ dtype: 'float32', shape: [3] }] });
    const loss = P.reduceSum(y, 0);
    expect(() => gradients(loss, [x])).toThrow(/op OnnxOp \(node \/Softplus\) has no gradient rule/);
  });

  it('refuses a target the loss does not depend on unless allowUnused', () => {
    const g = new Graph();
    const x = g.input('x', 'float32', [3]);
    const z = g.input('z', 'float32', [3]);
    const loss = P.reduceSum(x, 0);
    expect(() => gradients(loss, [z])).toThrow(/does not depend on z/);
    expect(gradients(loss, [z], { allowUnused: true })[0].shape).toEqual([3]);
  });

  it('stops gradients at stopGradient', async () => {
    const g = new Graph();
    const x = g.input('x', 'float64', [3]);
    const loss = P.reduceSum(P.mul(x, P.stopGradient(x)), 0); // d/dx = stop(x) = x, not 2x
    const [gx] = await gradValues(g, loss, [x], { x: { dtype: 'float64', shape: [3], data: Float64Array.of(1, -2, 3) } });
    expect(gx).toEqual([1, -2, 3]);
  });

  it('names backward nodes after their forward node', () => {
    const g = new Graph();
    const x = g.input('x', 'float32', [2, 2]);
    const w = g.param('w', [2, 2], { trainable: true });
    const y = g.scope('layers.0', () => g.scope('proj', () => P.matmul(x, w)));
    gradients(P.reduceSum(y, [0, 1]), [w]);
    expect(g.nodes.map((n) => n.name)).toContain('/layers.0/proj/MatMul_grad/MatMul');
  });
});
