// The run being trained from this window: live progress, the curve's points and samples as they come.
import type { RunConfigInput } from '../../../shared/config.ts';
import type { EngineFacts } from '../../../shared/engine.ts';
import { isLive, type BackendName, type EvaluationRecord, type MetricPoint, type RunDetail, type RunStatus, type SampleRecord } from '../../../shared/types.ts';
import type { Task } from '../../../shared/config.ts';
import type { RequestOf, RunCommand } from '../../../shared/api.ts';
import type { ProgressEvent } from '../../../shared/worker-protocol.ts';
import { api } from '../lib/api.ts';
import { app } from './app.svelte.ts';

export type Progress = Omit<ProgressEvent, 'type'>;
/** What a branch may set besides its parent: the checkpoint, training settings and its total steps. */
export type BranchRequest = Omit<RequestOf<'runs:branch'>, 'id'>;

class TrainingState {
  runId = $state<number | null>(null);
  status = $state<RunStatus | null>(null);
  backend = $state<BackendName | null>(null);
  /** Notes for the user, less those that only describe the engine (its words and their tooltip carry those). */
  notes = $state<string[]>([]);
  /** What the engine runs on, and its technical notes, as the run's worker reported them. */
  engine = $state<EngineFacts | null>(null);
  engineNotes = $state<string[]>([]);
  progress = $state<Progress | null>(null);
  metrics = $state<MetricPoint[]>([]);
  samples = $state<SampleRecord[]>([]);
  evaluations = $state<EvaluationRecord[]>([]);
  task = $state<Task>('generate');
  error = $state<string | null>(null);
  /** The run as the core last described it: its config and checkpoints, read again when it ends. */
  run = $state<RunDetail | null>(null);

  active = $derived(this.status !== null && isLive(this.status));

  constructor() {
    api.on('run:ready', (e) => {
      if (e.runId !== this.runId) return;
      this.backend = e.backend;
      this.engine = e.engine;
      this.engineNotes = e.engineNotes;
      this.notes = e.notes.filter((n) => !e.engineNotes.includes(n));
      this.status = 'running';
    });
    api.on('run:progress', (e) => {
      if (e.runId === this.runId) this.progress = { step: e.step, totalSteps: e.totalSteps, epoch: e.epoch, loss: e.loss, charsPerSec: e.charsPerSec, etaSeconds: e.etaSeconds, lr: e.lr };
    });
    api.on('run:metrics', (e) => {
      if (e.runId === this.runId) this.metrics = [...this.metrics, e.point];
    });
    api.on('run:sample', (e) => {
      if (e.runId === this.runId) this.samples = [e.sample, ...this.samples];
    });
    api.on('run:evaluation', (e) => {
      if (e.runId === this.runId) this.evaluations = [...this.evaluations, e.evaluation];
    });
    api.on('run:status', (e) => {
      if (e.runId === this.runId) {
        this.status = e.status;
        if (e.error) this.error = e.error;
        // Ended: its last checkpoint is what the next actions (resume, branch, sample) start from.
        if (!isLive(e.status)) void this.reload(e.runId);
      }
      void app.refresh();
    });
  }

  /** Follows a run that is already recorded (after a start, a resume, or opening the app mid-run). */
  async follow(runId: number): Promise<void> {
    const run = await api.invoke('runs:get', { id: runId });
    if (runId !== this.runId) this.clearNotes();
    this.runId = runId;
    this.run = run;
    this.status = run.status;
    this.backend = run.backend;
    this.metrics = run.metrics;
    this.samples = run.samples.filter((s) => s.source === 'training').reverse();
    this.evaluations = run.evaluations.filter((e) => e.source === 'validation');
    this.task = run.task;
    this.progress = run.totalSteps
      ? { step: run.step, totalSteps: run.totalSteps, epoch: run.epoch, loss: run.lastTrainLoss ?? NaN, charsPerSec: 0, etaSeconds: NaN, lr: run.metrics.at(-1)?.lr ?? run.config.train.lr }
      : null;
    this.error = run.error;
  }

  /** A new session of training: its worker reports its notes and engine afresh. */
  private clearNotes(): void {
    this.notes = [];
    this.engine = null;
    this.engineNotes = [];
  }

  private async reload(runId: number): Promise<void> {
    const run = await api.invoke('runs:get', { id: runId }).catch(() => null); // a deleted run: nothing to act on
    if (run && runId === this.runId) this.run = run;
  }

  async start(datasetId: number, config: RunConfigInput): Promise<void> {
    this.error = null;
    const run = await api.invoke('runs:start', { datasetId, config });
    this.clearNotes();
    await this.follow(run.id);
    await app.refresh();
  }

  /** Continues a run from its latest checkpoint; maxSteps is its new total ("train N more steps"). */
  async resumeRun(runId: number, maxSteps?: number): Promise<void> {
    this.error = null;
    this.clearNotes();
    await api.invoke('runs:resume', maxSteps === undefined ? { id: runId } : { id: runId, maxSteps });
    await this.follow(runId);
    this.status = 'running';
    await app.refresh();
  }

  /** Starts a new run from a checkpoint of run `parentId`, and follows it. */
  async branch(parentId: number, request: BranchRequest): Promise<void> {
    this.error = null;
    this.clearNotes();
    const run = await api.invoke('runs:branch', { id: parentId, ...request });
    await this.follow(run.id);
    await app.refresh();
  }

  async control(command: Exclude<RunCommand, 'set-learning-rate'>): Promise<void> {
    if (this.runId === null) return;
    await api.invoke('runs:control', { id: this.runId, command });
    if (command === 'resume') this.status = 'running';
  }

  async setLearningRate(lr: number): Promise<void> {
    if (this.runId !== null) await api.invoke('runs:control', { id: this.runId, command: 'set-learning-rate', lr });
  }
}

export const training = new TrainingState();
