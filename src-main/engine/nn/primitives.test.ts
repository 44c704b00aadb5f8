/** Build-time checks: each op refuses bad operands with an error that names the op and the shapes. */
import { describe, expect, it } from 'vitest';
import { Graph } from './graph.js';
import { Op } from './ops.js';
import * as P from './primitives.js';
import { graphProblems, validateGraph } from './validate.js';

describe('build-time shape and dtype checks', () => {
  const g = new Graph();
  const x = g.input('x', 'float32', ['B', 'T', 8]);
  const ids = g.input('ids', 'int64', ['B', 'T']);

  it('infers shapes', () => {
    expect(P.matmul(x, g.param('w', [8, 3], { trainable: true })).shape).toEqual(['B', 'T', 3]);
    expect(P.gather(g.param('emb', [10, 4], { trainable: true }), ids).shape).toEqual(['B', 'T', 4]);
    expect(P.reduceSum(x, [1], true).shape).toEqual(['B', 1, 8]);
    expect(P.transpose(x, [2, 0, 1]).shape).toEqual([8, 'B', 'T']);
    expect(P.slice(x, [{ axis: 1, start: 1 }]).shape).toEqual(['B', 'T-1', 8]);
    expect(P.slice(x, [{ axis: 2, start: 1, step: 3 }]).shape).toEqual(['B', 'T', 3]);
    expect(P.unsqueeze(x, [0, -1]).shape).toEqual([1, 'B', 'T', 8, 1]);
    expect(P.pad(x, [[0, 0], [2, 1], [0, 0]]).shape).toEqual(['B', 'T+3', 8]);
    const c = P.conv1d(P.transpose(x, [0, 2, 1]), g.param('k', [4, 8, 3], { trainable: true }), { stride: 2, pads: [1, 1] });
    expect(c.shape).toEqual(['B', 4, '{floor((T-1)/2)}+1']);
    const up = P.convTranspose1d(c, g.param('kt', [4, 2, 4], { trainable: true }), { stride: 2, pads: [1, 1] });
    expect(up.shape[2]).toBe('2*{floor((T-1)/2)}+2');
  });

  it('names the op and shapes in errors', () => {
    expect(() => P.matmul(x, g.param('w2', [7, 3], { trainable: true }))).toThrow(
      'MatMul: inner dims differ: float32[B, T, 8] @ float32[7, 3] (8 vs 7)',
    );
    expect(() => P.add(x, ids)).toThrow(/Add: dtypes differ \(float32\[B, T, 8\] vs int64\[B, T\]\)/);
    expect(() => P.exp(ids)).toThrow(/Exp: input ids is int64\[B, T\]; Exp needs a float tensor/);
    const fixed = g.input('fixed', 'float32', [2, 3]);
    expect(() => P.reshape(fixed, [4, -1])).toThrow('Reshape: float32[2, 3] has 6 elements, which [4, -1] cannot hold');
    expect(() => P.reshape(x, [4, 4])).toThrow(/cannot become \[4, 4\]/);
    expect(() => P.squeeze(x, 1)).toThrow(/Squeeze: axis 1 of float32\[B, T, 8\] has size T, not 1/);
    expect(() => P.transpose(x, [0, 0, 1])).toThrow(/Transpose: perm \[0, 0, 1\]/);
    expect(() => P.concat([x, P.transpose(x, [0, 2, 1])], 1)).toThrow(/Concat on axis 1/);
    expect(() => P.gather(x, x)).toThrow(/Gather: indices are float32/);
    expect(() => P.reduceSum(x, [3])).toThrow(/ReduceSum: axis 3 is out of range for rank 3/);
    expect(() => P.conv1d(x, g.param('k2', [4, 3, 3], { trainable: true }))).toThrow(/Conv1d: x float32\[B, T, 8\] and w float32\[4, 3, 3\] do not fit groups=1/);
    expect(() => P.expand(x, ['S', 1, 8])).toThrow(/Expand: shapes \[B, T, 8\] and \[S, 1, 8\] do not broadcast/);
    expect(() => P.reshape(x, ['Q', -1])).toThrow(/no tensor built so far has size "Q"/);
  });

  it('refuses tensors from another graph, duplicate names, frozen params without data', () => {
    const other = new Graph();
    const y = other.input('y', 'float32', [8]);
    expect(() => P.add(x, y)).toThrow(/belongs to another graph/);
    expect(() => g.input('x', 'float32', [1])).toThrow(/input "x": the name is already used/);
    expect(() => g.param('frozen', [2], { trainable: false })).toThrow(/frozen parameter needs data/);
    expect(() => g.param('bad', [2], { trainable: false, data: Float64Array.of(1, 2) })).toThrow(/Float64Array, which does not hold float32/);
    expect(() => g.param('short', [3], { trainable: false, data: Float32Array.of(1, 2) })).toThrow(/data has 2 values, shape \[3\] needs 3/);
  });
});

describe('validateGraph', () => {
  it('accepts a graph built through the op functions', () => {
    const g = new Graph();
    const x = g.input('x', 'float32', [2, 3]);
    g.output('y', P.div(P.exp(x), P.reduceSum(P.exp(x), 1, true)));
    expect(graphProblems(g)).toEqual([]);
  });

  it('reports nodes whose operands come later or whose shapes disagree', () => {
    const g = new Graph();
    const x = g.input('x', 'float32', [2, 3]);
    // hand-made nodes bypass the op functions' checks: the validator must catch them
    g.addNode(Op.Exp, [x], {}, [{ dtype: 'float32', shape: [5] }], { name: 'bad_unary' });
    g.addNode(Op.Add, [x, g.input('z', 'float32', [4])], {}, [{ dtype: 'float32', shape: [2, 3] }], {
      name: 'bad_add',
    });
    const problems = graphProblems(g);
    expect(problems.some((p) => p.startsWith('/bad_unary: unary output'))).toBe(true);
    expect(problems.some((p) => p.includes('/bad_add') && p.includes('do not broadcast'))).toBe(true);
    expect(() => validateGraph(g)).toThrow(/graph is invalid/);
  });
});
