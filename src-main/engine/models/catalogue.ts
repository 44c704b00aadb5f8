import type { CatalogueEntry } from '../../../src-shared/api/models.js';

/** One downloadable model as data: the API's catalogue entry without its install and download state. */
export type CatalogueItem = Omit<CatalogueEntry, 'installedModelId' | 'download'>;

/**
 * [Note: model catalogue] The models the studio can download, as data: adding one is adding an entry. The files
 * are those the reference and the codec loaders use:
 * - the reference weights: `models/ckpt/ar+nar-llama-8/fp32.sft` and `models/config.llama.yaml` of ecker/vall-e,
 *   what the reference's scripts/setup.sh fetches (seed spec §6.1); the checkpoint carries its own config, so the
 *   YAML is optional (if the hub lacks it or it does not load, the model installs without it);
 * - EnCodec 24 kHz in the transformers layout (config.json + model.safetensors), as codec/encodec loads it;
 * - Vocos for EnCodec 24 kHz (config.yaml + pytorch_model.bin), the reference's default decoder (§3.1).
 * Revisions follow `main`; the checksums come from the hub at download time (LFS sha256, git blob id for small
 * files), so a file changed upstream mid-download is noticed and fetched again.
 */
export const MODEL_CATALOGUE: readonly CatalogueItem[] = [
  {
    id: 'ar-nar-llama-8',
    name: 'VALL-E ar+nar-llama-8',
    kind: 'valle',
    description: 'The reference VALL-E model: LLaMA backbone, AR + NAR, 8 RVQ levels. The weights the reference’s setup script downloads.',
    repo: 'ecker/vall-e',
    revision: 'main',
    files: [
      { path: 'models/ckpt/ar+nar-llama-8/fp32.sft', role: 'checkpoint', optional: false },
      { path: 'models/config.llama.yaml', role: 'yaml', optional: true },
    ],
    codec: 'vocos',
    homepage: 'https://huggingface.co/ecker/vall-e',
  },
  {
    id: 'encodec-24khz',
    name: 'EnCodec 24 kHz',
    kind: 'codec',
    description: 'Meta’s neural codec: turns audio into the 8 × 1024 codes VALL-E reads and writes, and back. Needed to encode voice prompts.',
    repo: 'facebook/encodec_24khz',
    revision: 'main',
    files: [
      { path: 'config.json', role: 'config', optional: false },
      { path: 'model.safetensors', role: 'weights', optional: false },
    ],
    codec: 'encodec',
    homepage: 'https://huggingface.co/facebook/encodec_24khz',
  },
  {
    id: 'vocos-encodec-24khz',
    name: 'Vocos (EnCodec 24 kHz)',
    kind: 'codec',
    description: 'A vocoder that decodes EnCodec codes with fewer artefacts than EnCodec’s own decoder; the reference’s default.',
    repo: 'charactr/vocos-encodec-24khz',
    revision: 'main',
    files: [
      { path: 'config.yaml', role: 'config', optional: false },
      { path: 'pytorch_model.bin', role: 'weights', optional: false },
    ],
    codec: 'vocos',
    homepage: 'https://huggingface.co/charactr/vocos-encodec-24khz',
  },
];
