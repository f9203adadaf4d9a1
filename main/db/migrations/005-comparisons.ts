// Schema version 5: comparisons (issue 12, compare cells). A comparison is a plan — one model per cell
// (and direction) at one parameter budget and seed — and the runs started for it, one after another.
// A plan entry without a run never started; its run's row deleted later leaves the entry, run unknown.
// The process that drives the comparison is recorded like a run's owner, so another process can tell a
// comparison still going from one whose driver died.
import type { Database } from 'better-sqlite3';

export function up(db: Database): void {
  db.exec(`
    CREATE TABLE comparisons (
      id INTEGER PRIMARY KEY,
      dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
      task TEXT NOT NULL,
      budget INTEGER NOT NULL,          -- parameters of the reference config
      plan TEXT NOT NULL,               -- JSON: [{cell, bidirectional, units, parameters, config}], in start order
      prime TEXT NOT NULL,
      seed INTEGER NOT NULL,
      driver_pid INTEGER,               -- the process that starts the runs (see owners.ts)
      driver_started TEXT,
      driver_label TEXT,
      halted TEXT,                      -- why the rest of the plan will not start; null while it may
      created_at TEXT NOT NULL
    );
    CREATE TABLE comparison_runs (
      comparison_id INTEGER NOT NULL REFERENCES comparisons(id) ON DELETE CASCADE,
      position INTEGER NOT NULL,        -- index into the plan
      run_id INTEGER REFERENCES runs(id) ON DELETE SET NULL,
      PRIMARY KEY (comparison_id, position)
    );
    CREATE INDEX comparison_runs_by_run ON comparison_runs(run_id);
  `);
}
