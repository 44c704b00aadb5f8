import { existsSync } from 'node:fs';
import path from 'node:path';
import type { LoraConfig, ModelConfig, OptimizationsConfig, VallEConfig } from './schema.js';

/**
 * Values the reference derives from a config (properties of `vall_e/config.py`, seed spec §1.1–1.4, 1.6):
 * names that become checkpoint directories, the active model/LoRA, frames per second, derived paths.
 */

/** `Config.model`: the first model marked for training, else the first model. */
export function activeModel(config: VallEConfig): ModelConfig {
  return config.models.find((m) => m.training) ?? config.models[0];
}

/** `Config.lora`: the first LoRA marked for training, else the first LoRA, else null. */
export function activeLora(config: VallEConfig): LoraConfig | null {
  return config.loras.find((l) => l.training) ?? config.loras[0] ?? null;
}

/**
 * `Model.full_name`, e.g. `ar+nar-llama-8`: the engine name, checkpoint directory (`ckpt/<full_name>/`) and,
 * up to the first "-", the prefix of logged metrics.
 */
export function modelFullName(model: ModelConfig, optimizations: Pick<OptimizationsConfig, 'bitnet'>): string {
  const parts = [model.name];
  if (typeof model.size === 'string' && model.size !== 'full') parts.push(model.size);
  const arch = model.arch_type.replace(/\//g, '-');
  parts.push(model.experts > 1 ? `${model.experts}x${arch}` : arch);
  if (optimizations.bitnet) parts.push('bitnet');
  parts.push(String(model.resp_levels));
  return parts.join('-');
}

/** `LoRA.full_name`, e.g. `lora-r128-a128` (checkpoint directory `ckpt/<full_name>/`). */
export function loraFullName(lora: LoraConfig): string {
  return `${lora.name}-r${lora.rank}-a${lora.alpha}`;
}

/** Codec frames per second: the override if set; DAC 44.1 kHz → 87, DAC 16 kHz → 50; otherwise 75. */
export function framesPerSecond(config: VallEConfig): number {
  if (config.dataset._frames_per_second > 0) return config.dataset._frames_per_second;
  if (config.audio_backend === 'dac') {
    if (config.sample_rate === 44_100) return 87;
    if (config.sample_rate === 16_000) return 50;
  }
  return 75;
}

/** Directories the reference derives from the YAML's location (`BaseConfig`). */
export interface ConfigPaths {
  relPath: string;
  cacheDir: string;
  dataDir: string;
  metadataDir: string;
  ckptDir: string;
  /** `logs/<unix start time in whole seconds>`. */
  logDir: string;
}

export function configPaths(yamlPath: string, startTimeMs = Date.now()): ConfigPaths {
  const relPath = path.dirname(path.resolve(yamlPath));
  return {
    relPath,
    cacheDir: path.join(relPath, '.cache'),
    dataDir: path.join(relPath, 'data'),
    metadataDir: path.join(relPath, 'metadata'),
    ckptDir: path.join(relPath, 'ckpt'),
    logDir: path.join(relPath, 'logs', String(Math.floor(startTimeMs / 1000))),
  };
}

/**
 * Where the reference finds the tokenizer: `tokenizer_path` relative to the YAML's directory, else
 * `./data/<tokenizer_path>` relative to the working directory. Null when neither exists (the reference then
 * falls back to its legacy symbol map).
 */
export function resolveTokenizerPath(config: VallEConfig, relPath: string, cwd = process.cwd()): string | null {
  const candidates = [path.resolve(relPath, config.tokenizer_path), path.resolve(cwd, 'data', config.tokenizer_path)];
  return candidates.find((p) => existsSync(p)) ?? null;
}
