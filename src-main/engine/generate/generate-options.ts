import type { GenerateOptions, NumberSettingInfo, SamplerOptionInfo } from '../../../src-shared/api/generate.js';
import { generationCodecs, generationLanguages } from '../../../src-shared/api/generate.js';
import { DEFAULT_CHUNK_FRAMES } from '../valle/pipeline/streaming.js';
import { DEFAULT_LINE_GAP_SEC, DEFAULT_MAX_AR_STEPS, DEFAULT_PROMPT_SEC } from '../valle/pipeline/generation-options.js';
import { defaultSamplerOptions, samplerOptionDocs, samplerOptionLimits, type SamplerOptionKey } from '../valle/sampling/sampler-options.js';

/**
 * What the Generate view shows for every setting: the sampler's own table (labels, one-line help, limits,
 * defaults) so that the UI, the CLI and the validation can never disagree. The seed is a field of its own.
 */
export function generateOptions(): GenerateOptions {
  const sampler: SamplerOptionInfo[] = (Object.keys(samplerOptionDocs) as SamplerOptionKey[])
    .filter((key) => key !== 'seed')
    .map((key) => {
      const doc = samplerOptionDocs[key];
      const limit = samplerOptionLimits[key];
      return { key, label: doc.label, help: doc.help, appliesTo: doc.appliesTo, ...limit, default: defaultSamplerOptions[key] };
    });
  const settings: NumberSettingInfo[] = [
    { key: 'maxArSteps', label: 'Max length (AR steps)', help: 'Longest a line may run, in codec frames (75 = 1 s); a line that reaches it is cut.', min: 1, max: 22500, integer: true, default: DEFAULT_MAX_AR_STEPS },
    { key: 'maxNarLevels', label: 'NAR levels', help: 'Codebooks after the first to generate; fewer is faster and coarser.', min: 0, max: 7, integer: true, default: 7 },
    { key: 'promptSec', label: 'Prompt length (s)', help: 'Seconds of the reference audio the model hears; 0 = all of it.', min: 0, max: 300, integer: false, default: DEFAULT_PROMPT_SEC },
    { key: 'lineGapSec', label: 'Pause between lines (s)', help: 'Silence put between lines in the result.', min: 0, max: 10, integer: false, default: DEFAULT_LINE_GAP_SEC },
    { key: 'chunkFrames', label: 'Stream chunk (frames)', help: 'New frames per streamed piece of audio; smaller starts playback sooner but costs more.', min: 1, max: 1500, integer: true, default: DEFAULT_CHUNK_FRAMES },
  ];
  return { sampler, settings, languages: generationLanguages, codecs: generationCodecs };
}
