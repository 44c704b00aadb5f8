/**
 * Seeded k-means (Lloyd's algorithm with k-means++ initialisation on a subsample), deterministic for a given
 * seed and input. The nearest-centroid search — nearly all of the cost — is pluggable: plain JS here, an
 * onnxruntime matrix product in ort-assigner.ts for the table builder.
 */
import { mulberry32 } from '../../../nn/index.js';

export interface NearestAssigner {
  /** For each of the n points, the index of its nearest centroid and the squared distance to it. */
  assign(points: Float32Array, n: number, dims: number, centroids: Float32Array, k: number, labels: Int32Array, dist: Float64Array): Promise<void>;
}

export const jsAssigner: NearestAssigner = {
  async assign(points, n, dims, centroids, k, labels, dist) {
    const norms = new Float64Array(k);
    for (let j = 0; j < k; j++) {
      let s = 0;
      for (let d = 0; d < dims; d++) s += centroids[j * dims + d] ** 2;
      norms[j] = s;
    }
    for (let i = 0; i < n; i++) {
      let pn = 0;
      for (let d = 0; d < dims; d++) pn += points[i * dims + d] ** 2;
      let best = 0;
      let bestD = Infinity;
      for (let j = 0; j < k; j++) {
        let dot = 0;
        for (let d = 0; d < dims; d++) dot += points[i * dims + d] * centroids[j * dims + d];
        const v = norms[j] - 2 * dot;
        if (v < bestD) {
          bestD = v;
          best = j;
        }
      }
      labels[i] = best;
      dist[i] = Math.max(0, pn + bestD);
    }
  },
};

export interface KMeansOptions {
  seed: number;
  maxIterations?: number;
  /** Stop when the mean squared error improves by less than this fraction. */
  tolerance?: number;
  /** Points k-means++ picks the initial centroids from (a subsample keeps it cheap). */
  initSample?: number;
  assigner?: NearestAssigner;
  onIteration?(iteration: number, mse: number): void;
}

export interface KMeansResult {
  centroids: Float32Array;
  labels: Int32Array;
  /** Squared distance of each point to its centroid. */
  dist: Float64Array;
  mse: number;
}

export async function kmeans(points: Float32Array, n: number, dims: number, k: number, options: KMeansOptions): Promise<KMeansResult> {
  if (n < k) throw new RangeError(`k-means needs at least k = ${k} points, got ${n}`);
  const assigner = options.assigner ?? jsAssigner;
  const rnd = mulberry32(options.seed);
  const centroids = initPlusPlus(points, n, dims, k, Math.min(n, options.initSample ?? 16 * k), rnd);
  const labels = new Int32Array(n);
  const dist = new Float64Array(n);
  const maxIterations = options.maxIterations ?? 25;
  const tolerance = options.tolerance ?? 1e-4;
  let prev = Infinity;
  let mse = Infinity;
  for (let it = 0; it < maxIterations; it++) {
    await assigner.assign(points, n, dims, centroids, k, labels, dist);
    mse = dist.reduce((s, v) => s + v, 0) / n;
    options.onIteration?.(it, mse);
    if (prev - mse < tolerance * prev) break;
    prev = mse;
    update(points, n, dims, centroids, k, labels, dist);
  }
  // Labels and distances of the final centroids (update() moved them after the last assignment).
  await assigner.assign(points, n, dims, centroids, k, labels, dist);
  mse = dist.reduce((s, v) => s + v, 0) / n;
  return { centroids, labels, dist, mse };
}

/** k-means++: each next centroid drawn with probability ∝ squared distance to the nearest one chosen. */
function initPlusPlus(points: Float32Array, n: number, dims: number, k: number, sample: number, rnd: () => number): Float32Array {
  // An evenly strided subsample, offset by the seed: deterministic and spread over the whole corpus.
  const stride = n / sample;
  const offset = rnd() * stride;
  const idx = Array.from({ length: sample }, (_, i) => Math.min(n - 1, Math.floor(offset + i * stride)));
  const centroids = new Float32Array(k * dims);
  const best = new Float64Array(sample).fill(Infinity);
  let chosen = idx[Math.floor(rnd() * sample)];
  for (let c = 0; c < k; c++) {
    centroids.set(points.subarray(chosen * dims, (chosen + 1) * dims), c * dims);
    let total = 0;
    for (let i = 0; i < sample; i++) {
      const p = idx[i] * dims;
      let s = 0;
      for (let d = 0; d < dims; d++) s += (points[p + d] - centroids[c * dims + d]) ** 2;
      if (s < best[i]) best[i] = s;
      total += best[i];
    }
    if (c + 1 === k) break;
    if (total <= 0) {
      // Fewer distinct points than k: repeat points (their clusters will be refilled by update()).
      chosen = idx[Math.floor(rnd() * sample)];
      continue;
    }
    let r = rnd() * total;
    let pickIndex = sample - 1;
    for (let i = 0; i < sample; i++) {
      r -= best[i];
      if (r <= 0) {
        pickIndex = i;
        break;
      }
    }
    chosen = idx[pickIndex];
  }
  return centroids;
}

/** Means of the clusters; an empty cluster takes the point currently worst served (each point used once). */
function update(points: Float32Array, n: number, dims: number, centroids: Float32Array, k: number, labels: Int32Array, dist: Float64Array): void {
  const sums = new Float64Array(k * dims);
  const counts = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    const j = labels[i];
    counts[j]++;
    for (let d = 0; d < dims; d++) sums[j * dims + d] += points[i * dims + d];
  }
  const empty: number[] = [];
  for (let j = 0; j < k; j++) {
    if (counts[j] === 0) {
      empty.push(j);
      continue;
    }
    for (let d = 0; d < dims; d++) centroids[j * dims + d] = sums[j * dims + d] / counts[j];
  }
  if (empty.length === 0) return;
  const worst = Array.from({ length: n }, (_, i) => i)
    .sort((a, b) => dist[b] - dist[a] || a - b)
    .slice(0, empty.length);
  empty.forEach((j, e) => {
    const p = worst[e];
    centroids.set(points.subarray(p * dims, (p + 1) * dims), j * dims);
    dist[p] = 0;
  });
}
