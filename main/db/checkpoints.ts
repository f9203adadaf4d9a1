import type { Database } from 'better-sqlite3';
import type { CheckpointReason, CheckpointRecord } from '../../shared/types.ts';
import { toAbsolute, toStored } from './stored-paths.ts';

interface Row {
  id: number;
  run_id: number;
  step: number;
  epoch: number;
  path: string;
  bytes: number;
  reason: CheckpointReason;
  train_loss: number | null;
  val_loss: number | null;
  created_at: string;
}

const toRecord = (home: string, r: Row): CheckpointRecord => ({
  id: r.id,
  runId: r.run_id,
  step: r.step,
  epoch: r.epoch,
  path: toAbsolute(home, r.path),
  bytes: r.bytes,
  reason: r.reason,
  trainLoss: r.train_loss,
  valLoss: r.val_loss,
  createdAt: r.created_at,
});

/** A run's checkpoints; paths are stored relative to the data folder and handed out absolute. */
export class CheckpointTable {
  constructor(
    private readonly db: Database,
    private readonly home: string,
  ) {}

  private record = (r: Row) => toRecord(this.home, r);

  insert(c: Omit<CheckpointRecord, 'id' | 'createdAt'>): number {
    const path = toStored(this.home, c.path);
    // A checkpoint rewritten at the same step (e.g. pause then stop) replaces the older row.
    this.db.prepare('DELETE FROM checkpoints WHERE run_id = ? AND path = ?').run(c.runId, path);
    const info = this.db
      .prepare(
        `INSERT INTO checkpoints (run_id, step, epoch, path, bytes, reason, train_loss, val_loss, created_at)
         VALUES (@runId, @step, @epoch, @path, @bytes, @reason, @trainLoss, @valLoss, @createdAt)`,
      )
      .run({ ...c, path, createdAt: new Date().toISOString() });
    return Number(info.lastInsertRowid);
  }

  get(id: number): CheckpointRecord | null {
    const row = this.db.prepare('SELECT * FROM checkpoints WHERE id = ?').get(id) as Row | undefined;
    return row ? this.record(row) : null;
  }

  forRun(runId: number): CheckpointRecord[] {
    return (this.db.prepare('SELECT * FROM checkpoints WHERE run_id = ? ORDER BY step, id').all(runId) as Row[]).map(this.record);
  }

  latest(runId: number): CheckpointRecord | null {
    const row = this.db.prepare('SELECT * FROM checkpoints WHERE run_id = ? ORDER BY step DESC, id DESC LIMIT 1').get(runId) as Row | undefined;
    return row ? this.record(row) : null;
  }

  deleteByPath(runId: number, path: string): void {
    this.db.prepare('DELETE FROM checkpoints WHERE run_id = ? AND path = ?').run(runId, toStored(this.home, path));
  }

  deleteIds(ids: number[]): void {
    const del = this.db.prepare('DELETE FROM checkpoints WHERE id = ?');
    for (const id of ids) del.run(id);
  }

  deleteAfter(runId: number, step: number): void {
    this.db.prepare('DELETE FROM checkpoints WHERE run_id = ? AND step > ?').run(runId, step);
  }
}
