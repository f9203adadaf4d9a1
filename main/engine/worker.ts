// The engine's worker thread: trains one run (training/run.ts), or answers short jobs (jobs.ts: sampling,
// classifying, inspecting; training/run.ts: probe steps) as the core commands, and warms up until its first
// command (training/warm-up.ts). Everything heavy happens here, never on the event loop of the process that
// owns the UI or the CLI.
import { parentPort } from 'node:worker_threads';
import { getPriority, setPriority } from 'node:os';
import type { WorkerCommand, WorkerEvent } from '../../shared/worker-protocol.ts';
import { initBackend } from './model/backend.ts';
import { TrainingControl } from './training/control.ts';
import { probe, train } from './training/run.ts';
import { warmUp } from './training/warm-up.ts';
import { classify, disposeModels, inside, inspect, sample } from './jobs.ts';

if (!parentPort) throw new Error('worker.ts must run in a worker thread');
const port = parentPort;
const post = (event: WorkerEvent) => port.postMessage(event);

/** The controls of the run this worker trains, if any. */
let control: TrainingControl | null = null;

/**
 * Training yields to the app: on Linux the nice value is per thread, so this lowers the training thread
 * (and the native kernels' threads it starts, which inherit it) below the UI's. Elsewhere it would lower
 * the whole process, so it is left alone there.
 */
function yieldToTheApp(): void {
  if (process.platform !== 'linux') return;
  try {
    setPriority(0, Math.max(getPriority(0), 5));
  } catch {
    // Not allowed here: train at the same priority.
  }
}

// Until its first command, a fresh engine warms up on tiny models (training/warm-up.ts): a worker booted
// ahead of need (core/engine-host.ts) then starts a run at its steady pace. Any command ends the warm-up
// after the tiny step under way (~2 ms).
let commanded = false;
void (async () => {
  yieldToTheApp(); // background work: below the app, as training is
  try {
    await initBackend();
    const { steps, ms } = await warmUp(() => !commanded);
    post({ type: 'warmed', steps, ms, error: null });
  } catch (err) {
    post({ type: 'warmed', steps: 0, ms: 0, error: (err as Error).message });
  }
})();

port.on('message', (cmd: WorkerCommand) => {
  commanded = true;
  switch (cmd.type) {
    case 'start': {
      yieldToTheApp();
      const ctl = new TrainingControl();
      control = ctl;
      void train(cmd, ctl, post).finally(() => {
        if (control === ctl) control = null;
      });
      break;
    }
    case 'sample':
      void sample(cmd, post);
      break;
    case 'classify':
      void classify(cmd, post);
      break;
    case 'inspect':
      void inspect(cmd, post);
      break;
    case 'units':
    case 'connectivity':
    case 'gradient-flow':
      void inside(cmd, post);
      break;
    case 'probe':
      void probe(cmd, post);
      break;
    case 'pause':
      control?.pause();
      break;
    case 'resume':
      control?.resume();
      break;
    case 'stop':
      control?.stop();
      break;
    case 'checkpoint-now':
      control?.checkpointNow();
      break;
    case 'set-learning-rate':
      control?.setLearningRate(cmd.lr);
      break;
    case 'shutdown':
      disposeModels();
      port.close();
      break;
  }
});
