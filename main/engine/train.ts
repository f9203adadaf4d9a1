// The training loop. It knows nothing of workers, SQLite or the UI: it reports through callbacks and is
// steered through a TrainingControl (pause, resume, stop, checkpoint now, learning rate).
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { tf } from './backend.ts';
import type { RunConfig } from '../../shared/config.ts';
import type { CheckpointEvent, MetricsEvent, ProgressEvent, TrainingSampleEvent } from '../../shared/worker-protocol.ts';
import type { CheckpointReason } from '../../shared/types.ts';
import { BatchPlan, Vocabulary, type Batch } from './data.ts';
import { CharRnn, initialWeights } from './model.ts';
import { Adam } from './optimizer.ts';
import { Rng, mixSeed } from './rng.ts';
import { generate } from './sample.ts';
import { saveCheckpoint, type CheckpointState } from './checkpoint.ts';

type Payload<E extends { type: string }> = Omit<E, 'type'>;

export interface TrainerCallbacks {
  onProgress(e: Payload<ProgressEvent>): void;
  onMetrics(e: Payload<MetricsEvent>): void;
  onSample(e: Payload<TrainingSampleEvent>): void;
  onCheckpoint(e: Payload<CheckpointEvent>): void;
  onStatus(status: 'running' | 'paused'): void;
}

/** Requests from outside the loop; the loop acts on them between steps. */
export class TrainingControl {
  stopRequested = false;
  pauseRequested = false;
  checkpointRequested = false;
  newLearningRate: number | null = null;
  private wake: (() => void) | null = null;

  pause(): void {
    this.pauseRequested = true;
  }
  resume(): void {
    this.pauseRequested = false;
    this.wake?.();
  }
  stop(): void {
    this.stopRequested = true;
    this.wake?.();
  }
  checkpointNow(): void {
    this.checkpointRequested = true;
  }
  setLearningRate(lr: number): void {
    this.newLearningRate = lr;
  }
  /** Resolves on resume or stop. */
  waitWhilePaused(): Promise<void> {
    return new Promise((resolve) => {
      this.wake = () => {
        this.wake = null;
        resolve();
      };
    });
  }
}

export interface TrainerOptions {
  config: RunConfig;
  vocab: string[];
  /** The whole corpus, encoded with `vocab`. */
  corpus: Uint16Array;
  startChar: string;
  checkpointDir: string;
  /** Continue from this state instead of fresh weights. */
  resume: CheckpointState | null;
  /** Total steps of the run (overrides config.train.maxSteps, e.g. when resuming). */
  maxSteps: number | null;
}

const yieldToEvents = () => new Promise<void>((resolve) => setImmediate(resolve));

export class Trainer {
  readonly model: CharRnn;
  readonly plan: BatchPlan;
  readonly totalSteps: number;
  private readonly optimizer: Adam;
  private readonly vocab: Vocabulary;
  private readonly rng: Rng;
  private readonly seed: number;
  private readonly validation: Batch[];
  step: number;
  private bestValLoss: number | null;
  private lastTrainLoss: number | null;
  private lastValLoss: number | null;
  private trainSeconds: number;
  private lossWindow: number[] = [];
  private secondsPerStep: number | null = null;
  private keptCheckpoints: string[] = [];
  private bestCheckpoint: string | null = null;
  private lastEvalStep = -1;

