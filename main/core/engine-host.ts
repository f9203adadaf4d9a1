// A typed handle on one engine worker thread.
import { Worker } from 'node:worker_threads';
import { ENGINE_WORKER_URL } from '../engine/index.ts';
import type { WorkerCommand, WorkerEvent } from '../../shared/worker-protocol.ts';

export class EngineWorker {
  private readonly worker: Worker;
  private exited = false;

  constructor(onEvent: (event: WorkerEvent) => void, onCrash: (message: string) => void) {
    // Inherit only what the engine needs; the worker bootstraps its own TypeScript loader.
    this.worker = new Worker(ENGINE_WORKER_URL, { execArgv: [], stdout: false, stderr: false });
    this.worker.on('message', onEvent);
    this.worker.on('error', (err) => onCrash(`the engine worker crashed: ${err.message}`));
    this.worker.on('exit', (code) => {
      this.exited = true;
      if (code !== 0) onCrash(`the engine worker exited with code ${code}`);
    });
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
