import { describe, expect, it } from 'vitest';
import { FakeClient } from '$lib/testing/fake-client.js';
import { ToastService } from '$lib/notifications/toasts.svelte.js';
import { StudioError } from '$shared/api/errors.js';
import type { ProviderReport, SettingsView, StudioSettings } from '$shared/api/settings.js';
import { SettingsService } from './settings.svelte.js';

const view = (settings: Partial<StudioSettings> = {}): SettingsView => ({
  settings: { executionProvider: 'auto', intraOpThreads: 0, interOpThreads: 0, ...settings },
  home: { path: '/home/me/.valle-studio', howToChange: 'Start with --home DIR.' },
  cpuCount: 8,
});

const report = (requested: ProviderReport['requested'], reason: string | null = null): ProviderReport => ({
  platform: 'linux-x64',
  requested,
  active: 'cpu',
  reason,
  reasonDetail: reason,
  providers: [],
  probedAt: '',
});

describe('SettingsService', () => {
  it('loads the settings and what they give, and probes again after a change', async () => {
    let stored = view();
    const client = new FakeClient()
      .handle('settings.get', () => stored)
      .handle('settings.update', (patch) => (stored = view({ ...stored.settings, ...patch })))
      .handle('settings.providers', () => report(stored.settings.executionProvider, stored.settings.executionProvider === 'cuda' ? 'CUDA is not available' : null));
    const settings = new SettingsService(client, new ToastService());
    await settings.load();
    expect(settings.view).toEqual(view());
    expect(settings.report?.reason).toBeNull();
    await settings.update({ executionProvider: 'cuda' });
    expect(settings.view?.settings.executionProvider).toBe('cuda');
    expect(settings.report).toMatchObject({ requested: 'cuda', reason: 'CUDA is not available' });
    await settings.probe(true);
    expect(client.callsOf('settings.providers')).toEqual([{ refresh: false }, { refresh: false }, { refresh: true }]);
  });

  it('keeps the stored value and says why when an update is refused', async () => {
    const client = new FakeClient()
      .handle('settings.get', () => view())
      .handle('settings.providers', () => report('auto'))
      .handle('settings.update', () => {
        throw new StudioError('invalid_input', 'intraOpThreads: too big');
      });
    const toasts = new ToastService();
    const settings = new SettingsService(client, toasts);
    await settings.load();
    await settings.update({ intraOpThreads: 9999 });
    expect(settings.view?.settings.intraOpThreads).toBe(0);
    expect(toasts.toasts[0]).toMatchObject({ context: 'Save settings', code: 'invalid_input' });
    expect(settings.saving).toBe(false);
  });

  it('takes changes made in another window', async () => {
    const client = new FakeClient().handle('settings.providers', () => report('cpu'));
    const settings = new SettingsService(client, new ToastService());
    client.emit('settings.changed', view({ executionProvider: 'cpu' }));
    expect(settings.view?.settings.executionProvider).toBe('cpu');
    settings.dispose();
    expect(client.listenerCount('settings.changed')).toBe(0);
  });
});
