// The reference-compatible model/training configuration (seed spec §1): schemas and types, loading from YAML,
// the reference's normalisations, size presets, derived names and paths, and configs embedded in .sft files.
export * from './schema.js';
export { ConfigError, type ConfigIssue } from './config-errors.js';
export { formatConfig, type FormatOptions } from './format.js';
export { configFromObject, parseConfigYaml, loadConfigFile, defaultConfig, exampleConfigPath, loadExampleConfig, type LoadedConfig } from './load.js';
export { parseYaml11 } from './yaml-1-1.js';
export { SIZE_PRESETS, TEXT_TOKENS, AUDIO_TOKENS, isSizePresetName, modelDimensions, type SizePreset, type SizePresetName, type ModelDimensions } from './size-presets.js';
export { activeModel, activeLora, modelFullName, loraFullName, framesPerSecond, configPaths, resolveTokenizerPath, type ConfigPaths } from './derived.js';
export { configFromSftMetadata, loraConfigFromSftMetadata, type SftConfigOptions, type SftConfigResult } from './sft-metadata.js';
