/** Hop of the level envelope: 10 ms, fine enough for cut points and 400 bytes per second of audio. */
export const LEVEL_HOP_SEC = 0.01;
/** Level reported for digital silence (minus infinity in dB). */
export const LEVEL_FLOOR_DB = -120;

/**
 * Short-time level of a signal: RMS over consecutive, non-overlapping hops, in dBFS (20·log10 RMS, so a
 * full-scale square wave is 0 dB and a full-scale sine -3 dB), taken over all channels together (mean of
 * the squares), so opposite-phase channels cannot cancel out as they would in a mixdown.
 */
export interface LevelEnvelope {
  sampleRate: number;
  /** Frames per hop; hop i covers frames [i·hopFrames, (i + 1)·hopFrames), the last one possibly shorter. */
  hopFrames: number;
  /** Frames in the whole signal. */
  frames: number;
  levelsDb: Float32Array;
}

/** Builds a LevelEnvelope from a stream of chunks, keeping only the levels (not the audio). */
export class LevelMeter {
  readonly sampleRate: number;
  readonly hopFrames: number;
  private levels = new Float32Array(1024);
  private count = 0;
  private frames = 0;
  private sum = 0;
  private inHop = 0;
  private values = 0;

  constructor(sampleRate: number, hopSec = LEVEL_HOP_SEC) {
    if (!(sampleRate > 0)) throw new RangeError(`invalid sample rate ${sampleRate}`);
    this.sampleRate = sampleRate;
    this.hopFrames = Math.max(1, Math.round(sampleRate * hopSec));
  }

  /** Adds the next frames (one array per channel, equal lengths). */
  push(channels: readonly Float32Array[]): void {
    const frames = channels[0]?.length ?? 0;
    for (let i = 0; i < frames; ) {
      const take = Math.min(frames - i, this.hopFrames - this.inHop);
      for (const channel of channels) {
        let s = 0;
        for (let k = i; k < i + take; k++) s += channel[k] * channel[k];
        this.sum += s;
      }
      this.values += take * channels.length;
      this.inHop += take;
      i += take;
      if (this.inHop === this.hopFrames) this.endHop();
    }
    this.frames += frames;
  }

  finish(): LevelEnvelope {
    if (this.inHop > 0) this.endHop();
    return { sampleRate: this.sampleRate, hopFrames: this.hopFrames, frames: this.frames, levelsDb: this.levels.slice(0, this.count) };
  }

  private endHop(): void {
    if (this.count === this.levels.length) {
      const grown = new Float32Array(this.levels.length * 2);
      grown.set(this.levels);
      this.levels = grown;
    }
    const meanSquare = this.values > 0 ? this.sum / this.values : 0;
    this.levels[this.count++] = meanSquare > 0 ? Math.max(LEVEL_FLOOR_DB, 10 * Math.log10(meanSquare)) : LEVEL_FLOOR_DB;
    this.sum = 0;
    this.inHop = 0;
    this.values = 0;
  }
}

/** Level envelope of a whole in-memory signal. */
export function levelEnvelope(channels: readonly Float32Array[], sampleRate: number, hopSec = LEVEL_HOP_SEC): LevelEnvelope {
  const meter = new LevelMeter(sampleRate, hopSec);
  meter.push(channels);
  return meter.finish();
}

/** A run of hops [startHop, endHop) judged to be sound. */
export interface SoundRegion {
  startHop: number;
  endHop: number;
}

/**
 * Sound detection with hysteresis: a region starts at the first hop at or above `thresholdDb` and lasts
 * until a hop falls below `thresholdDb - hysteresisDb`, so a level hovering around the threshold (a
 * decaying vowel, breath noise) does not chop a region into flickering pieces.
 */
export function findSoundRegions(envelope: LevelEnvelope, thresholdDb: number, hysteresisDb: number): SoundRegion[] {
  const regions: SoundRegion[] = [];
  const release = thresholdDb - hysteresisDb;
  const levels = envelope.levelsDb;
  let start = -1;
  for (let i = 0; i < levels.length; i++) {
    if (start < 0) {
      if (levels[i] >= thresholdDb) start = i;
    } else if (levels[i] < release) {
      regions.push({ startHop: start, endHop: i });
      start = -1;
    }
  }
  if (start >= 0) regions.push({ startHop: start, endHop: levels.length });
  return regions;
}