  constructor(private readonly opts: TrainerOptions, private readonly callbacks: TrainerCallbacks) {
    const { config, resume } = opts;
    const t = config.train;
    this.seed = resume?.seed ?? t.seed ?? 0;
    this.vocab = new Vocabulary(opts.vocab);
    this.plan = new BatchPlan(opts.corpus, t.valSplit, t.seqLen, t.batch, this.seed);
    this.validation = this.plan.validationBatches(t.evalBatches);
    this.totalSteps = opts.maxSteps ?? t.maxSteps ?? t.epochs * this.plan.stepsPerEpoch;

    const weights = resume
      ? new Map([...resume.tensors].filter(([n]) => !n.startsWith('adam.')).map(([n, v]) => [n, v.data]))
      : initialWeights(this.vocab.size, config.model, new Rng(mixSeed(this.seed, 0x1417)));
    this.model = new CharRnn(this.vocab.size, config.model, weights);
    this.optimizer = new Adam(this.model.variables, resume?.lr ?? t.lr);
    if (resume) {
      tf.tidy(() => {
        for (const [name, m] of this.optimizer.m) m.assign(tf.tensor(resume.tensors.get(`adam.m/${name}`)!.data, m.shape));
        for (const [name, v] of this.optimizer.v) v.assign(tf.tensor(resume.tensors.get(`adam.v/${name}`)!.data, v.shape));
      });
      this.optimizer.step = resume.adamStep;
    }
    this.rng = new Rng(resume?.rngState ?? mixSeed(this.seed, 0xd207));
    this.step = resume?.step ?? 0;
    this.bestValLoss = resume?.bestValLoss ?? null;
    this.lastTrainLoss = resume?.lastTrainLoss ?? null;
    this.lastValLoss = resume?.lastValLoss ?? null;
    this.trainSeconds = resume?.trainSeconds ?? 0;
  }

  get epoch(): number {
    return Math.floor(this.step / this.plan.stepsPerEpoch);
  }

  get lr(): number {
    return this.optimizer.lr;
  }

  /** One optimizer step on the next batch; returns its loss. */
  trainStep(): number {
    const { clip } = this.opts.config.train;
    const batch = this.plan.batchAt(this.epoch, this.step % this.plan.stepsPerEpoch);
    const dropoutSeed = this.rng.seed();
    const loss = tf.tidy(() => {
      const x = tf.tensor2d(batch.inputs, [batch.batch, batch.seqLen], 'int32');
      const y = tf.tensor2d(batch.targets, [batch.batch, batch.seqLen], 'int32');
      const vars = [...this.model.variables.values()];
      const { value, grads } = tf.variableGrads(() => this.model.loss(x, y, dropoutSeed), vars);
      const byParam = new Map([...this.model.variables].map(([name, v]) => [name, grads[v.name]]));
      this.optimizer.apply(this.model.variables, byParam, clip);
      return value;
    });
    const value = loss.dataSync()[0];
    loss.dispose();
    this.step += 1;
    return value;
  }

  /** Mean loss over the fixed validation batches, or null without a validation part. */
  evaluate(): number | null {
    if (this.validation.length === 0) return null;
    let total = 0;
    let count = 0;
    for (const b of this.validation) {
      const loss = tf.tidy(() =>
        this.model.loss(tf.tensor2d(b.inputs, [b.batch, b.seqLen], 'int32'), tf.tensor2d(b.targets, [b.batch, b.seqLen], 'int32'), null),
      );
      total += loss.dataSync()[0] * b.batch * b.seqLen;
      count += b.batch * b.seqLen;
      loss.dispose();
    }
    return total / count;
  }

  async sample(): Promise<void> {
    const t = this.opts.config.train;
    const prime = t.samplePrime ?? '';
    const params = { length: t.sampleLength, temperature: 0.8, topK: 0, topP: 1, prime, seed: this.seed };
    const text = await generate(this.model, this.vocab, this.opts.startChar, params);
    this.callbacks.onSample({ step: this.step, prompt: prime, params, text });
  }

  async checkpoint(reason: CheckpointReason): Promise<void> {
    const tensors: CheckpointState['tensors'] = new Map();
    for (const [name, v] of this.model.variables) tensors.set(name, { shape: v.shape, data: (await v.data()) as Float32Array });
    for (const [name, m] of this.optimizer.m) tensors.set(`adam.m/${name}`, { shape: m.shape, data: (await m.data()) as Float32Array });
    for (const [name, v] of this.optimizer.v) tensors.set(`adam.v/${name}`, { shape: v.shape, data: (await v.data()) as Float32Array });
    const path = join(this.opts.checkpointDir, `step-${String(this.step).padStart(8, '0')}.ckpt`);
    const bytes = saveCheckpoint(path, {
      config: this.opts.config,
      vocab: this.opts.vocab,
      startChar: this.opts.startChar,
      step: this.step,
      epoch: this.epoch,
      batchInEpoch: this.step % this.plan.stepsPerEpoch,
      seed: this.seed,
      rngState: this.rng.getState(),
      lr: this.optimizer.lr,
      adamStep: this.optimizer.step,
      bestValLoss: this.bestValLoss,
      lastTrainLoss: this.lastTrainLoss,
      lastValLoss: this.lastValLoss,
      trainSeconds: this.trainSeconds,
      tensors,
    });
    const removed = this.pruneCheckpoints(path);
    this.callbacks.onCheckpoint({
      step: this.step,
      epoch: this.epoch,
      path,
      bytes,
      reason,
      trainLoss: this.lastTrainLoss,
      valLoss: this.lastValLoss,
      trainSeconds: this.trainSeconds,
      removed,
    });
  }

