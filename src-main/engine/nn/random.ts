/**
 * mulberry32: the one small seeded uniform stream in [0, 1) that weight init, test data, RVQ-level draws and
 * the lite codec's corpus and k-means all use. Recorded results (shipped lite codec tables, test expectations)
 * depend on its exact sequence, so it must not change.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
