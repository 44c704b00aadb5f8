/**
 * Codecs by name. `lite` is built in (its tables ship in resources/); `encodec` and `vocos` are the
 * reference's codecs, run from their weights through nn (providers in encodec/provider.ts) — they report
 * what is missing when their weights are not installed.
 */
import { StudioError } from '../../../src-shared/api/errors.js';
import type { Codec } from './codec.js';
import { encodecProvider, vocosProvider } from './encodec/provider.js';
import { LiteCodec } from './lite/lite-codec.js';

/** Names the reference knows (seed-spec §3.1) plus the built-in one. */
export const KNOWN_CODECS = ['lite', 'encodec', 'vocos'] as const;
export type KnownCodecName = (typeof KNOWN_CODECS)[number];

export interface CodecLoadOptions {
  /** Where downloaded/converted weights live (the studio home's models/ folder), for codecs that need them. */
  modelsDir?: string;
  /** A folder holding this codec's weights, instead of looking in modelsDir (encodec, vocos). */
  path?: string;
  /** kbps for codecs whose level count follows the bandwidth (encodec, vocos; default 6 = 8 levels). */
  bandwidth?: number;
}

export interface CodecProvider {
  readonly name: string;
  /** One line for help texts. */
  readonly summary: string;
  /** Loads the codec, or throws a StudioError (not_found) that says what to install and where. */
  load(options: CodecLoadOptions): Promise<Codec>;
}

const liteProvider: CodecProvider = {
  name: 'lite',
  summary: 'built-in vocoder codec (no download): 24 kHz, 75 frames/s, 8 × 1024 codes',
  load: () => loadLite(),
};

let liteOnce: Promise<LiteCodec> | null = null;
function loadLite(): Promise<LiteCodec> {
  // The tables are immutable: load them once per process. A failed load is not cached.
  liteOnce ??= LiteCodec.load().catch((error: unknown) => {
    liteOnce = null;
    throw error;
  });
  return liteOnce;
}

const providers = new Map<string, CodecProvider>([
  ['lite', liteProvider],
  ['encodec', encodecProvider],
  ['vocos', vocosProvider],
]);

/** Adds (or replaces) the provider for a codec name: the hook the EnCodec / Vocos code plugs into. */
export function registerCodecProvider(provider: CodecProvider): void {
  providers.set(provider.name, provider);
}

export function registeredCodecNames(): string[] {
  return [...providers.keys()];
}

export async function createCodec(name: string, options: CodecLoadOptions = {}): Promise<Codec> {
  const provider = providers.get(name);
  if (provider) return provider.load(options);
  if ((KNOWN_CODECS as readonly string[]).includes(name)) {
    throw new StudioError('not_found', `the ${name} codec needs its weights (see docs/codecs.md); the built-in lite codec works without any.`, { codec: name });
  }
  throw new StudioError('invalid_input', `unknown codec "${name}"; choose one of ${[...new Set([...KNOWN_CODECS, ...providers.keys()])].join(', ')}.`, { codec: name });
}
