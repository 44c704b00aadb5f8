/**
 * Checkpoint tensors against the parameter table: every missing, unexpected and wrong-shaped tensor, by
 * name, in one report (the reference loads non-strictly and silently ignores all three; a port that did so
 * would run a model with random weights without a word).
 */
import type { ParamEntry } from '../model/parameters.js';
import type { ValleModelSpec } from '../model/model-spec.js';
import { paramNames } from '../model/model-spec.js';

export interface TensorMismatch {
  missing: string[];
  unexpected: string[];
  wrongShape: { name: string; shape: number[]; expected: number[] }[];
}

/**
 * Tensors the model can do without: `model.embed_tokens.weight` is never read and `dropout_token` only by
 * token dropout (off by default). Older reference checkpoints lack the latter (§5.10).
 */
export const OPTIONAL_TENSORS: readonly string[] = [paramNames.embedTokens, paramNames.dropoutToken];

export function compareTensors(table: readonly ParamEntry[], shapes: ReadonlyMap<string, readonly number[]>): TensorMismatch {
  const expected = new Map(table.map((e) => [e.name, e.shape]));
  const missing = table.filter((e) => !shapes.has(e.name)).map((e) => e.name);
  const unexpected = [...shapes.keys()].filter((n) => !expected.has(n));
  const wrongShape: TensorMismatch['wrongShape'] = [];
  for (const [name, shape] of shapes) {
    const want = expected.get(name);
    if (want && (want.length !== shape.length || want.some((d, i) => d !== shape[i]))) wrongShape.push({ name, shape: [...shape], expected: want });
  }
  return { missing, unexpected, wrongShape };
}

export function isClean(m: TensorMismatch): boolean {
  return m.missing.length === 0 && m.unexpected.length === 0 && m.wrongShape.length === 0;
}

const fmt = (s: readonly number[]) => `[${s.join(', ')}]`;

/** One readable sentence per kind of problem, every tensor named. */
export function describeMismatch(m: TensorMismatch): string {
  const parts: string[] = [];
  if (m.missing.length > 0) parts.push(`missing ${m.missing.length} tensor(s): ${m.missing.join(', ')}`);
  if (m.unexpected.length > 0) parts.push(`unexpected ${m.unexpected.length} tensor(s): ${m.unexpected.join(', ')}`);
  if (m.wrongShape.length > 0) {
    parts.push(`wrong shape for ${m.wrongShape.length} tensor(s): ${m.wrongShape.map((w) => `${w.name} is ${fmt(w.shape)}, expected ${fmt(w.expected)}`).join('; ')}`);
  }
  return parts.join('; ');
}

export function describeSpec(spec: ValleModelSpec): string {
  return `d_model ${spec.dModel}, ${spec.heads} heads, ${spec.layers} layers, ${spec.levels} levels, langs ${spec.langs}, tasks ${spec.tasks}, tones ${spec.tones}`;
}

