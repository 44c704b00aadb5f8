/**
 * The model facade: a spec plus its weights (float32, by checkpoint name), the ONNX bytes of each graph
 * (emitted on first use, weights frozen into initializers), sessions to run them, and what a trainer needs.
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
import { buildDecodeGraph, buildForwardGraph } from './graphs.js';
import type { GraphRunner, InferenceGraph } from './graph-runner.js';
import { buildTrainLoss } from './loss-graph.js';
import { modelSpecFromConfig, type ValleModelSpec } from './model-spec.js';
import { generateNar, type NarLine, type NarOptions } from './nar-generate.js';
import type { CodeMatrix } from './input-layout.js';
import { elementCount, initParameters, parameterTable } from './parameters.js';

export interface ValleModelOptions {
  /** the inference plan (e.g. GroupQueryAttention where the contract holds); default standard attention */
  plan?: EmitPlan;
}

export class ValleModel {
  readonly spec: ValleModelSpec;
  readonly modelConfig: ModelConfig;
  #weights: Map<string, Float32Array>;
  readonly #plan: EmitPlan;
  #forward: EmittedModel | null = null;
  #decode: EmittedModel | null = null;

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

  /** Replaces the weights (after training); drops emitted graphs. */
  setWeights(weights: ReadonlyMap<string, Float32Array>): void {
    this.#weights = checkedWeights(this.spec, weights);
    this.#forward = null;
    this.#decode = null;
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

  /** In-thread sessions for both graphs (tests, tools; product code hosts them in a worker). */
  async openRunner(options: SessionOptions = {}): Promise<SessionRunner> {
    const forward = await Session.create(this.forwardModel().model, options);
    try {
      const decode = await Session.create(this.decodeModel().model, options);
      return new SessionRunner(forward, decode);
    } catch (error) {
      await forward.dispose();
      throw error;
    }
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

/** A GraphRunner over two in-thread sessions. */
export class SessionRunner implements GraphRunner {
  constructor(
    readonly forward: Session,
    readonly decode: Session,
  ) {}

  run(graph: InferenceGraph, feeds: Record<string, HostTensor>, outputNames?: readonly string[]): Promise<Record<string, HostTensor>> {
    return (graph === 'forward' ? this.forward : this.decode).run(feeds, outputNames ? { outputNames } : {});
  }

  async dispose(): Promise<void> {
    await this.forward.dispose();
    await this.decode.dispose();
  }
}
