import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { StudioError } from '../../../../src-shared/api/errors.js';
import { ConfigError, toConfigIssues } from './config-errors.js';
import { configPaths, type ConfigPaths } from './derived.js';
import { formatConfig, type FormatOptions } from './format.js';
import { configSchema, type VallEConfig } from './schema.js';
import { parseYaml11 } from './yaml-1-1.js';

export interface LoadedConfig {
  config: VallEConfig;
  /** Legacy or suspicious settings that did not stop loading. */
  warnings: string[];
}

export interface ConfigSourceOptions extends FormatOptions {
  /** Names the source in messages (a file name). */
  source?: string;
}

/**
 * A config from already-parsed data (a YAML document, JSON, an object built in code). Every unknown key and
 * every wrong value is reported at once, by path, in one ConfigError.
 */
export function configFromObject(data: unknown, options: ConfigSourceOptions = {}): LoadedConfig {
  const source = options.source ?? 'config';
  // An empty document means "all defaults", as no YAML does in the reference.
  const input = data === null || data === undefined ? {} : data;
  if (typeof input !== 'object' || Array.isArray(input)) {
    throw new ConfigError(source, [{ path: '(top level)', message: 'expected a mapping of settings' }]);
  }
  const parsed = configSchema.safeParse(input, { reportInput: true });
  if (!parsed.success) throw new ConfigError(source, toConfigIssues(parsed.error.issues));
  return formatConfig(parsed.data, options);
}

/** A config from YAML text, read as the reference reads it (YAML 1.1, see yaml-1-1.ts). */
export function parseConfigYaml(text: string, options: ConfigSourceOptions = {}): LoadedConfig {
  return configFromObject(parseYaml11(text, options.source ?? 'config'), options);
}

/** A config file plus the directories the reference derives from its location. */
export async function loadConfigFile(file: string, options: FormatOptions = {}): Promise<LoadedConfig & { paths: ConfigPaths }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new StudioError(code === 'ENOENT' ? 'not_found' : 'invalid_input', `Cannot read config ${file}: ${(error as Error).message}`, { file });
  }
  const loaded = parseConfigYaml(text, { ...options, source: path.basename(file) });
  return { ...loaded, paths: configPaths(file) };
}

/** The reference's dataclass defaults (what it runs with when no YAML is given). */
export function defaultConfig(options: FormatOptions = {}): VallEConfig {
  return configFromObject({}, options).config;
}

/** The reference's example configuration (data/config.yaml @ 31e8b7e), shipped in resources/. */
export function exampleConfigPath(): string {
  return fileURLToPath(new URL('../../../../resources/config.yaml', import.meta.url));
}

/**
 * The example configuration: the spec's fallback for settings a checkpoint does not carry (Appendix A,
 * "default to the example YAML when absent").
 */
export async function loadExampleConfig(options: FormatOptions = {}): Promise<VallEConfig> {
  return (await loadConfigFile(exampleConfigPath(), options)).config;
}
