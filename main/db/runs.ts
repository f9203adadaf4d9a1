import type { Database } from 'better-sqlite3';
import { RunConfigSchema, type RunConfig, type Task } from '../../shared/config.ts';
import { isLive, type BackendName, type RunStatus, type RunSummary } from '../../shared/types.ts';
import { ownerAlive, type Owner } from './owners.ts';

interface Row {
  id: number;
  dataset_id: number;
  dataset_name: string;
  task: Task;
  config: string;
  backend: BackendName | null;
  status: RunStatus;
  pid: number | null;
  owner_started: string | null;
  owner_label: string | null;
  owner_heartbeat: string | null;
  stop_requested: number;
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
  parent_run_id: number | null;
  parent_checkpoint_id: number | null;
  parent_step: number | null;
}

/** A run is live while the process that trains it is; a dead owner means the run was interrupted. */
function toRun(r: Row): RunSummary {
  const live = isLive(r.status);
  return {
    id: r.id,
    datasetId: r.dataset_id,
    datasetName: r.dataset_name,
    task: r.task,
    config: RunConfigSchema.parse(JSON.parse(r.config)),
    backend: r.backend,
    status: live && !ownerAlive(r.pid, r.owner_started, r.owner_heartbeat) ? 'interrupted' : r.status,
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
    parentRunId: r.parent_run_id,
    parentCheckpointId: r.parent_checkpoint_id,
    parentStep: r.parent_step,
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

/** Where a branch starts: its parent's run and checkpoint, and what that checkpoint holds. */
export interface BranchStart {
  parentRunId: number;
  /** Null when that checkpoint is gone (an imported model's parent may have pruned it). */
  parentCheckpointId: number | null;
  step: number;
  /** The parent's step it continues from; default `step` (a branch starts where its parent stood). */
  parentStep?: number;
  epoch: number;
  /** The branch's total steps; null: its epochs decide. */
  totalSteps: number | null;
  lastTrainLoss: number | null;
  parameters: number | null;
  trainSeconds: number;
}

/** The process holding a run that another wanted. */
export interface RunHolder {
  pid: number;
  label: string;
  since: string;
}

export class RunTable {
  constructor(private readonly db: Database) {}

  /** A new run, owned by `owner` from the start. */
  insert(datasetId: number, config: RunConfig, owner: Owner, parentRunId: number | null = null): number {
    const now = new Date().toISOString();
    const info = this.db
      .prepare(
        `INSERT INTO runs (dataset_id, task, config, status, pid, owner_started, owner_label, owner_heartbeat, parent_run_id, created_at, updated_at)
         VALUES (?, ?, ?, 'created', ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(datasetId, config.task, JSON.stringify(config), owner.pid, owner.started, owner.label, now, parentRunId, now, now);
    return Number(info.lastInsertRowid);
  }

  /** A run made from an exported model: owned by no process, never trained here, ended at once. */
  insertImported(datasetId: number, config: RunConfig, r: { parentRunId: number | null; step: number; parameters: number }): number {
    const now = new Date().toISOString();
    const info = this.db
      .prepare(
        `INSERT INTO runs (dataset_id, task, config, status, step, parameters, parent_run_id, created_at, updated_at, finished_at)
         VALUES (?, ?, ?, 'imported', ?, ?, ?, ?, ?, ?)`,
      )
      .run(datasetId, config.task, JSON.stringify(config), r.step, r.parameters, r.parentRunId, now, now, now);
    return Number(info.lastInsertRowid);
  }

  /**
   * A branch: a new run that starts where its parent's checkpoint stands (its step, epoch, losses and
   * training time), owned by no process and stopped there until it is trained (`resume` takes it).
   */
  insertBranch(datasetId: number, config: RunConfig, b: BranchStart): number {
    const now = new Date().toISOString();
    const info = this.db
      .prepare(
        `INSERT INTO runs (dataset_id, task, config, status, step, total_steps, epoch, last_train_loss, parameters, train_seconds,
           parent_run_id, parent_checkpoint_id, parent_step, created_at, updated_at, finished_at)
         VALUES (@datasetId, @task, @config, 'stopped', @step, @totalSteps, @epoch, @lastTrainLoss, @parameters, @trainSeconds,
           @parentRunId, @parentCheckpointId, @parentStep, @now, @now, @now)`,
      )
      .run({ ...b, parentStep: b.parentStep ?? b.step, datasetId, task: config.task, config: JSON.stringify(config), now });
    return Number(info.lastInsertRowid);
  }

  /**
   * Makes `owner` the one process training run `id`, atomically (an IMMEDIATE transaction: two processes
   * asking at once are served one after the other). Returns null when it now holds the run, or the live
   * process that already does. `staleHere`: the row names this very process, which no longer trains it.
   */
  acquire(id: number, owner: Owner, staleHere: boolean): RunHolder | null {
    return this.db
      .transaction((): RunHolder | null => {
        const r = this.db.prepare('SELECT status, pid, owner_started, owner_label, owner_heartbeat, updated_at FROM runs WHERE id = ?').get(id) as
          | Pick<Row, 'status' | 'pid' | 'owner_started' | 'owner_label' | 'owner_heartbeat' | 'updated_at'>
          | undefined;
        if (!r) return null;
        const now = new Date().toISOString();
        const mine = r.pid === owner.pid && (r.owner_started === null || r.owner_started === owner.started);
        if (isLive(r.status) && ownerAlive(r.pid, r.owner_started, r.owner_heartbeat) && !(mine && staleHere)) {
          return { pid: r.pid!, label: r.owner_label ?? 'another RNN Studio process', since: r.updated_at };
        }
        this.db
          .prepare(
            `UPDATE runs SET status = 'created', pid = ?, owner_started = ?, owner_label = ?, owner_heartbeat = ?, stop_requested = 0,
               error = NULL, updated_at = ? WHERE id = ?`,
          )
          .run(owner.pid, owner.started, owner.label, now, now, id);
        return null;
      })
      .immediate();
  }

  /** `owner` still trains these runs (see OWNER_HEARTBEAT_MS). */
  beat(ids: number[], owner: Owner): void {
    const now = new Date().toISOString();
    const update = this.db.prepare('UPDATE runs SET owner_heartbeat = ? WHERE id = ? AND pid = ?');
    for (const id of ids) update.run(now, id, owner.pid);
  }

  /** Asks whichever process trains run `id` to stop it (it looks for this between steps). */
  requestStop(id: number): void {
    this.db.prepare('UPDATE runs SET stop_requested = 1 WHERE id = ?').run(id);
  }

  /** The runs among `ids` (trained here by `owner`) that were asked to stop; the requests are taken. */
  takeStopRequests(ids: number[], owner: Owner): number[] {
    if (ids.length === 0) return [];
    return this.db
      .transaction(() => {
        const marks = ids.map(() => '?').join(', ');
        const found = (this.db.prepare(`SELECT id FROM runs WHERE stop_requested = 1 AND pid = ? AND id IN (${marks})`).all(owner.pid, ...ids) as Array<{ id: number }>).map((r) => r.id);
        if (found.length) this.db.prepare(`UPDATE runs SET stop_requested = 0 WHERE id IN (${found.map(() => '?').join(', ')})`).run(...found);
        return found;
      })
      .immediate();
  }

  /** The process training run `id`, while one does. */
  holder(id: number): RunHolder | null {
    const r = this.db.prepare('SELECT status, pid, owner_started, owner_label, owner_heartbeat, updated_at FROM runs WHERE id = ?').get(id) as
      | Pick<Row, 'status' | 'pid' | 'owner_started' | 'owner_label' | 'owner_heartbeat' | 'updated_at'>
      | undefined;
    if (!r || !isLive(r.status) || !ownerAlive(r.pid, r.owner_started, r.owner_heartbeat)) return null;
    return { pid: r.pid!, label: r.owner_label ?? 'another RNN Studio process', since: r.updated_at };
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

  /** The run's worker is ready: it trains from now on (its owner was set by insert or acquire). */
  markRunning(id: number, backend: BackendName, parameters: number, totalSteps: number, config: RunConfig): void {
    const now = new Date().toISOString();
    this.db
      .prepare(
        `UPDATE runs SET status = 'running', backend = ?, parameters = ?, total_steps = ?, config = ?, error = NULL,
           finished_at = NULL, started_at = COALESCE(started_at, ?), updated_at = ? WHERE id = ?`,
      )
      .run(backend, parameters, totalSteps, JSON.stringify(config), now, now, id);
  }

  /** A run that ends has no owner any more (and no pending stop request). */
  setStatus(id: number, status: RunStatus, error: string | null = null): void {
    const ended = status === 'finished' || status === 'stopped' || status === 'failed' ? 1 : 0;
    this.db
      .prepare(
        `UPDATE runs SET status = @status, error = @error, updated_at = @now, finished_at = CASE WHEN @ended THEN @now ELSE finished_at END,
           pid = CASE WHEN @ended THEN NULL ELSE pid END, owner_started = CASE WHEN @ended THEN NULL ELSE owner_started END,
           owner_heartbeat = CASE WHEN @ended THEN NULL ELSE owner_heartbeat END,
           stop_requested = CASE WHEN @ended THEN 0 ELSE stop_requested END WHERE id = @id`,
      )
      .run({ status, error, now: new Date().toISOString(), ended, id });
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

  /** After a rewind to a checkpoint: the best validation loss of the metric points that remain. */
  recomputeBest(id: number): void {
    this.db.prepare('UPDATE runs SET best_val_loss = (SELECT MIN(val_loss) FROM metrics WHERE run_id = ?) WHERE id = ?').run(id, id);
  }

  delete(id: number): void {
    this.db.prepare('DELETE FROM runs WHERE id = ?').run(id);
  }
}
