// Schema version 6: a branch (runs:branch) names the checkpoint of its parent it continues from, and that
// checkpoint's step. The step is kept apart from the id so the lineage still reads "from run 3 at step 400"
// once the parent has pruned that checkpoint or been deleted: either sets the id to null (as 004 does for
// the parent run), never the child's row or its own copy of the checkpoint.
import type { Database } from 'better-sqlite3';

export function up(db: Database): void {
  db.exec(`
    ALTER TABLE runs ADD COLUMN parent_checkpoint_id INTEGER REFERENCES checkpoints(id) ON DELETE SET NULL;
    ALTER TABLE runs ADD COLUMN parent_step INTEGER;
    -- Deleting a checkpoint looks up the runs that name it.
    CREATE INDEX runs_parent_checkpoint ON runs(parent_checkpoint_id);
  `);
}
