import type { generateProcedures } from '../../../../src-shared/api/generate.js';
import type { HandlersFor } from '../handler-table.js';
import type { HostParts } from '../host-parts.js';

export function generateHandlers(parts: Pick<HostParts, 'generate'>): HandlersFor<keyof typeof generateProcedures> {
  const { generate } = parts;
  return {
    'generate.options': () => generate.options(),
    'generate.start': (input) => generate.start(input),
    'generate.rerun': (input) => generate.rerun(input),
    'generate.stageReference': (input) => generate.stageReference(input),
    'generate.history': (input) => generate.history(input),
    'generate.get': (input) => generate.get(input),
    'generate.trash': (input) => generate.trash(input),
    'generate.restore': (input) => generate.restore(input),
    'generate.sendToLibrary': (input) => generate.sendToLibrary(input),
    'generate.presets.list': () => generate.presetsList(),
    'generate.presets.save': (input) => generate.presetsSave(input),
    'generate.presets.delete': (input) => generate.presetsDelete(input),
  };
}
