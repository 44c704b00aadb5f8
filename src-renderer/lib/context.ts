import { getContext, hasContext, setContext } from 'svelte';

/**
 * A typed key for Svelte context. `inject` fails loudly when nothing was provided, so a component used
 * outside its provider breaks at once with a message naming what is missing, instead of reading undefined.
 */
export class InjectionToken<T> {
  readonly key: symbol;
  /** Phantom: carries the provided type; never read at run time. */
  declare readonly type?: T;

  constructor(readonly name: string) {
    this.key = Symbol(name);
  }
}

/** Provide a value to the calling component and its descendants. Call during component initialisation. */
export function provide<T>(token: InjectionToken<T>, value: T): T {
  setContext(token.key, value);
  return value;
}

/** Read a value provided by an ancestor. Call during component initialisation. */
export function inject<T>(token: InjectionToken<T>): T {
  if (!hasContext(token.key)) throw new Error(`No provider found for ${token.name}`);
  return getContext<T>(token.key);
}
