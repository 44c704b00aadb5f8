import { describe, expectTypeOf, it } from 'vitest';
import type { createHandlerTable } from './handlers.js';
import type { HandlerTable } from './handler-table.js';
import type { LibraryApi } from './library-api.js';
import type { StudioClient } from '../../../src-shared/client.js';
import type { EventName, OutputOf, ParsedInputOf, ProcedureName, Procedures, events } from '../../../src-shared/api/index.js';
import type { jobProcedures } from '../../../src-shared/api/jobs.js';
import type { libraryProcedures } from '../../../src-shared/api/library.js';
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
      keyof typeof systemProcedures | keyof typeof jobProcedures | keyof typeof libraryProcedures
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
});
