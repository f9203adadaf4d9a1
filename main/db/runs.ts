import type { Database } from 'better-sqlite3';
import { RunConfigSchema, type RunConfig, type Task } from '../../shared/config.ts';
import type { BackendName, RunStatus, RunSummary } from '../../shared/types.ts';

interface Row {
  id: number;
  dataset_id: number;
  dataset_name: string;
  task: Task;
  config: string;
  backend: BackendName | null;
  status: RunStatus;
  pid: number | null;
  step: number;
  total_steps: number | null;
  epoch: number;
  last_train_loss: number | null;
  best_val_loss: number | null;
  parameters: number | null;
  error: string | null;
  train_seconds: number;
  created_at: string;
  started_at: string | null;
  updated_at: string;
  finished_at: string | null;
}

/** A run is live while the process that trains it is; a dead owner means the run was interrupted. */
function ownerAlive(pid: number | null): boolean {
  if (pid === null) return false;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function toRun(r: Row): RunSummary {
  const live = r.status === 'running' || r.status === 'paused' || r.status === 'created';
  return {
    id: r.id,
    datasetId: r.dataset_id,
    datasetName: r.dataset_name,
    task: r.task,
    config: RunConfigSchema.parse(JSON.parse(r.config)),
    backend: r.backend,
    status: live && !ownerAlive(r.pid) ? 'interrupted' : r.status,
    step: r.step,
    totalSteps: r.total_steps,
    epoch: r.epoch,
    lastTrainLoss: r.last_train_loss,
    bestValLoss: r.best_val_loss,
    parameters: r.parameters,
    error: r.error,
    createdAt: r.created_at,
    startedAt: r.started_at,
    updatedAt: r.updated_at,
    finishedAt: r.finished_at,
    trainSeconds: r.train_seconds,
  };
}

const SELECT = `SELECT runs.*, datasets.name AS dataset_name FROM runs JOIN datasets ON datasets.id = runs.dataset_id`;

export interface RunProgress {
  step: number;
  epoch: number;
  totalSteps?: number;
  lastTrainLoss?: number | null;
  bestValLoss?: number | null;
  trainSeconds?: number;
}

export class RunTable {
  constructor(private readonly db: Database) {}

  insert(datasetId: number, config: RunConfig): number {
    const now = new Date().toISOString();
    const info = this.db
      .prepare(`INSERT INTO runs (dataset_id, task, config, status, pid, created_at, updated_at) VALUES (?, ?, ?, 'created', ?, ?, ?)`)
      .run(datasetId, config.task, JSON.stringify(config), process.pid, now, now);
    return Number(info.lastInsertRowid);
  }

  get(id: number): RunSummary | null {
    const row = this.db.prepare(`${SELECT} WHERE runs.id = ?`).get(id) as Row | undefined;
    return row ? toRun(row) : null;
  }

  list(): RunSummary[] {
    return (this.db.prepare(`${SELECT} ORDER BY runs.id`).all() as Row[]).map(toRun);
  }

  countForDataset(datasetId: number): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM runs WHERE dataset_id = ?').get(datasetId) as { n: number }).n;
  }

  idsForDataset(datasetId: number): number[] {
    return (this.db.prepare('SELECT id FROM runs WHERE dataset_id = ?').all(datasetId) as Array<{ id: number }>).map((r) => r.id);
  }

  /** Marks the run as trained by this process from now on. */
  claim(id: number, backend: BackendName, parameters: number, totalSteps: number, config: RunConfig): void {
    const now = new Date().toISOString();
    this.db
      .prepare(
        `UPDATE runs SET status = 'running', pid = ?, backend = ?, parameters = ?, total_steps = ?, config = ?, error = NULL,
           finished_at = NULL, started_at = COALESCE(started_at, ?), updated_at = ? WHERE id = ?`,
      )
      .run(process.pid, backend, parameters, totalSteps, JSON.stringify(config), now, now, id);
  }

  setStatus(id: number, status: RunStatus, error: string | null = null): void {
    const now = new Date().toISOString();
    const ended = status === 'finished' || status === 'stopped' || status === 'failed';
    this.db
      .prepare(
        `UPDATE runs SET status = ?, error = ?, updated_at = ?, finished_at = CASE WHEN ? THEN ? ELSE finished_at END,
           pid = CASE WHEN ? THEN NULL ELSE pid END WHERE id = ?`,
      )
      .run(status, error, now, ended ? 1 : 0, now, ended ? 1 : 0, id);
  }

  updateProgress(id: number, p: RunProgress): void {
    this.db
      .prepare(
        `UPDATE runs SET step = @step, epoch = @epoch, total_steps = COALESCE(@totalSteps, total_steps),
           last_train_loss = COALESCE(@lastTrainLoss, last_train_loss), best_val_loss = COALESCE(@bestValLoss, best_val_loss),
           train_seconds = COALESCE(@trainSeconds, train_seconds), updated_at = @now WHERE id = @id`,
      )
      .run({ totalSteps: null, lastTrainLoss: null, bestValLoss: null, trainSeconds: null, ...p, id, now: new Date().toISOString() });
  }

  /** Lowers best_val_loss only when the new value is better. */
  offerValLoss(id: number, valLoss: number): void {
    this.db.prepare('UPDATE runs SET best_val_loss = MIN(COALESCE(best_val_loss, ?), ?) WHERE id = ?').run(valLoss, valLoss, id);
  }

  ownerPid(id: number): number | null {
    const row = this.db.prepare('SELECT pid FROM runs WHERE id = ?').get(id) as { pid: number | null } | undefined;
    return row?.pid ?? null;
  }

  /** After a rewind to a checkpoint: the best validation loss of the metric points that remain. */
  recomputeBest(id: number): void {
    this.db.prepare('UPDATE runs SET best_val_loss = (SELECT MIN(val_loss) FROM metrics WHERE run_id = ?) WHERE id = ?').run(id, id);
  }

  delete(id: number): void {
    this.db.prepare('DELETE FROM runs WHERE id = ?').run(id);
  }
}
