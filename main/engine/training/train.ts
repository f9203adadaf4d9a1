// The training loop. It knows nothing of workers, SQLite or the UI, nor of what is being trained: a
// TrainingTask (tasks/task.ts: generator or classifier) supplies the loss of each batch and the
// evaluation; the loop reports through callbacks and is steered through a TrainingControl (control.ts).
import { runLength } from '../../../shared/run-plan.ts';
import { join } from 'node:path';
import { tf } from '../model/backend.ts';
import type { RunConfig } from '../../../shared/config.ts';
import type { CheckpointEvent, EvaluationEvent, MetricsEvent, ProgressEvent, TrainingSampleEvent } from '../../../shared/worker-protocol.ts';
import type { CheckpointReason } from '../../../shared/types.ts';
import type { Evaluation, TrainingTask } from './tasks/task.ts';
import type { TrainingControl } from './control.ts';
import type { Adam } from './optimizer.ts';
import { Rng, mixSeed } from '../corpus/rng.ts';
import { saveCheckpoint, type CheckpointState } from '../storage/checkpoint.ts';
import { diskFullMessage, isDiskFull } from '../storage/files.ts';

type Payload<E extends { type: string }> = Omit<E, 'type'>;

export interface TrainerCallbacks {
  onProgress(e: Payload<ProgressEvent>): void;
  onMetrics(e: Payload<MetricsEvent>): void;
  onSample(e: Payload<TrainingSampleEvent>): void;
  onEvaluation(e: Payload<EvaluationEvent>): void;
  onCheckpoint(e: Payload<CheckpointEvent>): void;
  onStatus(status: 'running' | 'paused'): void;
}

export interface TrainerOptions {
  config: RunConfig;
  task: TrainingTask;
  /** Characters (generators) or examples (classifiers) per step, for the speed figure. */
  unitsPerStep: number;
  /** Stored in every checkpoint so sampling and classifying never pick the wrong ones. */
  vocab: string[];
  labels: string[] | null;
  startChar: string;
  seed: number;
  checkpointDir: string;
  /** Continue from this state instead of fresh weights (the task was built with its weights)… */
  resume: CheckpointState | null;
  /** …read from this file. */
  resumePath?: string | null;
  /** Total steps of the run (overrides config.train.maxSteps, e.g. when resuming). */
  maxSteps: number | null;
}

export type RunEnd = 'completed' | 'stopped' | 'early-stopped';

/** A checkpoint could not be written because the disk is full; the message says what to free. */
export class DiskFullError extends Error {
  override name = 'DiskFullError';
}

/** For a trainer nobody watches: a probe, a warm-up, a benchmark, a test. */
export const QUIET: TrainerCallbacks = { onProgress() {}, onMetrics() {}, onSample() {}, onEvaluation() {}, onCheckpoint() {}, onStatus() {} };

const yieldToEvents = () => new Promise<void>((resolve) => setImmediate(resolve));

export class Trainer {
  readonly task: TrainingTask;
  readonly totalSteps: number;
  private readonly optimizer: Adam;
  private readonly rng: Rng;
  step: number;
  private bestValLoss: number | null;
  private lastTrainLoss: number | null;
  private lastValLoss: number | null;
  /** Epochs in a row without a better validation loss (early stopping). */
  private badEpochs: number;
  private trainSeconds: number;
  private lossWindow: number[] = [];
  private secondsPerStep: number | null = null;
  /** The latest step times (s), whence secondsPerStep; the session's first step is left out once there are others. */
  private recentSteps: number[] = [];
  private stepsThisSession = 0;
  /** The newest checkpoint this session wrote, and its size on disk. */
  private lastCheckpoint: { path: string; step: number; bytes: number } | null = null;
  private lastEvalStep = -1;
  private lastEvaluation: Evaluation | null = null;

  /**
   * Seconds per step as chars/s and the ETA say it: the mean of the last 20 steps. The session's first step
   * (warming up: memory first touched, code first compiled) counts only until there is another — an
   * average seeded with it told a fresh run it was half as fast as it was for its first few dozen steps.
   */
  private pace(seconds: number): number {
    this.stepsThisSession++;
    if (this.stepsThisSession === 2) this.recentSteps = [];
    this.recentSteps.push(seconds);
    if (this.recentSteps.length > 20) this.recentSteps.shift();
    return this.recentSteps.reduce((a, b) => a + b, 0) / this.recentSteps.length;
  }

