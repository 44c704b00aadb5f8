/**
 * What a level may emit, per task (seed spec §5.6, §6.3). The shared 1025-way head serves everything: audio
 * codes 0..1023 and the stop token 1024 for TTS level 0, codes 0..1023 for NAR levels 1..7 (a split-classifier
 * model's NAR heads are 1024 wide), text ids 0..255 for STT. Anything above the emittable range is banned
 * (spec A.10: the reference's `ban_tokens` never bans, so its NAR can emit 1024).
 */

export type SamplingTask = 'tts' | 'stt';

export const AUDIO_CODEBOOK_SIZE = 1024;
export const TTS_STOP_TOKEN = 1024;
export const TEXT_VOCABULARY_SIZE = 256;
/** `</eos>` in the phoneme tokenizer. */
export const STT_STOP_TOKEN = 2;

/** The token that ends an AR sequence: 1024 for TTS, 2 for STT (spec §6.3). */
export function stopTokenFor(task: SamplingTask): number {
  return task === 'tts' ? TTS_STOP_TOKEN : STT_STOP_TOKEN;
}

/** How many leading ids of a row may be emitted at this level; the rest of the row is banned. */
export function emittableTokens(task: SamplingTask, level: number): number {
  if (task === 'stt') return TEXT_VOCABULARY_SIZE;
  return level === 0 ? AUDIO_CODEBOOK_SIZE + 1 : AUDIO_CODEBOOK_SIZE;
}

/**
 * Mirostat's vocabulary size `n` (Zipf normalisation). TTS: 1024, as the reference's state; STT: the 256 text
 * ids (the reference passes 1024 there too, which is not the size of the text vocabulary).
 */
export function mirostatVocabularySize(task: SamplingTask): number {
  return task === 'tts' ? AUDIO_CODEBOOK_SIZE : TEXT_VOCABULARY_SIZE;
}
