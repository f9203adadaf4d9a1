// Runs: starts training workers, steers them, and records everything they report in SQLite.
// A run has exactly one owner, claimed atomically in SQLite; a checkpoint is recorded before older ones
// are pruned; a stop can be asked of whichever process trains a run; and nothing a worker reports, nor a
// full disk, can take the process down.
import { dataDefaults } from '../../shared/run-plan.ts';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ApiError, type ApiEvents, type RunCommand } from '../../shared/api.ts';
import { RunConfigSchema, type RunConfig, type RunConfigInput } from '../../shared/config.ts';
import { describeZodError } from '../../shared/schemas.ts';
import type { RunStatus, RunSummary } from '../../shared/types.ts';
import type { WorkerEvent } from '../../shared/worker-protocol.ts';
import type { Store } from '../db/index.ts';
import { OWNER_HEARTBEAT_MS, type Owner } from '../db/owners.ts';
import { sweepTempFiles } from '../engine/storage/files.ts';
import { randomSeed } from '../engine/corpus/rng.ts';
import { faultPoint } from '../engine/storage/faults.ts';
import { storageError } from './storage.ts';
import { assertServes, datasetToTrainOn, type FineTuning } from './run-inputs.ts';
import type { EngineStandby, EngineWorker } from './engine-host.ts';
import { homePaths } from './home.ts';
import { setting } from '../../shared/config-fields.ts';

type Emit = <E extends keyof ApiEvents>(event: E, payload: ApiEvents[E]) => void;

interface ActiveRun {
  worker: EngineWorker;
  done: Promise<RunSummary>;
  lastProgressWrite: number;
  /** Ends the run at once with this status and message (no further checkpoint). */
  abort(status: RunStatus, error: string): void;
  /** Said with the run's ready event, before the worker's own notes (fine-tuning's unknown characters). */
  notes: string[];
}

/** How often a training process looks for stop requests from other processes (`rnn-studio stop`). */
const TICK_MS = 500;

export class RunManager {
  private readonly active = new Map<number, ActiveRun>();
  /** Ended runs whose status the database could not take yet (a full disk): written when it can. */
  private readonly unrecorded = new Map<number, { status: RunStatus; error: string | null }>();
  private ticker: NodeJS.Timeout | null = null;
  private lastBeat = 0;

  constructor(
    private readonly home: string,
    private readonly store: Store,
    private readonly emit: Emit,
    private readonly owner: Owner,
    private readonly engines: EngineStandby,
  ) {}

