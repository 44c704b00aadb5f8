/**
 * Settings persisted in the studio home (atomic JSON, bad values dropped one by one), the service's change events
 * and cached provider probes, and the probe itself with a real ONNX Runtime session in a worker thread.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SettingsView, StudioSettings } from '../../../src-shared/api/settings.js';
import { memoryLog } from '../host/host-log.js';
import { providersOffered } from '../nn/runtime/providers.js';
import { probeProviders, readableReason, type ProbeSession } from './provider-probe.js';
import { SettingsService } from './settings-service.js';
import { DEFAULT_SETTINGS, SettingsStore } from './settings-store.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'valle-settings-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('SettingsStore', () => {
  it('gives the defaults without a file, and keeps changes across reopening, written atomically', async () => {
    const file = path.join(dir, 'a', 'settings.json');
    await mkdir(path.dirname(file), { recursive: true });
    const store = await SettingsStore.open(file);
    expect(store.current).toEqual({ executionProvider: 'auto', intraOpThreads: 0, interOpThreads: 0 });
    await store.update({ executionProvider: 'cpu', intraOpThreads: 3 });
    await store.update({ interOpThreads: 1 });
    expect(store.current).toEqual({ executionProvider: 'cpu', intraOpThreads: 3, interOpThreads: 1 });
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ executionProvider: 'cpu', intraOpThreads: 3, interOpThreads: 1 });
    expect(await readdir(path.dirname(file))).toEqual(['settings.json']); // no temp file left
    expect((await SettingsStore.open(file)).current).toEqual({ executionProvider: 'cpu', intraOpThreads: 3, interOpThreads: 1 });
  });

  it('drops bad values one by one (and an unreadable file whole), with a warning', async () => {
    const file = path.join(dir, 'bad.json');
    await writeFile(file, JSON.stringify({ executionProvider: 'tpu', intraOpThreads: 4, interOpThreads: -2 }));
    const log = memoryLog();
    expect((await SettingsStore.open(file, log)).current).toEqual({ executionProvider: 'auto', intraOpThreads: 4, interOpThreads: 0 });
    expect(log.lines.filter((l) => l.startsWith('warn'))).toHaveLength(2);
    await writeFile(file, '{not json');
    expect((await SettingsStore.open(file, log)).current).toEqual(DEFAULT_SETTINGS);
    expect(log.lines.at(-1)).toMatch(/not valid JSON/);
  });
});

describe('SettingsService', () => {
  it('announces changes, exposes them as session options, and shows the home with how to change it', async () => {
    const views: SettingsView[] = [];
    const service = new SettingsService({ store: await SettingsStore.open(path.join(dir, 's.json')), home: '/studio/home', onChange: (v) => views.push(v) });
    expect(service.sessionOptions()).toEqual({ provider: 'auto' });
    const view = await service.update({ executionProvider: 'webgpu', interOpThreads: 2 });
    expect(view.settings).toEqual({ executionProvider: 'webgpu', intraOpThreads: 0, interOpThreads: 2 });
    expect(view.home.path).toBe('/studio/home');
    expect(view.home.howToChange).toMatch(/--home DIR.*VALLE_STUDIO_HOME/);
    expect(view.cpuCount).toBeGreaterThan(0);
    expect(views).toEqual([view]);
    expect(service.sessionOptions()).toEqual({ provider: 'webgpu', interOpThreads: 2 });
  });

  it('probes once per settings, again on refresh or after a change', async () => {
    const probed: StudioSettings[] = [];
    const probe: ProbeSession = async (_model, settings) => {
      probed.push(settings);
      return settings.executionProvider === 'cuda' ? { provider: 'cpu', providerReason: 'cuda requested but not available: Failed to load shared library' } : { provider: 'cpu' };
    };
    const service = new SettingsService({ store: await SettingsStore.open(path.join(dir, 'p.json')), home: '/h', probe });
    const [one, two] = await Promise.all([service.providers({ refresh: false }), service.providers({ refresh: false })]);
    expect(one).toBe(two);
    expect(probed).toHaveLength(1);
    await service.providers({ refresh: true });
    expect(probed).toHaveLength(2);
    await service.update({ executionProvider: 'cuda' });
    const report = await service.providers({ refresh: false });
    expect(probed).toHaveLength(3);
    expect(report).toMatchObject({ requested: 'cuda', active: 'cpu', reasonDetail: 'cuda requested but not available: Failed to load shared library' });
    expect(report.reason).toMatch(/^CUDA \(NVIDIA\) is not available: its runtime libraries are not installed/);
  });
});

describe('provider probe', () => {
  it('runs a real session on the CPU when asked for it, with no reason', async () => {
    const report = await probeProviders({ executionProvider: 'cpu', intraOpThreads: 1, interOpThreads: 1 });
    expect(report).toMatchObject({ requested: 'cpu', active: 'cpu', reason: null, reasonDetail: null });
    expect(report.providers.map((p) => p.id)).toEqual(['cuda', 'dml', 'coreml', 'webgpu', 'cpu']);
    expect(report.providers.find((p) => p.id === 'cpu')?.offered).toBe(true);
    for (const p of report.providers) expect(p.offered).toBe(providersOffered().includes(p.id));
  });

  it('falls back to the CPU from a provider this build lacks, and says so', async () => {
    const lacking = (['dml', 'coreml'] as const).find((p) => !providersOffered().includes(p))!;
    const report = await probeProviders({ executionProvider: lacking, intraOpThreads: 0, interOpThreads: 0 });
    expect(report.active).toBe('cpu');
    expect(report.reasonDetail).toMatch(new RegExp(`^${lacking} requested but not available: this onnxruntime-node build`));
    expect(report.reason).toMatch(/is not part of this build for/);
  });

  it('rewrites ORT’s messages into what a person can act on', () => {
    expect(readableReason('cuda not available: OrtSessionOptionsAppendExecutionProvider_Cuda: Failed to load shared library; webgpu not available: /onnxruntime_src/x.cc:136 lambda was false. Failed to get a WebGPU adapter: No supported adapters')).toBe(
      'CUDA (NVIDIA) is not available: its runtime libraries are not installed (CUDA 12 and cuDNN 9 with an NVIDIA driver); WebGPU is not available: no GPU adapter was found (it needs a Vulkan, Direct3D 12 or Metal driver)',
    );
    expect(readableReason('auto found no accelerated provider')).toMatch(/no accelerated provider works on this machine/);
    expect(readableReason('coreml requested but not available: /onnxruntime_src/core/a.cc:1 something odd')).toBe('CoreML (macOS) is not available: something odd');
  });
});
