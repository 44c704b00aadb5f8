/**
 * Kept only so that existing imports of `valle/model/random.js` (models/testing/tiny-checkpoints.ts,
 * bench/valle_ar.ts) keep working; the generator itself lives in nn/random.ts. New code imports it from nn.
 */
export { mulberry32 } from '../../nn/random.js';
