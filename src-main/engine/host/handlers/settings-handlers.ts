import type { settingsProcedures } from '../../../../src-shared/api/settings.js';
import type { HandlersFor } from '../handler-table.js';
import type { HostParts } from '../host-parts.js';

export function settingsHandlers(parts: Pick<HostParts, 'settings'>): HandlersFor<keyof typeof settingsProcedures> {
  const { settings } = parts;
  return {
    'settings.get': () => settings.get(),
    'settings.update': (input) => settings.update(input),
    'settings.providers': (input) => settings.providers(input),
  };
}
