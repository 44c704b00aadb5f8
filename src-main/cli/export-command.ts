import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { exportCheckpoint, loadCheckpoint, type ExportDtype } from '../engine/valle/checkpoint/index.js';
import { loadConfigFile } from '../engine/valle/config/index.js';
import { CommandFailure, EXIT_OK, UsageError, type CliIo } from './cli-io.js';

export const exportHelp = `Usage: valle export <checkpoint.sft|.pth> <out.sft> [options]

Write a model checkpoint as a reference-format safetensors file (.sft): every tensor under its state-dict
name, cast to the chosen dtype, with the model config, training stats and userdata as string metadata, as
the reference's export writes them. Reads .sft/.safetensors (config in its metadata) and .pth/.pt (a
reference export dict, a training checkpoint's state.pth, or a bare state dict). The output appears only
when complete (written to a temporary file, then renamed).

Options:
  --yaml FILE         settings the checkpoint does not carry (a bare state dict has no model config);
                      default the reference's example config. A config inside the checkpoint wins.
  --dtype f32|f16|bf16  dtype of the written tensors (default f32, lossless)
  --force             replace <out.sft> if it exists
  -h, --help          show this help

Exit status: 0 when the file was written; 1 when the checkpoint cannot be read, does not match its model,
or the output cannot be written; 2 for a usage error.
`;

const DTYPES: Record<string, ExportDtype> = {
  f32: 'float32',
  fp32: 'float32',
  float32: 'float32',
  f16: 'float16',
  fp16: 'float16',
  float16: 'float16',
  bf16: 'bfloat16',
  bfloat16: 'bfloat16',
};

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

export async function exportCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      yaml: { type: 'string' },
      dtype: { type: 'string' },
      force: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
  });
  if (values.help) {
    io.stdout(exportHelp);
    return EXIT_OK;
  }
  if (positionals.length !== 2) throw new UsageError('export takes a checkpoint and an output .sft path');
  const dtypeName = (values.dtype ?? 'f32').toLowerCase();
  const dtype = DTYPES[dtypeName];
  if (!dtype) throw new UsageError(`--dtype must be f32, f16 or bf16 (got "${values.dtype}")`);
  const input = resolve(io.cwd, positionals[0]);
  const output = resolve(io.cwd, positionals[1]);
  if (!/\.(sft|safetensors)$/i.test(output)) throw new UsageError(`the output must be a .sft or .safetensors file (got ${positionals[1]})`);
  if (output === input) throw new UsageError('the output would replace the checkpoint being read; choose another path');
  if (!values.force && (await exists(output))) throw new CommandFailure(`${output} already exists; use --force to replace it.`);

  const baseConfig = values.yaml ? (await loadConfigFile(resolve(io.cwd, values.yaml))).config : undefined;
  const loaded = await loadCheckpoint(input, { baseConfig });
  for (const warning of loaded.warnings) io.stderr(`warning: ${warning}\n`);
  const result = await exportCheckpoint({
    path: output,
    model: loaded.model,
    weights: loaded.weights,
    dtype,
    stats: plainObject(loaded.stats),
    userdata: plainObject(loaded.userdata),
  });
  io.stdout(`Wrote ${result.tensors} tensors (${result.parameters.toLocaleString('en-US')} parameters) as ${result.dtype} to ${result.path}.\n`);
  return EXIT_OK;
}

/** stats/userdata are carried over when they are JSON objects (a file may hold anything there). */
function plainObject(value: unknown): Record<string, unknown> | null {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}
