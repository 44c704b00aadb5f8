import { EventEmitter } from 'node:events';
import { createInterface } from 'node:readline';
import type { Details, ForkOptions, MessagePortMain } from 'electron';
import { StudioError } from '../../src-shared/api/errors.js';
import type { FromEngine, ToEngine } from '../engine/utility-protocol.js';
import { engineEnv } from '../engine/utility-protocol.js';

export type EngineState = 'idle' | 'starting' | 'ready' | 'restarting' | 'stopping' | 'stopped' | 'failed';
/** Why the process ended, as Electron reports it (`child-process-gone`). */
export type EngineExitReason = Details['reason'];
/** A crash: Electron's reasons, plus no `ready` in time, plus a start-up failure a restart cannot fix. */
export type EngineCrashReason = Exclude<EngineExitReason, 'clean-exit'> | 'ready-timeout' | 'fatal';

export interface EngineEvents {
  ready: [info: { pid: number }];
  exit: [info: { pid: number | undefined; code: number; reason: EngineExitReason; expected: boolean }];
  crash: [info: { pid: number | undefined; reason: EngineCrashReason; message: string; restartInMs: number | null }];
  state: [state: EngineState];
}

/** The part of Electron's UtilityProcess used here; tests pass a fake. */
export interface UtilityLike {
  readonly pid: number | undefined;
  readonly stdout: NodeJS.ReadableStream | null;
  readonly stderr: NodeJS.ReadableStream | null;
  on(event: 'spawn', listener: () => void): unknown;
  on(event: 'exit', listener: (code: number) => void): unknown;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  postMessage(message: unknown, transfer?: MessagePortMain[]): void;
  kill(): boolean;
}

/** What EngineProcess needs of Electron: main.ts passes `utilityProcess.fork` and `app`'s event. */
export interface EngineProcessDeps {
  fork(modulePath: string, args: string[], options: ForkOptions): UtilityLike;
  onChildProcessGone(listener: (details: Pick<Details, 'type' | 'reason' | 'exitCode' | 'name'>) => void): () => void;
  /** Where `[engine <pid>]` lines go (default: console). */
  writeLog?(line: string): void;
}

export interface EngineProcessOptions {
  /** The utility process's entry (utility-bootstrap.js). */
  modulePath: string;
  home: string;
  /** The child's whole environment; see `engineEnvironment`. */
  env: Record<string, string>;
  /** Shown in the OS task manager and in `child-process-gone` details. */
  serviceName?: string;
  readyTimeoutMs?: number;
  /** Waits before restart n (1-based); the last one repeats. */
  restartDelaysMs?: readonly number[];
  /** Crashes in a row (without a stable run in between) after which it stops trying. */
  maxRestarts?: number;
  /** A run that stays ready this long resets the crash count. */
  stableAfterMs?: number;
  /** How long `stop()` waits for a clean exit before it kills, and then for the kill. */
  stopTimeoutMs?: number;
  killTimeoutMs?: number;
  /** How long a control request (allow-roots) may wait for its answer. */
  requestTimeoutMs?: number;
}

