import type { Database } from 'better-sqlite3';
import type { MetricPoint } from '../../shared/types.ts';

interface Row {
  run_id: number;
  step: number;
  epoch: number;
  train_loss: number | null;
  val_loss: number | null;
  perplexity: number | null;
  chars_per_sec: number | null;
  lr: number;
  val_accuracy: number | null;
  val_macro_f1: number | null;
  at: string;
}

const toPoint = (r: Row): MetricPoint => ({
  runId: r.run_id,
  step: r.step,
  epoch: r.epoch,
  trainLoss: r.train_loss,
  valLoss: r.val_loss,
  perplexity: r.perplexity,
  charsPerSec: r.chars_per_sec,
  lr: r.lr,
  valAccuracy: r.val_accuracy,
  valMacroF1: r.val_macro_f1,
  at: r.at,
});

export class MetricTable {
  constructor(private readonly db: Database) {}

  insert(p: Omit<MetricPoint, 'at'>): void {
    this.db
      .prepare(
        `INSERT INTO metrics (run_id, step, epoch, train_loss, val_loss, perplexity, chars_per_sec, lr, val_accuracy, val_macro_f1, at)
         VALUES (@runId, @step, @epoch, @trainLoss, @valLoss, @perplexity, @charsPerSec, @lr, @valAccuracy, @valMacroF1, @at)`,
      )
      .run({ ...p, at: new Date().toISOString() });
  }

  forRun(runId: number): MetricPoint[] {
    return (this.db.prepare('SELECT * FROM metrics WHERE run_id = ? ORDER BY step, rowid').all(runId) as Row[]).map(toPoint);
  }

  /** A resumed run continues from its checkpoint: points recorded after it are dropped. */
  deleteAfter(runId: number, step: number): void {
    this.db.prepare('DELETE FROM metrics WHERE run_id = ? AND step > ?').run(runId, step);
  }
}
