/**
 * Runs an emitted model with onnxruntime-node directly, for tests and small tools. (Production inference
 * goes through nn/runtime with worker threads.)
 */
import * as ort from 'onnxruntime-node';
import type { AnyTypedArray, DType } from '../dtype.js';
import type { EmittedModel } from '../emit/onnx.js';

export interface HostTensor {
  dtype: DType;
  shape: readonly number[];
  data: AnyTypedArray;
}

export type Feeds = Record<string, HostTensor>;

/**
 * Session options for float64 graphs. [Note: ORT's extended optimizations fuse patterns into contrib ops
 * that only have float32 kernels (x·sigmoid(x) → com.microsoft QuickGelu), so a float64 model fails at
 * session creation unless optimization stays at 'basic'.]
 */
export const float64SessionOptions: ort.InferenceSession.SessionOptions = { graphOptimizationLevel: 'basic' };

/** One session per model; `run` feeds host tensors and returns host tensors. */
export class ModelRunner {
  private constructor(private readonly session: ort.InferenceSession) {}

  static async create(model: EmittedModel | Uint8Array | string, options: ort.InferenceSession.SessionOptions = {}): Promise<ModelRunner> {
    const opts: ort.InferenceSession.SessionOptions = { intraOpNumThreads: 1, interOpNumThreads: 1, ...options };
    let session: ort.InferenceSession;
    if (typeof model === 'string') session = await ort.InferenceSession.create(model, opts);
    else {
      const bytes = model instanceof Uint8Array ? model : model.model;
      if (!(model instanceof Uint8Array) && model.external && model.external.chunks.length > 0) {
        throw new Error('ModelRunner: this model keeps weights in an external file; save it and pass the path');
      }
      session = await ort.InferenceSession.create(bytes, opts);
    }
    return new ModelRunner(session);
  }

  get inputNames(): readonly string[] {
    return this.session.inputNames;
  }

  get outputNames(): readonly string[] {
    return this.session.outputNames;
  }

  async run(feeds: Feeds, fetches?: readonly string[]): Promise<Record<string, HostTensor>> {
    const ortFeeds: Record<string, ort.Tensor> = {};
    for (const [name, t] of Object.entries(feeds)) {
      ortFeeds[name] = new ort.Tensor(t.dtype as ort.Tensor.Type, t.data as ort.Tensor.DataType, [...t.shape]);
    }
    const result = fetches ? await this.session.run(ortFeeds, [...fetches]) : await this.session.run(ortFeeds);
    const out: Record<string, HostTensor> = {};
    for (const [name, t] of Object.entries(result)) {
      out[name] = { dtype: t.type as DType, shape: t.dims.map(Number), data: t.data as AnyTypedArray };
    }
    return out;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

/** Creates a session, runs once, releases it. */
export async function runModel(
  model: EmittedModel | Uint8Array,
  feeds: Feeds,
  fetches?: readonly string[],
  options: ort.InferenceSession.SessionOptions = {},
): Promise<Record<string, HostTensor>> {
  const runner = await ModelRunner.create(model, options);
  try {
    return await runner.run(feeds, fetches);
  } finally {
    await runner.release();
  }
}