interface PendingRequest {
  resolve(): void;
  reject(error: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

const defaults = {
  serviceName: 'VALL-E Studio Engine',
  readyTimeoutMs: 120_000,
  restartDelaysMs: [500, 1_000, 2_000, 5_000, 10_000],
  maxRestarts: 5,
  stableAfterMs: 60_000,
  stopTimeoutMs: 8_000,
  killTimeoutMs: 3_000,
  requestTimeoutMs: 15_000,
};

/**
 * [Note: engine supervision] One object owns the engine's utility process (STYLE-ANCHORS 5, after VS Code's
 * UtilityProcess): it forks it with an explicit environment, counts it usable only after its `ready` message,
 * emits typed `exit` and `crash` events, restarts it with backoff (giving up after `maxRestarts` crashes in a
 * row, or at once on a `fatal` start-up failure), and on `stop()` asks it to shut down and kills it past a
 * deadline. Every line it prints is logged as `[engine <pid>] …`. It knows nothing of windows: engine-bridge.ts
 * wires connections to them. Requests it has in flight when the process dies reject with `engine_unavailable`.
 */
export class EngineProcess extends EventEmitter<EngineEvents> {
  private readonly deps: EngineProcessDeps;
  private readonly options: Required<EngineProcessOptions>;
  private child: UtilityLike | null = null;
  private currentState: EngineState = 'idle';
  private crashesInARow = 0;
  private readyTimer: ReturnType<typeof setTimeout> | null = null;
  private stableTimer: ReturnType<typeof setTimeout> | null = null;
  private restartTimer: ReturnType<typeof setTimeout> | null = null;
  private stopping: Promise<void> | null = null;
  /** Set when the current child reported a fatal start-up failure or missed its ready deadline. */
  private childFailure: { reason: EngineCrashReason; message: string } | null = null;
  private lastGone: Pick<Details, 'reason' | 'exitCode'> | null = null;
  /** The child we asked to go: its exit is neither a crash nor a reason to restart. */
  private expectedExit: UtilityLike | null = null;
  private readonly pending = new Map<number, PendingRequest>();
  private nextRequest = 1;
  /** Every root granted so far: a restarted engine is told them again before any window reconnects. */
  private readonly grantedRoots = new Set<string>();
  private readonly stopListeningForGone: () => void;

  constructor(options: EngineProcessOptions, deps: EngineProcessDeps) {
    super();
    this.deps = deps;
    this.options = { ...defaults, ...options } as Required<EngineProcessOptions>;
    this.stopListeningForGone = deps.onChildProcessGone((details) => {
      if (details.type !== 'Utility' || details.name !== this.options.serviceName || !this.child) return;
      this.lastGone = { reason: details.reason, exitCode: details.exitCode };
      // Exits we caused (stop, restart, a missed ready deadline) are reported by onExit, once.
      const ours = this.stopping !== null || this.expectedExit === this.child || this.childFailure !== null;
      if (details.reason !== 'clean-exit' && !ours) {
        this.emit('crash', { pid: this.child.pid, reason: details.reason, message: `the engine process is gone (${details.reason}, exit code ${details.exitCode})`, restartInMs: this.nextRestartDelay() });
      }
    });
  }

  get state(): EngineState {
    return this.currentState;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Starts the engine; a no-op while it runs. After `failed`, starts afresh with a clean crash count. */
  start(): void {
    if (this.stopping || this.child) return;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    this.crashesInARow = 0;
    this.spawn();
  }

  /**
   * Hands one end of a MessageChannelMain to the engine as a Studio API connection. False (and the port is
   * left to the caller) when the engine is not ready.
   */
  connect(port: MessagePortMain, connection: number): boolean {
    if (this.currentState !== 'ready' || !this.child) return false;
    this.post({ kind: 'connect', connection }, [port]);
    return true;
  }

  /**
   * Lets path imports read these paths, now and after any restart. Resolves once the engine has them;
   * rejects with `engine_unavailable` if it dies or stops first.
   */
  allowRoots(paths: readonly string[]): Promise<void> {
    for (const path of paths) this.grantedRoots.add(path);
    if (this.currentState === 'ready') return this.request([...paths]);
    if (this.currentState === 'starting' || this.currentState === 'restarting') {
      // The next `ready` replays every granted root before anything else reaches the engine.
      return new Promise<void>((resolve, reject) => {
        const onReady = () => {
          this.off('state', onState);
          resolve();
        };
        const onState = (state: EngineState) => {
          if (state !== 'failed' && state !== 'stopped' && state !== 'stopping') return;
          this.off('ready', onReady);
          this.off('state', onState);
          reject(new StudioError('engine_unavailable', 'The studio engine stopped before it could open these files.'));
        };
        this.once('ready', onReady);
        this.on('state', onState);
      });
    }
    return Promise.reject(new StudioError('engine_unavailable', 'The studio engine is not running.'));
  }

  /** Stops for good (app quit): asks for a clean shutdown, kills past the deadline. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= this.stopChild().then(() => {
      this.stopListeningForGone();
      this.setState('stopped');
    });
    return this.stopping;
  }

  /** Stops the running engine and starts a fresh one (Help → Restart Engine). */
  async restart(): Promise<void> {
    if (this.stopping) return;
    const child = this.child;
    if (child) {
      this.expectedExit = child;
      await this.terminate(child);
    }
    this.start();
  }

  // ---------------------------------------------------------------- internals

  private spawn(): void {
    this.setState(this.crashesInARow === 0 ? 'starting' : 'restarting');
    this.childFailure = null;
    this.lastGone = null;
    let child: UtilityLike;
    try {
      child = this.deps.fork(this.options.modulePath, [`--home=${this.options.home}`], {
        env: this.options.env,
        serviceName: this.options.serviceName,
        stdio: 'pipe',
      });
    } catch (error) {
      this.writeLog(`[engine] could not be started: ${error instanceof Error ? error.message : String(error)}`);
      this.onExit(null, -1, 'launch-failed');
      return;
    }
    this.child = child;
    this.pipeLines(child, child.stdout);
    this.pipeLines(child, child.stderr);
    child.on('spawn', () => this.writeLog(`[engine ${child.pid}] started`));
    child.on('message', (message) => this.onMessage(child, message));
    child.on('exit', (code) => this.onExit(child, code));
    this.readyTimer = setTimeout(() => {
      this.readyTimer = null;
      if (this.child !== child || this.currentState === 'ready') return;
      this.childFailure = { reason: 'ready-timeout', message: `the engine did not get ready within ${Math.round(this.options.readyTimeoutMs / 1000)} s` };
      this.writeLog(`[engine ${child.pid}] ${this.childFailure.message}; killing it`);
      child.kill();
    }, this.options.readyTimeoutMs);
  }

  private onMessage(child: UtilityLike, raw: unknown): void {
    if (child !== this.child || typeof raw !== 'object' || raw === null) return;
    const message = raw as FromEngine;
    switch (message.kind) {
      case 'ready': {
        if (this.readyTimer) clearTimeout(this.readyTimer);
        this.readyTimer = null;
        if (this.grantedRoots.size > 0) {
          // Fire and forget: ordering on the control channel puts these before any connection.
          this.request([...this.grantedRoots]).catch((error: unknown) => this.writeLog(`[engine ${child.pid}] could not restore allowed roots: ${String(error)}`));
        }
        this.setState('ready');
        this.stableTimer = setTimeout(() => {
          this.stableTimer = null;
          this.crashesInARow = 0;
        }, this.options.stableAfterMs);
        this.emit('ready', { pid: child.pid ?? message.pid });
        return;
      }
      case 'roots-allowed': {
        const entry = this.pending.get(message.request);
        if (!entry) return;
        this.pending.delete(message.request);
        clearTimeout(entry.timer);
        if (message.error) entry.reject(new StudioError('internal', `The studio engine could not open these files: ${message.error}`));
        else entry.resolve();
        return;
      }
      case 'fatal': {
        this.childFailure = { reason: 'fatal', message: message.message };
        this.writeLog(`[engine ${child.pid}] cannot start: ${message.message} (${message.code})`);
        return;
      }
    }
  }

  private onExit(child: UtilityLike | null, code: number, forcedReason?: EngineExitReason): void {
    if (child && child !== this.child) return;
    const pid = child?.pid;
    this.child = null;
    for (const timer of [this.readyTimer, this.stableTimer]) if (timer) clearTimeout(timer);
    this.readyTimer = null;
    this.stableTimer = null;
    this.rejectPending('the engine process exited');

    const expected = child !== null && (this.expectedExit === child || this.stopping !== null);
    if (this.expectedExit === child) this.expectedExit = null;
    const reason: EngineExitReason = forcedReason ?? this.lastGone?.reason ?? (code === 0 ? 'clean-exit' : 'abnormal-exit');
    this.writeLog(`[engine ${pid ?? '-'}] exited with code ${code} (${reason})`);
    this.emit('exit', { pid, code, reason, expected });
    if (expected) {
      // A deliberate restart (restart()) starts the next process itself; stop() sets `stopped` when done.
      if (!this.stopping) this.setState('restarting');
      return;
    }

    const failure = this.childFailure;
    if (failure?.reason === 'fatal') {
      this.emit('crash', { pid, reason: 'fatal', message: failure.message, restartInMs: null });
      this.setState('failed');
      return;
    }
    this.crashesInARow++;
    const delay = this.crashesInARow > this.options.maxRestarts ? null : this.restartDelay(this.crashesInARow);
    if (failure?.reason === 'ready-timeout') this.emit('crash', { pid, reason: 'ready-timeout', message: failure.message, restartInMs: delay });
    else if (!this.lastGone || this.lastGone.reason === 'clean-exit') {
      // Electron did not report it gone (or called an unexpected exit clean): still a crash to us.
      this.emit('crash', { pid, reason: reason === 'clean-exit' ? 'abnormal-exit' : reason, message: `the engine exited unexpectedly (code ${code})`, restartInMs: delay });
    }
    if (delay === null) {
      this.writeLog(`[engine] crashed ${this.crashesInARow} times in a row; not restarting`);
      this.setState('failed');
      return;
    }
    this.setState('restarting');
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (!this.stopping && !this.child) this.spawn();
    }, delay);
  }

  private restartDelay(attempt: number): number {
    const delays = this.options.restartDelaysMs;
    return delays[Math.min(attempt - 1, delays.length - 1)] ?? 1_000;
  }

  /** The delay the next crash would get, for the `crash` event Electron's report triggers. */
  private nextRestartDelay(): number | null {
    const attempt = this.crashesInARow + 1;
    return attempt > this.options.maxRestarts ? null : this.restartDelay(attempt);
  }

  private async stopChild(): Promise<void> {
    this.setState('stopping');
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    const child = this.child;
    if (child) await this.terminate(child);
    this.rejectPending('the engine is stopping');
  }

  /** Asks the child to shut down; kills it past the deadline. Resolves when it has exited (or given up on). */
  private terminate(child: UtilityLike): Promise<void> {
    return new Promise<void>((resolve) => {
      let settled = false;
      let killTimer: ReturnType<typeof setTimeout> | null = null;
      const done = () => {
        if (settled) return;
        settled = true;
        clearTimeout(stopTimer);
        if (killTimer) clearTimeout(killTimer);
        resolve();
      };
      child.on('exit', done);
      const stopTimer = setTimeout(() => {
        this.writeLog(`[engine ${child.pid}] did not stop within ${this.options.stopTimeoutMs} ms; killing it`);
        child.kill();
        killTimer = setTimeout(() => {
          this.writeLog(`[engine ${child.pid}] did not exit after being killed; leaving it`);
          done();
        }, this.options.killTimeoutMs);
      }, this.options.stopTimeoutMs);
      try {
        this.post({ kind: 'shutdown' }, undefined, child);
      } catch {
        child.kill();
      }
    });
  }

  private request(paths: string[]): Promise<void> {
    const request = this.nextRequest++;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(request);
        reject(new StudioError('engine_unavailable', 'The studio engine did not answer in time.'));
      }, this.options.requestTimeoutMs);
      this.pending.set(request, { resolve, reject, timer });
      this.post({ kind: 'allow-roots', request, paths });
    });
  }

  private rejectPending(reason: string): void {
    const entries = [...this.pending.values()];
    this.pending.clear();
    for (const entry of entries) {
      clearTimeout(entry.timer);
      entry.reject(new StudioError('engine_unavailable', `The studio engine is not reachable (${reason}).`));
    }
  }

  private post(message: ToEngine, transfer?: MessagePortMain[], child: UtilityLike | null = this.child): void {
    if (!child) throw new StudioError('engine_unavailable', 'The studio engine is not running.');
    child.postMessage(message, transfer);
  }

  private setState(state: EngineState): void {
    if (this.currentState === state) return;
    this.currentState = state;
    this.emit('state', state);
  }

  private pipeLines(child: UtilityLike, stream: NodeJS.ReadableStream | null): void {
    if (!stream) return;
    const lines = createInterface({ input: stream, crlfDelay: Infinity });
    lines.on('line', (line) => this.writeLog(`[engine ${child.pid ?? '-'}] ${line}`));
  }

  private writeLog(line: string): void {
    if (this.deps.writeLog) this.deps.writeLog(line);
    else console.log(line);
  }
}

