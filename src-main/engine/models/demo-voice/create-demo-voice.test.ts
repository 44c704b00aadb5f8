/**
 * The demo voice end to end on the bundled sample with a small step budget: trained through the worker task's
 * entry point (in-process here), installed with origin `demo`, made active, loadable, and it generates codes
 * with the lite codec; cancelling mid-training leaves nothing behind; bad input is refused before any work.
 */
import { readdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { JobContext, ProgressReport } from '../../jobs/job-context.js';
import { createCodec } from '../../codec/registry.js';
import { loadCheckpoint } from '../../valle/checkpoint/load-checkpoint.js';
import { loadConfigFile } from '../../valle/config/index.js';
import { synthesize } from '../../valle/pipeline/tts.js';
import { initParameters } from '../../valle/model/parameters.js';
import { modelSpecFromConfig } from '../../valle/model/model-spec.js';
import { tryMeModelConfig } from '../../valle/try-me/try-me-model.js';
import { run as demoVoiceTask } from '../../workers/tasks/demo-voice.js';
import { serviceFixture, type ServiceFixture } from '../testing/service-fixture.js';
import { bundledDemoSample, planDemoVoice, type DemoVoiceClip } from './create-demo-voice.js';
import { DEMO_VOICE_YAML_TEXT } from './train-demo-voice.js';

const fixtures: ServiceFixture[] = [];
afterEach(async () => {
  for (const f of fixtures.splice(0)) await f.dispose();
});

/** A job whose worker tasks run in-process (the task module's own entry point), recording progress. */
function job(controller = new AbortController(), onReport?: (r: ProgressReport) => void): JobContext & { reports: ProgressReport[] } {
  const reports: ProgressReport[] = [];
  return {
    signal: controller.signal,
    reports,
    progress: (r) => {
      reports.push(r);
      onReport?.(r);
    },
    tasks: {
      run: async <I, O>(task: string, input: I, options: { signal: AbortSignal; onProgress?: (r: ProgressReport) => void }) => {
        if (task !== 'models.demoVoice') throw new Error(`unexpected task ${task}`);
        return (await demoVoiceTask(input as never, { signal: options.signal, progress: (r) => options.onProgress?.(r) })) as O;
      },
    },
  };
}

describe('models.createDemoVoice', () => {
  it('trains on the bundled sample, installs a lite model, makes it active, and it generates lite codes', { timeout: 180_000 }, async () => {
    const f = await serviceFixture();
    fixtures.push(f);
    const context = job();
    const result = await f.service.createDemoVoice({ bundled: true, steps: 12 }, context);

    expect(result.training).toMatchObject({ steps: 12, maxSteps: 12 });
    expect(result.model).toMatchObject({ kind: 'valle', codec: 'lite', origin: { kind: 'demo' }, name: 'Demo voice — bundled sample' });
    expect(result.model.dimensions).toMatchObject({ dModel: 128, heads: 4, layers: 2, levels: 8 });
    expect(result.model.files.map((x) => x.role).sort()).toEqual(['checkpoint', 'yaml']);
    expect(f.service.list({}).map((m) => m.id)).toEqual([result.model.id]);
    expect(f.service.active().model?.id).toBe(result.model.id);
    expect(f.changes).toContainEqual({ id: result.model.id, change: 'added' });

    // Progress rose from 0 to the end, through training steps, with an ETA once a step was timed.
    const fractions = context.reports.map((r) => r.fraction).filter((x): x is number => x !== null);
    expect(fractions[0]).toBe(0);
    expect(fractions.every((x, i) => i === 0 || x >= fractions[i - 1])).toBe(true);
    expect(context.reports.some((r) => /^Training step 12 of at most 12/.test(r.stage))).toBe(true);
    expect(context.reports.some((r) => typeof r.etaSeconds === 'number' && r.etaSeconds >= 0)).toBe(true);

    // The installed files: the YAML says lite, the checkpoint loads with it and holds trained (not initial) weights.
    const folder = f.service.registry.folderOf(result.model.id);
    const yaml = path.join(folder, 'config.yaml');
    expect((await loadConfigFile(yaml)).config.audio_backend).toBe('lite');
    const loaded = await loadCheckpoint(path.join(folder, 'fp32.sft'), { baseConfig: (await loadConfigFile(yaml)).config });
    expect(loaded.config.audio_backend).toBe('lite');
    const initial = initParameters(modelSpecFromConfig(tryMeModelConfig()), 0);
    const changed = [...initial].filter(([name, w]) => {
      const trained = loaded.weights.get(name)!;
      return trained.some((v, i) => v !== w[i]);
    });
    expect(changed.length).toBeGreaterThan(initial.size / 2);

    // The active model generates: codes of all 8 levels on the lite grid, decoded to 24 kHz audio.
    const lease = await f.service.manager.acquire();
    try {
      const codec = await createCodec('lite');
      const sample = await bundledDemoSample();
      const out = await synthesize({ model: lease.loaded.valle, codec, text: 'The quick brown fox.', refs: [sample.pcm], maxArSteps: 30, seed: 1 });
      const line = out.lines[0];
      expect(line.codes.levels).toBe(8);
      expect(line.codes.frames).toBeGreaterThan(0);
      expect(line.codes.frames).toBeLessThanOrEqual(30);
      for (const c of line.codes.data) expect(c).toBeLessThan(codec.codebookSize);
      expect(line.pcm.sampleRate).toBe(24_000);
      expect(line.pcm.channels[0].length).toBe(line.codes.frames * codec.hopLength);
    } finally {
      lease.release();
    }
  });

  it('cancelling during training stops it and installs nothing', { timeout: 120_000 }, async () => {
    const f = await serviceFixture();
    fixtures.push(f);
    const controller = new AbortController();
    const context = job(controller, (r) => {
      if (/^Training step 3 /.test(r.stage)) controller.abort();
    });
    await expect(f.service.createDemoVoice({ bundled: true, steps: 400 }, context)).rejects.toMatchObject({ code: 'cancelled' });
    expect(context.reports.some((r) => /^Training step 3 /.test(r.stage))).toBe(true);
    expect(context.reports.some((r) => /^Training step 10 /.test(r.stage))).toBe(false);
    expect(f.service.list({})).toEqual([]);
    expect(f.service.active().model).toBeNull();
    const staging = path.join(f.home, 'models', '.staging');
    expect(existsSync(staging) ? await readdir(staging) : []).toEqual([]);
  });

  it('refuses a clip without a transcript (unless one is given), and a missing clip, before reading audio', () => {
    let reads = 0;
    const clip: DemoVoiceClip = {
      name: 'take-1.wav',
      speakerName: 'Ada',
      transcript: '  ',
      language: 'en',
      span: null,
      read: () => {
        reads++;
        throw new Error('no audio here');
      },
    };
    const findClip = (id: string) => {
      if (id !== 'c1') throw Object.assign(new Error('missing'), { code: 'not_found' });
      return clip;
    };
    expect(() => planDemoVoice({ clipId: 'c1' }, { findClip })).toThrow(/take-1\.wav has no transcript/);
    expect(planDemoVoice({ clipId: 'c1', transcript: 'Hello there.' }, { findClip }).name).toBe('Demo voice — Ada');
    expect(() => planDemoVoice({ clipId: 'nope' }, { findClip })).toThrow(/missing/);
    expect(reads).toBe(0);
  });

  it('ships a bundled sample with its text, and the YAML names the lite codec', async () => {
    const sample = await bundledDemoSample();
    expect(sample.transcript.length).toBeGreaterThan(10);
    const seconds = sample.pcm.channels[0].length / sample.pcm.sampleRate;
    expect(seconds).toBeGreaterThan(1.5);
    expect(seconds).toBeLessThan(12);
    expect(DEMO_VOICE_YAML_TEXT).toMatch(/^audio_backend: lite$/m);
  });
});
