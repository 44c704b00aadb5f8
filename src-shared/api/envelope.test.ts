import { describe, expect, it } from 'vitest';
import { clientEnvelopeSchema, hostEnvelopeSchema } from './envelope.js';

describe('envelope schemas', () => {
  it('accept every host envelope shape and refuse others', () => {
    const valid = [
      { kind: 'result', id: 1, ok: true, value: { any: 'thing' } },
      { kind: 'result', id: 2, ok: false, error: { code: 'not_found', message: 'gone' } },
      { kind: 'event', event: 'job.updated', payload: {} },
      { kind: 'ready' },
    ];
    for (const message of valid) expect(hostEnvelopeSchema.safeParse(message).success, JSON.stringify(message)).toBe(true);
    const invalid = [
      { kind: 'result', id: 3, ok: false },
      { kind: 'result', id: 4, ok: false, error: { code: 'no_such_code', message: 'x' } },
      { kind: 'result', id: 5 },
      { kind: 'event' },
      { kind: 'other' },
    ];
    for (const message of invalid) expect(hostEnvelopeSchema.safeParse(message).success, JSON.stringify(message)).toBe(false);
  });

  it('accept calls and subscriptions and refuse extra fields', () => {
    expect(clientEnvelopeSchema.safeParse({ kind: 'call', id: 1, procedure: 'system.ping', input: {} }).success).toBe(true);
    expect(clientEnvelopeSchema.safeParse({ kind: 'subscribe', event: 'job.updated' }).success).toBe(true);
    expect(clientEnvelopeSchema.safeParse({ kind: 'call', id: 1, procedure: 'system.ping', input: {}, extra: 1 }).success).toBe(false);
    expect(clientEnvelopeSchema.safeParse({ kind: 'call', id: -1, procedure: 'system.ping', input: {} }).success).toBe(false);
  });
});
