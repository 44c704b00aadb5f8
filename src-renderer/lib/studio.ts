import type { StudioClient } from '$shared/client.js';
import { InjectionToken } from './context.js';

/** The typed Studio client, whichever host it talks to. Services take it; components rarely need it. */
export const STUDIO_CLIENT = new InjectionToken<StudioClient>('StudioClient');
