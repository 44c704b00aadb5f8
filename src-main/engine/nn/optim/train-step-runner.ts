/**
 * Runs a compiled train step repeatedly, keeping parameters and optimizer state in two sets of buffers that
 * swap roles every step: step n reads set A and ORT writes its `next.*` outputs straight into set B
 * (preallocated outputs), step n+1 reads B and writes A. Nothing of the state passes through JS arrays or is
 * allocated per step; only the scalars (loss, grad norm, finite, metrics) are read back. Parameters live
 * in one flat buffer per state group, fed whole (for the optimizer) and as per-weight views (for the model).
 *
 * A step whose gradients overflowed (finite = false) is skipped by not swapping: the state read by the
 * next step is the state before it, bit for bit.
 *
 * This is a thin driver (no schedule, no checkpoints, no data loading): the Trainer builds on it.
 */
import { zerosTensor, type HostTensor } from '../io/host-tensor.js';
import { Session, type SessionOptions } from '../runtime/session.js';
import { trainNames, type CompiledTrainStep } from './train-step.js';

export interface TrainStepReport {
  loss: number;
  gradNorm: number;
  /** false when a gradient overflowed: nothing was updated */
  finite: boolean;
  metrics: Record<string, number>;
}

export interface RunnerOptions extends Pick<SessionOptions, 'provider' | 'intraOpThreads' | 'interOpThreads'> {
  /** Start values for trainable params by name (default: the values the graph was built with). */
  initial?: (name: string) => Float32Array | undefined;
}

function scalar(value: number): HostTensor<'float32'> {
  return { dtype: 'float32', shape: [], data: new Float32Array([value]) };
}

function readScalar(t: HostTensor | undefined, what: string): number {
  if (!t) throw new Error(`train step: output ${what} missing`);
  return Number(t.data[0]);
}

/** Two buffers for one persistent value; `current` is what the next run reads. */
interface PingPong {
  current: HostTensor<'float32'>;
  spare: HostTensor<'float32'>;
}

export class TrainStepRunner {
  readonly #compiled: CompiledTrainStep;
  readonly #stepSession: Session;
  readonly #accSession: Session | null;
  /** flat params, m, v per group, and step: what the step graph reads and rewrites */
  readonly #state = new Map<string, PingPong>();
  /** grad_acc.* (only with accumulation) */
  readonly #acc = new Map<string, PingPong>();
  #microBatches = 0;

  private constructor(compiled: CompiledTrainStep, step: Session, acc: Session | null) {
    this.#compiled = compiled;
    this.#stepSession = step;
    this.#accSession = acc;
  }

  static async create(compiled: CompiledTrainStep, options: RunnerOptions = {}): Promise<TrainStepRunner> {
    const sessionOptions: SessionOptions = { provider: options.provider ?? 'cpu', intraOpThreads: options.intraOpThreads, interOpThreads: options.interOpThreads };
    const step = await Session.create(compiled.step.model, sessionOptions);
    const acc = compiled.accumulate ? await Session.create(compiled.accumulate.model, sessionOptions) : null;
    const r = new TrainStepRunner(compiled, step, acc);
    const pair = (shape: number[]): PingPong => ({ current: zerosTensor('float32', shape), spare: zerosTensor('float32', shape) });
    compiled.stateGroups.forEach((sg, i) => {
      const flat = pair([sg.size]);
      for (const mem of sg.members) {
        const info = compiled.params.find((p) => p.name === mem.name)!;
        const start = options.initial?.(mem.name) ?? info.initial;
        if (start.length !== mem.length) throw new Error(`TrainStepRunner: initial value of "${mem.name}" has ${start.length} values, expected ${mem.length}`);
        flat.current.data.set(start, mem.offset);
      }
      r.#state.set(trainNames.params(i), flat);
    });
    for (const p of compiled.params) {
      if (acc) r.#acc.set(trainNames.gradAcc(p.name), pair(p.shape));
    }
    compiled.stateGroups.forEach((sg, i) => {
      r.#state.set(trainNames.m(i), pair([sg.size]));
      r.#state.set(trainNames.v(i), pair([sg.size]));
    });
    r.#state.set(trainNames.step, pair([]));
    return r;
  }

  /** Updates applied so far (overflowed steps do not count). */
  get updates(): number {
    return this.#state.get(trainNames.step)!.current.data[0];
  }

  /** Micro-batches accumulated since the last step. */
  get pendingMicroBatches(): number {
    return this.#microBatches;
  }

  /** Current value of a trainable parameter (a view of the live buffer: copy it to keep it). */
  value(name: string): Float32Array {
    const { group, offset, length } = this.#locate(name);
    return this.#state.get(trainNames.params(group))!.current.data.subarray(offset, offset + length);
  }

  /** Optimizer moments of a parameter (views into the flat state). */
  moments(name: string): { m: Float32Array; v: Float32Array } {
    const { group, offset, length } = this.#locate(name);
    const view = (key: string) => this.#state.get(key)!.current.data.subarray(offset, offset + length);
    return { m: view(trainNames.m(group)), v: view(trainNames.v(group)) };
  }

