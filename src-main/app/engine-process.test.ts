import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { StudioError } from '../../src-shared/api/errors.js';
import type { FromEngine, ToEngine } from '../engine/utility-protocol.js';
import { EngineProcess, engineEnvironment, type EngineEvents, type EngineProcessDeps, type UtilityLike } from './engine-process.js';

/** Stands in for Electron's UtilityProcess: records what it is sent, and lets the test play the child. */
class FakeChild extends EventEmitter implements UtilityLike {
  readonly stdout = new PassThrough();
  readonly stderr = new PassThrough();
  readonly sent: ToEngine[] = [];
  killed = false;
  constructor(readonly pid: number) {
    super();
  }
  postMessage(message: unknown): void {
    this.sent.push(message as ToEngine);
  }
  kill(): boolean {
    this.killed = true;
    return true;
  }
  reply(message: FromEngine): void {
    this.emit('message', message);
  }
  exit(code: number): void {
    this.emit('exit', code);
  }
}

interface Harness {
  engine: EngineProcess;
  children: FakeChild[];
  forks: { modulePath: string; args: string[]; env: Record<string, string> | undefined }[];
  lines: string[];
  events: { name: keyof EngineEvents; info: unknown }[];
  gone(details: { reason: Parameters<Parameters<EngineProcessDeps['onChildProcessGone']>[0]>[0]['reason']; exitCode: number }): void;
  latest(): FakeChild;
}

