/**
 * Nearest-centroid search as one onnxruntime matrix product, for building the lite codec's tables in
 * minutes instead of an hour: argmax_j (2·x·c_j − ‖c_j‖²) = argmin_j ‖x − c_j‖². Points go through in
 * batches so the [batch, k] score matrix stays small.
 */
import { argMax, emitOnnx, Graph, matmul, mul, reduceMax, sub, transpose } from '../../../nn/index.js';
import { ModelRunner } from '../../../nn/testing/run-model.js';
import type { NearestAssigner } from './kmeans.js';

const BATCH = 8192;

export class OrtAssigner implements NearestAssigner {
  private constructor(
    private readonly runner: ModelRunner,
    private readonly dims: number,
  ) {}

  static async create(dims: number, threads = 2): Promise<OrtAssigner> {
    const g = new Graph('nearest_centroid');
    const x = g.input('x', 'float32', ['N', dims]);
    const c = g.input('c', 'float32', ['K', dims]);
    const cn = g.input('cn', 'float32', ['K']);
    const score = sub(mul(matmul(x, transpose(c, [1, 0])), 2), cn);
    g.output('label', argMax(score, 1));
    g.output('score', reduceMax(score, 1));
    const runner = await ModelRunner.create(emitOnnx(g), { intraOpNumThreads: threads, interOpNumThreads: 1 });
    return new OrtAssigner(runner, dims);
  }

  async assign(points: Float32Array, n: number, dims: number, centroids: Float32Array, k: number, labels: Int32Array, dist: Float64Array): Promise<void> {
    if (dims !== this.dims) throw new RangeError(`assigner built for ${this.dims} dims, got ${dims}`);
    const cn = new Float32Array(k);
    for (let j = 0; j < k; j++) {
      let s = 0;
      for (let d = 0; d < dims; d++) s += centroids[j * dims + d] ** 2;
      cn[j] = s;
    }
    for (let start = 0; start < n; start += BATCH) {
      const rows = Math.min(BATCH, n - start);
      const x = points.subarray(start * dims, (start + rows) * dims);
      const out = await this.runner.run({
        x: { dtype: 'float32', shape: [rows, dims], data: x },
        c: { dtype: 'float32', shape: [k, dims], data: centroids },
        cn: { dtype: 'float32', shape: [k], data: cn },
      });
      const label = out.label.data as BigInt64Array;
      const score = out.score.data as Float32Array;
      for (let i = 0; i < rows; i++) {
        let pn = 0;
        for (let d = 0; d < dims; d++) pn += x[i * dims + d] ** 2;
        labels[start + i] = Number(label[i]);
        dist[start + i] = Math.max(0, pn - score[i]);
      }
    }
  }

  async release(): Promise<void> {
    await this.runner.release();
  }
}
