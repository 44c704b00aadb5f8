import type { EventName, PayloadOf } from '../../../src-shared/api/index.js';

export type EventListener = (event: EventName, payload: unknown) => void;

/** Engine-wide events, fanned out to every connection; each connection filters by its own subscriptions. */
export class EventBus {
  private readonly listeners = new Set<EventListener>();

  emit<E extends EventName>(event: E, payload: PayloadOf<E>): void {
    for (const listener of this.listeners) listener(event, payload);
  }

  listen(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
