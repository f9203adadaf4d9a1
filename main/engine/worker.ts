// The engine's worker thread: trains one run, or answers short jobs (sampling, classifying, inspecting, probe steps)
// as the core commands. Everything heavy happens here, never on the event loop of the process that owns
// the UI or the CLI.
import { parentPort } from 'node:worker_threads';
import type { EngineFacts } from '../../shared/engine.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { getPriority, setPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WorkerCommand, WorkerEvent, StartTraining, SampleRequest, ProbeRequest, ClassifyRequest, InspectRequest, InsideRequest } from '../../shared/worker-protocol.ts';
import { initBackend, tf } from './model/backend.ts';
import { QUIET, Trainer, type TrainerCallbacks } from './training/train.ts';
import { TrainingControl } from './training/control.ts';
import { loadCheckpoint, loadFirstIntact, type CheckpointState } from './storage/checkpoint.ts';
import { CharRnn } from './model/generator.ts';
import { CharClassifier, padBatch } from './model/classifier.ts';
import { Vocabulary } from './corpus/charset.ts';
import { generate } from './sampling/sample.ts';
import { surprise } from './inspect/surprise.ts';
import { connectivity, gradientFlowOf, units } from './inspect/index.ts';
import { buildTask } from './training/tasks/index.ts';
import { engineOps, type EngineOps } from './model/ops.ts';
import { nativeStatus } from './native/addon.ts';
import { warmUp } from './training/warm-up.ts';

if (!parentPort) throw new Error('worker.ts must run in a worker thread');
const port = parentPort;
const post = (event: WorkerEvent) => port.postMessage(event);

let control: TrainingControl | null = null;

const forward: TrainerCallbacks = {
  onProgress: (e) => post({ type: 'progress', ...e }),
  onMetrics: (e) => post({ type: 'metrics', ...e }),
  onSample: (e) => post({ type: 'sample', ...e }),
  onEvaluation: (e) => post({ type: 'evaluation', ...e }),
  onCheckpoint: (e) => post({ type: 'checkpoint', ...e }),
  onStatus: (status) => post({ type: 'status', status }),
};

function makeTrainer(
  cmd: Pick<StartTraining, 'config' | 'vocab' | 'labels' | 'corpusPath' | 'maxSteps' | 'initFrom'>,
  checkpointDir: string,
  resume: { state: CheckpointState; path: string } | null,
  callbacks: TrainerCallbacks,
): Trainer {
  const state = resume?.state ?? null;
  const config = state?.config ?? cmd.config;
  const vocab = state?.vocab ?? cmd.vocab;
  const labels = state?.labels ?? cmd.labels;
  const seed = state?.seed ?? config.train.seed ?? 0;
  // Fine-tuning: the weights of another run's checkpoint (its vocabulary and model are this run's).
  const init = !state && cmd.initFrom ? loadCheckpoint(cmd.initFrom) : null;
  if (init && (JSON.stringify(init.vocab) !== JSON.stringify(vocab) || JSON.stringify(init.config.model) !== JSON.stringify(config.model))) {
    throw new Error(`${cmd.initFrom}: this checkpoint's model or vocabulary is not the run's; start the fine-tuning again`);
  }
  const initial = init ? new Map([...init.tensors].filter(([n]) => !n.startsWith('adam.')).map(([n, v]) => [n, v.data])) : null;
  const built = buildTask({ config, vocab, labels, contentPath: cmd.corpusPath, seed, resume: state, initial, ops: engineOps() });
  return new Trainer(
    { config, task: built.task, unitsPerStep: built.unitsPerStep, vocab, labels, startChar: built.startChar, seed, checkpointDir, resume: state, resumePath: resume?.path, maxSteps: cmd.maxSteps },
    callbacks,
  );
}

/** What a run's arithmetic runs on, for describeEngine (shared/engine.ts). */
function engineFacts(ops: EngineOps): EngineFacts {
  const { kernels, threads } = nativeStatus();
  return { kernels: ops.kind === 'native' && kernels ? kernels.info().kernels : null, threads };
}

