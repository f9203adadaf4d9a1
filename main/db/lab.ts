// The Lab's one row (migration 007): where the learner is and what each step made. A deleted dataset, run
// or comparison reads back as null here (ON DELETE SET NULL); main/core/lab.ts decides what that undoes.
import type { Database } from 'better-sqlite3';
import type { LabState, LabStepId } from '../../shared/lab.ts';

interface Row {
  step: LabStepId;
  done: string;
  dataset_id: number | null;
  rnn_run_id: number | null;
  comparison_id: number | null;
  passage: string | null;
  labelled_dataset_id: number | null;
  single_run_id: number | null;
  bidirectional_run_id: number | null;
  stacked_run_id: number | null;
  notes: string;
  updated_at: string;
}

const toState = (r: Row): LabState => ({
  step: r.step,
  done: JSON.parse(r.done) as LabStepId[],
  datasetId: r.dataset_id,
  rnnRunId: r.rnn_run_id,
  comparisonId: r.comparison_id,
  passage: r.passage,
  labelledDatasetId: r.labelled_dataset_id,
  classifierRunIds: { single: r.single_run_id, bidirectional: r.bidirectional_run_id, stacked: r.stacked_run_id },
  notes: r.notes,
  updatedAt: r.updated_at,
});

export class LabTable {
  constructor(private readonly db: Database) {}

  /** The recorded state, or null while the learner has changed nothing. */
  get(): LabState | null {
    const row = this.db.prepare('SELECT * FROM lab WHERE id = 1').get() as Row | undefined;
    return row ? toState(row) : null;
  }

  /** Records `state` (its updatedAt is now). */
  put(state: Omit<LabState, 'updatedAt'>): void {
    const now = new Date().toISOString();
    this.db
      .prepare(
        `INSERT INTO lab (id, step, done, dataset_id, rnn_run_id, comparison_id, passage, labelled_dataset_id,
           single_run_id, bidirectional_run_id, stacked_run_id, notes, created_at, updated_at)
         VALUES (1, @step, @done, @datasetId, @rnnRunId, @comparisonId, @passage, @labelledDatasetId,
           @single, @bidirectional, @stacked, @notes, @now, @now)
         ON CONFLICT (id) DO UPDATE SET step = excluded.step, done = excluded.done, dataset_id = excluded.dataset_id,
           rnn_run_id = excluded.rnn_run_id, comparison_id = excluded.comparison_id, passage = excluded.passage,
           labelled_dataset_id = excluded.labelled_dataset_id, single_run_id = excluded.single_run_id,
           bidirectional_run_id = excluded.bidirectional_run_id, stacked_run_id = excluded.stacked_run_id,
           notes = excluded.notes, updated_at = excluded.updated_at`,
      )
      .run({
        step: state.step,
        done: JSON.stringify(state.done),
        datasetId: state.datasetId,
        rnnRunId: state.rnnRunId,
        comparisonId: state.comparisonId,
        passage: state.passage,
        labelledDatasetId: state.labelledDatasetId,
        ...state.classifierRunIds,
        notes: state.notes,
        now,
      });
  }
}