  /** Whether a run trains in this process now. */
  get training(): boolean {
    return this.active.size > 0;
  }

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
    if (!run) throw new ApiError('not-found', `there is no run ${id}`, { key: 'errors.noRun', params: { id: id } });
    return run;
  }

  start(datasetId: number, input: RunConfigInput | undefined, init: FineTuning | null = null): RunSummary {
    const dataset = datasetToTrainOn(this.store, datasetId);
    const parsed = RunConfigSchema.safeParse(input ?? {});
    if (!parsed.success) throw new ApiError('invalid-request', describeZodError(parsed.error));
    const config: RunConfig = parsed.data;
    // A setting left out that the data suggests (a classifier's max length: 95% of its texts) takes it.
    for (const d of dataDefaults(config.task, dataset)) {
      if (d.path === 'train.maxLen' && (input?.train as { maxLen?: unknown } | undefined)?.maxLen === undefined) config.train.maxLen = d.value;
    }
    assertServes(dataset, config);
    config.train.seed ??= randomSeed();
    const id = this.store.runs.insert(datasetId, config, this.owner, init?.parentRunId ?? null);
    this.launch(id, config, null, null, init);
    return this.require(id);
  }

  /** "run 2 is being trained by rnn-studio resume (process 1234)". */
  private heldBy(id: number, holder: { pid: number; label: string }): string {
    return `run ${id} is being trained by ${holder.label} (process ${holder.pid}); stop it there, or with: rnn-studio stop ${id}`;
  }

  resume(id: number, maxSteps: number | undefined): RunSummary {
    const run = this.require(id);
    if (this.active.has(id)) throw new ApiError('conflict', `run ${id} is already training in this window`);
    if (run.status === 'imported') throw new ApiError('bad-input', `run ${id} was imported from an exported model: it has no training of its own to continue`);
    const checkpoints = this.store.checkpoints.forRun(id).reverse(); // newest first
    if (checkpoints.length === 0) throw new ApiError('bad-input', `run ${id} has no checkpoint to resume from; start a new run instead`);
    const newest = checkpoints[0];
    const total = maxSteps ?? run.totalSteps ?? run.config.train.maxSteps;
    if (total !== null && total <= newest.step) {
      throw new ApiError('bad-input', `run ${id} is already at step ${newest.step} of ${total}; set ${setting('maxSteps')} above ${newest.step} to train it further`);
    }
    const holder = this.store.runs.acquire(id, this.owner, true);
    if (holder) throw new ApiError('conflict', this.heldBy(id, holder));
    const config: RunConfig = maxSteps ? { ...run.config, train: { ...run.config.train, maxSteps } } : run.config;
    // Read again now that the run is ours: a previous owner may have recorded a last checkpoint meanwhile.
    // The worker loads the newest intact one; the record rewinds to it when the worker is ready.
    const candidates = this.store.checkpoints.forRun(id).reverse();
    this.launch(id, config, candidates.map((c) => c.path), maxSteps ?? null);
    return this.require(id);
  }

  /**
   * Continue exactly from the checkpoint the worker loaded: what was recorded after it never happened,
   * and newer checkpoints it passed over as damaged or missing are dropped with their files.
   */
  private rewind(id: number, step: number, skipped: string[]): void {
    const after = this.store.checkpoints.forRun(id).filter((c) => c.step > step || skipped.includes(c.path));
    const loaded = this.store.checkpoints.forRun(id).find((c) => c.step === step && !skipped.includes(c.path));
    this.store.transaction(() => {
      this.store.metrics.deleteAfter(id, step);
      this.store.samples.deleteTrainingAfter(id, step);
      this.store.checkpoints.deleteIds(after.map((c) => c.id));
      this.store.evaluations.deleteValidationAfter(id, step);
      this.store.runs.updateProgress(id, { step, epoch: loaded?.epoch ?? 0, lastTrainLoss: loaded?.trainLoss ?? null });
      this.store.runs.recomputeBest(id);
    });
    for (const c of after) rmSync(c.path, { force: true });
    // Files no row names (a checkpoint written just before a crash, never recorded) go too.
    const known = new Set(this.store.checkpoints.forRun(id).map((c) => c.path));
    const dir = homePaths(this.home).runCheckpoints(id);
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (name.endsWith('.ckpt') && !known.has(path)) rmSync(path, { force: true });
    }
  }

  /** Keeps the newest keepCheckpoints checkpoints and the one with the best validation loss. */
  private prune(id: number, keep: number): void {
    const all = this.store.checkpoints.forRun(id);
    const best = all.filter((c) => c.valLoss !== null).sort((a, b) => a.valLoss! - b.valLoss! || b.step - a.step)[0];
    const newest = new Set(all.slice(-keep).map((c) => c.id));
    const old = all.filter((c) => !newest.has(c.id) && c.id !== best?.id);
    if (old.length === 0) return;
    this.store.durableTransaction(() => this.store.checkpoints.deleteIds(old.map((c) => c.id)));
    faultPoint('checkpoint:after-prune-rows');
    for (const c of old) rmSync(c.path, { force: true });
    faultPoint('checkpoint:after-prune');
  }

  control(id: number, command: RunCommand, lr?: number): RunSummary {
    const run = this.active.get(id);
    if (!run) {
      const summary = this.require(id);
      const holder = this.store.runs.holder(id);
      if (!holder) throw new ApiError('conflict', `run ${id} is ${summary.status}, not training`);
      // Another process trains it: a stop is asked through the database, and that process alone acts.
      if (command === 'stop') {
        this.store.runs.requestStop(id);
        return summary;
      }
      throw new ApiError('conflict', `${this.heldBy(id, holder)}; only a stop can be asked from here`);
    }
    run.worker.send(command === 'set-learning-rate' ? { type: command, lr: lr! } : { type: command });
    return this.require(id);
  }

  private launch(id: number, config: RunConfig, resumeFrom: string[] | null, maxSteps: number | null, init: FineTuning | null = null): void {
    const content = this.store.datasets.content(this.require(id).datasetId)!;
    const checkpointDir = homePaths(this.home).runCheckpoints(id);
    try {
      mkdirSync(checkpointDir, { recursive: true });
    } catch (err) {
      this.store.runs.setStatus(id, 'failed', (err as Error).message);
      throw storageError(err, this.home) ?? err;
    }
    let settle!: (run: RunSummary) => void;
    const done = new Promise<RunSummary>((resolve) => (settle = resolve));
    const finish = (status: RunStatus, error: string | null) => {
      const entry = this.active.get(id);
      if (!entry) return;
      this.active.delete(id);
      this.engines.refill();
      // A worker stopped mid-write (terminated after a failure) leaves its temp file: ours to remove.
      void entry.worker.terminate().then(() => sweepTempFiles(checkpointDir, true));
      try {
        this.store.runs.setStatus(id, status, error);
      } catch {
        // The database cannot be written (a full disk): try again at each tick, so the run is not
        // shown as trained by this process meanwhile longer than need be.
        this.unrecorded.set(id, { status, error });
      }
      this.tickWhileNeeded();
      this.emit('run:status', { runId: id, status, error });
      settle(this.store.runs.get(id) ?? this.require(id));
    };
    const worker = this.engines.take(
      (event) => {
        try {
          this.onEvent(id, config, event, finish);
        } catch (err) {
          // Recording what the worker reported failed (e.g. SQLITE_FULL): end the run, never the process.
          const explained = storageError(err, this.home);
          finish('failed', `${explained?.message ?? (err as Error).message}; the run's last recorded checkpoint is kept: resume it once that is fixed`);
        }
      },
      (message) => finish('failed', message),
    );
    this.active.set(id, { worker, done, lastProgressWrite: 0, abort: finish, notes: init?.notes ?? [] });
    this.tickWhileNeeded();
    worker.send({
      type: 'start',
      runId: id,
      config,
      corpusPath: content.contentPath,
      vocab: init?.vocab ?? content.vocab,
      labels: init?.labels ?? content.labels,
      checkpointDir,
      resumeFrom,
      initFrom: init?.checkpointPath ?? null,
      maxSteps,
    });
  }

  /** Ticks while runs train here or an ended run's status waits to be written; stops ticking after. */
  private tickWhileNeeded(): void {
    const needed = this.active.size > 0 || this.unrecorded.size > 0;
    if (needed && !this.ticker) this.ticker = setInterval(() => this.tick(), TICK_MS).unref();
    if (!needed && this.ticker) {
      clearInterval(this.ticker);
      this.ticker = null;
    }
  }

  /**
   * Takes the stop requests other processes left for runs trained here, beats the owner's heartbeat,
   * and writes ended runs' statuses the database could not take before.
   */
  private tick(): void {
    try {
      const ids = [...this.active.keys()];
      for (const id of this.store.runs.takeStopRequests(ids, this.owner)) this.active.get(id)?.worker.send({ type: 'stop' });
      if (Date.now() - this.lastBeat > OWNER_HEARTBEAT_MS) {
        this.store.runs.beat(ids, this.owner);
        this.lastBeat = Date.now();
      }
      for (const [id, { status, error }] of this.unrecorded) {
        this.store.runs.setStatus(id, status, error);
        this.unrecorded.delete(id);
      }
    } catch {
      // The database is busy or cannot be written: again at the next tick.
    }
    this.tickWhileNeeded();
  }

  /**
   * Makes this process the run's owner so nothing else trains it meanwhile (before deleting it); refuses,
   * naming the owner, while another process trains it.
   */
  claim(id: number): void {
    if (this.active.has(id)) throw new ApiError('conflict', `run ${id} is training; stop it before deleting it`);
    const holder = this.store.runs.acquire(id, this.owner, true);
    if (holder) throw new ApiError('conflict', `${this.heldBy(id, holder)}, before deleting it`);
  }

  private onEvent(id: number, config: RunConfig, e: WorkerEvent, finish: (s: RunStatus, error: string | null) => void): void {
    const store = this.store;
    switch (e.type) {
      case 'ready':
        if (e.resumedFrom !== null) this.rewind(id, e.startStep, e.skipped.map((s) => s.path));
        store.runs.markRunning(id, e.backend, e.parameters, e.totalSteps, config);
        this.emit('run:ready', { runId: id, backend: e.backend, parameters: e.parameters, totalSteps: e.totalSteps, startStep: e.startStep, notes: [...(this.active.get(id)?.notes ?? []), ...e.notes], engine: e.engine, engineNotes: e.engineNotes });
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
        // The file is in place (temp, fsync, rename): record it, and only then prune older ones.
        const checkpointId = store.durableTransaction(() => {
          const cid = store.checkpoints.insert({ runId: id, step: e.step, epoch: e.epoch, path: e.path, bytes: e.bytes, reason: e.reason, trainLoss: e.trainLoss, valLoss: e.valLoss });
          store.runs.updateProgress(id, { step: e.step, epoch: e.epoch, lastTrainLoss: e.trainLoss, trainSeconds: e.trainSeconds });
          return cid;
        });
        faultPoint('checkpoint:after-row');
        this.prune(id, config.train.keepCheckpoints);
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
