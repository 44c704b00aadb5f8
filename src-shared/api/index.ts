import { generateEvents, generateProcedures } from './generate.js';
import { jobEvents, jobProcedures } from './jobs.js';
import { libraryEvents, libraryProcedures } from './library.js';
import { modelEvents, modelProcedures } from './models.js';
import { settingsEvents, settingsProcedures } from './settings.js';
import { systemProcedures } from './system.js';
import type { EventDef, ProcedureDef } from './define.js';
import type { z } from 'zod';

export * from './define.js';
export * from './errors.js';
export * from './generate.js';
export * from './jobs.js';
export * from './library.js';
export * from './models.js';
export * from './settings.js';
export * from './system.js';

/** Every procedure of the Studio API. One file per domain; this merges them. */
export const procedures = {
  ...systemProcedures,
  ...jobProcedures,
  ...libraryProcedures,
  ...modelProcedures,
  ...settingsProcedures,
  ...generateProcedures,
} as const;

export const events = {
  ...jobEvents,
  ...libraryEvents,
  ...modelEvents,
  ...settingsEvents,
  ...generateEvents,
} as const;

export type Procedures = typeof procedures;
export type ProcedureName = keyof Procedures;
export type EventName = keyof typeof events;

/** What a caller passes (schema input: defaults may be omitted). */
export type InputOf<P extends ProcedureName> = Procedures[P] extends ProcedureDef<infer I, unknown> ? z.input<I> : never;
/** What a handler receives (after parsing: defaults filled in). */
export type ParsedInputOf<P extends ProcedureName> = Procedures[P] extends ProcedureDef<infer I, unknown> ? z.output<I> : never;
export type OutputOf<P extends ProcedureName> = Procedures[P] extends ProcedureDef<z.ZodType, infer O> ? O : never;
export type PayloadOf<E extends EventName> = (typeof events)[E] extends EventDef<infer P> ? P : never;

export function isProcedureName(name: string): name is ProcedureName {
  return Object.prototype.hasOwnProperty.call(procedures, name);
}

export function isEventName(name: string): name is EventName {
  return Object.prototype.hasOwnProperty.call(events, name);
}