/** Variables the engine may see from main's environment; everything else is left out on purpose. */
const inheritedVariables = [
  // Finding executables, temp space and the user's folders on every OS.
  'PATH', 'Path', 'PATHEXT', 'SystemRoot', 'SYSTEMROOT', 'windir', 'WINDIR', 'ComSpec', 'TEMP', 'TMP', 'TMPDIR',
  'HOME', 'USERPROFILE', 'APPDATA', 'LOCALAPPDATA', 'XDG_CACHE_HOME', 'XDG_CONFIG_HOME', 'XDG_DATA_HOME', 'XDG_RUNTIME_DIR',
  // Locale and time, for messages and timestamps.
  'LANG', 'LANGUAGE', 'LC_ALL', 'LC_CTYPE', 'LC_MESSAGES', 'TZ',
  // GPU runtimes that ONNX Runtime's execution providers load.
  'LD_LIBRARY_PATH', 'CUDA_PATH', 'CUDA_HOME', 'CUDA_VISIBLE_DEVICES', 'CUDNN_PATH',
];

/**
 * The engine's environment, built explicitly rather than inherited whole: NODE_OPTIONS could load code into
 * it, ELECTRON_RUN_AS_NODE and friends change how it starts, and secrets in main's environment have no
 * business there. Our own `VALLE_STUDIO_*` switches (debug envelopes, test tasks) pass through.
 */
export function engineEnvironment(parent: NodeJS.ProcessEnv, home: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of inheritedVariables) {
    const value = parent[name];
    if (value !== undefined) env[name] = value;
  }
  for (const [name, value] of Object.entries(parent)) {
    if (name.startsWith('VALLE_STUDIO_') && value !== undefined) env[name] = value;
  }
  env[engineEnv.home] = home;
  env[engineEnv.hostKind] = 'electron';
  env.NODE_ENV = parent.NODE_ENV === 'development' ? 'development' : 'production';
  return env;
}
