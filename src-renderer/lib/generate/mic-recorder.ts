import { downmix, encodeWav16 } from './wav-encode.js';

/** Longest recording kept: a voice prompt needs seconds, not minutes. */
export const maxRecordingSec = 60;

/**
 * Records the microphone with MediaRecorder, then decodes what it made (webm/opus or mp4, whatever the browser
 * picks) with Web Audio and re-encodes it as a mono 16-bit WAV, which the engine reads on every host.
 * MediaRecorder rather than an AudioWorklet: the CSP (`script-src 'self'`) and the two hosts make a worklet
 * module awkward to ship, and the recording is decoded once at the end anyway.
 */
export class MicRecorder {
  #stream: MediaStream | null = null;
  #recorder: MediaRecorder | null = null;
  #chunks: Blob[] = [];
  #stopped: Promise<Blob> | null = null;

  get recording(): boolean {
    return this.#recorder?.state === 'recording';
  }

  /** Asks for the microphone (the browser may prompt) and starts recording. Rejects with a readable message. */
  async start(): Promise<void> {
    if (this.#recorder) throw new Error('Already recording.');
    if (!navigator.mediaDevices?.getUserMedia || typeof MediaRecorder === 'undefined') {
      throw new Error('This browser cannot record audio here (recording needs a secure page: https or localhost).');
    }
    let stream: MediaStream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false } });
    } catch (error) {
      throw new Error(microphoneErrorMessage(error));
    }
    const recorder = new MediaRecorder(stream);
    this.#stream = stream;
    this.#recorder = recorder;
    this.#chunks = [];
    this.#stopped = new Promise<Blob>((resolve, reject) => {
      recorder.ondataavailable = (event) => {
        if (event.data.size > 0) this.#chunks.push(event.data);
      };
      recorder.onstop = () => resolve(new Blob(this.#chunks, { type: recorder.mimeType }));
      recorder.onerror = () => reject(new Error('The recording failed.'));
    });
    // Chunks every 250 ms so a stop right after start still has data.
    recorder.start(250);
  }

  /** Stops and returns the recording as WAV bytes with its length. */
  async stop(): Promise<{ wav: Uint8Array<ArrayBuffer>; durationSec: number }> {
    const recorder = this.#recorder;
    const stopped = this.#stopped;
    if (!recorder || !stopped) throw new Error('Not recording.');
    if (recorder.state !== 'inactive') recorder.stop();
    try {
      const blob = await stopped;
      if (blob.size === 0) throw new Error('The recording is empty: no audio came from the microphone.');
      const context = new AudioContext();
      try {
        const audio = await context.decodeAudioData(await blob.arrayBuffer());
        const channels = Array.from({ length: audio.numberOfChannels }, (_, i) => audio.getChannelData(i));
        const mono = downmix(channels).subarray(0, Math.round(maxRecordingSec * audio.sampleRate));
        return { wav: encodeWav16(mono, audio.sampleRate), durationSec: mono.length / audio.sampleRate };
      } finally {
        void context.close();
      }
    } finally {
      this.#release();
    }
  }

  /** Drops a recording in progress (the view closed). */
  cancel(): void {
    if (this.#recorder && this.#recorder.state !== 'inactive') this.#recorder.stop();
    this.#release();
  }

  #release(): void {
    for (const track of this.#stream?.getTracks() ?? []) track.stop();
    this.#stream = null;
    this.#recorder = null;
    this.#stopped = null;
    this.#chunks = [];
  }
}

/** What to tell the person when getUserMedia fails, by the DOMException's name. */
export function microphoneErrorMessage(error: unknown): string {
  const name = error instanceof Error || (typeof error === 'object' && error !== null && 'name' in error) ? String((error as { name: unknown }).name) : '';
  switch (name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return 'Microphone access was denied. Allow the microphone for this page (in the browser’s site settings or the system’s privacy settings) and try again.';
    case 'NotFoundError':
    case 'OverconstrainedError':
      return 'No microphone was found. Connect one and try again.';
    case 'NotReadableError':
    case 'AbortError':
      return 'The microphone is in use by another application or could not be started.';
    default:
      return `Could not start the microphone${error instanceof Error && error.message ? `: ${error.message}` : '.'}`;
  }
}
