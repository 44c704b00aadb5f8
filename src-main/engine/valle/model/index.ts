// The AR+NAR model of seed spec §5: spec and parameter table, host-side input layout and loss targets,
// nn graphs (forward/prefill, KV-cache decode, training loss), AR/NAR generation, and the ValleModel facade.
export * from './model-spec.js';
export { parameterTable, parameterCount, initParameters, elementCount, type ParamEntry, type ParamRole } from './parameters.js';
export { initValues } from '../../nn/blocks/params.js';
export * from './input-layout.js';
export { graphNames, buildForwardGraph, buildDecodeGraph, hiddenStates, classifier, inputTable, embedInputs, concatInputTable, INPUT_TABLE_PARAM, type ValleGraphOptions } from './graphs.js';
export { forwardFeeds, sequenceFeeds, type GraphRunner, type InferenceGraph } from './graph-runner.js';
export {
  generateAr,
  generateArBeam,
  generateStt,
  gatherBatchRows,
  appendedPositionId,
  STT_BOS,
  STT_EOS,
  type ArLine,
  type ArSampler,
  type ArOptions,
  type ArStepCallback,
  type ArBeamSearch,
  type ArBeamOptions,
  type SttLine,
} from './ar-generate.js';
export { generateNar, type NarLine, type NarSampler, type NarOptions } from './nar-generate.js';
export { prepareTrainingSample, buildLossBatch, lossEntries, type TrainingSample, type PreparedSample, type LossBatch } from './loss-targets.js';
export { buildTrainLoss, lossBatchFeeds, lossNames } from './loss-graph.js';
export { rvqLevelChoices, RvqLevelSampler, type RvqLevelOptions } from './rvq-level.js';
export { mulberry32 } from '../../nn/random.js';
export { ValleModel, SessionRunner, type ValleModelOptions, type ValleRunnerOptions } from './valle-model.js';
