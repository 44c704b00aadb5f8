import type { ProgressReport, TaskFunction } from '../../jobs/job-context.js';
import { synthesizeInWorker, type GenerateSpeechInput, type GenerateSpeechResult } from '../../generate/speech-task.js';

/**
 * Worker task 'generate.speech': the TTS pipeline on a model loaded from its files, streaming chunks back as
 * progress reports (see generate/speech-task.ts). Registered `terminable: false`: it runs onnxruntime.
 */
export const run: TaskFunction<GenerateSpeechInput, GenerateSpeechResult> = (input, ctx) =>
  synthesizeInWorker(input, { signal: ctx.signal, progress: (report: ProgressReport) => ctx.progress(report) });
