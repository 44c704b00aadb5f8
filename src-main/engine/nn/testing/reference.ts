/**
 * Independent float64 reference implementations that tests compare graph results against.
 * Each lives in its own reference-*.ts; this module gathers them.
 */
export * from './reference-tensor.js';
export * from './reference-math.js';
export * from './reference-attention.js';
export * from './reference-conv.js';
export * from './reference-lstm.js';
export * from './reference-loss.js';
export * from './reference-optim.js';
