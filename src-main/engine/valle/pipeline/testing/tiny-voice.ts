/** Test fixtures for the pipelines: the tiny random model, reference clips, and an in-thread runner. */
import { vowel } from '../../../codec/testing/signals.js';
import type { Pcm } from '../../../media/pcm.js';
import { testWeights, tinyModel, tinySpec } from '../../model/testing/tiny-model.js';
import { ValleModel } from '../../model/valle-model.js';

export function tinyVoiceModel(seed = 3, capabilities: string[] = ['ar', 'nar']): ValleModel {
  const overrides = { model: { capabilities } };
  return new ValleModel(tinyModel(overrides), testWeights(tinySpec(overrides), seed));
}

/** A voiced, speech-like clip (a gliding vowel). */
export function referenceClip(seconds: number, sampleRate = 24000, f0 = 120): Pcm {
  return { sampleRate, channels: [vowel({ sampleRate, seconds, f0Start: f0, f0End: f0 * 1.3 })] };
}
