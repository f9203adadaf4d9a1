// The engine's worker thread: trains one run, or answers sampling requests, as the core commands.
// Everything heavy happens here, never on the event loop of the process that owns the UI or the CLI.
import { parentPort } from 'node:worker_threads';
import { readFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WorkerCommand, WorkerEvent, StartTraining, SampleRequest, ProbeRequest } from '../../shared/worker-protocol.ts';
import { initBackend } from './backend.ts';
import { Trainer, TrainingControl } from './train.ts';
import { loadCheckpoint } from './checkpoint.ts';
import { CharRnn } from './model.ts';
import { Vocabulary } from './data.ts';
import { generate } from './sample.ts';

if (!parentPort) throw new Error('worker.ts must run in a worker thread');
const port = parentPort;
const post = (event: WorkerEvent) => port.postMessage(event);

let control: TrainingControl | null = null;

/** The character fed first when a sample has no prime: a line start if the corpus has newlines. */
export function startCharFor(vocab: string[], corpusFirstChar: string): string {
  return vocab.includes('\n') ? '\n' : corpusFirstChar;
}

async function train(cmd: StartTraining): Promise<void> {
  const ctl = new TrainingControl();
  control = ctl;
  let trainer: Trainer | null = null;
  try {
    const backend = await initBackend();
    const resume = cmd.resumeFrom ? loadCheckpoint(cmd.resumeFrom) : null;
    const config = resume?.config ?? cmd.config;
    const vocab = resume?.vocab ?? cmd.vocab;
    const text = readFileSync(cmd.corpusPath, 'utf8');
    const corpus = new Vocabulary(vocab).encode(text);
    trainer = new Trainer(
      {
        config,
        vocab,
        corpus,
        startChar: resume?.startChar ?? startCharFor(vocab, String.fromCodePoint(text.codePointAt(0)!)),
        checkpointDir: cmd.checkpointDir,
        resume,
        maxSteps: cmd.maxSteps,
      },
      {
        onProgress: (e) => post({ type: 'progress', ...e }),
        onMetrics: (e) => post({ type: 'metrics', ...e }),
        onSample: (e) => post({ type: 'sample', ...e }),
        onCheckpoint: (e) => post({ type: 'checkpoint', ...e }),
        onStatus: (status) => post({ type: 'status', status }),
      },
    );
    post({
      type: 'ready',
      backend: backend.name,
      parameters: trainer.model.parameterCount,
      totalSteps: trainer.totalSteps,
      stepsPerEpoch: trainer.plan.stepsPerEpoch,
      startStep: trainer.step,
      notes: backend.notes,
    });
    const reason = await trainer.run(ctl);
    const { trainLoss, valLoss } = trainer.finalLosses;
    post({ type: 'finished', reason, step: trainer.step, finalLoss: trainLoss, valLoss });
  } catch (err) {
    post({ type: 'failed', message: (err as Error).message });
  } finally {
    trainer?.dispose();
    control = null;
  }
}

interface LoadedModel {
  model: CharRnn;
  vocab: Vocabulary;
  startChar: string;
  step: number;
}
const models = new Map<string, LoadedModel>();

function loadModel(path: string): LoadedModel {
  let loaded = models.get(path);
  if (!loaded) {
    const state = loadCheckpoint(path);
    const weights = new Map([...state.tensors].filter(([n]) => !n.startsWith('adam.')).map(([n, t]) => [n, t.data]));
    loaded = {
      model: new CharRnn(state.vocab.length, state.config.model, weights),
      vocab: new Vocabulary(state.vocab),
      startChar: state.startChar,
      step: state.step,
    };
    // Keep the few most recent models: switching between two checkpoints should not reload each time.
    if (models.size >= 3) {
      const [oldest] = models.keys();
      models.get(oldest)!.model.dispose();
      models.delete(oldest);
    }
    models.set(path, loaded);
  }
  return loaded;
}

async function sample(req: SampleRequest): Promise<void> {
  try {
    const backend = await initBackend();
    const { model, vocab, startChar, step } = loadModel(req.checkpointPath);
    const onChunk = req.stream ? (text: string) => post({ type: 'sample-chunk', requestId: req.requestId, text }) : undefined;
    const text = await generate(model, vocab, startChar, req.params, onChunk);
    post({ type: 'sample-done', requestId: req.requestId, text, step, backend: backend.name });
  } catch (err) {
    post({ type: 'sample-failed', requestId: req.requestId, message: (err as Error).message });
  }
}

/** Times `steps` training steps (the first warms up and is not counted). */
async function probe(req: ProbeRequest): Promise<void> {
  const scratch = mkdtempSync(join(tmpdir(), 'rnn-studio-probe-'));
  let trainer: Trainer | null = null;
  try {
    const backend = await initBackend();
    const text = readFileSync(req.corpusPath, 'utf8');
    const noop = () => {};
    trainer = new Trainer(
      { config: req.config, vocab: req.vocab, corpus: new Vocabulary(req.vocab).encode(text), startChar: '\n', checkpointDir: scratch, resume: null, maxSteps: null },
      { onProgress: noop, onMetrics: noop, onSample: noop, onCheckpoint: noop, onStatus: noop },
    );
    trainer.trainStep();
    const started = performance.now();
    const timed = Math.max(1, req.steps - 1);
    for (let i = 0; i < timed; i++) trainer.trainStep();
    const secondsPerStep = (performance.now() - started) / 1000 / timed;
    post({ type: 'probe-done', requestId: req.requestId, secondsPerStep, stepsPerEpoch: trainer.plan.stepsPerEpoch, backend: backend.name });
  } catch (err) {
    post({ type: 'probe-failed', requestId: req.requestId, message: (err as Error).message });
  } finally {
    trainer?.dispose();
    rmSync(scratch, { recursive: true, force: true });
  }
}

port.on('message', (cmd: WorkerCommand) => {
  switch (cmd.type) {
    case 'start':
      void train(cmd);
      break;
    case 'sample':
      void sample(cmd);
      break;
    case 'probe':
      void probe(cmd);
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
      for (const m of models.values()) m.model.dispose();
      port.close();
      break;
  }
});
