// Worker-thread entry for g2p.test.ts (started through workers/ts-worker-bootstrap.js): phonemizes the texts
// it is given and posts the results back, proving the WASM engines load and run off the main thread.
import { parentPort, workerData } from 'node:worker_threads';
import { phonemize } from '../g2p.js';

const { requests } = workerData as { requests: Array<{ text: string; language: string }> };
try {
  const results: string[] = [];
  for (const r of requests) results.push(await phonemize(r.text, r.language));
  parentPort!.postMessage({ results });
} catch (error) {
  parentPort!.postMessage({ error: String(error) });
}
