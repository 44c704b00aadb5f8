// Text-to-speech jobs on the active model (streamed to the UI), their history, presets and staged voices.
// See generate-service.ts; the worker half is speech-task.ts.
export { GenerateService, GENERATE_TASK, type ActiveModelSource, type GenerateEvents, type GenerateServiceOptions } from './generate-service.js';
export { PresetsStore } from './presets-store.js';
export { encodeChunkSamples, decodeChunkSamples } from './chunk-encoding.js';