  #locate(name: string): { group: number; offset: number; length: number } {
    for (const [group, sg] of this.#compiled.stateGroups.entries()) {
      const mem = sg.members.find((x) => x.name === name);
      if (mem) return { group, offset: mem.offset, length: mem.length };
    }
    throw new Error(`TrainStepRunner: "${name}" is not a trainable parameter`);
  }

  /** Per-weight feeds: views of the current flat parameter buffers, in the weights' shapes. */
  #paramFeeds(): Record<string, HostTensor> {
    const feeds: Record<string, HostTensor> = {};
    this.#compiled.stateGroups.forEach((sg, i) => {
      const flat = this.#state.get(trainNames.params(i))!.current.data;
      for (const mem of sg.members) {
        const shape = this.#compiled.params.find((p) => p.name === mem.name)!.shape;
        feeds[mem.name] = { dtype: 'float32', shape, data: flat.subarray(mem.offset, mem.offset + mem.length) };
      }
    });
    return feeds;
  }

  /** Adds one micro-batch's gradients to the accumulators (compile with `accumulate: true`). */
  async accumulate(batch: Readonly<Record<string, HostTensor>>, options: { lossScale?: number } = {}): Promise<{ loss: number; metrics: Record<string, number> }> {
    const session = this.#accSession;
    if (!session) throw new Error('TrainStepRunner: compiled without accumulate: true');
    const feeds: Record<string, HostTensor> = { ...this.#batchFeeds(batch), ...this.#paramFeeds(), [trainNames.lossScale]: scalar(options.lossScale ?? 1) };
    const outputs: Record<string, HostTensor> = {};
    for (const [name, pp] of this.#acc) {
      feeds[name] = pp.current;
      outputs[trainNames.next(name)] = pp.spare;
    }
    const out = await session.run(feeds, { outputs, outputNames: this.#reportNames(false) });
    swap(this.#acc);
    this.#microBatches++;
    return { loss: readScalar(out[trainNames.loss], 'loss'), metrics: this.#metrics(out) };
  }

  /**
   * One optimizer step on `batch` (plus any accumulated micro-batches; the divisor is their count + 1).
   * lr and lossScale are inputs, so schedules and dynamic loss scaling need no recompile.
   */
  async step(batch: Readonly<Record<string, HostTensor>>, options: { lr: number; lossScale?: number }): Promise<TrainStepReport> {
    if (!(options.lr >= 0)) throw new Error(`TrainStepRunner: lr must be >= 0, got ${options.lr}`);
    const lossScale = options.lossScale ?? 1;
    if (!(lossScale > 0)) throw new Error(`TrainStepRunner: lossScale must be > 0, got ${lossScale}`);
    const feeds: Record<string, HostTensor> = {
      ...this.#batchFeeds(batch),
      ...this.#paramFeeds(),
      [trainNames.lr]: scalar(options.lr),
      [trainNames.lossScale]: scalar(lossScale),
    };
    const outputs: Record<string, HostTensor> = {};
    for (const [name, pp] of this.#state) {
      feeds[name] = pp.current;
      outputs[trainNames.next(name)] = pp.spare;
    }
    if (this.#accSession) {
      for (const [name, pp] of this.#acc) feeds[name] = pp.current;
      feeds[trainNames.gradDivisor] = scalar(this.#microBatches + 1);
    }
    const out = await this.#stepSession.run(feeds, { outputs, outputNames: this.#reportNames(true) });
    const finite = readScalar(out[trainNames.finite], 'finite') !== 0;
    if (finite) swap(this.#state); // else the spare set holds garbage and the current set stays
    if (this.#accSession) {
      for (const pp of this.#acc.values()) pp.current.data.fill(0);
      this.#microBatches = 0;
    }
    return {
      loss: readScalar(out[trainNames.loss], 'loss'),
      gradNorm: readScalar(out[trainNames.gradNorm], 'grad_norm'),
      finite,
      metrics: this.#metrics(out),
    };
  }

  async dispose(): Promise<void> {
    await this.#stepSession.dispose();
    await this.#accSession?.dispose();
  }

  #batchFeeds(batch: Readonly<Record<string, HostTensor>>): Record<string, HostTensor> {
    for (const name of this.#compiled.batchInputs) {
      if (!(name in batch)) throw new Error(`TrainStepRunner: batch input "${name}" missing (expects ${this.#compiled.batchInputs.join(', ')})`);
    }
    for (const name of Object.keys(batch)) {
      if (!this.#compiled.batchInputs.includes(name)) throw new Error(`TrainStepRunner: "${name}" is not a batch input (expects ${this.#compiled.batchInputs.join(', ')})`);
    }
    return { ...batch };
  }

  #reportNames(withOptim: boolean): string[] {
    const names: string[] = [trainNames.loss, ...this.#compiled.metrics.map(trainNames.metric)];
    if (withOptim) names.push(trainNames.gradNorm, trainNames.finite);
    return names;
  }

  #metrics(out: Record<string, HostTensor>): Record<string, number> {
    const m: Record<string, number> = {};
    for (const k of this.#compiled.metrics) m[k] = readScalar(out[trainNames.metric(k)], k);
    return m;
  }
}

function swap(map: Map<string, PingPong>): void {
  for (const pp of map.values()) {
    const t = pp.current;
    pp.current = pp.spare;
    pp.spare = t;
  }
}