  constructor(private readonly opts: TrainerOptions, private readonly callbacks: TrainerCallbacks) {
    const { config, resume, task } = opts;
    const t = config.train;
    this.task = task;
    this.totalSteps = opts.maxSteps ?? runLength(t, task.stepsPerEpoch, 0).steps;
    this.optimizer = task.ops.adam(task.variables, resume?.lr ?? t.lr);
    if (resume) this.optimizer.restore((kind, name) => resume.tensors.get(`adam.${kind}/${name}`)!.data, resume.adamStep);
    this.rng = new Rng(resume?.rngState ?? mixSeed(opts.seed, 0xd207));
    this.step = resume?.step ?? 0;
    this.bestValLoss = resume?.bestValLoss ?? null;
    this.lastTrainLoss = resume?.lastTrainLoss ?? null;
    this.lastValLoss = resume?.lastValLoss ?? null;
    this.badEpochs = resume?.badEpochs ?? 0;
    this.trainSeconds = resume?.trainSeconds ?? 0;
    if (resume) this.lastCheckpoint = { path: opts.resumePath ?? 'the checkpoint it resumed from', step: resume.step, bytes: 0 };
  }

  get epoch(): number {
    return Math.floor(this.step / this.task.stepsPerEpoch);
  }

  get lr(): number {
    return this.optimizer.lr;
  }

  /** One optimizer step on the next batch; returns its loss. */
  async trainStep(): Promise<number> {
    const { clip } = this.opts.config.train;
    const dropoutSeed = this.rng.seed();
    const epoch = this.epoch;
    const index = this.step % this.task.stepsPerEpoch;
    const loss = tf.tidy(() => {
      const vars = [...this.task.variables.values()];
      const { value: l, grads } = tf.variableGrads(() => this.task.batchLoss(epoch, index, dropoutSeed), vars);
      const byParam = new Map([...this.task.variables].map(([name, v]) => [name, grads[v.name]]));
      this.optimizer.apply(this.task.variables, byParam, clip);
      return l;
    });
    const value = loss.dataSync()[0];
    loss.dispose();
    this.step += 1;
    return value;
  }

  async checkpoint(reason: CheckpointReason): Promise<void> {
    const tensors: CheckpointState['tensors'] = new Map();
    for (const [name, v] of this.task.variables) tensors.set(name, { shape: v.shape, data: (await v.data()) as Float32Array });
    const moments = await this.optimizer.moments();
    for (const [name, m] of moments.m) tensors.set(`adam.m/${name}`, m);
    for (const [name, v] of moments.v) tensors.set(`adam.v/${name}`, v);
    const path = join(this.opts.checkpointDir, `step-${String(this.step).padStart(8, '0')}.ckpt`);
    const bytes = this.save(path, {
      config: this.opts.config,
      vocab: this.opts.vocab,
      labels: this.opts.labels,
      startChar: this.opts.startChar,
      step: this.step,
      epoch: this.epoch,
      batchInEpoch: this.step % this.task.stepsPerEpoch,
      seed: this.opts.seed,
      rngState: this.rng.getState(),
      lr: this.optimizer.lr,
      adamStep: this.optimizer.step,
      bestValLoss: this.bestValLoss,
      lastTrainLoss: this.lastTrainLoss,
      lastValLoss: this.lastValLoss,
      badEpochs: this.badEpochs,
      trainSeconds: this.trainSeconds,
      tensors,
    });
    this.lastCheckpoint = { path, step: this.step, bytes };
    // Only the core prunes older checkpoints, once this one is recorded: a crash in between loses nothing.
    this.callbacks.onCheckpoint({
      step: this.step,
      epoch: this.epoch,
      path,
      bytes,
      reason,
      trainLoss: this.lastTrainLoss,
      valLoss: this.lastValLoss,
      trainSeconds: this.trainSeconds,
    });
  }

  /** Writes a checkpoint; a full disk ends the run with what to free (the previous checkpoint stays). */
  private save(path: string, state: CheckpointState): number {
    try {
      return saveCheckpoint(path, state);
    } catch (err) {
      if (!isDiskFull(err)) throw err;
      const need = this.lastCheckpoint?.bytes || this.task.parameterCount * 12; // weights and Adam's two moments
      const kept = this.lastCheckpoint ? `its last good checkpoint (step ${this.lastCheckpoint.step}) is kept` : 'no checkpoint of it could be written yet';
      throw new DiskFullError(`${diskFullMessage(this.opts.checkpointDir, need)}, then resume the run: the checkpoint at step ${this.step} could not be written; ${kept}`);
    }
  }

  /** Why a run stopped when its loss stopped being a number, and what the user can do. */
  private divergedMessage(loss: number): string {
    const last = this.lastCheckpoint;
    const kept = last ? `its last checkpoint (step ${last.step}, ${last.path}) is from before that` : 'no checkpoint was written before that';
    return `training diverged: the loss became ${loss} at step ${this.step}, so the weights are no longer usable; ${kept}. Train again with a lower learning rate (--lr, now ${this.optimizer.lr}) or clip the gradients (--clip).`;
  }

