// Runs: starts training workers, steers them, and records everything they report in SQLite.
import { mkdirSync } from 'node:fs';
import { ApiError, type ApiEvents, type RunCommand } from '../../shared/api.ts';
import { RunConfigSchema, type RunConfig, type RunConfigInput } from '../../shared/config.ts';
import { describeZodError } from '../../shared/schemas.ts';
import type { RunStatus, RunSummary } from '../../shared/types.ts';
import type { WorkerEvent } from '../../shared/worker-protocol.ts';
import type { Store } from '../db/index.ts';
import { randomSeed } from '../engine/rng.ts';
import { EngineWorker } from './engine-host.ts';
import { homePaths } from './home.ts';

type Emit = <E extends keyof ApiEvents>(event: E, payload: ApiEvents[E]) => void;

interface ActiveRun {
  worker: EngineWorker;
  done: Promise<RunSummary>;
  lastProgressWrite: number;
}

export class RunManager {
  private readonly active = new Map<number, ActiveRun>();

  constructor(
    private readonly home: string,
    private readonly store: Store,
    private readonly emit: Emit,
  ) {}

  isActive(id: number): boolean {
    return this.active.has(id);
  }

  /** Resolves when the run's worker has finished, stopped or failed. */
  whenDone(id: number): Promise<RunSummary> {
    const run = this.active.get(id);
    return run ? run.done : Promise.resolve(this.require(id));
  }

  private require(id: number): RunSummary {
    const run = this.store.runs.get(id);
    if (!run) throw new ApiError('not-found', `there is no run ${id}`);
    return run;
  }

  start(datasetId: number, input: RunConfigInput | undefined): RunSummary {
    const dataset = this.store.datasets.get(datasetId);
    if (!dataset) throw new ApiError('not-found', `there is no dataset ${datasetId}`);
    const parsed = RunConfigSchema.safeParse(input ?? {});
    if (!parsed.success) throw new ApiError('invalid-request', describeZodError(parsed.error));
    const config: RunConfig = parsed.data;
    if (config.task === 'generate' && dataset.kind === 'labelled') {
      throw new ApiError('bad-input', `dataset ${datasetId} holds labelled examples: it trains classifiers (--task classify)`);
    }
    if (config.task === 'classify' && dataset.kind === 'text') {
      throw new ApiError('bad-input', `dataset ${datasetId} is a text corpus without labels: it trains generators; import a CSV, TSV, JSONL or folder per label to train a classifier`);
    }
    config.train.seed ??= randomSeed();
    const t = config.train;
    const trainChars = dataset.chars - Math.floor(dataset.chars * t.valSplit);
    if (config.task === 'generate' && trainChars < t.seqLen + 1) {
      throw new ApiError(
        'bad-input',
        `dataset ${datasetId} has ${dataset.chars} characters; after the ${t.valSplit * 100}% validation split that is fewer than one window of seq-len ${t.seqLen} + 1. Use a smaller --seq-len or --val-split.`,
      );
    }
    const id = this.store.runs.insert(datasetId, config);
    this.launch(id, config, null, null);
    return this.require(id);
  }

  resume(id: number, maxSteps: number | undefined): RunSummary {
    const run = this.require(id);
    if (this.active.has(id)) throw new ApiError('conflict', `run ${id} is already training`);
    if (run.status === 'running' || run.status === 'paused' || run.status === 'created') {
      throw new ApiError('conflict', `run ${id} is being trained by another RNN Studio process`);
    }
    const checkpoint = this.store.checkpoints.latest(id);
    if (!checkpoint) throw new ApiError('bad-input', `run ${id} has no checkpoint to resume from; start a new run instead`);
    const total = maxSteps ?? run.totalSteps ?? run.config.train.maxSteps;
    if (total !== null && total <= checkpoint.step) {
      throw new ApiError('bad-input', `run ${id} is already at step ${checkpoint.step} of ${total}; pass --max-steps above ${checkpoint.step} to train it further`);
    }
    const config: RunConfig = maxSteps ? { ...run.config, train: { ...run.config.train, maxSteps } } : run.config;
    // Continue exactly from the checkpoint: what was recorded after it never happened.
    this.store.transaction(() => {
      this.store.metrics.deleteAfter(id, checkpoint.step);
      this.store.samples.deleteTrainingAfter(id, checkpoint.step);
      this.store.checkpoints.deleteAfter(id, checkpoint.step);
      this.store.evaluations.deleteValidationAfter(id, checkpoint.step);
      this.store.runs.updateProgress(id, { step: checkpoint.step, epoch: checkpoint.epoch, lastTrainLoss: checkpoint.trainLoss });
      this.store.runs.recomputeBest(id);
    });
    this.launch(id, config, checkpoint.path, maxSteps ?? null);
    return this.require(id);
  }

