/**
 * The model facade: a spec plus its weights (float32, by checkpoint name), the ONNX bytes of each graph
 * (emitted on first use), sessions to run them, and what a trainer needs.
 *
 *   const model = ValleModel.fromCheckpoint(await loadCheckpoint(path));
 *   const runner = await model.openRunner({ provider: 'cpu' });
 *   const codes0 = await model.generateAr(runner, lines, { maxSteps, sample });
 *   const codes = await model.generateNar(runner, codes0.map(...), { sample });
 *   await runner.dispose();
 *
 * Training: `model.trainStep({ optimizer })` compiles the §5.7 loss with nn's train-step compiler (trainable
 * weights become inputs; `frozen_params` prefixes stay initializers); `model.setWeights(...)` takes the
 * trained values back for export.
 *
 * [Note: shared weights] On the CPU, the runner's two graphs take every weight as a graph INPUT, fed on each
 * run from the model's own Float32Arrays (ORT wraps input buffers, it does not copy them), so forward and
 * decode share one copy. With weights frozen into initializers each session holds its own copy, plus the
 * transposed copies constant folding makes of every Linear weight. Measured (onnxruntime-node 1.30, CPU,
 * 2 shared cores), RSS above the JS weights after an AR prefill, 40 decode steps and 7 NAR passes:
 *   full size (841 MB of weights): initializers +4647 MB, inputs +227 MB; opening the runner 23.8 s vs 0.9 s
 *   d = 1024, 4 layers (329 MB):   initializers +1802 MB, inputs +116 MB
 * (With initializers the model also caches both ModelProtos, ~2 × the weights; without them, ORT's sessions
 * alone were +3757 MB at full size.) The price is speed, most likely because ORT prepacks only constant
 * MatMul weights: a full-size decode step (300 past positions) took 177 ms against 158 ms (medians; minima
 * 117 vs 102 ms). `weights: 'initializers'` keeps the faster, larger sessions.
 * The embedding tables are concatenated once on the host (the graphs' input table, `INPUT_TABLE_PARAM`) and
 * the model's embedding weights become views of it, so the table costs no second copy either.
 * Other providers keep initializers: weights fed from host memory would be uploaded to the device every run.
 */
import { emitOnnx, type EmitOptions, type EmittedModel } from '../../nn/emit/onnx.js';
import { INFERENCE_PLAN, type EmitPlan } from '../../nn/blocks/emit-plan.js';
import { ParamStore } from '../../nn/blocks/params.js';
import type { HostTensor } from '../../nn/io/host-tensor.js';
import { compileTrainStep, type CompiledTrainStep } from '../../nn/optim/train-step.js';
import type { AdamWOptions } from '../../nn/optim/adamw.js';
import { Session, type SessionOptions } from '../../nn/runtime/session.js';
import type { ModelConfig } from '../config/index.js';
import { generateAr, type ArLine, type ArOptions } from './ar-generate.js';
import { buildDecodeGraph, buildForwardGraph, concatInputTable, INPUT_TABLE_PARAM, type ValleGraphOptions } from './graphs.js';
import type { GraphRunner, InferenceGraph } from './graph-runner.js';
import { buildTrainLoss } from './loss-graph.js';
import { inputTableLayout, modelSpecFromConfig, type ValleModelSpec } from './model-spec.js';
import { generateNar, type NarLine, type NarOptions } from './nar-generate.js';
import type { CodeMatrix } from './input-layout.js';
import { elementCount, initParameters, parameterTable } from './parameters.js';

export interface ValleModelOptions {
  /** the inference plan (e.g. GroupQueryAttention where the contract holds); default standard attention */
  plan?: EmitPlan;
}

export interface ValleRunnerOptions extends SessionOptions {
  /**
   * Where the sessions keep the weights (see [Note: shared weights]): 'inputs' (one copy shared by both
   * sessions; only for the cpu provider), 'initializers' (each session its own), or 'auto' (default):
   * inputs when the sessions run on the cpu provider, initializers otherwise.
   */
  weights?: 'auto' | 'inputs' | 'initializers';
}

/** Forward and decode graphs whose weights are inputs, with the feeds that supply them. */
interface SharedWeightGraphs {
  forward: EmittedModel;
  decode: EmittedModel;
  feeds: Record<string, HostTensor<'float32'>>;
}

