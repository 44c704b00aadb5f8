import type { z } from 'zod';
import { clientEnvelopeSchema, type HostEnvelope } from '../../../src-shared/api/envelope.js';
import { isEventName, isProcedureName, procedures, type ProcedureName } from '../../../src-shared/api/index.js';
import type { HostWire } from '../../../src-shared/api/wire.js';
import type { StudioErrorData } from '../../../src-shared/api/errors.js';
import type { EventBus } from './event-bus.js';
import type { CallContext, HandlerTable } from './handler-table.js';
import type { HostLog } from './host-log.js';
import { toPublicError } from './public-error.js';

export interface ConnectionOptions {
  id: number;
  handlers: HandlerTable;
  bus: EventBus;
  log: HostLog;
  /** Log every envelope in and out with its id (the debug switch). */
  debug?: boolean;
  /** Send `{ kind: 'ready' }` first (default true). */
  sendReady?: boolean;
}

const MAX_ISSUES = 20;

/**
 * Serves one connection: validates every envelope (a client is untrusted), dispatches calls to the handler
 * table, and forwards the events this connection subscribed to. Every call gets exactly one result, with a
 * typed error when it fails. Returns a function that ends the connection's subscriptions.
 */
export function serveConnection(wire: HostWire, options: ConnectionOptions): () => void {
  const { handlers, bus, log, id: connectionId } = options;
  const subscriptions = new Set<string>();
  let open = true;

  const send = (message: HostEnvelope) => {
    if (!open) return;
    if (options.debug) log.info(`[conn ${connectionId}] ->`, message);
    try {
      wire.send(message);
    } catch (error) {
      log.error(`[conn ${connectionId}] could not send ${message.kind}${'id' in message ? ` #${message.id}` : ''}`, error);
      // A result that cannot be encoded must still settle the caller's promise.
      if (message.kind === 'result' && message.ok) {
        send({ kind: 'result', id: message.id, ok: false, error: { code: 'internal', message: 'The engine produced a result it could not send.' } });
      }
    }
  };
  const sendError = (id: number, error: StudioErrorData) => send({ kind: 'result', id, ok: false, error });

  const stopEvents = bus.listen((event, payload) => {
    if (subscriptions.has(event)) send({ kind: 'event', event, payload });
  });

  const stopMessages = wire.onMessage((raw) => {
    if (options.debug) log.info(`[conn ${connectionId}] <-`, raw);
    const parsed = clientEnvelopeSchema.safeParse(raw);
    if (!parsed.success) {
      const id = recoverId(raw);
      const summary = summarizeIssues(parsed.error);
      if (id === null) log.warn(`[conn ${connectionId}] dropped a malformed message: ${summary.text}`);
      else sendError(id, { code: 'malformed_message', message: `Malformed message: ${summary.text}`, details: { issues: summary.issues } });
      return;
    }
    const message = parsed.data;
    if (message.kind === 'subscribe') {
      if (isEventName(message.event)) subscriptions.add(message.event);
      else log.warn(`[conn ${connectionId}] subscribe to unknown event "${message.event}" ignored`);
    } else if (message.kind === 'unsubscribe') {
      subscriptions.delete(message.event);
    } else {
      void dispatch(message.id, message.procedure, message.input);
    }
  });

  async function dispatch(id: number, procedure: string, input: unknown): Promise<void> {
    if (!isProcedureName(procedure)) {
      sendError(id, { code: 'unknown_procedure', message: `There is no procedure named "${procedure}".`, details: { procedure } });
      return;
    }
    const checked = procedures[procedure].input.safeParse(input);
    if (!checked.success) {
      const summary = summarizeIssues(checked.error);
      sendError(id, { code: 'invalid_input', message: `Invalid input for ${procedure}: ${summary.text}`, details: { procedure, issues: summary.issues } });
      return;
    }
    const ctx: CallContext = { connectionId };
    try {
      // The table is keyed by the same name, so the parsed input has the handler's type; TS cannot see that across the union.
      const handler = handlers[procedure] as (input: unknown, ctx: CallContext) => unknown;
      const value = await handler(checked.data, ctx);
      send({ kind: 'result', id, ok: true, value });
    } catch (error) {
      sendError(id, toPublicError(error, log, `[conn ${connectionId}] ${procedure as ProcedureName}`));
    }
  }

  const end = () => {
    if (!open) return;
    open = false;
    subscriptions.clear();
    stopEvents();
    stopMessages();
    stopClose();
  };
  const stopClose = wire.onClose(end);
  if (options.sendReady ?? true) send({ kind: 'ready' });
  return end;
}

/** The id of a message that failed validation, when it has a usable one, so the caller's promise can settle. */
function recoverId(raw: unknown): number | null {
  if (typeof raw !== 'object' || raw === null || !('id' in raw)) return null;
  const id = (raw as { id: unknown }).id;
  return typeof id === 'number' && Number.isSafeInteger(id) && id >= 0 ? id : null;
}

function summarizeIssues(error: z.ZodError): { text: string; issues: Array<{ path: string; message: string }> } {
  const issues = error.issues.slice(0, MAX_ISSUES).map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message }));
  const text = issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ');
  const more = error.issues.length > MAX_ISSUES ? ` (and ${error.issues.length - MAX_ISSUES} more)` : '';
  return { text: text + more, issues };
}
