/**
 * Download speed over a sliding window (the last few seconds), so the figure follows the network rather than the
 * average since the start, and an ETA from it.
 */
export class SpeedMeter {
  readonly #windowMs: number;
  readonly #samples: { at: number; bytes: number }[] = [];

  constructor(windowMs = 5000) {
    this.#windowMs = windowMs;
  }

  /** `bytes`: a running total (bytes received so far in this session). */
  add(at: number, bytes: number): void {
    this.#samples.push({ at, bytes });
    while (this.#samples.length > 2 && this.#samples[1].at <= at - this.#windowMs) this.#samples.shift();
  }

  reset(): void {
    this.#samples.length = 0;
  }

  /** Bytes per second, or null until there is half a second of samples to measure over. */
  bytesPerSecond(): number | null {
    const first = this.#samples[0];
    const last = this.#samples[this.#samples.length - 1];
    if (!first || !last || last.at - first.at < 500) return null;
    return ((last.bytes - first.bytes) * 1000) / (last.at - first.at);
  }

  /** Seconds to receive `remaining` more bytes at the current speed; null when the speed is unknown or zero. */
  etaSeconds(remaining: number): number | null {
    const speed = this.bytesPerSecond();
    if (speed === null || speed <= 0) return null;
    return Math.max(0, remaining / speed);
  }
}
