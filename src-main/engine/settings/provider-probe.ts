import { executionProviderIds, type ExecutionProviderId, type ProviderReport, type StudioSettings } from '../../../src-shared/api/settings.js';
import { providersOffered } from '../nn/runtime/providers.js';
import { linearModel } from '../nn/runtime/test-models.js';
import { SessionHost } from '../nn/runtime/worker/session-host.js';

export interface ProbeOutcome {
  provider: string;
  providerReason?: string;
}

/** Creates a session for `model` with the given settings and says which provider it got (and why, if not the one asked). */
export type ProbeSession = (model: Uint8Array, settings: StudioSettings) => Promise<ProbeOutcome>;

const labels: Record<ExecutionProviderId, string> = {
  cuda: 'CUDA (NVIDIA)',
  dml: 'DirectML (Windows)',
  coreml: 'CoreML (macOS)',
  webgpu: 'WebGPU',
  cpu: 'CPU',
};

/**
 * [Note: provider probe] Which execution provider a session really gets can only be learnt by creating one:
 * a build may list CUDA and still lack its libraries, WebGPU may find no adapter. The probe creates a session for
 * a two-weight model with the current settings, in a worker thread (session creation blocks its thread and may
 * take a second while a GPU runtime initialises), and reports the provider it ran on with resolveProvider's reason.
 */
export async function probeProviders(settings: StudioSettings, probe: ProbeSession = probeInWorker): Promise<ProviderReport> {
  const model = linearModel(new Float32Array([1, 2]), new Float32Array([0]), 2, 1);
  const outcome = await probe(model, settings);
  const active = (executionProviderIds as readonly string[]).includes(outcome.provider) ? (outcome.provider as ExecutionProviderId) : 'cpu';
  const offered = new Set<string>(providersOffered());
  const detail = outcome.providerReason ?? null;
  return {
    platform: `${process.platform}-${process.arch}`,
    requested: settings.executionProvider,
    active,
    reason: detail === null ? null : readableReason(detail),
    reasonDetail: detail,
    providers: executionProviderIds.map((id) => ({ id, label: labels[id], offered: offered.has(id) })),
    probedAt: new Date().toISOString(),
  };
}

async function probeInWorker(model: Uint8Array, settings: StudioSettings): Promise<ProbeOutcome> {
  const host = new SessionHost({ name: 'provider-probe' });
  try {
    return await host.load('probe', model, {
      provider: settings.executionProvider,
      ...(settings.intraOpThreads > 0 ? { intraOpThreads: settings.intraOpThreads } : {}),
      ...(settings.interOpThreads > 0 ? { interOpThreads: settings.interOpThreads } : {}),
      // The failures of the providers tried are the point of the probe: keep ORT from also printing them.
      logSeverityLevel: 4,
    });
  } finally {
    await host.dispose();
  }
}

/**
 * resolveProvider's reason is "<provider> … not available: <ORT's first line>; …": ORT's lines name source files
 * and lambdas. Each clause is rewritten into what a person can do about it, when the cause is a known one.
 */
export function readableReason(reason: string): string {
  return reason
    .split('; ')
    .map((clause) => {
      const match = /^(\w+) (requested but not available|not available|found no accelerated provider)(?:: (.*))?$/s.exec(clause);
      if (!match) return clause;
      const [, provider, what, cause = ''] = match;
      if (what === 'found no accelerated provider') return 'no accelerated provider works on this machine, so the CPU is used';
      const name = labels[provider as ExecutionProviderId] ?? provider;
      if (/does not include it/.test(cause)) return `${name} is not part of this build for ${process.platform}`;
      if (/Failed to load shared library|cannot open shared object/i.test(cause)) {
        return `${name} is not available: its runtime libraries are not installed${provider === 'cuda' ? ' (CUDA 12 and cuDNN 9 with an NVIDIA driver)' : ''}`;
      }
      if (/WebGPU adapter/i.test(cause)) return `${name} is not available: no GPU adapter was found (it needs a Vulkan, Direct3D 12 or Metal driver)`;
      return `${name} is not available: ${cause.replace(/\/onnxruntime_src\/\S+:\d+\s*/g, '').trim()}`;
    })
    .join('; ');
}
