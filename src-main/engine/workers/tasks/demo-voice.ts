import type { TaskFunction } from '../../jobs/job-context.js';
import { trainDemoVoice, type TrainDemoVoiceInput, type TrainDemoVoiceResult } from '../../models/demo-voice/train-demo-voice.js';

/**
 * Worker task 'models.demoVoice': trains the demo voice off the host thread (a minute or more of ORT steps) and
 * writes its checkpoint (see models/demo-voice/train-demo-voice.ts). Registered `terminable: false`: it runs
 * onnxruntime; cancelling stops it at its next step.
 */
export const run: TaskFunction<TrainDemoVoiceInput, TrainDemoVoiceResult> = (input, ctx) => trainDemoVoice(input, ctx);
