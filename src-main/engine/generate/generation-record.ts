/**
 * A stored generation as the API shows it, and the database row it lives in. The table's own columns hold
 * what is queried (text, speaker, model, media, times); everything else is `params` (see GenerationParams).
 */
import type { Generation } from '../../../src-shared/api/generate.js';
import type { GenerationRecord } from '../db/generations-repository.js';

export type GenerationParams = Omit<Generation, 'id' | 'text' | 'modelId' | 'mediaId' | 'createdAt' | 'trashedAt'>;

export function toRecord(g: Generation, speakerId: string | null): GenerationRecord {
  const { id, text, modelId, mediaId, createdAt, trashedAt, ...params } = g;
  return { id, text, modelId, mediaId, createdAt, trashedAt, speakerId, params: params as unknown as Record<string, unknown> };
}

export function fromRecord(r: GenerationRecord): Generation {
  const params = r.params as unknown as GenerationParams;
  return { ...params, id: r.id, text: r.text, modelId: r.modelId, mediaId: r.mediaId ?? '', createdAt: r.createdAt, trashedAt: r.trashedAt };
}
