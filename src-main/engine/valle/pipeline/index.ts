// The speech pipelines (seed spec §6): text-to-speech (batched or streaming), speech-to-text, and finding
// a model's weights from what a person names. See docs/pipelines.md.
export { synthesize, joinLines, type SynthesizeOptions, type SynthesisResult, type SynthesizedLine, type SynthesisProgress, type SynthesisTimings } from './tts.js';
export { streamLine, resolveStreamSettings, DEFAULT_CHUNK_FRAMES, type SpeechChunk, type StreamSettings, type StreamSettingsInput } from './streaming.js';
export { transcribe, STT_STEPS_PER_SECOND, STT_MIN_STEPS, type TranscribeOptions, type TranscribeResult } from './stt.js';
export {
  resolveGenerationSettings,
  DEFAULT_MAX_AR_STEPS,
  DEFAULT_PROMPT_SEC,
  DEFAULT_LINE_GAP_SEC,
  type GenerationSettings,
  type GenerationSettingsInput,
} from './generation-options.js';
export { splitLines, prepareLines, modelLanguageId, sharedTokenizer, type PreparedLine, type Phonemizer } from './text-lines.js';
export { buildVoicePrompt, checkCodecFitsModel, promptLevels, type VoicePromptInput } from './voice-prompt.js';
export { loadVoiceModel, NO_MODEL_HELP, type LoadModelRequest, type LoadedVoiceModel, type ModelLocation } from './model-files.js';
export { withRunner } from './runner.js';
