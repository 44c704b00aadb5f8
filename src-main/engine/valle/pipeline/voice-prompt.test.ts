/** The voice prompt (§6.2 b) against the codec's own encodes, and the text/language helpers. */
import { beforeAll, describe, expect, it } from 'vitest';
import { LiteCodec } from '../../codec/lite/lite-codec.js';
import { tinySpec } from '../model/testing/tiny-model.js';
import { referenceClip } from './testing/tiny-voice.js';
import { modelLanguageId, splitLines } from './text-lines.js';
import { buildVoicePrompt, checkCodecFitsModel } from './voice-prompt.js';

let codec: LiteCodec;
beforeAll(async () => {
  codec = await LiteCodec.load();
});
const spec = tinySpec();

describe('buildVoicePrompt', () => {
  it('encodes each clip on its own, joins them in order and keeps the first int(75·promptSec) frames', async () => {
    const a = referenceClip(0.4);
    const b = { ...referenceClip(0.7, 44100, 200), channels: [referenceClip(0.7, 44100, 200).channels[0], referenceClip(0.7, 44100, 90).channels[0]] };
    const ea = await codec.encode(a);
    const eb = await codec.encode(b);
    const all = [...ea.data, ...eb.data];
    const whole = await buildVoicePrompt({ codec, spec, refs: [a, b], promptSec: 0 });
    expect(whole!.frames).toBe(ea.frames + eb.frames);
    expect(Array.from(whole!.data)).toEqual(all);
    const trimmed = await buildVoicePrompt({ codec, spec, refs: [a, b], promptSec: 0.5 });
    expect(trimmed!.frames).toBe(37);
    expect(Array.from(trimmed!.data)).toEqual(all.slice(0, 37 * 8));
    expect(await buildVoicePrompt({ codec, spec, refs: [], promptSec: 3 })).toBeNull();
  });

  it('takes codes as they are, and refuses codes the model cannot read', async () => {
    const codes = { frames: 2, levels: 8, data: new Uint16Array(16).fill(7) };
    expect(await buildVoicePrompt({ codec, spec, codes, promptSec: 0.01 })).toEqual(codes);
    await expect(buildVoicePrompt({ codec, spec, codes: { ...codes, data: new Uint16Array(16).fill(1024) }, promptSec: 0 })).rejects.toThrow(/code 1024 at frame 0/);
    await expect(buildVoicePrompt({ codec, spec, codes, refs: [referenceClip(0.2)], promptSec: 0 })).rejects.toThrow(/not both/);
  });

  it('names the clip that cannot be encoded', async () => {
    const nan = { sampleRate: 24000, channels: [new Float32Array(2400).fill(Number.NaN)] };
    await expect(buildVoicePrompt({ codec, spec, refs: [nan], promptSec: 0 })).rejects.toMatchObject({ code: 'corrupt_audio', message: /^Reference clip: / });
  });

  it('refuses a codec whose codebook or level count does not fit', () => {
    expect(() => checkCodecFitsModel({ ...codec, name: 'x', codebookSize: 512 } as never, spec, 8)).toThrow(/512 codes per level; this model reads 1024/);
    expect(() => checkCodecFitsModel({ ...codec, name: 'x', levels: 4, codebookSize: 1024 } as never, spec, 8)).toThrow(/has 4 levels; generating 8/);
    expect(() => checkCodecFitsModel(codec, spec, 8)).not.toThrow();
  });
});

describe('text lines and languages', () => {
  it('splits at newlines, trims and drops blank lines', () => {
    expect(splitLines(' One. \r\n\n  Two.\rThree ')).toEqual(['One.', 'Two.', 'Three']);
    expect(() => splitLines(' \n ')).toThrow(/empty/);
  });

  it('maps languages to the reference ids only when the model has a language token', () => {
    expect(modelLanguageId(spec, 'en')).toBeNull();
    const withLang = tinySpec({ model: { capabilities: ['ar', 'nar', 'lang'] } });
    expect(['en', 'en-gb', 'ja', 'de'].map((l) => modelLanguageId(withLang, l))).toEqual([0, 0, 1, 0]);
    expect(() => modelLanguageId(withLang, 'klingon')).toThrow(/not supported/);
  });
});
