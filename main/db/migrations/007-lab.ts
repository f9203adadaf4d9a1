// Schema version 7: the Lab (issue 16), the beginners' lesson followed on the learner's own data. One row
// holds where the learner is and what each step made (shared/lab.ts LabState). Each step's result is a
// column referring to its dataset, run or comparison, so deleting one sets its column to null and leaves
// the Lab standing: the core then no longer counts that step done (main/core/lab.ts).
import type { Database } from 'better-sqlite3';

export function up(db: Database): void {
  db.exec(`
    CREATE TABLE lab (
      id INTEGER PRIMARY KEY CHECK (id = 1),  -- one Lab per data folder
      step TEXT NOT NULL,
      done TEXT NOT NULL,                     -- JSON: the steps whose action has a result
      dataset_id INTEGER REFERENCES datasets(id) ON DELETE SET NULL,
      rnn_run_id INTEGER REFERENCES runs(id) ON DELETE SET NULL,
      comparison_id INTEGER REFERENCES comparisons(id) ON DELETE SET NULL,
      passage TEXT,
      labelled_dataset_id INTEGER REFERENCES datasets(id) ON DELETE SET NULL,
      single_run_id INTEGER REFERENCES runs(id) ON DELETE SET NULL,
      bidirectional_run_id INTEGER REFERENCES runs(id) ON DELETE SET NULL,
      stacked_run_id INTEGER REFERENCES runs(id) ON DELETE SET NULL,
      notes TEXT NOT NULL,
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL
    );
  `);
}
