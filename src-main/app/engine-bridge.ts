import { ipcMain, MessageChannelMain, type IpcMainEvent, type WebContents } from 'electron';
import { desktopChannels, type EngineStatus } from '../preload/desktop-ipc.js';
import type { EngineProcess, EngineState } from './engine-process.js';

/**
 * [Note: one port per page] Wires the engine to windows; neither knows the other. Each page (and each reload)
 * says `hello`; once the engine is ready, the bridge makes a MessageChannelMain, gives one end to the engine
 * as a Studio API connection and posts the other to the page's preload. From then on page and engine talk
 * directly: main is off the hot path (ente's reason: work in main stutters the UI). When the engine goes away
 * every page is told (so its calls in flight fail at once) and, when it is ready again, gets a fresh port.
 */
export class EngineBridge {
  private readonly engine: EngineProcess;
  private readonly isTrustedSender: (event: IpcMainEvent) => boolean;
  private readonly pages = new Set<WebContents>();
  private nextConnection = 1;
  private lastProblem = 'the engine stopped';

  constructor(engine: EngineProcess, isTrustedSender: (event: IpcMainEvent) => boolean) {
    this.engine = engine;
    this.isTrustedSender = isTrustedSender;
  }

  start(): void {
    ipcMain.on(desktopChannels.hello, (event) => {
      if (!this.isTrustedSender(event)) return;
      const page = event.sender;
      if (!this.pages.has(page)) {
        this.pages.add(page);
        page.once('destroyed', () => this.pages.delete(page));
      }
      this.wire(page);
    });
    this.engine.on('ready', () => {
      for (const page of this.pages) this.wire(page);
    });
    this.engine.on('crash', ({ message }) => {
      this.lastProblem = message;
    });
    this.engine.on('exit', ({ expected }) => {
      if (expected) this.lastProblem = 'the engine was restarted';
    });
    let previous: EngineState = this.engine.state;
    this.engine.on('state', (state) => {
      const wasReady = previous === 'ready';
      previous = state;
      if (state === 'failed' || (wasReady && state !== 'ready')) this.tell({ state: state === 'failed' ? 'failed' : 'restarting', reason: this.reason(state) });
    });
  }

  private reason(state: EngineState): string {
    if (state === 'failed') return `${this.lastProblem}; use Help → Restart Engine to try again`;
    if (state === 'stopping' || state === 'stopped') return 'the app is closing';
    return `${this.lastProblem}; restarting`;
  }

  private tell(status: EngineStatus): void {
    for (const page of this.pages) if (!page.isDestroyed()) page.send(desktopChannels.engine, status);
  }

  /** A fresh engine connection for one page, if the engine is ready (otherwise `ready` will do it). */
  private wire(page: WebContents): void {
    if (page.isDestroyed() || this.engine.state !== 'ready') return;
    const { port1, port2 } = new MessageChannelMain();
    if (!this.engine.connect(port1, this.nextConnection++)) {
      port1.close();
      port2.close();
      return;
    }
    page.postMessage(desktopChannels.port, null, [port2]);
  }
}
