/**
 * Execution-provider choice. One place decides which ORT execution provider (EP) a session asks for, tries it, and
 * falls back to CPU with the reason recorded, so the provider actually in use can be shown to the user.
 *
 * What the Linux x64 onnxruntime-node 1.30 package offers: cpu and webgpu are bundled; cuda/tensorrt are listed
 * but need libraries from the package's install script (which this project does not run), so asking for them
 * fails at session creation with "Failed to load shared library". dml is Windows-only, coreml macOS-only.
 */
import * as ort from 'onnxruntime-node';

export const executionProviders = ['cuda', 'dml', 'coreml', 'webgpu', 'cpu'] as const;
export type ExecutionProvider = (typeof executionProviders)[number];
export type ProviderRequest = 'auto' | ExecutionProvider;

export interface ProviderChoice {
  /** The EP the session was created with. */
  provider: ExecutionProvider;
  /** Why it is not the one asked for (absent when the request was met). */
  reason?: string;
}

export function isProviderRequest(value: unknown): value is ProviderRequest {
  return value === 'auto' || (executionProviders as readonly unknown[]).includes(value);
}

/** Backends this build of onnxruntime-node knows about, as it reports them. */
export function listBackends(): { name: string; bundled: boolean }[] {
  const list = (ort as unknown as { listSupportedBackends?: () => { name: string; bundled: boolean }[] })
    .listSupportedBackends;
  // Older builds have no listSupportedBackends: they only ever offer cpu.
  return typeof list === 'function' ? list() : [{ name: 'cpu', bundled: true }];
}

/** EPs this build lists at all (whether or not the driver/libraries are present to actually use them). */
export function providersOffered(): ExecutionProvider[] {
  const names = new Set(listBackends().map((b) => b.name));
  names.add('cpu');
  return executionProviders.filter((p) => names.has(p));
}

/**
 * Order tried for 'auto' on a platform: the native GPU path first (CUDA on Linux/Windows, DirectML on Windows,
 * CoreML on macOS), then WebGPU (works on any GPU vendor through Dawn), then CPU. CPU is always last and
 * always present.
 */
export function autoOrder(platform: NodeJS.Platform = process.platform): ExecutionProvider[] {
  switch (platform) {
    case 'win32':
      return ['cuda', 'dml', 'webgpu', 'cpu'];
    case 'darwin':
      return ['coreml', 'webgpu', 'cpu'];
    default:
      return ['cuda', 'webgpu', 'cpu'];
  }
}

/** The ORT executionProviders entry for an EP. */
export function ortProviderConfig(provider: ExecutionProvider): ort.InferenceSession.ExecutionProviderConfig {
  return provider;
}

/** Providers to try, in order, for a request: a named EP then cpu; 'auto' per platform, limited to what's offered. */
export function candidateProviders(request: ProviderRequest, platform: NodeJS.Platform = process.platform): ExecutionProvider[] {
  const offered = new Set(providersOffered());
  if (request === 'auto') return autoOrder(platform).filter((p) => offered.has(p));
  return request === 'cpu' ? ['cpu'] : [request, 'cpu'];
}

function firstLine(text: string): string {
  const line = text.split('\n').find((l) => l.trim() !== '') ?? text;
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}

/**
 * Try `create` with each candidate EP in turn and return the first that works, with the provider used and, when
 * it is not the one asked for, why ("cuda requested but not available: <ORT's error>"). A failure with cpu itself
 * is not an EP problem (bad model, bad options) and is thrown as is.
 */
export async function resolveProvider<T>(
  request: ProviderRequest,
  create: (provider: ExecutionProvider) => Promise<T>,
  platform: NodeJS.Platform = process.platform,
): Promise<ProviderChoice & { value: T }> {
  if (!isProviderRequest(request)) {
    throw new Error(`unknown execution provider "${String(request)}" (expected auto, ${executionProviders.join(', ')})`);
  }
  const offered = new Set(providersOffered());
  const failures: string[] = [];
  if (request !== 'auto' && request !== 'cpu' && !offered.has(request)) {
    failures.push(`${request} requested but not available: this onnxruntime-node build for ${platform} does not include it`);
  }
  for (const provider of candidateProviders(request, platform)) {
    if (provider !== 'cpu' && !offered.has(provider)) continue;
    if (provider === 'cpu') {
      const value = await create('cpu');
      if (request === 'cpu') return { provider, value };
      if (failures.length === 0) failures.push(`${request} found no accelerated provider`);
      return { provider, value, reason: failures.join('; ') };
    }
    try {
      const value = await create(provider);
      return request === provider || (request === 'auto' && failures.length === 0)
        ? { provider, value }
        : { provider, value, reason: failures.join('; ') };
    } catch (err) {
      const why = firstLine(err instanceof Error ? err.message : String(err));
      failures.push(request === 'auto' ? `${provider} not available: ${why}` : `${provider} requested but not available: ${why}`);
    }
  }
  // candidateProviders always ends with cpu, so this is unreachable; kept for the type checker.
  throw new Error(failures.join('; '));
}
