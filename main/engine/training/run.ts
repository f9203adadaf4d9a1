// A run as the engine's worker trains it: built from its command (fresh, resumed from the newest intact
// checkpoint, or fine-tuned from another run's weights), trained under the user's controls, and reported
// event by event; and the probe that times a few steps of a run for the estimates.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EngineFacts } from '../../../shared/engine.ts';
import type { ProbeRequest, StartTraining, WorkerEvent } from '../../../shared/worker-protocol.ts';
import { initBackend } from '../model/backend.ts';
import { engineOps, type EngineOps } from '../model/ops.ts';
import { nativeStatus } from '../native/addon.ts';
import { loadCheckpoint, loadFirstIntact, type CheckpointState } from '../storage/checkpoint.ts';
import type { TrainingControl } from './control.ts';
import { buildTask } from './tasks/index.ts';
import { QUIET, Trainer, type TrainerCallbacks } from './train.ts';

/** How the worker reports to the process that owns it. */
export type Post = (event: WorkerEvent) => void;

/** A trainer's callbacks, each posted as the worker event of the same name. */
const forwardTo = (post: Post): TrainerCallbacks => ({
  onProgress: (e) => post({ type: 'progress', ...e }),
  onMetrics: (e) => post({ type: 'metrics', ...e }),
  onSample: (e) => post({ type: 'sample', ...e }),
  onEvaluation: (e) => post({ type: 'evaluation', ...e }),
  onCheckpoint: (e) => post({ type: 'checkpoint', ...e }),
  onStatus: (status) => post({ type: 'status', status }),
});

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

/** Trains the run `cmd` asks for under `ctl`, reporting through `post` (ready, progress … finished or failed). */
export async function train(cmd: StartTraining, ctl: TrainingControl, post: Post): Promise<void> {
  let trainer: Trainer | null = null;
  try {
    const backend = await initBackend();
    // Resuming: the newest intact checkpoint; a damaged or missing newer one is passed over, and said so.
    const loaded = cmd.resumeFrom ? loadFirstIntact(cmd.resumeFrom) : null;
    trainer = makeTrainer(cmd, cmd.checkpointDir, loaded, forwardTo(post));
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
  }
}

/** Times `steps` training steps (the first warms up and is not counted). */
export async function probe(req: ProbeRequest, post: Post): Promise<void> {
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
