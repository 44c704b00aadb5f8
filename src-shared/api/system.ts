import { z } from 'zod';
import { defineProcedure } from './define.js';

export interface SystemInfo {
  version: string;
  /** Which host runs the engine. */
  host: 'electron' | 'web' | 'in-process';
  home: string;
  platform: string;
  /** Versions of the parts that matter for bug reports. */
  versions: Record<string, string>;
}

export const systemProcedures = {
  'system.info': defineProcedure(z.object({}).strict(), 'Version and environment of the engine.').returns<SystemInfo>(),
  'system.ping': defineProcedure(z.object({}).strict(), 'Liveness check.').returns<{ pong: true; at: string }>(),
};
