/**
 * Runs a compiled train step repeatedly. The parameters and optimizer state are one set of flat buffers per
 * state group; a run reads them and its `next.*` outputs become the new set. Parameters are fed whole (for
 * the optimizer, where the graph reads them flat) and as per-weight views of the same buffer (for the
 * model), so nothing is copied in JS.
 *
 * [Note: no preallocated outputs] onnxruntime-node 1.30 copies every fetched output into a new JS buffer,
 * also when the caller passes a preallocated one (then ORT writes into it first, and the copy comes back
 * anyway). Binding a spare set of state buffers as outputs therefore only added a third copy of the state:
 * measured on the 200 M-parameter multi-step benchmark, 16.6 GB peak and 1.33–1.62 s per step with it,
 * 13.8 GB and 1.23–1.31 s without. So the runner takes the outputs ORT returns as the new state.
 *
 * A step whose gradients overflowed (finite = false) is skipped by keeping the state it read: the next step
 * reads the state before it, bit for bit.
 *
 * With a multi-step compile (TrainStepSpec.multiStep) `steps` applies several steps in one run, the batches
 * stacked; only the run's start and end state cross into JS (see [Note: steps per run] in multi-step.ts).
 *
 * This is a thin driver (no schedule, no checkpoints, no data loading): the Trainer builds on it.
 */
import { allocTyped, elementCount, zerosTensor, type HostTensor } from '../io/host-tensor.js';
import { Session, type SessionOptions } from '../runtime/session.js';
import type { CompiledTrainStep } from './train-step.js';
import { stepReportNames, trainNames } from './state-layout.js';

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

function readScalar(t: HostTensor | undefined, what: string, at = 0): number {
  if (!t || t.data.length <= at) throw new Error(`train step: output ${what} missing`);
  return Number(t.data[at]);
}

/** Refuses a bad learning rate or loss scale; returns the loss scale (default 1). */
function checkStepOptions(lrs: readonly number[], lossScale = 1): number {
  for (const lr of lrs) if (!(lr >= 0)) throw new Error(`TrainStepRunner: lr must be >= 0, got ${lr}`);
  if (!(lossScale > 0)) throw new Error(`TrainStepRunner: lossScale must be > 0, got ${lossScale}`);
  return lossScale;
}

export class TrainStepRunner {
  readonly #compiled: CompiledTrainStep;
  readonly #stepSession: Session;
  readonly #accSession: Session | null;
  /** flat params, m, v per group, and step: what the step graph reads and rewrites */
  readonly #state = new Map<string, HostTensor<'float32'>>();
  /** grad_acc.* (only with accumulation) */
  readonly #acc = new Map<string, HostTensor<'float32'>>();
  /** The flat `params.{i}` of lone-member groups: the single-step graph reads them through the member's own input. */
  readonly #viewOnly: Set<string>;
  #microBatches = 0;

  private constructor(compiled: CompiledTrainStep, step: Session, acc: Session | null) {
    this.#compiled = compiled;
    this.#stepSession = step;
    this.#accSession = acc;
    this.#viewOnly = new Set(compiled.stateGroups.flatMap((sg, i) => (sg.flatInput ? [] : [trainNames.params(i)])));
  }

  static async create(compiled: CompiledTrainStep, options: RunnerOptions = {}): Promise<TrainStepRunner> {
    const sessionOptions: SessionOptions = { provider: options.provider ?? 'cpu', intraOpThreads: options.intraOpThreads, interOpThreads: options.interOpThreads };
    const step = await Session.create(compiled.step.model, sessionOptions);
    const acc = compiled.accumulate ? await Session.create(compiled.accumulate.model, sessionOptions) : null;
    const r = new TrainStepRunner(compiled, step, acc);
    compiled.stateGroups.forEach((sg, i) => {
      const flat = zerosTensor('float32', [sg.size]);
      for (const mem of sg.members) {
        const info = compiled.params.find((p) => p.name === mem.name)!;
        const start = options.initial?.(mem.name) ?? info.initial;
        if (start.length !== mem.length) throw new Error(`TrainStepRunner: initial value of "${mem.name}" has ${start.length} values, expected ${mem.length}`);
        flat.data.set(start, mem.offset);
      }
      r.#state.set(trainNames.params(i), flat);
    });
    for (const p of compiled.params) {
      if (acc) r.#acc.set(trainNames.gradAcc(p.name), zerosTensor('float32', p.shape));
    }
    compiled.stateGroups.forEach((sg, i) => {
      r.#state.set(trainNames.m(i), zerosTensor('float32', [sg.size]));
      r.#state.set(trainNames.v(i), zerosTensor('float32', [sg.size]));
    });
    r.#state.set(trainNames.step, zerosTensor('float32', []));
    return r;
  }

