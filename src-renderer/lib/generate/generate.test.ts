import { describe, expect, it } from 'vitest';
import { FakeClient } from '$lib/testing/fake-client.js';
import { ToastService } from '$lib/notifications/toasts.svelte.js';
import type { Generation } from '$shared/api/generate.js';
import { GenerateService } from './generate.svelte.js';

function generation(id: string, trashedAt: string | null): Generation {
  return {
    id,
    text: `text ${id}`,
    voice: { kind: 'speaker', speakerId: 's1' },
    voiceLabel: 'Ada (1 clip)',
    modelId: null,
    modelName: 'tiny',
    codec: 'lite',
    language: 'en',
    sampler: {},
    settings: { maxArSteps: 10, maxNarLevels: 7, promptSec: 3, lineGapSec: 0.3, chunkFrames: 75 },
    seed: 1,
    mediaId: 'a'.repeat(64),
    sampleRate: 24000,
    durationSec: 1,
    segments: [],
    timings: { totalMs: 1, firstChunkMs: null, textMs: 0, promptMs: 0, arMs: 0, narMs: 0, decodeMs: 0 },
    realTimeFactor: 1,
    rerunOf: null,
    createdAt: '2026-01-01T00:00:00.000Z',
    trashedAt,
  };
}

/** A store of generations the fake engine lists, trashes and restores like the real one. */
function fakeEngine(): { client: FakeClient; store: Map<string, Generation> } {
  const store = new Map([['g1', generation('g1', null)], ['g2', generation('g2', '2026-01-02T00:00:00.000Z')]]);
  const client = new FakeClient()
    .handle('generate.history', ({ trashed }) => [...store.values()].filter((g) => (g.trashedAt !== null) === (trashed ?? false)))
    .handle('generate.restore', ({ id }) => {
      const g = { ...store.get(id)!, trashedAt: null };
      store.set(id, g);
      return g;
    })
    .handle('generate.stageReference', ({ uploadId, name }) => ({ mediaId: 'b'.repeat(64), name: `${name}#${uploadId}`, durationSec: 1.5 }));
  return { client, store };
}


describe('GenerateService trash', () => {
  it('lists the trash on request and restores from it', async () => {
    const { client } = fakeEngine();
    const service = new GenerateService(client, new ToastService());
    await service.refreshHistory();
    expect(service.history.map((g) => g.id)).toEqual(['g1']);
    await service.setShowTrash(true);
    expect(service.history.map((g) => g.id)).toEqual(['g2']);
    expect(client.callsOf('generate.history').at(-1)).toMatchObject({ trashed: true });

    await service.restore(service.history[0]!);
    expect(client.callsOf('generate.restore')).toEqual([{ id: 'g2' }]);
    expect(service.history).toEqual([]);
    await service.setShowTrash(false);
    expect(service.history.map((g) => g.id).sort()).toEqual(['g1', 'g2']);
    service.dispose();
  });
});

describe('GenerateService staging', () => {
  it('uploads recorded bytes and makes the staged file the untrimmed voice', async () => {
    const { client } = fakeEngine();
    const service = new GenerateService(client, new ToastService());
    service.span = { startSec: 0.2, endSec: 0.4 };
    const ok = await service.stageBytes('recording.wav', new Uint8Array(100).buffer);
    expect(ok).toBe(true);
    expect(client.uploads).toEqual([{ name: 'recording.wav', bytes: 100 }]);
    expect(service.voice).toEqual({ kind: 'file', staged: { mediaId: 'b'.repeat(64), name: 'recording.wav#upload-1', durationSec: 1.5 } });
    expect(service.span).toBeNull();
    service.dispose();
  });

  it('keeps the previous voice when staging fails', async () => {
    const client = new FakeClient();
    const service = new GenerateService(client, new ToastService());
    expect(await service.stageBytes('bad.wav', new ArrayBuffer(4))).toBe(false);
    expect(service.voice).toEqual({ kind: 'none' });
    service.dispose();
  });
});

describe('GenerateService saving', () => {
  it('uses the native save dialog on the desktop and says where the file went; the web host has none', async () => {
    const { client } = fakeEngine();
    const calls: [string, string][] = [];
    const desktop = {
      pathsForFiles: async () => [],
      chooseAudioFiles: async () => [],
      chooseFolder: async () => null,
      saveMedia: async (mediaId: string, name: string) => {
        calls.push([mediaId, name]);
        return `/home/ada/${name}`;
      },
    };
    const toasts = new ToastService();
    const service = new GenerateService(client, toasts, desktop);
    expect(service.canSaveNatively).toBe(true);
    await service.saveNatively('a'.repeat(64), 'hello-1.wav');
    expect(calls).toEqual([['a'.repeat(64), 'hello-1.wav']]);
    expect(toasts.toasts.map((t) => t.message)).toContain('Saved /home/ada/hello-1.wav');
    expect(new GenerateService(client, new ToastService()).canSaveNatively).toBe(false);
  });
});
