import { basename } from 'node:path';
import type { ImportSource } from '../../../../src-shared/api/library.js';
import type { modelProcedures } from '../../../../src-shared/api/models.js';
import type { HandlersFor } from '../handler-table.js';
import type { HostParts } from '../host-parts.js';

export function modelsHandlers(parts: Pick<HostParts, 'models' | 'jobs' | 'uploads' | 'log'>): HandlersFor<keyof typeof modelProcedures> {
  const { models, jobs } = parts;

  /** An upload has served its purpose once its import ran (moved into the model, or refused). */
  async function discardUploads(sources: (ImportSource | null)[]): Promise<void> {
    for (const source of sources) {
      if (source?.kind !== 'upload') continue;
      await parts.uploads.discard(source.uploadId).catch((error: unknown) => parts.log.warn(`could not remove upload ${source.uploadId}`, error));
    }
  }

  return {
    'models.list': (input) => models.list(input),
    'models.get': (input) => models.get(input),
    'models.import': (input) =>
      jobs.start({
        kind: 'models.import',
        title: `Import model ${input.checkpoint.kind === 'upload' ? input.checkpoint.name : basename(input.checkpoint.path)}`,
        input,
        run: async (job) => {
          try {
            return await models.importModel(input, job);
          } finally {
            await discardUploads([input.checkpoint, input.yaml]);
          }
        },
      }),
    'models.delete': (input) => models.delete(input),
    'models.load': (input) => models.load(input),
    'models.unload': (input) => models.unload(input),
    'models.active': () => models.active(),
    'models.catalogue': () => models.catalogue(),
    'models.downloads': () => models.listDownloads(),
    'models.download': (input) => models.download(input),
    'models.pauseDownload': (input) => models.pauseDownload(input),
    'models.resumeDownload': (input) => models.download(input),
    'models.cancelDownload': (input) => models.cancelDownload(input),
    'models.createDemoVoice': (input) => {
      // Checked now (a missing clip or transcript fails the call, not a job); the job re-reads the clip.
      models.checkDemoVoice(input);
      return jobs.start({
        kind: 'models.createDemoVoice',
        title: 'bundled' in input ? 'Make a demo voice (bundled sample)' : 'Make a demo voice',
        input,
        run: (job) => models.createDemoVoice(input, job),
      });
    },
  };
}
