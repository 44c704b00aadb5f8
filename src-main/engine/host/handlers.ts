import type { HostParts } from './host-parts.js';
import { generateHandlers } from './handlers/generate-handlers.js';
import { jobHandlers } from './handlers/job-handlers.js';
import { libraryHandlers } from './handlers/library-handlers.js';
import { modelsHandlers } from './handlers/models-handlers.js';
import { settingsHandlers } from './handlers/settings-handlers.js';
import { systemHandlers } from './handlers/system-handlers.js';
import type { HandlerTable } from './handler-table.js';

/**
 * The engine's handler table: every domain's handlers merged. `satisfies` catches a missing procedure; each
 * domain's own `HandlersFor<…>` annotation catches an extra one; contract.test-d.ts checks the keys match.
 */
export function createHandlerTable(parts: HostParts) {
  return {
    ...systemHandlers(parts),
    ...jobHandlers(parts),
    ...libraryHandlers(parts),
    ...modelsHandlers(parts),
    ...settingsHandlers(parts),
    ...generateHandlers(parts),
  } satisfies HandlerTable;
}
