import type { InstalledModel, ModelOrigin } from '$shared/api/models.js';

/** Bytes in decimal units, as file managers show them: "842 MB", "1.7 GB". */
export function formatBytes(bytes: number | null): string {
  if (bytes === null || !Number.isFinite(bytes) || bytes < 0) return '–';
  if (bytes < 1000) return `${Math.round(bytes)} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = bytes / 1000;
  let unit = 0;
  while (value >= 999.5 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value >= 100 ? value.toFixed(0) : value.toFixed(1)} ${units[unit]}`;
}

export function formatSpeed(bytesPerSecond: number | null): string | null {
  return bytesPerSecond === null || !Number.isFinite(bytesPerSecond) ? null : `${formatBytes(bytesPerSecond)}/s`;
}

/** Parameter counts the way model cards write them: "220M", "1.3B", "712K". */
export function formatParameters(count: number | null): string {
  if (count === null || !Number.isFinite(count)) return '–';
  if (count >= 1e9) return `${(count / 1e9).toFixed(count >= 1e10 ? 0 : 1)}B`;
  if (count >= 1e6) return `${(count / 1e6).toFixed(count >= 1e8 ? 0 : 1)}M`;
  if (count >= 1e3) return `${(count / 1e3).toFixed(count >= 1e5 ? 0 : 1)}K`;
  return String(count);
}

/** "full (1024 × 12)", "custom (32 × 2)": the size preset with width and depth. */
export function formatSize(model: InstalledModel): string {
  if (model.kind === 'lora' && model.lora) return `rank ${model.lora.rank} · ${layers(model.lora.layers)}`;
  if (!model.sizePreset) return '–';
  const dims = model.dimensions ? ` (d ${model.dimensions.dModel} × ${layers(model.dimensions.layers)})` : '';
  return `${model.sizePreset}${dims}`;
}

function layers(n: number): string {
  return `${n} layer${n === 1 ? '' : 's'}`;
}

export function describeOrigin(origin: ModelOrigin): string {
  switch (origin.kind) {
    case 'hub':
      return `${origin.repo}@${origin.revision}`;
    case 'imported':
      return origin.path ?? `uploaded ${origin.fileName}`;
    case 'demo':
      return 'made offline (demo)';
  }
}

export const kindLabels: Record<InstalledModel['kind'], string> = { valle: 'VALL-E', lora: 'LoRA', codec: 'Codec' };