function harness(options: Partial<ConstructorParameters<typeof EngineProcess>[0]> = {}): Harness {
  const children: FakeChild[] = [];
  const forks: Harness['forks'] = [];
  const lines: string[] = [];
  const events: Harness['events'] = [];
  let goneListener: Parameters<EngineProcessDeps['onChildProcessGone']>[0] = () => {};
  const engine = new EngineProcess(
    {
      modulePath: '/app/utility-bootstrap.js',
      home: '/home/studio',
      env: { PATH: '/bin' },
      restartDelaysMs: [100, 200, 400],
      maxRestarts: 3,
      stableAfterMs: 10_000,
      readyTimeoutMs: 5_000,
      stopTimeoutMs: 1_000,
      killTimeoutMs: 500,
      requestTimeoutMs: 2_000,
      ...options,
    },
    {
      fork(modulePath, args, forkOptions) {
        forks.push({ modulePath, args, env: forkOptions.env as Record<string, string> | undefined });
        const child = new FakeChild(1000 + children.length);
        children.push(child);
        return child;
      },
      onChildProcessGone(listener) {
        goneListener = listener;
        return () => {
          goneListener = () => {};
        };
      },
      writeLog: (line) => lines.push(line),
    },
  );
  for (const name of ['ready', 'exit', 'crash', 'state'] as const) engine.on(name, (info: unknown) => events.push({ name, info }));
  return {
    engine,
    children,
    forks,
    lines,
    events,
    gone: (details) => goneListener({ type: 'Utility', name: 'VALL-E Studio Engine', ...details }),
    latest: () => children[children.length - 1],
  };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('EngineProcess', () => {
  it('forks the entry with the home and the explicit environment, and is ready only on `ready`', () => {
    const h = harness();
    h.engine.start();
    expect(h.forks).toEqual([{ modulePath: '/app/utility-bootstrap.js', args: ['--home=/home/studio'], env: { PATH: '/bin' } }]);
    expect(h.engine.state).toBe('starting');
    h.latest().reply({ kind: 'ready', pid: 1000 });
    expect(h.engine.state).toBe('ready');
    expect(h.events.filter((e) => e.name === 'ready')).toEqual([{ name: 'ready', info: { pid: 1000 } }]);
  });

  it('prefixes every line the engine prints with its pid', async () => {
    const h = harness();
    h.engine.start();
    h.latest().stdout.write('opened studio.db\n');
    h.latest().stderr.write('warning: slow disk\npartial');
    h.latest().stderr.end();
    await vi.waitFor(() => expect(h.lines).toContain('[engine 1000] partial'));
    expect(h.lines).toContain('[engine 1000] opened studio.db');
    expect(h.lines).toContain('[engine 1000] warning: slow disk');
  });

  it('restarts a crashed engine with growing delays and gives up after maxRestarts crashes in a row', () => {
    const h = harness();
    h.engine.start();
    const delays: (number | null)[] = [];
    h.engine.on('crash', ({ restartInMs }) => delays.push(restartInMs));
    for (let crash = 1; crash <= 4; crash++) {
      h.latest().exit(1);
      if (crash <= 3) {
        expect(h.engine.state).toBe('restarting');
        vi.advanceTimersByTime([100, 200, 400][crash - 1] - 1);
        expect(h.children).toHaveLength(crash); // not yet
        vi.advanceTimersByTime(1);
        expect(h.children).toHaveLength(crash + 1);
      }
    }
    expect(delays).toEqual([100, 200, 400, null]);
    expect(h.engine.state).toBe('failed');
    vi.advanceTimersByTime(60_000);
    expect(h.children).toHaveLength(4);
  });

  it('counts crashes again from zero after a stable run', () => {
    const h = harness();
    h.engine.start();
    h.latest().exit(1);
    vi.advanceTimersByTime(100);
    h.latest().exit(1);
    vi.advanceTimersByTime(200);
    h.latest().reply({ kind: 'ready', pid: 1002 });
    vi.advanceTimersByTime(10_000); // stable
    const delays: (number | null)[] = [];
    h.engine.on('crash', ({ restartInMs }) => delays.push(restartInMs));
    h.latest().exit(1);
    expect(delays).toEqual([100]);
  });

  it('reports the reason Electron gives, once, and uses it for the exit event', () => {
    const h = harness();
    h.engine.start();
    h.gone({ reason: 'oom', exitCode: 137 });
    h.latest().exit(137);
    const crashes = h.events.filter((e) => e.name === 'crash').map((e) => (e.info as { reason: string }).reason);
    expect(crashes).toEqual(['oom']);
    const exit = h.events.find((e) => e.name === 'exit')?.info as { reason: string; expected: boolean; code: number };
    expect(exit).toMatchObject({ reason: 'oom', expected: false, code: 137 });
  });

  it('does not restart after a fatal start-up failure', () => {
    const h = harness();
    h.engine.start();
    h.latest().reply({ kind: 'fatal', code: 'db_version_too_new', message: 'The library was made by a newer version.' });
    h.latest().exit(1);
    expect(h.engine.state).toBe('failed');
    expect(h.events.filter((e) => e.name === 'crash').map((e) => e.info)).toEqual([
      { pid: 1000, reason: 'fatal', message: 'The library was made by a newer version.', restartInMs: null },
    ]);
    vi.advanceTimersByTime(60_000);
    expect(h.children).toHaveLength(1);
  });

  it('kills an engine that does not get ready in time and restarts it', () => {
    const h = harness();
    h.engine.start();
    vi.advanceTimersByTime(5_000);
    expect(h.latest().killed).toBe(true);
    h.latest().exit(0);
    const crash = h.events.find((e) => e.name === 'crash')?.info as { reason: string; restartInMs: number };
    expect(crash).toMatchObject({ reason: 'ready-timeout', restartInMs: 100 });
    vi.advanceTimersByTime(100);
    expect(h.children).toHaveLength(2);
  });

  it('stop() asks for a shutdown and resolves when the engine exits; no restart follows', async () => {
    const h = harness();
    h.engine.start();
    h.latest().reply({ kind: 'ready', pid: 1000 });
    const stopped = h.engine.stop();
    expect(h.latest().sent).toEqual([{ kind: 'shutdown' }]);
    h.latest().exit(0);
    await stopped;
    expect(h.engine.state).toBe('stopped');
    expect(h.latest().killed).toBe(false);
    vi.advanceTimersByTime(60_000);
    expect(h.children).toHaveLength(1);
    expect(h.events.filter((e) => e.name === 'crash')).toEqual([]);
  });

  it('stop() kills an engine that ignores the shutdown past the deadline', async () => {
    const h = harness();
    h.engine.start();
    h.latest().reply({ kind: 'ready', pid: 1000 });
    let done = false;
    const stopped = h.engine.stop().then(() => (done = true));
    vi.advanceTimersByTime(999);
    expect(h.latest().killed).toBe(false);
    vi.advanceTimersByTime(1);
    expect(h.latest().killed).toBe(true);
    await Promise.resolve();
    expect(done).toBe(false);
    h.latest().exit(143);
    await stopped;
    expect(h.engine.state).toBe('stopped');
  });

  it('hands a port to the engine only when it is ready', () => {
    const h = harness();
    h.engine.start();
    const port = {} as never;
    expect(h.engine.connect(port, 7)).toBe(false);
    h.latest().reply({ kind: 'ready', pid: 1000 });
    expect(h.engine.connect(port, 7)).toBe(true);
    expect(h.latest().sent).toEqual([{ kind: 'connect', connection: 7 }]);
  });

  it('resolves allowRoots when the engine confirms, and replays granted roots to a restarted engine first', async () => {
    const h = harness();
    h.engine.start();
    h.latest().reply({ kind: 'ready', pid: 1000 });
    const granted = h.engine.allowRoots(['/music/a.wav']);
    const request = h.latest().sent[0];
    expect(request).toEqual({ kind: 'allow-roots', request: 1, paths: ['/music/a.wav'] });
    h.latest().reply({ kind: 'roots-allowed', request: 1 });
    await expect(granted).resolves.toBeUndefined();

    h.latest().exit(1);
    vi.advanceTimersByTime(100);
    h.latest().reply({ kind: 'ready', pid: 1001 });
    expect(h.latest().sent[0]).toEqual({ kind: 'allow-roots', request: 2, paths: ['/music/a.wav'] });
  });

  it('rejects requests in flight with engine_unavailable when the engine dies', async () => {
    const h = harness();
    h.engine.start();
    h.latest().reply({ kind: 'ready', pid: 1000 });
    const granted = h.engine.allowRoots(['/music']);
    h.latest().exit(1);
    const error = await granted.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StudioError);
    expect((error as StudioError).code).toBe('engine_unavailable');
  });

  it('reports a refused grant as an error', async () => {
    const h = harness();
    h.engine.start();
    h.latest().reply({ kind: 'ready', pid: 1000 });
    const granted = h.engine.allowRoots(['/music']);
    h.latest().reply({ kind: 'roots-allowed', request: 1, error: 'no such method' });
    await expect(granted).rejects.toThrow(/no such method/);
  });

  it('restart() replaces a running engine without counting a crash', async () => {
    const h = harness();
    h.engine.start();
    h.latest().reply({ kind: 'ready', pid: 1000 });
    const restarted = h.engine.restart();
    expect(h.latest().sent).toEqual([{ kind: 'shutdown' }]);
    h.latest().exit(0);
    await restarted;
    expect(h.children).toHaveLength(2);
    expect(h.engine.state).toBe('starting');
    expect(h.events.filter((e) => e.name === 'crash')).toEqual([]);
  });
});

describe('engineEnvironment', () => {
  it('passes what the engine needs, our own switches and the home, and nothing else', () => {
    const env = engineEnvironment(
      {
        PATH: '/usr/bin',
        HOME: '/home/u',
        LD_LIBRARY_PATH: '/opt/cuda/lib',
        NODE_OPTIONS: '--require /tmp/evil.js',
        ELECTRON_RUN_AS_NODE: '1',
        AWS_SECRET_ACCESS_KEY: 'secret',
        VALLE_STUDIO_DEBUG_ENVELOPES: '1',
      },
      '/data/studio',
    );
    expect(env).toEqual({
      PATH: '/usr/bin',
      HOME: '/home/u',
      LD_LIBRARY_PATH: '/opt/cuda/lib',
      VALLE_STUDIO_DEBUG_ENVELOPES: '1',
      VALLE_STUDIO_HOME: '/data/studio',
      VALLE_STUDIO_HOST_KIND: 'electron',
      NODE_ENV: 'production',
    });
  });
});
