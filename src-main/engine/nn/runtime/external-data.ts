/**
 * ONNX external data. A serialized ModelProto is limited to 2 GiB by protobuf, so bigger models keep their
 * initializers in side files (`TensorProto.data_location = EXTERNAL`, `external_data` key "location" relative to
 * the model's folder). ORT reads those files itself when a session is created from a model *path*; when it is
 * created from *bytes*, the files' contents have to be handed over (`externalData: [{ path, data }]`), which is
 * what this module prepares.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
type GraphProto = import('onnx-proto').onnx.IGraphProto;

/** Largest serialized ModelProto protobuf can parse (2 GiB − 1). */
export const MAX_MODEL_PROTO_BYTES = 2 ** 31 - 1;

export function modelTooLargeMessage(bytes: number): string {
  return (
    `ONNX model is ${bytes} bytes, over protobuf's 2 GiB limit for a single ModelProto; ` +
    'save the weights as external data (initializers in a side file next to the model) and load the model from its path'
  );
}

function collectFromGraph(graph: GraphProto | null | undefined, out: Set<string>): void {
  if (!graph) return;
  for (const init of graph.initializer ?? []) {
    if (init.dataLocation !== onnx.TensorProto.DataLocation.EXTERNAL) continue;
    const loc = (init.externalData ?? []).find((e) => e.key === 'location')?.value;
    if (!loc) throw new Error(`initializer "${init.name ?? '?'}" is marked external but names no location`);
    out.add(loc);
  }
  for (const node of graph.node ?? []) {
    for (const attr of node.attribute ?? []) {
      collectFromGraph(attr.g, out);
      for (const g of attr.graphs ?? []) collectFromGraph(g, out);
    }
  }
}

/** The external data file names (as written in the model, relative to its folder) that a model refers to. */
export function externalDataLocations(modelBytes: Uint8Array): string[] {
  const model = onnx.ModelProto.decode(modelBytes);
  const out = new Set<string>();
  collectFromGraph(model.graph, out);
  return [...out];
}

/**
 * Read every external data file a model refers to from `dir`, refusing locations that escape it.
 * Returns ORT's `externalData` option entries.
 */
export async function loadExternalData(modelBytes: Uint8Array, dir: string): Promise<{ path: string; data: Uint8Array }[]> {
  const root = path.resolve(dir);
  const entries: { path: string; data: Uint8Array }[] = [];
  for (const location of externalDataLocations(modelBytes)) {
    const full = path.resolve(root, location);
    if (full !== root && !full.startsWith(root + path.sep)) {
      throw new Error(`external data location "${location}" points outside the model folder ${root}`);
    }
    let data: Uint8Array;
    try {
      data = await readFile(full);
    } catch (err) {
      throw new Error(`external data file "${location}" of the model could not be read from ${root}: ${(err as Error).message}`);
    }
    entries.push({ path: location, data });
  }
  return entries;
}