  /** Updates applied so far (overflowed steps do not count). */
  get updates(): number {
    return Number(this.#state.get(trainNames.step)!.data[0]);
  }

  /** Micro-batches accumulated since the last step. */
  get pendingMicroBatches(): number {
    return this.#microBatches;
  }

  /** Current value of a trainable parameter: a view of the state buffer, which the next step replaces (the view keeps the old values). */
  value(name: string): Float32Array {
    const { group, offset, length } = this.#locate(name);
    return this.#flat(trainNames.params(group)).subarray(offset, offset + length);
  }

  /** Optimizer moments of a parameter (views into the current flat state, as `value`). */
  moments(name: string): { m: Float32Array; v: Float32Array } {
    const { group, offset, length } = this.#locate(name);
    const view = (key: string) => this.#flat(key).subarray(offset, offset + length);
    return { m: view(trainNames.m(group)), v: view(trainNames.v(group)) };
  }

  #flat(key: string): Float32Array {
    return this.#state.get(key)!.data;
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
      const flat = this.#flat(trainNames.params(i));
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
    const feeds: Record<string, HostTensor> = { ...this.#batchFeeds(batch), ...this.#paramFeeds(), [trainNames.lossScale]: scalar(options.lossScale ?? 1), ...Object.fromEntries(this.#acc) };
    const out = await session.run(feeds, { outputNames: [trainNames.loss, ...this.#compiled.metrics.map(trainNames.metric), ...[...this.#acc.keys()].map(trainNames.next)] });
    adopt(this.#acc, out);
    this.#microBatches++;
    return { loss: readScalar(out[trainNames.loss], 'loss'), metrics: this.#metrics(out) };
  }

  /**
   * One optimizer step on `batch` (plus any accumulated micro-batches; the divisor is their count + 1).
   * lr and lossScale are inputs, so schedules and dynamic loss scaling need no recompile.
   */
  async step(batch: Readonly<Record<string, HostTensor>>, options: { lr: number; lossScale?: number }): Promise<TrainStepReport> {
    const lossScale = checkStepOptions([options.lr], options.lossScale);
    if (this.#compiled.multiStep) return (await this.#runSteps([batch], [options.lr], lossScale))[0];
    const feeds: Record<string, HostTensor> = {
      ...this.#batchFeeds(batch),
      ...this.#paramFeeds(),
      [trainNames.lr]: scalar(options.lr),
      [trainNames.lossScale]: scalar(lossScale),
    };
    for (const [name, t] of this.#state) if (!this.#viewOnly.has(name)) feeds[name] = t;
    if (this.#accSession) {
      for (const [name, t] of this.#acc) feeds[name] = t;
      feeds[trainNames.gradDivisor] = scalar(this.#microBatches + 1);
    }
    const out = await this.#stepSession.run(feeds, { outputNames: this.#stepOutputs() });
    const report = this.#report(out, 0);
    if (report.finite) adopt(this.#state, out); // else the outputs are garbage and the state stays
    if (this.#accSession) {
      for (const t of this.#acc.values()) t.data.fill(0);
      this.#microBatches = 0;
    }
    return report;
  }

  /**
   * Consecutive optimizer steps, one per batch (`lr`: one value, or one per batch). With a multi-step compile
   * they run in one ORT run; otherwise one `step` each. Stops at the first step whose gradients overflowed:
   * the reports end with it (finite = false, nothing applied for it), and the caller resubmits the batches
   * after it — typically with a lower loss scale.
   */
  async steps(batches: readonly Readonly<Record<string, HostTensor>>[], options: { lr: number | readonly number[]; lossScale?: number }): Promise<TrainStepReport[]> {
    const lrs = typeof options.lr === 'number' ? batches.map(() => options.lr as number) : [...options.lr];
    if (lrs.length !== batches.length) throw new Error(`TrainStepRunner: ${lrs.length} learning rates for ${batches.length} batches`);
    const lossScale = checkStepOptions(lrs, options.lossScale);
    if (this.#compiled.multiStep) return this.#runSteps(batches, lrs, lossScale);
    const reports: TrainStepReport[] = [];
    for (const [i, batch] of batches.entries()) {
      const r = await this.step(batch, { lr: lrs[i], lossScale });
      reports.push(r);
      if (!r.finite) break;
    }
    return reports;
  }

  /** Multi-step graph: the batches stacked, one run. */
  async #runSteps(batches: readonly Readonly<Record<string, HostTensor>>[], lrs: readonly number[], lossScale: number): Promise<TrainStepReport[]> {
    if (batches.length === 0) return [];
    const feeds: Record<string, HostTensor> = {
      ...this.#stack(batches),
      [trainNames.lr]: { dtype: 'float32', shape: [lrs.length], data: Float32Array.from(lrs) },
      [trainNames.lossScale]: { dtype: 'float32', shape: [lrs.length], data: new Float32Array(lrs.length).fill(lossScale) },
    };
    for (const [name, t] of this.#state) feeds[name] = t;
    const out = await this.#stepSession.run(feeds, { outputNames: this.#stepOutputs() });
    const ran = out[trainNames.finite]?.data.length ?? 0;
    const reports = Array.from({ length: ran }, (_, i) => this.#report(out, i));
    const bad = reports.findIndex((r) => !r.finite);
    if (bad === -1) {
      adopt(this.#state, out);
      return reports;
    }
    // The loop stopped at the overflowed step and its state includes that step: drop it all, and redo the
    // good steps before it from the unchanged current state (same inputs, same results).
    return [...(await this.#runSteps(batches.slice(0, bad), lrs.slice(0, bad), lossScale)), reports[bad]];
  }

  /** The batches as one feed per batch input, stacked along a new leading axis. */
  #stack(batches: readonly Readonly<Record<string, HostTensor>>[]): Record<string, HostTensor> {
    const checked = batches.map((b) => this.#batchFeeds(b));
    const stacked: Record<string, HostTensor> = {};
    for (const name of this.#compiled.batchInputs) {
      const first = checked[0][name];
      const n = elementCount(first.shape);
      const data = allocTyped(first.dtype, n * checked.length);
      checked.forEach((b, i) => {
        const t = b[name];
        if (t.dtype !== first.dtype || t.shape.length !== first.shape.length || t.shape.some((d, k) => d !== first.shape[k])) {
          throw new Error(`TrainStepRunner: batch ${i} input "${name}" is ${t.dtype}[${t.shape.join(', ')}], batch 0's is ${first.dtype}[${first.shape.join(', ')}]`);
        }
        (data as { set(a: ArrayLike<unknown>, o: number): void }).set(t.data as ArrayLike<unknown>, i * n);
      });
      stacked[name] = { dtype: first.dtype, shape: [checked.length, ...first.shape], data } as HostTensor;
    }
    return stacked;
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

  /** What a step run fetches: the reports and the next state. */
  #stepOutputs(): string[] {
    return [...stepReportNames(this.#compiled.metrics), ...[...this.#state.keys()].map(trainNames.next)];
  }

  #metrics(out: Record<string, HostTensor>, at = 0): Record<string, number> {
    const m: Record<string, number> = {};
    for (const k of this.#compiled.metrics) m[k] = readScalar(out[trainNames.metric(k)], k, at);
    return m;
  }

  /** Report of step `at` of a run (0 for a single step). */
  #report(out: Record<string, HostTensor>, at: number): TrainStepReport {
    return {
      loss: readScalar(out[trainNames.loss], 'loss', at),
      gradNorm: readScalar(out[trainNames.gradNorm], 'grad_norm', at),
      finite: readScalar(out[trainNames.finite], 'finite', at) !== 0,
      metrics: this.#metrics(out, at),
    };
  }
}

/** Takes a run's `next.*` outputs as the new values of `values`. */
function adopt(values: Map<string, HostTensor<'float32'>>, out: Record<string, HostTensor>): void {
  for (const name of values.keys()) {
    const next = out[trainNames.next(name)];
    if (next?.dtype !== 'float32') throw new Error(`train step: float32 output ${trainNames.next(name)} missing`);
    values.set(name, next as HostTensor<'float32'>);
  }
}