/** For the user: what the heavy arithmetic of a run runs on. */
function opsNote(ops: EngineOps): string {
  const { note } = nativeStatus();
  return ops.kind === 'native' ? `recurrent layers and large matrix products on ${note}` : note;
}

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

async function train(cmd: StartTraining): Promise<void> {
  yieldToTheApp();
  const ctl = new TrainingControl();
  control = ctl;
  let trainer: Trainer | null = null;
  try {
    const backend = await initBackend();
    // Resuming: the newest intact checkpoint; a damaged or missing newer one is passed over, and said so.
    const loaded = cmd.resumeFrom ? loadFirstIntact(cmd.resumeFrom) : null;
    trainer = makeTrainer(cmd, cmd.checkpointDir, loaded, forward);
    const fellBack = loaded?.skipped.map((s) => `${s.reason}: resumed from the newest intact checkpoint instead (${loaded.path}, step ${loaded.state.step})`) ?? [];
    post({
      type: 'ready',
      backend: backend.name,
      parameters: trainer.task.parameterCount,
      totalSteps: trainer.totalSteps,
      stepsPerEpoch: trainer.task.stepsPerEpoch,
      startStep: trainer.step,
      resumedFrom: loaded?.path ?? null,
      skipped: loaded?.skipped ?? [],
      notes: [...fellBack, ...backend.notes, opsNote(trainer.task.ops)],
      engine: engineFacts(trainer.task.ops),
      engineNotes: [...backend.notes, opsNote(trainer.task.ops)],
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
  state: CheckpointState;
  vocab: Vocabulary;
  generator: CharRnn | null;
  classifier: CharClassifier | null;
}
const models = new Map<string, LoadedModel>();

function loadModel(path: string): LoadedModel {
  let loaded = models.get(path);
  if (!loaded) {
    const state = loadCheckpoint(path);
    const weights = new Map([...state.tensors].filter(([n]) => !n.startsWith('adam.')).map(([n, t]) => [n, t.data]));
    const classify = state.config.task === 'classify';
    const ops = engineOps();
    loaded = {
      state,
      vocab: new Vocabulary(state.vocab),
      generator: classify ? null : new CharRnn(state.vocab.length, state.config.model, weights, ops),
      classifier: classify ? new CharClassifier(state.vocab.length, state.labels!.length, state.config.model, weights, ops) : null,
    };
    // Keep the few most recent models: switching between two checkpoints should not reload each time.
    if (models.size >= 3) {
      const [oldest] = models.keys();
      const old = models.get(oldest)!;
      (old.generator ?? old.classifier)!.dispose();
      models.delete(oldest);
    }
    models.set(path, loaded);
  }
  return loaded;
}

async function sample(req: SampleRequest): Promise<void> {
  try {
    const backend = await initBackend();
    const { generator, vocab, state } = loadModel(req.checkpointPath);
    if (!generator) throw new Error('this run is a classifier: classify text with it instead of sampling');
    const onChunk = req.stream ? (text: string) => post({ type: 'sample-chunk', requestId: req.requestId, text }) : undefined;
    const text = await generate(generator, vocab, state.startChar, req.params, onChunk);
    post({ type: 'sample-done', requestId: req.requestId, text, step: state.step, backend: backend.name });
  } catch (err) {
    post({ type: 'sample-failed', requestId: req.requestId, message: (err as Error).message });
  }
}

async function classify(req: ClassifyRequest): Promise<void> {
  try {
    await initBackend();
    const { classifier, vocab, state } = loadModel(req.checkpointPath);
    if (!classifier) throw new Error('this run is a generator: sample from it instead of classifying');
    const maxLen = state.config.train.maxLen;
    const probabilities: number[][] = [];
    const unknownChars: number[] = [];
    for (let s = 0; s < req.texts.length; s += 64) {
      const texts = req.texts.slice(s, s + 64).map((t) => {
        const ids = vocab.encode(t, true); // characters the model never saw are left out
        unknownChars.push([...t].length - ids.length + ids.filter((id) => id === vocab.unknownId).length);
        return ids.length > maxLen ? ids.slice(0, maxLen) : ids;
      });
      const b = padBatch(texts);
      const probs = tf.tidy(() => tf.softmax(classifier.forward(tf.tensor2d(b.ids, [b.batch, b.steps], 'int32'), tf.tensor2d(b.mask, [b.batch, b.steps]), null)));
      const rows = (await probs.array()) as number[][];
      probs.dispose();
      probabilities.push(...rows);
    }
    post({ type: 'classify-done', requestId: req.requestId, labels: state.labels!, probabilities, unknownChars, step: state.step });
  } catch (err) {
    post({ type: 'classify-failed', requestId: req.requestId, message: (err as Error).message });
  }
}

/** Surprise at each character of a text, from a generator's checkpoint. */
async function inspect(req: InspectRequest): Promise<void> {
  try {
    await initBackend();
    const { generator, vocab, state } = loadModel(req.checkpointPath);
    if (!generator) throw new Error('this run is a classifier: surprise is measured on generators (classify text with it instead)');
    const s = await surprise(generator, vocab, state.startChar, req.text);
    post({ type: 'inspect-done', requestId: req.requestId, chars: s.chars, bitsPerChar: s.bitsPerChar, unknownChars: s.unknownChars, step: state.step });
  } catch (err) {
    post({ type: 'inspect-failed', requestId: req.requestId, message: (err as Error).message });
  }
}

/** Units, connectivity, gradient flow: the inside of a checkpoint's network (inspect/index.ts). */
async function inside(req: InsideRequest): Promise<void> {
  try {
    await initBackend();
    const { state, vocab } = loadModel(req.checkpointPath);
    const m = { path: req.checkpointPath, state, vocab };
    if (req.type === 'units') post({ type: 'units-done', requestId: req.requestId, reply: units(m, req) });
    else if (req.type === 'connectivity') post({ type: 'connectivity-done', requestId: req.requestId, reply: connectivity(m, req) });
    else post({ type: 'gradient-flow-done', requestId: req.requestId, reply: gradientFlowOf(m, req) });
  } catch (err) {
    post({ type: `${req.type}-failed`, requestId: req.requestId, message: (err as Error).message });
  }
}

/** Times `steps` training steps (the first warms up and is not counted). */
async function probe(req: ProbeRequest): Promise<void> {
  const scratch = mkdtempSync(join(tmpdir(), 'rnn-studio-probe-'));
  let trainer: Trainer | null = null;
  try {
    const backend = await initBackend();
    trainer = makeTrainer({ ...req, maxSteps: null }, scratch, null, QUIET);
    await trainer.trainStep();
    const started = performance.now();
    const timed = Math.max(1, req.steps - 1);
    for (let i = 0; i < timed; i++) await trainer.trainStep();
    const secondsPerStep = (performance.now() - started) / 1000 / timed;
    post({ type: 'probe-done', requestId: req.requestId, secondsPerStep, stepsPerEpoch: trainer.task.stepsPerEpoch, backend: backend.name });
  } catch (err) {
    post({ type: 'probe-failed', requestId: req.requestId, message: (err as Error).message });
  } finally {
    trainer?.dispose();
    rmSync(scratch, { recursive: true, force: true });
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
    case 'start':
      void train(cmd);
      break;
    case 'sample':
      void sample(cmd);
      break;
    case 'classify':
      void classify(cmd);
      break;
    case 'inspect':
      void inspect(cmd);
      break;
    case 'units':
    case 'connectivity':
    case 'gradient-flow':
      void inside(cmd);
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
      for (const m of models.values()) (m.generator ?? m.classifier)!.dispose();
      port.close();
      break;
  }
});
