// Schema version 2: labelled datasets, classifier metrics, and evaluations (confusion matrices).
import type { Database } from 'better-sqlite3';

export function up(db: Database): void {
  db.exec(`
    ALTER TABLE datasets ADD COLUMN format TEXT NOT NULL DEFAULT 'text';
    ALTER TABLE datasets ADD COLUMN examples INTEGER;
    ALTER TABLE datasets ADD COLUMN labels TEXT;   -- JSON [{label, count}], sorted by label
    ALTER TABLE datasets ADD COLUMN lengths TEXT;  -- JSON {min, median, p90, max, mean}

    ALTER TABLE metrics ADD COLUMN val_accuracy REAL;
    ALTER TABLE metrics ADD COLUMN val_macro_f1 REAL;

    CREATE TABLE evaluations (
      id INTEGER PRIMARY KEY,
      run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
      step INTEGER NOT NULL,
      epoch INTEGER NOT NULL,
      source TEXT NOT NULL,          -- 'validation' | 'file'
      path TEXT,
      examples INTEGER NOT NULL,
      loss REAL,
      accuracy REAL NOT NULL,
      macro_f1 REAL NOT NULL,
      labels TEXT NOT NULL,          -- JSON array
      confusion TEXT NOT NULL,       -- JSON rows (true) × columns (predicted)
      per_class TEXT NOT NULL,       -- JSON [{label, precision, recall, f1, support}]
      misclassified TEXT NOT NULL,   -- JSON [{text, label, predicted, confidence}]
      created_at TEXT NOT NULL
    );
    CREATE INDEX evaluations_run ON evaluations(run_id, step);
  `);
}
