// Typed handles on engine worker threads, and the one kept booted ahead of need.
import { Worker } from 'node:worker_threads';
import { ENGINE_WORKER_URL } from '../engine/index.ts';
import type { WorkerCommand, WorkerEvent } from '../../shared/worker-protocol.ts';

type OnEvent = (event: WorkerEvent) => void;
type OnCrash = (message: string) => void;

export class EngineWorker {
  private readonly worker: Worker;
  private exited = false;
  private onEvent: OnEvent | null = null;
  private onCrash: OnCrash | null = null;
  /** Its warm-up (engine/training/warm-up.ts), once it has reported it. */
  warmed: Extract<WorkerEvent, { type: 'warmed' }> | null = null;

  /** A worker for these handlers; without them, a spare (EngineStandby) that `adopt` gives them later. */
  constructor(onEvent?: OnEvent, onCrash?: OnCrash) {
    // Inherit only what the engine needs; the worker bootstraps its own TypeScript loader.
    this.worker = new Worker(ENGINE_WORKER_URL, { execArgv: [], stdout: false, stderr: false });
    this.worker.on('message', (event: WorkerEvent) => {
      if (event.type === 'warmed') this.warmed = event;
      this.onEvent?.(event);
    });
    this.worker.on('error', (err) => this.onCrash?.(`the engine worker crashed: ${err.message}`));
    this.worker.on('exit', (code) => {
      this.exited = true;
      if (code !== 0) this.onCrash?.(`the engine worker exited with code ${code}`);
    });
    if (onEvent && onCrash) this.adopt(onEvent, onCrash);
    else this.worker.unref(); // a spare never keeps a process alive
  }

  get alive(): boolean {
    return !this.exited;
  }

  adopt(onEvent: OnEvent, onCrash: OnCrash): this {
    this.worker.ref();
    this.onEvent = onEvent;
    this.onCrash = onCrash;
    return this;
  }

  send(command: WorkerCommand): void {
    if (!this.exited) this.worker.postMessage(command);
  }

  async terminate(): Promise<void> {
    if (this.exited) return;
    this.exited = true;
    this.worker.removeAllListeners('exit');
    await this.worker.terminate();
  }
}

/**
 * One engine worker booted, and warmed up, before anything asks for it. Booting one takes ~2 s (loading
 * TensorFlow.js and its wasm, the TypeScript loader) and its first training steps ran ~1.5× slower than
 * the rest: a run or a job handed the spare starts at once, at its steady pace. The spare is booted
 * only while nothing trains in this process (booting takes a core), and only where a process waits on
 * its user (the desktop app, `serve`); elsewhere `take` boots a worker as before.
 */
export class EngineStandby {
  private spare: EngineWorker | null = null;
  private closed = false;

  constructor(
    private readonly enabled: boolean,
    /** Whether a run trains in this process now. */
    private readonly training: () => boolean,
  ) {}

  /**
   * The spare, given these handlers, if there is a live one; else a fresh worker. The next spare boots at
   * `refill`, once the taker's work is done: booting beside it would slow it (and skew an estimate's timing).
   */
  take(onEvent: OnEvent, onCrash: OnCrash): EngineWorker {
    const spare = this.spare?.alive ? this.spare : null;
    this.spare = null;
    return spare ? spare.adopt(onEvent, onCrash) : new EngineWorker(onEvent, onCrash);
  }

  /** Whether a spare is booted or booting. */
  get hasSpare(): boolean {
    return Boolean(this.spare?.alive);
  }

  /** Whether the spare has finished its warm-up (a run handed it now starts at its steady pace). */
  get spareWarm(): boolean {
    return Boolean(this.spare?.alive && this.spare.warmed);
  }

  /** Boots a spare if there should be one and none is there: at start, when a run ends, when the jobs are answered. */
  refill(): void {
    if (!this.enabled || this.closed || this.training()) return;
    if (this.spare?.alive) return;
    this.spare = new EngineWorker();
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.spare?.terminate();
    this.spare = null;
  }
}
