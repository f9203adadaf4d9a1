// Schema version 4: a run can be a model imported from an export (status 'imported'), and it names the
// run it was exported from when that run is in this data folder. Deleting the parent leaves the imported
// run standing, its parent then unknown.
import type { Database } from 'better-sqlite3';

export function up(db: Database): void {
  db.exec(`
    ALTER TABLE runs ADD COLUMN parent_run_id INTEGER REFERENCES runs(id) ON DELETE SET NULL;
  `);
}