export class ValleModel {
  readonly spec: ValleModelSpec;
  readonly modelConfig: ModelConfig;
  #weights: Map<string, Float32Array>;
  readonly #plan: EmitPlan;
  #forward: EmittedModel | null = null;
  #decode: EmittedModel | null = null;
  #shared: SharedWeightGraphs | null = null;

  constructor(modelConfig: ModelConfig, weights: ReadonlyMap<string, Float32Array>, options: ValleModelOptions = {}) {
    this.modelConfig = modelConfig;
    this.spec = modelSpecFromConfig(modelConfig);
    this.#weights = checkedWeights(this.spec, weights);
    this.#plan = options.plan ?? INFERENCE_PLAN;
  }

  /** From a loaded checkpoint (`loadCheckpoint` in valle/checkpoint): its model config and weights. */
  static fromCheckpoint(loaded: { model: ModelConfig; weights: ReadonlyMap<string, Float32Array> }, options: ValleModelOptions = {}): ValleModel {
    return new ValleModel(loaded.model, loaded.weights, options);
  }

  /** A model with fresh §5.11 weights (training from scratch). */
  static fromScratch(modelConfig: ModelConfig, seed = 0, options: ValleModelOptions = {}): ValleModel {
    return new ValleModel(modelConfig, initParameters(modelSpecFromConfig(modelConfig), seed), options);
  }

  /** Weights by checkpoint name (the live arrays; copy before mutating). */
  get weights(): ReadonlyMap<string, Float32Array> {
    return this.#weights;
  }

  /** Replaces the weights (after training); drops emitted graphs. Runners opened before keep the old values. */
  setWeights(weights: ReadonlyMap<string, Float32Array>): void {
    this.#weights = checkedWeights(this.spec, weights);
    this.#forward = null;
    this.#decode = null;
    this.#shared = null;
  }

