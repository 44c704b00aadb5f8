/**
 * How generation code runs the two inference graphs, whatever hosts them (an in-thread Session here, a
 * worker's SessionHost in the product): feeds in, named outputs back.
 */
import type { HostTensor } from '../../nn/io/host-tensor.js';
import { graphNames } from './graphs.js';
import type { BatchInputs } from './input-layout.js';

export type InferenceGraph = 'forward' | 'decode';

export interface GraphRunner {
  run(graph: InferenceGraph, feeds: Record<string, HostTensor>, outputNames?: readonly string[]): Promise<Record<string, HostTensor>>;
}

/** The forward graph's feeds for a batch and, per row, the positions (within the row's sequence) to score. */
export function forwardFeeds(b: BatchInputs, select: readonly (readonly number[])[]): Record<string, HostTensor> {
  if (select.length !== b.batch) throw new Error(`forwardFeeds: ${select.length} selections for ${b.batch} rows`);
  const N = Math.max(1, ...select.map((s) => s.length));
  const flat = new BigInt64Array(b.batch * N);
  select.forEach((rows, i) => {
    for (let n = 0; n < N; n++) {
      // Rows with fewer positions repeat their last one (any valid index; the caller ignores the extra logits).
      const pos = rows.length > 0 ? rows[Math.min(n, rows.length - 1)] : 0;
      if (pos < 0 || pos >= b.lengths[i]) throw new Error(`forwardFeeds: row ${i} has no position ${pos}`);
      flat[i * N + n] = BigInt(i * b.length + b.offsets[i] + pos);
    }
  });
  return {
    ...sequenceFeeds(b),
    [graphNames.select]: { dtype: 'int64', shape: [b.batch, N], data: flat },
  };
}

export function sequenceFeeds(b: BatchInputs): Record<string, HostTensor> {
  return {
    [graphNames.ids]: { dtype: 'int64', shape: [b.batch, b.length, b.slots], data: b.ids },
    [graphNames.weights]: { dtype: 'float32', shape: [b.batch, b.length, b.slots], data: b.weights },
    [graphNames.positions]: { dtype: 'int64', shape: [b.batch, b.length], data: b.positions },
    [graphNames.keyMask]: { dtype: 'int64', shape: [b.batch, b.length], data: b.keyMask },
  };
}
