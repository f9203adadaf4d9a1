// Schema version 1: datasets, runs, metric points, samples and checkpoints.
import type { Database } from 'better-sqlite3';

export function up(db: Database): void {
  db.exec(`
    CREATE TABLE datasets (
      id INTEGER PRIMARY KEY,
      name TEXT NOT NULL,
      kind TEXT NOT NULL DEFAULT 'text',
      source_path TEXT NOT NULL,
      sha256 TEXT NOT NULL,
      content_path TEXT NOT NULL,
      bytes INTEGER NOT NULL,
      chars INTEGER NOT NULL,
      files INTEGER NOT NULL,
      distinct_chars INTEGER NOT NULL,
      charset_size INTEGER NOT NULL,
      max_charset INTEGER NOT NULL,
      unknown_chars INTEGER NOT NULL,
      encoding TEXT NOT NULL,
      vocab TEXT NOT NULL,        -- JSON array: index → character, '' = unknown symbol
      char_counts TEXT NOT NULL,  -- JSON array of [character, count], most frequent first
      created_at TEXT NOT NULL
    );
    CREATE INDEX datasets_sha256 ON datasets(sha256);

    CREATE TABLE runs (
      id INTEGER PRIMARY KEY,
      dataset_id INTEGER NOT NULL REFERENCES datasets(id),
      task TEXT NOT NULL,
      config TEXT NOT NULL,       -- JSON RunConfig, seed resolved
      backend TEXT,
      status TEXT NOT NULL,
      pid INTEGER,                -- process training it while status is running/paused
      step INTEGER NOT NULL DEFAULT 0,
      total_steps INTEGER,
      epoch INTEGER NOT NULL DEFAULT 0,
      last_train_loss REAL,
      best_val_loss REAL,
      parameters INTEGER,
      error TEXT,
      train_seconds REAL NOT NULL DEFAULT 0,
      created_at TEXT NOT NULL,
      started_at TEXT,
      updated_at TEXT NOT NULL,
      finished_at TEXT
    );
    CREATE INDEX runs_dataset ON runs(dataset_id);

    CREATE TABLE metrics (
      run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
      step INTEGER NOT NULL,
      epoch INTEGER NOT NULL,
      train_loss REAL,
      val_loss REAL,
      perplexity REAL,
      chars_per_sec REAL,
      lr REAL NOT NULL,
      at TEXT NOT NULL
    );
    CREATE INDEX metrics_run_step ON metrics(run_id, step);

    CREATE TABLE checkpoints (
      id INTEGER PRIMARY KEY,
      run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
      step INTEGER NOT NULL,
      epoch INTEGER NOT NULL,
      path TEXT NOT NULL,
      bytes INTEGER NOT NULL,
      reason TEXT NOT NULL,
      train_loss REAL,
      val_loss REAL,
      created_at TEXT NOT NULL
    );
    CREATE INDEX checkpoints_run ON checkpoints(run_id, step);

    CREATE TABLE samples (
      id INTEGER PRIMARY KEY,
      run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
      checkpoint_id INTEGER REFERENCES checkpoints(id) ON DELETE SET NULL,
      step INTEGER NOT NULL,
      source TEXT NOT NULL,       -- 'training' | 'user'
      prompt TEXT NOT NULL,
      params TEXT NOT NULL,       -- JSON SampleParams
      seed INTEGER NOT NULL,
      text TEXT NOT NULL,
      created_at TEXT NOT NULL
    );
    CREATE INDEX samples_run ON samples(run_id);
  `);
}
