import type { systemProcedures } from '../../../../src-shared/api/system.js';
import type { HandlersFor } from '../handler-table.js';
import type { HostParts } from '../host-parts.js';
import { componentVersions, studioVersion } from '../system-info.js';

export function systemHandlers(parts: Pick<HostParts, 'hostKind' | 'home'>): HandlersFor<keyof typeof systemProcedures> {
  // Read once: none of this changes while the engine runs.
  const version = studioVersion();
  const versions = componentVersions();
  return {
    'system.info': () => ({
      version,
      host: parts.hostKind,
      home: parts.home.root,
      platform: `${process.platform}-${process.arch}`,
      versions: { ...versions },
    }),
    'system.ping': () => ({ pong: true, at: new Date().toISOString() }),
  };
}