  private recordMetrics(evaluation: Evaluation | null): void {
    const trainLoss = this.lossWindow.length ? this.lossWindow.reduce((a, b) => a + b, 0) / this.lossWindow.length : null;
    this.lossWindow = [];
    const valLoss = evaluation?.loss ?? null;
    const reference = valLoss ?? trainLoss;
    this.callbacks.onMetrics({
      step: this.step,
      epoch: this.epoch,
      trainLoss,
      valLoss,
      perplexity: reference === null ? null : Math.exp(reference),
      charsPerSec: this.secondsPerStep ? this.opts.unitsPerStep / this.secondsPerStep : null,
      lr: this.optimizer.lr,
      valAccuracy: evaluation?.accuracy ?? null,
      valMacroF1: evaluation?.macroF1 ?? null,
    });
  }

  /** Validation loss (and, for classifiers, the full report); updates best loss and early stopping. */
  private measureValidation(): Evaluation | null {
    this.lastEvalStep = this.step;
    const evaluation = this.task.evaluate();
    this.lastEvaluation = evaluation;
    this.lastValLoss = evaluation?.loss ?? null;
    if (evaluation) {
      const improved = this.bestValLoss === null || evaluation.loss < this.bestValLoss;
      if (improved) this.bestValLoss = evaluation.loss;
      if (this.task.evalCadence === 'epochs') this.badEpochs = improved ? 0 : this.badEpochs + 1;
      if (evaluation.report) {
        const { report } = evaluation;
        this.callbacks.onEvaluation({
          step: this.step,
          epoch: this.epoch,
          loss: evaluation.loss,
          examples: report.examples,
          accuracy: report.accuracy,
          macroF1: report.macroF1,
          labels: report.labels,
          confusion: report.confusion,
          perClass: report.perClass,
          misclassified: report.misclassified,
        });
      }
    }
    return evaluation;
  }

  /** Trains until the last step, a stop, or (classifiers) early stopping; returns why it ended. */
  async run(control: TrainingControl): Promise<RunEnd> {
    const t = this.opts.config.train;
    const earlyStopping = this.task.evalCadence === 'epochs' && t.patience > 0;
    let end: RunEnd = 'completed';
    while (this.step < this.totalSteps) {
      if (control.newLearningRate !== null) {
        this.optimizer.lr = control.newLearningRate;
        control.newLearningRate = null;
      }
      if (control.stopRequested) break;
      if (control.pauseRequested) {
        await this.checkpoint('pause');
        this.callbacks.onStatus('paused');
        await control.waitWhilePaused();
        if (control.stopRequested) break;
        this.callbacks.onStatus('running');
        continue;
      }
      if (control.checkpointRequested) {
        control.checkpointRequested = false;
        await this.checkpoint('request');
      }
      const started = performance.now();
      const loss = await this.trainStep();
      if (!Number.isFinite(loss)) throw new Error(this.divergedMessage(loss));
      const seconds = (performance.now() - started) / 1000;
      this.trainSeconds += seconds;
      this.secondsPerStep = this.pace(seconds);
      this.lastTrainLoss = loss;
      this.lossWindow.push(loss);
      this.callbacks.onProgress({
        step: this.step,
        totalSteps: this.totalSteps,
        epoch: this.epoch,
        loss,
        charsPerSec: this.opts.unitsPerStep / this.secondsPerStep,
        etaSeconds: (this.totalSteps - this.step) * this.secondsPerStep,
        lr: this.optimizer.lr,
      });
      const last = this.step === this.totalSteps;
      const epochEnd = this.step % this.task.stepsPerEpoch === 0;
      const evalNow = (this.task.evalCadence === 'steps' ? this.step % t.evalEvery === 0 : epochEnd) || last;
      const evaluation = evalNow ? this.measureValidation() : null;
      if (this.step % t.logEvery === 0 || evalNow) this.recordMetrics(evaluation);
      if (this.task.sample && t.sampleEvery > 0 && (this.step % t.sampleEvery === 0 || last)) {
        this.callbacks.onSample({ step: this.step, ...(await this.task.sample(this.opts.seed)) });
      }
      if (earlyStopping && evalNow && this.badEpochs >= t.patience && !last) {
        end = 'early-stopped';
        break;
      }
      if (this.step % t.checkpointEvery === 0 && !last) await this.checkpoint('periodic');
      await yieldToEvents();
    }
    if (end === 'completed' && this.step < this.totalSteps) end = 'stopped';
    // A stopped run still reports where it stands on validation data.
    if (end === 'stopped' && this.lastEvalStep !== this.step) this.recordMetrics(this.measureValidation());
    else if (this.lossWindow.length) this.recordMetrics(null);
    await this.checkpoint(end === 'stopped' ? 'stop' : 'finish');
    return end;
  }

  get finalLosses(): { trainLoss: number | null; valLoss: number | null; evaluation: Evaluation | null } {
    return { trainLoss: this.lastTrainLoss, valLoss: this.lastValLoss, evaluation: this.lastEvaluation };
  }

  dispose(): void {
    this.task.dispose();
    this.optimizer.dispose();
  }
}
