/**
 * Plays streamed audio while it is still arriving: every chunk becomes an AudioBuffer scheduled right after the
 * previous one on one AudioContext clock, so playback can start with the first chunk and continues seamlessly as
 * more arrive. When playback catches up with generation, the next chunk starts as soon as it arrives.
 */
export class StreamPlayer {
  #context: AudioContext | null = null;
  #sources: AudioBufferSourceNode[] = [];
  #nextAt = 0;
  #startedAt = 0;
  #offsetSamples = 0;
  #sampleRate = 24000;
  playing = false;
  onended: (() => void) | null = null;

  /** Start playing `samples` (what has arrived so far) from the beginning. */
  play(samples: Float32Array, sampleRate: number): void {
    this.stop();
    this.#context = new AudioContext({ sampleRate });
    this.#sampleRate = sampleRate;
    this.#nextAt = this.#context.currentTime + 0.05;
    this.#startedAt = this.#nextAt;
    this.#offsetSamples = 0;
    this.playing = true;
    this.push(samples);
  }

  /** More audio arrived; queued after what is already scheduled. */
  push(samples: Float32Array): void {
    const context = this.#context;
    if (!context || !this.playing || samples.length === 0) return;
    const buffer = context.createBuffer(1, samples.length, this.#sampleRate);
    buffer.copyToChannel(Float32Array.from(samples), 0);
    const source = context.createBufferSource();
    source.buffer = buffer;
    source.connect(context.destination);
    const at = Math.max(this.#nextAt, context.currentTime + 0.02);
    source.start(at);
    this.#nextAt = at + samples.length / this.#sampleRate;
    this.#offsetSamples += samples.length;
    this.#sources.push(source);
    source.onended = () => {
      this.#sources = this.#sources.filter((s) => s !== source);
      if (this.#sources.length === 0 && this.playing && context.currentTime >= this.#nextAt - 0.01) this.onended?.();
    };
  }

  /** Seconds played so far. */
  position(): number {
    return this.#context ? Math.max(0, this.#context.currentTime - this.#startedAt) : 0;
  }

  stop(): void {
    for (const s of this.#sources) {
      s.onended = null;
      try {
        s.stop();
      } catch {
        // already stopped
      }
    }
    this.#sources = [];
    this.playing = false;
    void this.#context?.close();
    this.#context = null;
  }
}
