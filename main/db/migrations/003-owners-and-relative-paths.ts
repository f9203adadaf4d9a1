// Schema version 3: a run's owner is a process named by pid and start time (a reused pid is not the
// owner), a stop can be asked of whichever process trains a run, and files inside the data folder are
// recorded relative to it, so the folder can move.
import type { Database } from 'better-sqlite3';
import { dirname } from 'node:path';
import { toStored } from '../stored-paths.ts';

export function up(db: Database, file: string): void {
  db.exec(`
    ALTER TABLE runs ADD COLUMN owner_started TEXT;   -- start time of the process in pid (see owners.ts)
    ALTER TABLE runs ADD COLUMN owner_label TEXT;     -- what that process is, for messages
    ALTER TABLE runs ADD COLUMN owner_heartbeat TEXT; -- when it last said it still trains the run
    ALTER TABLE runs ADD COLUMN stop_requested INTEGER NOT NULL DEFAULT 0;
  `);
  const home = dirname(file);
  const datasets = db.prepare('SELECT id, content_path AS path FROM datasets').all() as Array<{ id: number; path: string }>;
  const setDataset = db.prepare('UPDATE datasets SET content_path = ? WHERE id = ?');
  for (const d of datasets) setDataset.run(toStored(home, d.path), d.id);
  const checkpoints = db.prepare('SELECT id, path FROM checkpoints').all() as Array<{ id: number; path: string }>;
  const setCheckpoint = db.prepare('UPDATE checkpoints SET path = ? WHERE id = ?');
  for (const c of checkpoints) setCheckpoint.run(toStored(home, c.path), c.id);
}