  /** Keeps the newest `keepCheckpoints` files and the one with the best validation loss. */
  private pruneCheckpoints(newest: string): string[] {
    if (!this.keptCheckpoints.includes(newest)) this.keptCheckpoints.push(newest);
    if (this.lastValLoss !== null && this.lastValLoss === this.bestValLoss) this.bestCheckpoint = newest;
    const removed: string[] = [];
    while (this.keptCheckpoints.length > this.opts.config.train.keepCheckpoints) {
      const old = this.keptCheckpoints.shift()!;
      if (old === this.bestCheckpoint) continue;
      rmSync(old, { force: true });
      removed.push(old);
    }
    return removed;
  }

  private recordMetrics(valLoss: number | null): void {
    const trainLoss = this.lossWindow.length ? this.lossWindow.reduce((a, b) => a + b, 0) / this.lossWindow.length : null;
    this.lossWindow = [];
    const t = this.opts.config.train;
    const reference = valLoss ?? trainLoss;
    this.callbacks.onMetrics({
      step: this.step,
      epoch: this.epoch,
      trainLoss,
      valLoss,
      perplexity: reference === null ? null : Math.exp(reference),
      charsPerSec: this.secondsPerStep ? (t.batch * t.seqLen) / this.secondsPerStep : null,
      lr: this.optimizer.lr,
    });
  }

  /** Trains until the last step or a stop; returns why it ended. */
  async run(control: TrainingControl): Promise<'completed' | 'stopped'> {
    const t = this.opts.config.train;
    const charsPerStep = t.batch * t.seqLen;
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
      const loss = this.trainStep();
      const seconds = (performance.now() - started) / 1000;
      this.trainSeconds += seconds;
      this.secondsPerStep = this.secondsPerStep === null ? seconds : 0.9 * this.secondsPerStep + 0.1 * seconds;
      this.lastTrainLoss = loss;
      this.lossWindow.push(loss);
      this.callbacks.onProgress({
        step: this.step,
        totalSteps: this.totalSteps,
        epoch: this.epoch,
        loss,
        charsPerSec: charsPerStep / this.secondsPerStep,
        etaSeconds: (this.totalSteps - this.step) * this.secondsPerStep,
        lr: this.optimizer.lr,
      });
      const last = this.step === this.totalSteps;
      const evalNow = this.step % t.evalEvery === 0 || last;
      if (evalNow) this.measureValidation();
      if (this.step % t.logEvery === 0 || evalNow) this.recordMetrics(evalNow ? this.lastValLoss : null);
      if (t.sampleEvery > 0 && (this.step % t.sampleEvery === 0 || last)) await this.sample();
      if (this.step % t.checkpointEvery === 0 && !last) await this.checkpoint('periodic');
      await yieldToEvents();
    }
    const stopped = this.step < this.totalSteps;
    // A stopped run still reports where it stands on validation text.
    if (stopped && this.lastEvalStep !== this.step) {
      this.measureValidation();
      this.recordMetrics(this.lastValLoss);
    } else if (this.lossWindow.length) this.recordMetrics(null);
    await this.checkpoint(stopped ? 'stop' : 'finish');
    return stopped ? 'stopped' : 'completed';
  }

  private measureValidation(): void {
    this.lastEvalStep = this.step;
    const val = this.evaluate();
    this.lastValLoss = val;
    if (val !== null && (this.bestValLoss === null || val < this.bestValLoss)) this.bestValLoss = val;
  }

  get finalLosses(): { trainLoss: number | null; valLoss: number | null } {
    return { trainLoss: this.lastTrainLoss, valLoss: this.lastValLoss };
  }

  dispose(): void {
    this.model.dispose();
    this.optimizer.dispose();
  }
}