  control(id: number, command: RunCommand, lr?: number): RunSummary {
    const run = this.active.get(id);
    if (!run) {
      this.require(id);
      throw new ApiError('conflict', `run ${id} is not training in this process`);
    }
    run.worker.send(command === 'set-learning-rate' ? { type: command, lr: lr! } : { type: command });
    return this.require(id);
  }

  private launch(id: number, config: RunConfig, resumeFrom: string | null, maxSteps: number | null): void {
    const content = this.store.datasets.content(this.require(id).datasetId)!;
    const checkpointDir = homePaths(this.home).runCheckpoints(id);
    mkdirSync(checkpointDir, { recursive: true });
    let settle!: (run: RunSummary) => void;
    const done = new Promise<RunSummary>((resolve) => (settle = resolve));
    const finish = (status: RunStatus, error: string | null) => {
      if (!this.active.has(id)) return;
      this.store.runs.setStatus(id, status, error);
      const entry = this.active.get(id)!;
      this.active.delete(id);
      void entry.worker.terminate();
      this.emit('run:status', { runId: id, status, error });
      settle(this.require(id));
    };
    const worker = new EngineWorker(
      (event) => this.onEvent(id, config, event, finish),
      (message) => finish('failed', message),
    );
    this.active.set(id, { worker, done, lastProgressWrite: 0 });
    worker.send({ type: 'start', runId: id, config, corpusPath: content.contentPath, vocab: content.vocab, labels: content.labels, checkpointDir, resumeFrom, maxSteps });
  }

  private onEvent(id: number, config: RunConfig, e: WorkerEvent, finish: (s: RunStatus, error: string | null) => void): void {
    const store = this.store;
    switch (e.type) {
      case 'ready':
        store.runs.claim(id, e.backend, e.parameters, e.totalSteps, config);
        this.emit('run:ready', { runId: id, backend: e.backend, parameters: e.parameters, totalSteps: e.totalSteps, startStep: e.startStep, notes: e.notes });
        this.emit('run:status', { runId: id, status: 'running', error: null });
        break;
      case 'progress': {
        const { type: _type, ...progress } = e;
        const run = this.active.get(id);
        // The run row is a summary: writing it once a second is plenty; every point goes to listeners.
        if (run && performance.now() - run.lastProgressWrite > 1000) {
          run.lastProgressWrite = performance.now();
          store.runs.updateProgress(id, { step: e.step, epoch: e.epoch, lastTrainLoss: e.loss });
        }
        this.emit('run:progress', { runId: id, ...progress });
        break;
      }
      case 'metrics': {
        const { type: _type, ...m } = e;
        store.metrics.insert({ runId: id, ...m });
        if (m.valLoss !== null) store.runs.offerValLoss(id, m.valLoss);
        this.emit('run:metrics', { runId: id, point: { runId: id, ...m, at: new Date().toISOString() } });
        break;
      }
      case 'sample': {
        const sampleId = store.samples.insert({ runId: id, checkpointId: null, step: e.step, source: 'training', prompt: e.prompt, params: e.params, seed: e.params.seed, text: e.text });
        this.emit('run:sample', { runId: id, sample: store.samples.get(sampleId)! });
        break;
      }
      case 'checkpoint': {
        const checkpointId = store.transaction(() => {
          for (const path of e.removed) store.checkpoints.deleteByPath(id, path);
          const cid = store.checkpoints.insert({ runId: id, step: e.step, epoch: e.epoch, path: e.path, bytes: e.bytes, reason: e.reason, trainLoss: e.trainLoss, valLoss: e.valLoss });
          store.runs.updateProgress(id, { step: e.step, epoch: e.epoch, lastTrainLoss: e.trainLoss, trainSeconds: e.trainSeconds });
          return cid;
        });
        this.emit('run:checkpoint', { runId: id, checkpoint: store.checkpoints.get(checkpointId)! });
        break;
      }
      case 'evaluation': {
        const { type: _type, ...report } = e;
        const evaluationId = store.evaluations.insert({ runId: id, source: 'validation', path: null, ...report });
        this.emit('run:evaluation', { runId: id, evaluation: store.evaluations.get(evaluationId)! });
        break;
      }
      case 'status':
        store.runs.setStatus(id, e.status);
        this.emit('run:status', { runId: id, status: e.status, error: null });
        break;
      case 'finished':
        store.runs.updateProgress(id, { step: e.step, epoch: this.require(id).epoch, lastTrainLoss: e.finalLoss });
        finish(e.reason === 'stopped' ? 'stopped' : 'finished', null);
        break;
      case 'failed':
        finish('failed', e.message);
        break;
      default:
        break;
    }
  }

  /** Stops every active run (each writes a checkpoint) and waits for them. */
  async stopAll(): Promise<void> {
    const pending = [...this.active.entries()].map(([id, run]) => {
      run.worker.send({ type: 'stop' });
      return run.done.then(() => id);
    });
    await Promise.all(pending);
  }
}
