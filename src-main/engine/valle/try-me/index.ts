// Try Me: the reference's overfit self-test (seed spec §9.1 `example_usage`) — a small model trained from
// scratch on one shipped utterance, then checked with greedy AR and teacher-forced NAR decoding.
export { runTryMe, learningRate, levelCycle, summarizeLoss, TRY_ME_DEFAULT_STEPS, TRY_ME_SETTINGS, type TryMeOptions, type TryMeProgress, type TryMeResult, type TryMeSettings, type TryMeStage, type TryMeLossSummary } from './run-try-me.js';
export { evaluateTryMe, argmaxAt, TRY_ME_THRESHOLDS, AR_OVERRUN_FRAMES, type TryMeEvaluation, type TryMeThresholds } from './evaluate-try-me.js';
export { tryMeModelConfig, TRY_ME_MODEL_SIZE, type TryMeModelSize } from './try-me-model.js';
export { loadTryMeSample, defaultTryMeFiles, tryMeResourceDir, timeMajorCodes, leadingFrames, leadingLevels, TRY_ME_PROMPT_FRAMES, type TryMeSample, type TryMeSampleFiles } from './try-me-sample.js';
