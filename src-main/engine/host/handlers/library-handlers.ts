import { basename } from 'node:path';
import type { ImportSource, libraryProcedures } from '../../../../src-shared/api/library.js';
import type { HandlersFor } from '../handler-table.js';
import type { HostParts } from '../host-parts.js';

export function libraryHandlers(parts: Pick<HostParts, 'library' | 'jobs' | 'uploads' | 'log'>): HandlersFor<keyof typeof libraryProcedures> {
  const { library, jobs } = parts;

  /** Staged uploads have served their purpose once their import has run (a failed file will not parse better later). */
  async function discardUploads(sources: ImportSource[]): Promise<void> {
    for (const source of sources) {
      if (source.kind !== 'upload') continue;
      await parts.uploads.discard(source.uploadId).catch((error: unknown) => parts.log.warn(`could not remove upload ${source.uploadId}`, error));
    }
  }

  return {
    'library.listGroups': (input) => library.listGroups(input),
    'library.createGroup': (input) => library.createGroup(input),
    'library.renameGroup': (input) => library.renameGroup(input),
    'library.trashGroup': (input) => library.trashGroup(input),
    'library.restoreGroup': (input) => library.restoreGroup(input),
    'library.listSpeakers': (input) => library.listSpeakers(input),
    'library.createSpeaker': (input) => library.createSpeaker(input),
    'library.renameSpeaker': (input) => library.renameSpeaker(input),
    'library.moveSpeaker': (input) => library.moveSpeaker(input),
    'library.trashSpeaker': (input) => library.trashSpeaker(input),
    'library.restoreSpeaker': (input) => library.restoreSpeaker(input),
    'library.listClips': (input) => library.listClips(input),
    'library.getClip': (input) => library.getClip(input),
    'library.updateClip': (input) => library.updateClip(input),
    'library.trashClip': (input) => library.trashClip(input),
    'library.restoreClip': (input) => library.restoreClip(input),
    'library.listTrash': (input) => library.listTrash(input),
    'library.emptyTrash': (input) => library.emptyTrash(input),
    'library.importClips': (input) =>
      jobs.start({
        kind: 'library.importClips',
        title: input.sources.length === 1 ? `Import ${sourceName(input.sources[0])}` : `Import ${input.sources.length} files`,
        input,
        run: async (job) => {
          const result = await library.importClips(input, job);
          await discardUploads(input.sources);
          return result;
        },
      }),
    'library.importFolder': (input) =>
      jobs.start({
        kind: 'library.importFolder',
        title: `Import folder ${basename(input.path) || input.path}`,
        input,
        run: (job) => library.importFolder(input, job),
      }),
    'media.peaks': (input) => library.peaks(input),
  };
}

function sourceName(source: ImportSource): string {
  return source.kind === 'upload' ? source.name : basename(source.path);
}
