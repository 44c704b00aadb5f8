import { z } from 'zod';
import type { StudioErrorData } from './errors.js';

/**
 * [Note: uploads over the MessagePort] The Electron transport carries uploads itself instead of an HTTP POST:
 * the preload posts the file's bytes as one `upload` message (the ArrayBuffer is transferred, not copied twice)
 * and the engine answers with one `upload-result`. Both kinds live only on the MessagePort, beside the ordinary
 * envelopes; requests are numbered on their own, so they never collide with call ids.
 */
export const portUploadRequestSchema = z
  .object({
    kind: z.literal('upload'),
    request: z.number().int().nonnegative(),
    name: z.string().min(1).max(255),
    data: z.instanceof(ArrayBuffer),
  })
  .strict();
export type PortUploadRequest = z.infer<typeof portUploadRequestSchema>;

export type PortUploadReply =
  | { kind: 'upload-result'; request: number; ok: true; uploadId: string }
  | { kind: 'upload-result'; request: number; ok: false; error: StudioErrorData };
