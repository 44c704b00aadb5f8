import { describe, expectTypeOf, it } from 'vitest';
import type { createHandlerTable } from './handlers.js';
import type { HandlerTable } from './handler-table.js';
import type { LibraryApi } from './library-api.js';
import type { StudioClient } from '../../../src-shared/client.js';
import type { EventName, OutputOf, ParsedInputOf, ProcedureName, Procedures, events } from '../../../src-shared/api/index.js';
import type { generateProcedures } from '../../../src-shared/api/generate.js';
import type { jobProcedures } from '../../../src-shared/api/jobs.js';
import type { libraryProcedures } from '../../../src-shared/api/library.js';
import type { modelProcedures } from '../../../src-shared/api/models.js';
import type { settingsProcedures } from '../../../src-shared/api/settings.js';
import type { ExecutionProviderId, ProviderRequestId } from '../../../src-shared/api/settings.js';
import type { ExecutionProvider, ProviderRequest } from '../nn/runtime/providers.js';
import type { ModelsApi } from './host-parts.js';
import type { systemProcedures } from '../../../src-shared/api/system.js';

// [Note: contract type test] The API map, the engine's handler table and the client's `call` must name exactly
// the same procedures. It lives beside the handler table because src-shared may not import src-main.

type TableKeys = keyof ReturnType<typeof createHandlerTable>;
type ClientCallNames = Parameters<StudioClient['call']>[0];
type ClientEventNames = Parameters<StudioClient['on']>[0];

describe('Studio API contract', () => {
  it('handler table keys == procedure keys == client call names', () => {
    expectTypeOf<TableKeys>().toEqualTypeOf<ProcedureName>();
    expectTypeOf<keyof HandlerTable>().toEqualTypeOf<ProcedureName>();
    expectTypeOf<ClientCallNames>().toEqualTypeOf<ProcedureName>();
    expectTypeOf<keyof Procedures>().toEqualTypeOf<
      | keyof typeof systemProcedures
      | keyof typeof jobProcedures
      | keyof typeof libraryProcedures
      | keyof typeof modelProcedures
      | keyof typeof settingsProcedures
      | keyof typeof generateProcedures
    >();
  });

  it('the built table has a handler of the right type for every procedure', () => {
    expectTypeOf<ReturnType<typeof createHandlerTable>>().toMatchTypeOf<HandlerTable>();
    expectTypeOf<ReturnType<HandlerTable['jobs.get']>>().toEqualTypeOf<OutputOf<'jobs.get'> | Promise<OutputOf<'jobs.get'>>>();
    expectTypeOf<Parameters<HandlerTable['library.listSpeakers']>[0]>().toEqualTypeOf<ParsedInputOf<'library.listSpeakers'>>();
  });

  it('client subscriptions name exactly the declared events', () => {
    expectTypeOf<ClientEventNames>().toEqualTypeOf<EventName>();
    expectTypeOf<EventName>().toEqualTypeOf<keyof typeof events>();
  });

  it('the library service interface covers every library procedure', () => {
    // allowRoots is the one method that is not a procedure (desktop path grants).
    type LibraryMethods = Exclude<keyof LibraryApi, 'allowRoots'>;
    type FromProcedures =
      | (Extract<ProcedureName, `library.${string}`> extends `library.${infer M}` ? M : never)
      | 'peaks';
    expectTypeOf<LibraryMethods>().toEqualTypeOf<FromProcedures>();
  });

  it('the settings API names the execution providers nn/runtime knows, no more and no fewer', () => {
    expectTypeOf<ExecutionProviderId>().toEqualTypeOf<ExecutionProvider>();
    expectTypeOf<ProviderRequestId>().toEqualTypeOf<ProviderRequest>();
  });

  it('the model service answers every models procedure with its declared result', () => {
    expectTypeOf<ReturnType<ModelsApi['active']>>().toEqualTypeOf<OutputOf<'models.active'>>();
    expectTypeOf<Awaited<ReturnType<ModelsApi['load']>>>().toEqualTypeOf<OutputOf<'models.load'>>();
    expectTypeOf<Awaited<ReturnType<ModelsApi['download']>>>().toEqualTypeOf<OutputOf<'models.download'>>();
  });
});
