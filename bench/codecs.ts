/**
 * Codec speed on CPU: encode and decode × real time (seconds of audio per second of wall time; > 1 is faster
 * than real time) for EnCodec 24 kHz and Vocos at their full published sizes with random weights (speed does
 * not depend on the values), and the built-in `lite` codec through the registry.
 *
 *   node --import tsx bench/codecs.ts --seconds 10 --threads 2 --iters 3
 *   node --import tsx bench/codecs.ts --codecs encodec,vocos --levels 8
 *
 * Setup (graph build + ONNX emit + ORT session creation) is timed apart and not in × real time. Prints a table
 * and one JSON line.
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { ENCODEC_24KHZ_CONFIG } from '../src-main/engine/codec/encodec/config.js';
import { EncodecCodec } from '../src-main/engine/codec/encodec/encodec-codec.js';
import { EncodecModel } from '../src-main/engine/codec/encodec/encodec-model.js';
import type { Codec } from '../src-main/engine/codec/codec.js';
import type { Codes } from '../src-main/engine/codec/codes.js';
import { createCodec } from '../src-main/engine/codec/registry.js';
import { VOCOS_ENCODEC_24KHZ_CONFIG } from '../src-main/engine/codec/vocos/config.js';
import { VocosCodec } from '../src-main/engine/codec/vocos/vocos-codec.js';
import { VocosModel } from '../src-main/engine/codec/vocos/vocos-model.js';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    threads: { type: 'string', default: String(os.availableParallelism()) },
    iters: { type: 'string', default: '3' },
    levels: { type: 'string', default: '8' },
    codecs: { type: 'string', default: 'encodec,vocos,lite' },
    'stream-chunk': { type: 'string', default: '75' },
  },
});

const seconds = Number(args.seconds);
const threads = Number(args.threads);
const iters = Number(args.iters);
const levels = Number(args.levels);
const streamChunk = Number(args['stream-chunk']);
const wanted = args.codecs!.split(',');

/** A voiced-ish test signal: a few harmonics with vibrato plus a little noise. */
function testAudio(sampleRate: number, secs: number): Float32Array {
  const n = Math.round(sampleRate * secs);
  const out = new Float32Array(n);
  let seed = 12345;
  let phase = 0;
  for (let i = 0; i < n; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    phase += (2 * Math.PI * (140 + 20 * Math.sin((2 * Math.PI * i) / sampleRate))) / sampleRate;
    out[i] = 0.2 * Math.sin(phase) + 0.1 * Math.sin(2 * phase) + 0.05 * Math.sin(3 * phase) + 0.01 * (seed / 2 ** 32 - 0.5);
  }
  return out;
}

function randomCodes(frames: number, lv: number, size: number): Codes {
  let seed = 7;
  const data = new Uint16Array(frames * lv);
  for (let i = 0; i < data.length; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    data[i] = seed % size;
  }
  return { frames, levels: lv, data };
}

async function timeIt(fn: () => unknown | Promise<unknown>): Promise<number[]> {
  await fn(); // warm-up (first runs allocate ORT arenas)
  const ms: number[] = [];
  for (let i = 0; i < iters; i++) {
    const t0 = performance.now();
    await fn();
    ms.push(performance.now() - t0);
  }
  return ms;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

interface Row {
  codec: string;
  task: string;
  setupMs: number | null;
  ms: number;
  xRealTime: number;
}

const rows: Row[] = [];

async function measure(codec: Codec, label: string, setup: Map<string, number>): Promise<void> {
  const audio = testAudio(codec.sampleRate, seconds);
  const frames = Math.ceil(audio.length / codec.hopLength);
  const codes = randomCodes(frames, levels, codec.codebookSize);
  const pcm = { sampleRate: codec.sampleRate, channels: [audio] };
  const canEncode = label !== 'vocos';
  if (canEncode) {
    const ms = median(await timeIt(() => codec.encode(pcm, { levels })));
    rows.push({ codec: label, task: `encode ${levels} levels`, setupMs: setup.get('encode') ?? null, ms, xRealTime: seconds / (ms / 1000) });
  }
  const dms = median(await timeIt(() => codec.decode(codes)));
  rows.push({ codec: label, task: `decode ${levels} levels`, setupMs: setup.get('decode') ?? null, ms: dms, xRealTime: seconds / (dms / 1000) });
  const sms = median(
    await timeIt(() => {
      const dec = codec.createDecoder();
      for (let t = 0; t < frames; t += streamChunk) dec.push({ frames: Math.min(streamChunk, frames - t), levels, data: codes.data.subarray(t * levels, Math.min(frames, t + streamChunk) * levels) });
      dec.flush();
    }),
  );
  rows.push({ codec: label, task: `stream-decode ${streamChunk}-frame chunks`, setupMs: setup.get('stream') ?? null, ms: sms, xRealTime: seconds / (sms / 1000) });
}

async function main(): Promise<void> {
  const sessionOptions = { intraOpThreads: threads };
  if (wanted.includes('encodec')) {
    const model = new EncodecModel(ENCODEC_24KHZ_CONFIG, null, sessionOptions);
    const codec = new EncodecCodec(model, 6);
    const setup = new Map<string, number>();
    let t0 = performance.now();
    model.encoder(codec.levels);
    setup.set('encode', performance.now() - t0);
    t0 = performance.now();
    model.decoder('first');
    setup.set('decode', performance.now() - t0);
    t0 = performance.now();
    model.decoder('next');
    setup.set('stream', performance.now() - t0);
    process.stderr.write('encodec: sessions ready\n');
    await measure(codec, 'encodec', setup);
    model.dispose();
  }
  if (wanted.includes('vocos')) {
    const model = new VocosModel(VOCOS_ENCODEC_24KHZ_CONFIG, null, undefined, sessionOptions);
    const codec = new VocosCodec(model, 6);
    const t0 = performance.now();
    model.session();
    const setup = new Map([['decode', performance.now() - t0]]);
    process.stderr.write('vocos: session ready\n');
    await measure(codec, 'vocos', setup);
    model.dispose();
  }
  if (wanted.includes('lite')) {
    try {
      await measure(await createCodec('lite'), 'lite', new Map());
    } catch (error) {
      process.stderr.write(`lite skipped: ${(error as Error).message}\n`);
    }
  }
  const header = ['codec', 'task', 'setup ms', 'ms', '× real time'];
  const table = rows.map((r) => [r.codec, r.task, r.setupMs === null ? '-' : r.setupMs.toFixed(0), r.ms.toFixed(0), r.xRealTime.toFixed(1)]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((t) => t[i].length)));
  const fmt = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(`${seconds} s of audio, ${threads} intra-op thread(s), median of ${iters} after a warm-up; ${os.cpus()[0]?.model ?? 'cpu'} (${os.cpus().length} cores), load ${os.loadavg()[0].toFixed(1)}`);
  console.log(fmt(header));
  for (const t of table) console.log(fmt(t));
  console.log(JSON.stringify({ seconds, threads, iters, levels, cpu: os.cpus()[0]?.model, cores: os.cpus().length, loadavg: os.loadavg(), rows }));
}

await main();
