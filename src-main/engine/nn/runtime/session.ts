/**
 * An ONNX Runtime session in the calling thread, fed and read with host tensors.
 *
 * `InferenceSession.create` and `run` block the thread they are called on (the promise wraps a synchronous native
 * call), so product code uses this inside a worker (see ./worker/session-host.ts); tests and tools may use it
 * directly.
 */
import { stat, readFile } from 'node:fs/promises';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import type { HostTensor } from '../io/host-tensor.js';
import { MAX_MODEL_PROTO_BYTES, loadExternalData, modelTooLargeMessage } from './external-data.js';
import { fromOrtTensor, toOrtTensor } from './ort-tensor.js';
import { resolveProvider, type ExecutionProvider, type ProviderRequest } from './providers.js';

export interface SessionOptions {
  /** EP to ask for; falls back to cpu with the reason in `providerReason`. Default 'auto'. */
  provider?: ProviderRequest;
  /** Threads inside one op (0 or absent: ORT's default, one per core). */
  intraOpThreads?: number;
  /** Threads running independent ops in parallel (0 or absent: ORT's default). */
  interOpThreads?: number;
  /**
   * Folder holding the model's external data files. For a model given by path it defaults to the model's folder
   * (ORT reads the files itself); for bytes the referenced files are read from here and handed to ORT.
   */
  externalDataDir?: string;
  graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'all';
  /** ORT log level for this session: 0 verbose … 4 fatal. Default 2 (warnings). */
  logSeverityLevel?: 0 | 1 | 2 | 3 | 4;
}

export interface RunOptions {
  /** Outputs to compute (default: all); preallocated `outputs` are always computed. */
  outputNames?: readonly string[];
  /**
   * Preallocated outputs: ORT writes into these tensors' arrays instead of allocating, and `run` returns these
   * same objects. Shape and dtype must match what the model produces. This puts the result where the caller
   * wants it; it does not save memory traffic, since onnxruntime-node 1.30 still copies every fetched output
   * into a new JS buffer, which `run` then drops (see [Note: no preallocated outputs] in train-step-runner.ts).
   */
  outputs?: Readonly<Record<string, HostTensor>>;
}

function checkThreads(value: number | undefined, what: string): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < 0 || value > 1024) {
    throw new Error(`${what} must be an integer from 0 (ORT default) to 1024, got ${String(value)}`);
  }
  return value === 0 ? undefined : value;
}

export class Session {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  #ort: ort.InferenceSession | undefined;

  private constructor(
    session: ort.InferenceSession,
    /** The execution provider the session was created with. */
    readonly providerInUse: ExecutionProvider,
    /** Why `providerInUse` is not the provider asked for; undefined when the request was met. */
    readonly providerReason: string | undefined,
  ) {
    this.#ort = session;
    this.inputNames = [...session.inputNames];
    this.outputNames = [...session.outputNames];
  }

  /** Create a session from serialized ModelProto bytes or a path to a .onnx file. */
  static async create(model: Uint8Array | string, options: SessionOptions = {}): Promise<Session> {
    // The native binding rejects keys present with the value undefined, so only set what was given.
    const base: { -readonly [K in keyof ort.InferenceSession.SessionOptions]: ort.InferenceSession.SessionOptions[K] } = {};
    const intra = checkThreads(options.intraOpThreads, 'intraOpThreads');
    const inter = checkThreads(options.interOpThreads, 'interOpThreads');
    if (intra !== undefined) base.intraOpNumThreads = intra;
    if (inter !== undefined) base.interOpNumThreads = inter;
    if (options.graphOptimizationLevel !== undefined) base.graphOptimizationLevel = options.graphOptimizationLevel;
    if (options.logSeverityLevel !== undefined) base.logSeverityLevel = options.logSeverityLevel;
    let source: Uint8Array | string = model;
    if (typeof model === 'string') {
      const info = await stat(model).catch((err: Error) => {
        throw new Error(`ONNX model file ${model} could not be opened: ${err.message}`);
      });
      if (info.size > MAX_MODEL_PROTO_BYTES) throw new Error(modelTooLargeMessage(info.size));
      const dir = options.externalDataDir;
      if (dir !== undefined && path.resolve(dir) !== path.resolve(path.dirname(model))) {
        // ORT only looks next to the model file, so external data elsewhere goes the bytes route.
        source = await readFile(model);
      }
    } else if (model.byteLength > MAX_MODEL_PROTO_BYTES) {
      throw new Error(modelTooLargeMessage(model.byteLength));
    }
    if (typeof source !== 'string' && options.externalDataDir !== undefined) {
      base.externalData = await loadExternalData(source, options.externalDataDir);
    }
    const choice = await resolveProvider(options.provider ?? 'auto', (provider) =>
      ort.InferenceSession.create(source as never, { ...base, executionProviders: [provider] }),
    );
    return new Session(choice.value, choice.provider, choice.reason);
  }

  get disposed(): boolean {
    return this.#ort === undefined;
  }

  /** Run the model. Every model input must be fed; unknown names are refused. */
  async run(feeds: Readonly<Record<string, HostTensor>>, options: RunOptions = {}): Promise<Record<string, HostTensor>> {
    const session = this.#ort;
    if (session === undefined) throw new Error('session was disposed');
    for (const name of Object.keys(feeds)) {
      if (!this.inputNames.includes(name)) {
        throw new Error(`"${name}" is not an input of this model (inputs: ${this.inputNames.join(', ')})`);
      }
    }
    const ortFeeds: Record<string, ort.Tensor> = {};
    for (const name of this.inputNames) {
      const t = feeds[name];
      if (t === undefined) throw new Error(`model input "${name}" was not fed`);
      ortFeeds[name] = toOrtTensor(t, `input "${name}"`);
    }
    const wanted = options.outputNames ?? this.outputNames;
    const preallocated = options.outputs ?? {};
    for (const name of [...wanted, ...Object.keys(preallocated)]) {
      if (!this.outputNames.includes(name)) {
        throw new Error(`"${name}" is not an output of this model (outputs: ${this.outputNames.join(', ')})`);
      }
    }
    const fetches: Record<string, ort.Tensor | null> = {};
    for (const name of wanted) fetches[name] = null;
    for (const [name, t] of Object.entries(preallocated)) fetches[name] = toOrtTensor(t, `output "${name}"`);
    const result = await session.run(ortFeeds, fetches);
    const out: Record<string, HostTensor> = {};
    for (const name of Object.keys(fetches)) {
      const given = preallocated[name];
      out[name] = given ?? fromOrtTensor(result[name] as ort.Tensor, `output "${name}"`);
    }
    return out;
  }

  /** Free the native session now (idempotent). Later `run` calls fail with "session was disposed". */
  async dispose(): Promise<void> {
    const session = this.#ort;
    this.#ort = undefined;
    if (session !== undefined) await session.release();
  }
}
