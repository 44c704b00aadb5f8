import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { ImportClipsResult, JobRecord } from '../../src-shared/api/index.js';
import { EXIT_FAILED, EXIT_OK, resolveHome, UsageError, type CliIo } from './cli-io.js';
import { withEngine } from './engine-session.js';

export const libraryImportHelp = `Usage: valle library import <dir> [--home DIR]

Import a folder laid out as <dir>/<group>/<speaker>/*.{wav,flac,mp3,ogg,opus} (the reference voices/
layout) into the studio library. Progress goes to stderr, then a summary; files that fail are listed
with the reason. Ctrl+C cancels the import.

Options:
  --home DIR   studio home (default: $VALLE_STUDIO_HOME or ~/.valle-studio)
  -h, --help   show this help

Exit status: 0 when every file was imported, 1 when the import failed or any file was skipped,
2 for a usage error.
`;

export async function libraryImportCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { home: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    allowPositionals: true,
  });
  if (values.help) {
    io.stdout(libraryImportHelp);
    return EXIT_OK;
  }
  if (positionals.length !== 1) throw new UsageError('library import takes exactly one folder');
  const dir = resolve(io.cwd, positionals[0]);
  const home = resolveHome(values.home, io);

  return withEngine(home, io, async (client) => {
    const { jobId } = await client.call('library.importFolder', { path: dir });
    const cancel = () => void client.call('jobs.cancel', { jobId }).catch(() => {});
    io.signal.addEventListener('abort', cancel, { once: true });
    let lastLine = '';
    const job = await client.waitForJob(jobId, (update) => {
      const line = progressLine(update);
      if (line !== lastLine) io.stderr(`${line}\n`);
      lastLine = line;
    });
    io.signal.removeEventListener('abort', cancel);
    return report(job, dir, io);
  }, { allowedRoots: [dir] });
}

function progressLine(job: JobRecord): string {
  const percent = job.progress.fraction === null ? '   …' : `${Math.floor(job.progress.fraction * 100)}%`.padStart(4);
  const eta = job.progress.etaSeconds === null || job.state !== 'running' ? '' : `  (about ${Math.ceil(job.progress.etaSeconds)} s left)`;
  return `[${percent}] ${job.progress.stage}${eta}`;
}

function report(job: JobRecord, dir: string, io: CliIo): number {
  if (job.state === 'cancelled') {
    io.stderr('Import cancelled.\n');
    return EXIT_FAILED;
  }
  if (job.state !== 'succeeded') {
    io.stderr(`Import failed: ${job.error?.message ?? 'unknown error'}\n`);
    return EXIT_FAILED;
  }
  const result = job.result as ImportClipsResult;
  const failed = result.files.filter((f) => f.error !== null);
  const imported = result.files.length - failed.length;
  io.stdout(`Imported ${imported} of ${result.files.length} file(s) from ${dir}.\n`);
  for (const file of failed) io.stdout(`  skipped ${file.name}: ${file.error!.message} (${file.error!.code})\n`);
  return failed.length === 0 ? EXIT_OK : EXIT_FAILED;
}
