// The run being trained from this window: live progress, the curve's points and samples as they come.
import type { RunConfigInput } from '../../../shared/config.ts';
import { isLive, type BackendName, type EvaluationRecord, type MetricPoint, type RunStatus, type SampleRecord } from '../../../shared/types.ts';
import type { Task } from '../../../shared/config.ts';
import type { RunCommand } from '../../../shared/api.ts';
import type { ProgressEvent } from '../../../shared/worker-protocol.ts';
import { api } from '../lib/api.ts';
import { app } from './app.svelte.ts';

export type Progress = Omit<ProgressEvent, 'type'>;

class TrainingState {
  runId = $state<number | null>(null);
  status = $state<RunStatus | null>(null);
  backend = $state<BackendName | null>(null);
  notes = $state<string[]>([]);
  progress = $state<Progress | null>(null);
  metrics = $state<MetricPoint[]>([]);
  samples = $state<SampleRecord[]>([]);
  evaluations = $state<EvaluationRecord[]>([]);
  task = $state<Task>('generate');
  error = $state<string | null>(null);

  active = $derived(this.status !== null && isLive(this.status));

  constructor() {
    api.on('run:ready', (e) => {
      if (e.runId !== this.runId) return;
      this.backend = e.backend;
      this.notes = e.notes;
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
      }
      void app.refresh();
    });
  }

  /** Follows a run that is already recorded (after a start, a resume, or opening the app mid-run). */
  async follow(runId: number): Promise<void> {
    const run = await api.invoke('runs:get', { id: runId });
    this.runId = runId;
    this.status = run.status;
    this.backend = run.backend;
    this.metrics = run.metrics;
    this.samples = run.samples.filter((s) => s.source === 'training').reverse();
    this.evaluations = run.evaluations.filter((e) => e.source === 'validation');
    this.task = run.task;
    this.progress = run.totalSteps
      ? { step: run.step, totalSteps: run.totalSteps, epoch: run.epoch, loss: run.lastTrainLoss ?? NaN, charsPerSec: 0, etaSeconds: NaN, lr: run.config.train.lr }
      : null;
    this.error = run.error;
  }

  async start(datasetId: number, config: RunConfigInput): Promise<void> {
    this.error = null;
    const run = await api.invoke('runs:start', { datasetId, config });
    this.notes = [];
    await this.follow(run.id);
    await app.refresh();
  }

  async resumeRun(runId: number): Promise<void> {
    this.error = null;
    await api.invoke('runs:resume', { id: runId });
    await this.follow(runId);
    this.status = 'running';
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
