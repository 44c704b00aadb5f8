export { TokenSampler, createBatchSamplers, resolveSeed, type SampleContext, type TokenSamplerInit } from './sampler.js';
export {
  samplerOptionsSchema,
  parseSamplerOptions,
  defaultSamplerOptions,
  samplerOptionDocs,
  samplerOptionLimits,
  levelSettings,
  type SamplerOptions,
  type SamplerOptionsInput,
  type SamplerOptionKey,
  type SamplerOptionDoc,
  type SamplerOptionLimit,
  type LevelSamplerSettings,
} from './sampler-options.js';
export { BeamState, type BeamHypothesis, type BeamStepResult, type BeamSearchOptions, type BeamLogitsProcessor } from './beam-search.js';
export { Xoshiro128StarStar, rngForDraw, randomSeed, MAX_SEED, type Rng } from './rng.js';
export { stopTokenFor, emittableTokens, TTS_STOP_TOKEN, STT_STOP_TOKEN, AUDIO_CODEBOOK_SIZE, type SamplingTask } from './vocabulary.js';
export type { MirostatState } from './mirostat.js';
