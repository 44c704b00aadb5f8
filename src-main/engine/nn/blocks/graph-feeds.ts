/**
 * Feeds for a graph's trainable parameters, read from the values the graph was built with (frozen ones
 * are initializers and need no feed).
 */
import type { AnyTypedArray, DType } from '../dtype.js';
import type { Graph } from '../graph.js';

export interface FeedTensor {
  dtype: DType;
  shape: number[];
  data: AnyTypedArray;
}

export function trainableParamFeeds(g: Graph): Record<string, FeedTensor> {
  const feeds: Record<string, FeedTensor> = {};
  for (const p of g.params) {
    if (p.source.kind !== 'param' || !p.source.trainable) continue;
    if (!p.source.data) throw new Error(`param "${p.source.name}" has no value to feed`);
    feeds[p.source.name] = { dtype: p.dtype, shape: p.shape as number[], data: p.source.data };
  }
  return feeds;
}
