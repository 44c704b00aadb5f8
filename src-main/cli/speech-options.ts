/**
 * Options shared by `valle tts` and `valle stt`: which model (--model / --yaml, as the reference), which
 * codec, which execution provider, and every sampler flag under the reference's name (seed spec §6.5) with
 * the one-line help of `samplerOptionDocs`.
 */
import type { ParseArgsConfig } from 'node:util';
import { StudioError } from '../../src-shared/api/errors.js';
import type { Codec } from '../engine/codec/codec.js';
import { createCodec, KNOWN_CODECS } from '../engine/codec/registry.js';
import { isProviderRequest, type ProviderRequest } from '../engine/nn/runtime/providers.js';
import type { LoadedVoiceModel } from '../engine/valle/pipeline/model-files.js';
import { loadVoiceModel } from '../engine/valle/pipeline/model-files.js';
import { parseSamplerOptions, samplerOptionDocs, samplerOptionLimits, type SamplerOptionKey, type SamplerOptions } from '../engine/valle/sampling/sampler-options.js';
import { UsageError, type CliIo } from './cli-io.js';

type OptionSpecs = NonNullable<ParseArgsConfig['options']>;

/** Sampler keys by flag name without dashes (`ar-temp` → arTemperature). */
const samplerFlags = new Map<string, SamplerOptionKey>(
  (Object.keys(samplerOptionDocs) as SamplerOptionKey[]).map((key) => [samplerOptionDocs[key].reference.replace(/^--/, ''), key]),
);

export function samplerOptionSpecs(): OptionSpecs {
  return Object.fromEntries([...samplerFlags.keys()].map((flag) => [flag, { type: 'string' as const }]));
}

/** The help lines of the sampler flags: flag, one-line help, range. */
export function samplerFlagHelp(): string {
  const rows = [...samplerFlags].map(([flag, key]) => {
    const l = samplerOptionLimits[key];
    const range = key === 'seed' ? 'random when absent; the seed used is printed' : `${l.min}…${l.max}${l.nullable ? ', or "off"' : ''}`;
    return [`--${flag} ${l.integer ? 'N' : 'X'}`, `${samplerOptionDocs[key].help} (${range})`];
  });
  const width = Math.max(...rows.map(([f]) => f.length)) + 2;
  return rows.map(([f, h]) => `  ${f.padEnd(width)}${h}`).join('\n');
}

/** The sampler flags given, validated (a usage error names each bad flag and its range). */
export function samplerOptionsFromFlags(values: Record<string, unknown>, defaults: Partial<SamplerOptions> = {}): SamplerOptions {
  const input: Record<string, unknown> = { ...defaults };
  for (const [flag, key] of samplerFlags) {
    const raw = values[flag];
    if (raw === undefined) continue;
    const text = String(raw).trim();
    if (samplerOptionLimits[key].nullable && /^(off|none)$/i.test(text)) {
      input[key] = null;
      continue;
    }
    const n = Number(text);
    if (text === '' || !Number.isFinite(n)) throw new UsageError(`--${flag} must be a number, got "${String(raw)}"`);
    input[key] = n;
  }
  try {
    return parseSamplerOptions(input);
  } catch (error) {
    if (!(error instanceof StudioError)) throw error;
    const issues = (error.details?.issues ?? []) as { path: string; message: string }[];
    const flagOf = (key: string) => `--${[...samplerFlags].find(([, k]) => k === key)?.[0] ?? key}`;
    throw new UsageError(issues.map((i) => `${flagOf(i.path)} ${i.message}`).join('; ') || error.message);
  }
}

export const MODEL_OPTION_HELP = `  --model PATH      the model: a checkpoint (.sft, .safetensors, .pth, .pt) or a folder holding fp32.sft
                    (or ckpt/<name>/fp32.sft, the reference's layout)
  --yaml FILE       a reference config: its settings fill what the checkpoint lacks; without --model the
                    weights are <its folder>/ckpt/<model name>/fp32.sft (default: $VALLE_YAML)
  --codec NAME      ${KNOWN_CODECS.join(' | ')}: decodes/encodes the model's codes (default: the config's
                    audio_backend — vocos for the reference weights; lite only fits models trained on lite codes)
  --device NAME     execution provider: auto, cpu, cuda, … (default auto; a seed reproduces on the same one)`;

export const modelOptionSpecs = {
  model: { type: 'string' },
  yaml: { type: 'string' },
  codec: { type: 'string' },
  device: { type: 'string' },
} as const satisfies OptionSpecs;

export interface SpeechSetup {
  voice: LoadedVoiceModel;
  codec: Codec;
  provider: ProviderRequest;
}

/** Loads the model and the codec the flags name; checkpoint warnings go to stderr. */
export async function loadSpeechSetup(values: { model?: string; yaml?: string; codec?: string; device?: string }, io: CliIo): Promise<SpeechSetup> {
  const provider = values.device ?? 'auto';
  if (!isProviderRequest(provider)) throw new UsageError(`--device "${provider}" is not an execution provider (auto, cpu, cuda, …)`);
  const voice = await loadVoiceModel({ model: values.model, yaml: values.yaml, cwd: io.cwd, env: io.env });
  for (const w of voice.checkpoint.warnings) io.stderr(`warning: ${w}\n`);
  const codecName = values.codec ?? (voice.checkpoint.config.audio_backend || 'vocos');
  const codec = await createCodec(codecName);
  return { voice, codec, provider };
}
