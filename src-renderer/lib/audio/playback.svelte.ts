import { InjectionToken } from '$lib/context.js';

/** Anything that plays and can be told to stop. */
export interface Playable {
  stop(): void;
}

/** One sound at a time: starting a player pauses whichever played before. */
export class PlaybackCoordinator {
  /** Key of the player that is playing now, if any. */
  current = $state<string | null>(null);
  #player: Playable | null = null;

  started(key: string, player: Playable): void {
    if (this.#player && this.#player !== player) this.#player.stop();
    this.#player = player;
    this.current = key;
  }

  stopped(player: Playable): void {
    if (this.#player !== player) return;
    this.#player = null;
    this.current = null;
  }

  stopAll(): void {
    this.#player?.stop();
    this.#player = null;
    this.current = null;
  }
}

export const PLAYBACK = new InjectionToken<PlaybackCoordinator>('PlaybackCoordinator');
