// Training on both cores: a helper worker thread computes the gradient of one half of each batch while
// the training thread computes the other; the training thread averages them and takes the Adam step.
// Weights go to the helper before each step and gradients come back as transferred buffers (≈ 1.4 MB each
// way for P1: about a millisecond). Both threads hold the same task and data plan, so a run stays
// deterministic — for a given number of threads — and resumes exactly.
import { Worker, type MessagePort } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import type { RunConfig } from '../../shared/config.ts';
import { ENGINE_WORKER_URL } from './index.ts';
import type { Part } from './tasks/task.ts';
import { native, nativeStatus } from './native.ts';

export interface HelperInit {
  config: RunConfig;
  vocab: string[];
  labels: string[] | null;
  contentPath: string;
  seed: number;
}

export interface HelperStep {
  epoch: number;
  index: number;
  dropoutSeed: number;
  part: Part;
  /** Current weights, in the task's variable order. */
  weights: Float32Array[];
}

export interface HelperResult {
  loss: number;
  grads: Float32Array[];
}

/**
 * TensorFlow.js threads to train on: 2 (this one and a helper) only when the native kernels are absent
 * — they use every core themselves — and there are two cores; RNN_STUDIO_TRAIN_THREADS=1 keeps one.
 */
export function trainingThreads(backend: string): number {
  if (native()) return 1;
  const asked = Number(process.env.RNN_STUDIO_TRAIN_THREADS);
  if (asked === 1) return 1;
  // tfjs-node runs TensorFlow's own thread pool: a second copy would only compete with it.
  return backend !== 'node' && availableParallelism() >= 2 ? 2 : 1;
}

/** For the user: what trains on how many threads. */
export function threadsNote(backend: string): string {
  const status = nativeStatus();
  if (status.kernels) return `recurrent layers and large matrix products on ${status.note}`;
  const n = trainingThreads(backend);
  return `${status.note}; training on ${n} thread${n === 1 ? '' : 's'}${n === 2 ? ' (RNN_STUDIO_TRAIN_THREADS=1 for one)' : ''}`;
}

export class GradientHelper {
  private waiting: { resolve(r: HelperResult): void; reject(e: Error): void } | null = null;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (m: HelperResult | { error: string }) => {
      const w = this.waiting;
      this.waiting = null;
      if ('error' in m) w?.reject(new Error(`the second training thread failed: ${m.error}`));
      else w?.resolve(m);
    });
    worker.on('error', (err) => this.waiting?.reject(err));
  }

  static async start(init: HelperInit): Promise<GradientHelper> {
    const worker = new Worker(ENGINE_WORKER_URL, { workerData: { role: 'gradients', init }, execArgv: [] });
    await new Promise<void>((resolve, reject) => {
      worker.once('message', (m: { ready?: boolean; error?: string }) => (m.ready ? resolve() : reject(new Error(m.error))));
      worker.once('error', reject);
    });
    return new GradientHelper(worker);
  }

  /** Sends a step; the result arrives while this thread computes its own half. */
  compute(step: HelperStep): Promise<HelperResult> {
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.worker.postMessage(step, step.weights.map((w) => w.buffer as ArrayBuffer));
    });
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}

/** The helper's side: builds the same task, then answers each step with its half's gradients. */
export async function serveGradients(port: MessagePort, init: HelperInit): Promise<void> {
  try {
    const { initBackend, tf } = await import('./backend.ts');
    const { buildTask } = await import('./tasks/index.ts');
    await initBackend();
    const { task } = buildTask({ ...init, resume: null });
    const variables = [...task.variables.values()];
    port.on('message', (step: HelperStep) => {
      try {
        tf.tidy(() => variables.forEach((v, i) => v.assign(tf.tensor(step.weights[i], v.shape))));
        const { loss, grads } = tf.tidy(() => {
          const r = tf.variableGrads(() => task.batchLoss(step.epoch, step.index, step.dropoutSeed, step.part), variables);
          return { loss: r.value, grads: variables.map((v) => r.grads[v.name]) };
        });
        const arrays = grads.map((g) => (g.dataSync() as Float32Array).slice());
        const value = loss.dataSync()[0];
        tf.dispose([loss, ...grads]);
        port.postMessage({ loss: value, grads: arrays }, arrays.map((a) => a.buffer as ArrayBuffer));
      } catch (err) {
        port.postMessage({ error: (err as Error).message });
      }
    });
    port.postMessage({ ready: true });
  } catch (err) {
    port.postMessage({ error: (err as Error).message });
  }
}
