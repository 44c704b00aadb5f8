import { z } from 'zod';
import { defineEvent, defineProcedure } from './define.js';

/**
 * Engine settings that belong to this machine (stored in the studio home): which ONNX Runtime execution provider
 * to ask for and how many threads it may use. The theme is a renderer preference and stays there.
 */
export const executionProviderIds = ['cuda', 'dml', 'coreml', 'webgpu', 'cpu'] as const;
export type ExecutionProviderId = (typeof executionProviderIds)[number];
export const providerRequests = ['auto', ...executionProviderIds] as const;
export type ProviderRequestId = (typeof providerRequests)[number];

export interface StudioSettings {
  executionProvider: ProviderRequestId;
  /** Threads inside one operator; 0 = ONNX Runtime's default (one per core). */
  intraOpThreads: number;
  /** Threads running independent operators at once; 0 = ONNX Runtime's default. */
  interOpThreads: number;
}

export interface SettingsView {
  settings: StudioSettings;
  /** Where this studio keeps its data; changing it means starting the studio with another home. */
  home: { path: string; howToChange: string };
  /** Logical CPUs of the engine's machine (a guide for the thread settings). */
  cpuCount: number;
}

export interface ProviderStatus {
  id: ExecutionProviderId;
  label: string;
  /** This build of ONNX Runtime includes it (it may still fail for want of a driver or device). */
  offered: boolean;
}

/**
 * What a probe session (a tiny model created with the current settings) actually ran on. `reason` says why the
 * active provider is not the one requested (null when the request was met).
 */
export interface ProviderReport {
  platform: string;
  requested: ProviderRequestId;
  active: ExecutionProviderId;
  /** In words a person can act on. */
  reason: string | null;
  /** ONNX Runtime's own message(s), for bug reports. */
  reasonDetail: string | null;
  providers: ProviderStatus[];
  probedAt: string;
}

const threads = z.number().int().min(0).max(256);

export const settingsProcedures = {
  'settings.get': defineProcedure(z.object({}).strict(), 'The engine settings and the studio home.').returns<SettingsView>(),
  'settings.update': defineProcedure(
    z
      .object({ executionProvider: z.enum(providerRequests).optional(), intraOpThreads: threads.optional(), interOpThreads: threads.optional() })
      .strict(),
    'Change engine settings; sessions created from now on use them.',
  ).returns<SettingsView>(),
  'settings.providers': defineProcedure(
    z.object({ refresh: z.boolean().default(false) }).strict(),
    'Which execution providers this build offers, which one a session actually gets with the current settings, and why.',
  ).returns<ProviderReport>(),
};

export const settingsEvents = {
  'settings.changed': defineEvent<SettingsView>('The engine settings changed.'),
};
