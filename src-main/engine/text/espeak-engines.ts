import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { WasmImports, WasmInstance, WasmModule } from 'espeak-ng';
import type { G2pEngine } from './languages.js';

/**
 * The two espeak-ng WebAssembly builds, each loaded on first use and shared by every later call in this
 * thread (a worker thread loads its own). Both return espeak's IPA for one piece of text as a list of
 * clauses, the way `espeak-ng -q --ipa -v <voice>` prints it.
 */

type PhonemizeFn = (text: string, voice: string) => Promise<string[]>;

// The project's TypeScript libs (ES2023, no DOM) do not declare the WebAssembly global: the part used here.
interface WasmApi {
  compile(bytes: Uint8Array): Promise<WasmModule>;
  instantiate(module: WasmModule, imports: WasmImports): Promise<WasmInstance>;
}
const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

let english: Promise<PhonemizeFn> | null = null;
let cliModule: Promise<WasmModule> | null = null;

export function espeakClauses(engine: G2pEngine, voice: string, text: string): Promise<string[]> {
  return engine === 'english' ? englishClauses(voice, text) : espeakCliClauses(voice, text);
}

/** Starts loading an engine without phonemizing anything (e.g. when a worker starts). */
export async function warmUpEngine(engine: G2pEngine): Promise<void> {
  // The phonemizer package finishes starting its runtime on the first call: make one.
  if (engine === 'english') await (await loadEnglish())('a', 'en-us');
  else await loadCliModule();
}

async function englishClauses(voice: string, text: string): Promise<string[]> {
  const phonemize = await loadEnglish();
  return phonemize(text, voice);
}

function loadEnglish(): Promise<PhonemizeFn> {
  english ??= importPhonemizer().catch((error: unknown) => {
    english = null; // let a later call retry
    throw error;
  });
  return english;
}

/**
 * `phonemizer` (one long-lived espeak-ng instance with English data). Its Emscripten glue registers
 * process-wide `uncaughtException` / `unhandledRejection` handlers that rethrow; they would override the
 * host's own error handling, so the ones added while the module loads are taken off again.
 */
async function importPhonemizer(): Promise<PhonemizeFn> {
  const before = {
    exception: new Set(process.listeners('uncaughtException')),
    rejection: new Set(process.listeners('unhandledRejection')),
  };
  try {
    const mod = await import('phonemizer');
    return mod.phonemize;
  } finally {
    for (const listener of process.listeners('uncaughtException')) if (!before.exception.has(listener)) process.off('uncaughtException', listener);
    for (const listener of process.listeners('unhandledRejection')) if (!before.rejection.has(listener)) process.off('unhandledRejection', listener);
  }
}

function loadCliModule(): Promise<WasmModule> {
  cliModule ??= (async () => {
    const wasmPath = createRequire(import.meta.url).resolve('espeak-ng/dist/espeak-ng.wasm');
    return wasmApi.compile(await readFile(wasmPath));
  })().catch((error: unknown) => {
    cliModule = null;
    throw error;
  });
  return cliModule;
}

/**
 * npm `espeak-ng`: the espeak-ng command line with all languages' data. It runs `main()` once per
 * instance, so every call instantiates the (compiled once) module afresh: ~100–200 ms, mostly espeak's data
 * files being unpacked into the instance's in-memory file system.
 */
async function espeakCliClauses(voice: string, text: string): Promise<string[]> {
  const [{ default: ESpeakNg }, wasm] = await Promise.all([import('espeak-ng'), loadCliModule()]);
  const stderr: string[] = [];
  let status = 0;
  let instantiationFailed: (error: unknown) => void = () => {};
  const failed = new Promise<never>((_, reject) => {
    instantiationFailed = reject;
  });
  const instance = await Promise.race([
    ESpeakNg({
      // `--` ends the options, so a text starting with "-" is read as text. Output goes to a file in the
      // instance's own file system: stdout would interleave with other calls.
      arguments: ['-q', '-b', '1', '--ipa', '--phonout', 'phonemes.txt', '-v', voice, '--', text],
      print: () => {},
      // Keep espeak's own messages, not the Emscripten runtime's note about exit().
      printErr: (line) => {
        if (!line.startsWith('program exited')) stderr.push(line);
      },
      // The glue's default sets process.exitCode to espeak's exit status; keep it here instead.
      quit: (code, toThrow) => {
        status = code;
        throw toThrow;
      },
      instantiateWasm: (imports, receiveInstance) => {
        wasmApi.instantiate(wasm, imports).then((inst) => receiveInstance(inst, wasm), instantiationFailed);
        return {};
      },
    }),
    failed,
  ]);
  if (status !== 0) throw new Error(`espeak-ng (voice ${voice}) exited with status ${status}: ${stderr.join(' ').trim()}`);
  let output: string;
  try {
    output = instance.FS.readFile('phonemes.txt', { encoding: 'utf8' });
  } catch {
    throw new Error(`espeak-ng (voice ${voice}) wrote no phonemes: ${stderr.join(' ').trim() || 'no message'}`);
  }
  return output.split('\n').filter((line) => line !== '');
}