  #frozenStore(): ParamStore {
    return new ParamStore({ values: this.#weights, frozen: () => true });
  }

  /** Full-sequence graph (AR prefill, NAR pass): logits at `select` + KV cache. */
  forwardModel(emit?: EmitOptions): EmittedModel {
    if (emit) return emitOnnx(buildForwardGraph({ spec: this.spec, params: this.#frozenStore(), plan: this.#plan }), emit);
    return (this.#forward ??= emitOnnx(buildForwardGraph({ spec: this.spec, params: this.#frozenStore(), plan: this.#plan })));
  }

  /** One-position AR step from the KV cache. */
  decodeModel(emit?: EmitOptions): EmittedModel {
    if (emit) return emitOnnx(buildDecodeGraph({ spec: this.spec, params: this.#frozenStore(), plan: this.#plan }), emit);
    return (this.#decode ??= emitOnnx(buildDecodeGraph({ spec: this.spec, params: this.#frozenStore(), plan: this.#plan })));
  }

  /**
   * Forward and decode graphs that take every weight as an input, and the feeds for them: the model's weight
   * arrays, plus the input table into which the embedding tables are moved (they become views of it).
   */
  sharedWeightGraphs(): SharedWeightGraphs {
    if (this.#shared) return this.#shared;
    const table = concatInputTable(this.spec, this.#weights);
    let at = 0;
    for (const part of inputTableLayout(this.spec).parts) {
      const n = this.#weights.get(part.name)!.length;
      this.#weights.set(part.name, table.subarray(at, at + n));
      at += n;
    }
    const values = new Map(this.#weights);
    values.set(INPUT_TABLE_PARAM, table);
    const params = new ParamStore({ values, frozen: () => false });
    const o: ValleGraphOptions = { spec: this.spec, params, plan: this.#plan, inputTableParam: true };
    const forwardGraph = buildForwardGraph(o);
    const decodeGraph = buildDecodeGraph(o);
    const feeds: Record<string, HostTensor<'float32'>> = {};
    for (const g of [forwardGraph, decodeGraph]) {
      for (const p of g.params) {
        if (p.source.kind === 'param' && p.source.trainable) feeds[p.source.name] ??= { dtype: 'float32', shape: p.shape as number[], data: values.get(p.source.name)! };
      }
    }
    this.#shared = { forward: emitOnnx(forwardGraph), decode: emitOnnx(decodeGraph), feeds };
    return this.#shared;
  }

  /** In-thread sessions for both graphs (tests, tools; product code hosts them in a worker). */
  async openRunner(options: ValleRunnerOptions = {}): Promise<SessionRunner> {
    const { weights: mode = 'auto', ...sessionOptions } = options;
    const provider = sessionOptions.provider ?? 'auto';
    if (mode === 'inputs' && provider !== 'cpu' && provider !== 'auto') throw new Error(`openRunner: weights as inputs run on the cpu provider only, not ${provider}`);
    if (mode === 'inputs' || (mode === 'auto' && (provider === 'auto' || provider === 'cpu'))) {
      // The weight-input graph is small, so creating its session also tells cheaply which provider 'auto' gets.
      const shared = this.sharedWeightGraphs();
      const forward = await Session.create(shared.forward.model, { ...sessionOptions, provider: mode === 'inputs' ? 'cpu' : provider });
      if (forward.providerInUse === 'cpu') return openSecond(forward, () => Session.create(shared.decode.model, { ...sessionOptions, provider: 'cpu' }), shared.feeds);
      await forward.dispose();
    }
    const forward = await Session.create(this.forwardModel().model, sessionOptions);
    return openSecond(forward, () => Session.create(this.decodeModel().model, sessionOptions));
  }

  generateAr(runner: GraphRunner, lines: readonly ArLine[], options: ArOptions): Promise<number[][]> {
    return generateAr(this.spec, runner, lines, options);
  }

  generateNar(runner: GraphRunner, lines: readonly NarLine[], options: NarOptions): Promise<CodeMatrix[]> {
    return generateNar(this.spec, runner, lines, options);
  }

  /**
   * The §5.7 training step (forward, loss, backward, AdamW) as compiled graphs. Weights whose name starts with
   * one of `frozen_params` stay frozen (initializers), as the reference's `frozen_params`.
   */
  trainStep(options: { optimizer: AdamWOptions; accumulate?: boolean; emit?: EmitOptions; frozen?: (name: string) => boolean }): { compiled: CompiledTrainStep; store: ParamStore } {
    const prefixes = this.modelConfig.frozen_params;
    const frozen = options.frozen ?? ((name: string) => prefixes.some((p) => name.startsWith(p)));
    const store = new ParamStore({ values: this.#weights, frozen });
    const compiled = compileTrainStep({
      name: 'valle_train',
      build: (g) => buildTrainLoss(g, { spec: this.spec, params: store }),
      optimizer: options.optimizer,
      accumulate: options.accumulate,
      emit: options.emit,
    });
    return { compiled, store };
  }
}

function checkedWeights(spec: ValleModelSpec, weights: ReadonlyMap<string, Float32Array>): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  const problems: string[] = [];
  for (const e of parameterTable(spec)) {
    const w = weights.get(e.name);
    if (!w) problems.push(`missing ${e.name}`);
    else if (w.length !== elementCount(e.shape)) problems.push(`${e.name} has ${w.length} values, [${e.shape.join(', ')}] needs ${elementCount(e.shape)}`);
    else out.set(e.name, w);
  }
  if (problems.length > 0) throw new Error(`ValleModel: weights do not fit the model: ${problems.join('; ')}`);
  return out;
}

async function openSecond(forward: Session, create: () => Promise<Session>, weights?: Readonly<Record<string, HostTensor>>): Promise<SessionRunner> {
  try {
    return new SessionRunner(forward, await create(), weights);
  } catch (error) {
    await forward.dispose();
    throw error;
  }
}

/** A GraphRunner over two in-thread sessions; `weights` are fed on every run to graphs that take them. */
export class SessionRunner implements GraphRunner {
  readonly #weightFeeds: Map<Session, Record<string, HostTensor>>;

  constructor(
    readonly forward: Session,
    readonly decode: Session,
    weights: Readonly<Record<string, HostTensor>> = {},
  ) {
    const pick = (s: Session) => Object.fromEntries(s.inputNames.filter((n) => n in weights).map((n) => [n, weights[n]]));
    this.#weightFeeds = new Map([
      [forward, pick(forward)],
      [decode, pick(decode)],
    ]);
  }

  run(graph: InferenceGraph, feeds: Record<string, HostTensor>, outputNames?: readonly string[]): Promise<Record<string, HostTensor>> {
    const session = graph === 'forward' ? this.forward : this.decode;
    return session.run({ ...this.#weightFeeds.get(session), ...feeds }, outputNames ? { outputNames } : {});
  }

  async dispose(): Promise<void> {
    await this.forward.dispose();
    await this.decode.dispose();
  }
}
