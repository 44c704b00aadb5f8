/**
 * The setup the pipeline tests share: the tiny voice model of a seed, an in-thread CPU runner over it and the
 * lite codec, opened before the file's tests and disposed after them.
 */
import { afterAll, beforeAll } from 'vitest';
import { LiteCodec } from '../../../codec/lite/lite-codec.js';
import type { SessionRunner, ValleModel } from '../../model/valle-model.js';
import { tinyVoiceModel } from './tiny-voice.js';

export interface PipelineFixture {
  readonly model: ValleModel;
  /** Opened in beforeAll: read it inside tests (or functions they call), not at the top of the file. */
  readonly runner: SessionRunner;
  readonly codec: LiteCodec;
}

/** Call at the top of a test file: registers the file's beforeAll/afterAll. */
export function pipelineFixture(seed: number): PipelineFixture {
  const model = tinyVoiceModel(seed);
  let runner: SessionRunner | undefined;
  let codec: LiteCodec | undefined;
  beforeAll(async () => {
    codec = await LiteCodec.load();
    runner = await model.openRunner({ provider: 'cpu', intraOpThreads: 1 });
  });
  afterAll(async () => {
    await runner?.dispose();
  });
  const opened = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`pipelineFixture: the ${what} is opened in beforeAll; use it inside a test`);
    return value;
  };
  return {
    model,
    get runner() {
      return opened(runner, 'runner');
    },
    get codec() {
      return opened(codec, 'codec');
    },
  };
}
