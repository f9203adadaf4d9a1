// The only module that opens SQLite. WAL mode, foreign keys on, migrations applied on open.
import Database from 'better-sqlite3';
import { migrate } from './migrate.ts';
import { DatasetTable } from './datasets.ts';
import { RunTable } from './runs.ts';
import { MetricTable } from './metrics.ts';
import { CheckpointTable } from './checkpoints.ts';
import { SampleTable } from './samples.ts';
import { EvaluationTable } from './evaluations.ts';

export { DatabaseTooNewError, SCHEMA_VERSION } from './migrate.ts';
export type { NewDataset } from './datasets.ts';

export interface OpenOptions {
  /** Path to a better-sqlite3 build for another ABI (Electron's), kept apart from the Node build. */
  nativeBinding?: string;
}

export class Store {
  readonly datasets: DatasetTable;
  readonly runs: RunTable;
  readonly metrics: MetricTable;
  readonly checkpoints: CheckpointTable;
  readonly samples: SampleTable;
  readonly evaluations: EvaluationTable;

  private constructor(private readonly db: Database.Database) {
    this.datasets = new DatasetTable(db);
    this.runs = new RunTable(db);
    this.metrics = new MetricTable(db);
    this.checkpoints = new CheckpointTable(db);
    this.samples = new SampleTable(db);
    this.evaluations = new EvaluationTable(db);
  }

  static open(file: string, options: OpenOptions = {}): Store {
    const db = new Database(file, options.nativeBinding ? { nativeBinding: options.nativeBinding } : {});
    try {
      db.pragma('journal_mode = WAL');
      // With WAL, NORMAL syncs at checkpoints rather than every commit: still safe against corruption,
      // and a metric point no longer waits on the disk (fsyncs stalled the UI's event loop ~100 ms).
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      db.pragma('busy_timeout = 5000');
      migrate(db, file);
    } catch (err) {
      db.close();
      throw err;
    }
    return new Store(db);
  }

  /** Runs `fn` in one transaction: all of its writes land, or none. */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  schemaVersion(): number {
    return this.db.pragma('user_version', { simple: true }) as number;
  }

  close(): void {
    this.db.close();
  }
}
