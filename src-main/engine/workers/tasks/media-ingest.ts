import type { TaskFunction } from '../../jobs/job-context.js';
import { ingestAudio, type IngestInput, type IngestResult } from '../../media/ingest.js';

/** Worker task 'media.ingest': decode, measure and store one audio file (see media/ingest.ts). */
export const run: TaskFunction<IngestInput, IngestResult> = (input, ctx) => ingestAudio(input, ctx);
