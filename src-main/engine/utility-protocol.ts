import { z } from 'zod';

/**
 * The control channel between Electron main and the engine's utility process (`parentPort`). Studio API
 * traffic never uses it: each window gets its own MessagePort (`connect`), so main is off the hot path.
 */
export const toEngineSchema = z.discriminatedUnion('kind', [
  /** Carries one MessagePort (in `ports[0]`) to serve as a Studio API connection. */
  z.object({ kind: z.literal('connect'), connection: z.number().int().nonnegative() }).strict(),
  /** Paths the user chose in a native dialog or dropped on a window: path imports may now read them. */
  z.object({ kind: z.literal('allow-roots'), request: z.number().int().nonnegative(), paths: z.array(z.string().min(1).max(4096)).max(10_000) }).strict(),
  /** Finish up (cancel jobs, end workers, close the database) and exit. */
  z.object({ kind: z.literal('shutdown') }).strict(),
]);
export type ToEngine = z.infer<typeof toEngineSchema>;

export type FromEngine =
  /** The host is open; connections may come. */
  | { kind: 'ready'; pid: number }
  /** Answer to `allow-roots`; `error` is a message for the log when it could not be done. */
  | { kind: 'roots-allowed'; request: number; error?: string }
  /**
   * The host cannot start and a restart would not help (e.g. the database is newer than this app). Main stops
   * restarting and tells the user.
   */
  | { kind: 'fatal'; code: string; message: string };

/** Environment variables main sets for the engine (see EngineProcess's explicit environment). */
export const engineEnv = {
  home: 'VALLE_STUDIO_HOME',
  hostKind: 'VALLE_STUDIO_HOST_KIND',
} as const;
