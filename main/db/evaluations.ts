import type { Database } from 'better-sqlite3';
import type { EvaluationRecord } from '../../shared/types.ts';
import { boundedReport } from '../engine/training/metrics.ts';

interface Row {
  id: number;
  run_id: number;
  step: number;
  epoch: number;
  source: 'validation' | 'file';
  path: string | null;
  examples: number;
  loss: number | null;
  accuracy: number;
  macro_f1: number;
  labels: string;
  /** JSON: the whole matrix (rows true × columns predicted), or above 50 classes a TopConfusions object. */
  confusion: string;
  per_class: string;
  misclassified: string;
  created_at: string;
}

// A whole matrix of many classes (recorded before reports were bounded) is read as its top confusions.
const toRecord = (r: Row): EvaluationRecord => boundedReport({
  id: r.id,
  runId: r.run_id,
  step: r.step,
  epoch: r.epoch,
  source: r.source,
  path: r.path,
  examples: r.examples,
  loss: r.loss,
  accuracy: r.accuracy,
  macroF1: r.macro_f1,
  labels: JSON.parse(r.labels),
  confusion: JSON.parse(r.confusion),
  perClass: JSON.parse(r.per_class),
  misclassified: JSON.parse(r.misclassified),
  createdAt: r.created_at,
} satisfies EvaluationRecord);

export class EvaluationTable {
  constructor(private readonly db: Database) {}

  insert(report: Omit<EvaluationRecord, 'id' | 'createdAt'>): number {
    const e = boundedReport(report);
    const info = this.db
      .prepare(
        `INSERT INTO evaluations (run_id, step, epoch, source, path, examples, loss, accuracy, macro_f1, labels, confusion, per_class, misclassified, created_at)
         VALUES (@runId, @step, @epoch, @source, @path, @examples, @loss, @accuracy, @macroF1, @labels, @confusion, @perClass, @misclassified, @createdAt)`,
      )
      .run({
        ...e,
        labels: JSON.stringify(e.labels),
        confusion: JSON.stringify(e.confusion),
        perClass: JSON.stringify(e.perClass),
        misclassified: JSON.stringify(e.misclassified),
        createdAt: new Date().toISOString(),
      });
    return Number(info.lastInsertRowid);
  }

  get(id: number): EvaluationRecord | null {
    const row = this.db.prepare('SELECT * FROM evaluations WHERE id = ?').get(id) as Row | undefined;
    return row ? toRecord(row) : null;
  }

  forRun(runId: number): EvaluationRecord[] {
    return (this.db.prepare('SELECT * FROM evaluations WHERE run_id = ? ORDER BY step, id').all(runId) as Row[]).map(toRecord);
  }

  /** Validation evaluations after a checkpoint never happened once the run rewinds to it. */
  deleteValidationAfter(runId: number, step: number): void {
    this.db.prepare("DELETE FROM evaluations WHERE run_id = ? AND source = 'validation' AND step > ?").run(runId, step);
  }
}
