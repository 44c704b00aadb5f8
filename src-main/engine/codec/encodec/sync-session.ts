/**
 * An ONNX Runtime CPU session whose `run` returns synchronously.
 *
 * Why: the codec contract's StreamingDecoder.push() is synchronous, and onnxruntime-node's public `run` is a
 * Promise around a *blocking* native call (it defers the call with setImmediate, then blocks the thread for
 * the whole run). Calling the native binding directly blocks exactly the same thread for exactly the same
 * time, without the Promise, so a neural decoder can honour the synchronous contract. Like every ORT run,
 * it belongs in a worker thread in product code.
 *
 * This reaches into onnxruntime-node's `dist/binding.js` (not a documented entry point). The package is pinned
 * to an exact version in package.json, and sync-session.test.ts fails loudly if the binding changes shape.
 */
import { createRequire } from 'node:module';
import type * as ort from 'onnxruntime-node';
import type { HostTensor } from '../../nn/io/host-tensor.js';
import { fromOrtTensor, toOrtTensor } from '../../nn/runtime/ort-tensor.js';

interface NativeValueMetadata {
  name: string;
}

interface NativeSession {
  loadModel(buffer: ArrayBufferLike, byteOffset: number, byteLength: number, options: object): void;
  run(feeds: Record<string, ort.Tensor>, fetches: Record<string, null>, options: object): Record<string, ort.Tensor | { type: ort.Tensor.Type; data: unknown; dims: readonly number[] }>;
  dispose(): void;
  readonly inputMetadata: readonly NativeValueMetadata[];
  readonly outputMetadata: readonly NativeValueMetadata[];
}

interface NativeModule {
  binding: { InferenceSession: new () => NativeSession };
  initOrt(): void;
}

const require = createRequire(import.meta.url);
let nativeModule: NativeModule | undefined;

function native(): NativeModule {
  if (nativeModule) return nativeModule;
  const m = require('onnxruntime-node/dist/binding.js') as Partial<NativeModule>;
  if (typeof m.initOrt !== 'function' || typeof m.binding?.InferenceSession !== 'function') {
    throw new Error('onnxruntime-node/dist/binding.js no longer exports { binding.InferenceSession, initOrt }: the synchronous codec session needs updating for this onnxruntime-node version');
  }
  // Lets the native side create onnxruntime-common Tensors (what `ort.InferenceSession.create` does first too).
  require('onnxruntime-node');
  m.initOrt();
  nativeModule = m as NativeModule;
  return nativeModule;
}

export interface SyncSessionOptions {
  /** Threads inside one op (absent: ORT's default, one per core). */
  intraOpThreads?: number;
  /** Default 'all'. */
  graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'all';
}

export class SyncSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  #session: NativeSession | undefined;
  readonly #ortTensor: typeof ort.Tensor;

  private constructor(session: NativeSession, tensor: typeof ort.Tensor) {
    this.#session = session;
    this.#ortTensor = tensor;
    this.inputNames = session.inputMetadata.map((m) => m.name);
    this.outputNames = session.outputMetadata.map((m) => m.name);
  }

  static create(model: Uint8Array, options: SyncSessionOptions = {}): SyncSession {
    const m = native();
    const session = new m.binding.InferenceSession();
    const opts: Record<string, unknown> = { executionProviders: [{ name: 'cpu' }], graphOptimizationLevel: options.graphOptimizationLevel ?? 'all' };
    if (options.intraOpThreads !== undefined && options.intraOpThreads > 0) opts.intraOpNumThreads = options.intraOpThreads;
    session.loadModel(model.buffer, model.byteOffset, model.byteLength, opts);
    return new SyncSession(session, (require('onnxruntime-node') as typeof ort).Tensor);
  }

  run(feeds: Readonly<Record<string, HostTensor>>, outputNames: readonly string[] = this.outputNames): Record<string, HostTensor> {
    const session = this.#session;
    if (!session) throw new Error('session was disposed');
    const ortFeeds: Record<string, ort.Tensor> = {};
    for (const name of this.inputNames) {
      const t = feeds[name];
      if (!t) throw new Error(`model input "${name}" was not fed`);
      ortFeeds[name] = toOrtTensor(t, `input "${name}"`);
    }
    for (const name of Object.keys(feeds)) if (!this.inputNames.includes(name)) throw new Error(`"${name}" is not an input of this model`);
    const fetches: Record<string, null> = {};
    for (const name of outputNames) {
      if (!this.outputNames.includes(name)) throw new Error(`"${name}" is not an output of this model`);
      fetches[name] = null;
    }
    const raw = session.run(ortFeeds, fetches, {});
    const out: Record<string, HostTensor> = {};
    for (const name of outputNames) {
      const r = raw[name];
      const t = r instanceof this.#ortTensor ? r : new this.#ortTensor(r.type, r.data as never, r.dims);
      out[name] = fromOrtTensor(t, `output "${name}"`);
    }
    return out;
  }

  dispose(): void {
    const s = this.#session;
    this.#session = undefined;
    s?.dispose();
  }
}
