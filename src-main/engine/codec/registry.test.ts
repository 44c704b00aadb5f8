import { describe, expect, it } from 'vitest';
import type { Codec } from './codec.js';
import { LiteCodec } from './lite/lite-codec.js';
import { createCodec, registerCodecProvider, registeredCodecNames } from './registry.js';

describe('codec registry', () => {
  it('builds lite from the shipped tables, once', async () => {
    const a = await createCodec('lite');
    expect(a).toBeInstanceOf(LiteCodec);
    expect(await createCodec('lite')).toBe(a);
  });

  it('says that encodec and vocos need their weights until their providers are registered', async () => {
    for (const name of ['encodec', 'vocos']) {
      if (registeredCodecNames().includes(name)) continue;
      await expect(createCodec(name)).rejects.toMatchObject({ code: 'not_found', message: expect.stringContaining(`the ${name} codec needs its weights (see docs/codecs.md)`) });
    }
    await expect(createCodec('opus')).rejects.toMatchObject({ code: 'invalid_input', message: expect.stringContaining('unknown codec "opus"') });
  });

  it('takes providers through the registration hook', async () => {
    const fake = { name: 'test-fake' } as unknown as Codec;
    registerCodecProvider({ name: 'test-fake', summary: 'a test double', load: async () => fake });
    expect(registeredCodecNames()).toContain('test-fake');
    expect(await createCodec('test-fake')).toBe(fake);
  });
});
