import type { OutputOf, ParsedInputOf, ProcedureName } from '../../../src-shared/api/index.js';

/** What a handler knows about the call besides its input. */
export interface CallContext {
  /** Which connection made the call (for logs). */
  connectionId: number;
}

export type Handler<P extends ProcedureName> = (input: ParsedInputOf<P>, ctx: CallContext) => Promise<OutputOf<P>> | OutputOf<P>;

/** Handlers for a subset of procedures: each domain file declares exactly its own procedures' keys. */
export type HandlersFor<K extends ProcedureName> = { [P in K]: Handler<P> };

/** One handler per procedure of the Studio API: a missing or extra key fails to compile. */
export type HandlerTable = HandlersFor<ProcedureName>;
