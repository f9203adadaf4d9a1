// The only module that opens SQLite. WAL mode, foreign keys on, migrations applied on open.
import Database from 'better-sqlite3';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { migrate } from './migrate.ts';
import { DatasetTable } from './datasets.ts';
import { RunTable } from './runs.ts';
import { MetricTable } from './metrics.ts';
import { CheckpointTable } from './checkpoints.ts';
import { SampleTable } from './samples.ts';
import { EvaluationTable } from './evaluations.ts';
import { ComparisonTable } from './comparisons.ts';
import { LabTable } from './lab.ts';

export { DatabaseTooNewError, SCHEMA_VERSION } from './migrate.ts';
export type { NewDataset } from './datasets.ts';

export interface OpenOptions {
  /** Path to a better-sqlite3 build for another ABI (Electron's), kept apart from the Node build. */
  nativeBinding?: string;
}

const SNAPSHOT_PREFIX = 'rnn-studio-readonly-';

/** Snapshots that processes killed before closing their store left in the temp folder. */
function sweepSnapshots(): void {
  for (const name of readdirSync(tmpdir())) {
    const pid = Number(name.startsWith(SNAPSHOT_PREFIX) ? name.slice(SNAPSHOT_PREFIX.length).split('-')[0] : NaN);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      process.kill(pid, 0);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ESRCH') rmSync(join(tmpdir(), name), { recursive: true, force: true });
    }
  }
}

export class Store {
  readonly datasets: DatasetTable;
  readonly runs: RunTable;
  readonly metrics: MetricTable;
  readonly checkpoints: CheckpointTable;
  readonly samples: SampleTable;
  readonly evaluations: EvaluationTable;
  readonly comparisons: ComparisonTable;
  readonly lab: LabTable;

  private constructor(
    private readonly db: Database.Database,
    home: string,
    /**
     * Set when the data folder cannot be written (read-only, or a full disk): the database was opened from
     * a copy in `dir`, for reading only, because of `why`.
     */
    private readonly snapshot: { dir: string; why: Error } | null = null,
  ) {
    this.datasets = new DatasetTable(db, home);
    this.runs = new RunTable(db);
    this.metrics = new MetricTable(db);
    this.checkpoints = new CheckpointTable(db, home);
    this.samples = new SampleTable(db);
    this.evaluations = new EvaluationTable(db);
    this.comparisons = new ComparisonTable(db);
    this.lab = new LabTable(db);
  }

  static open(file: string, options: OpenOptions = {}): Store {
    const binding = options.nativeBinding ? { nativeBinding: options.nativeBinding } : {};
    const home = dirname(resolve(file));
    let db: Database.Database | null = null;
    try {
      db = new Database(file, binding);
      db.pragma('journal_mode = WAL');
      // With WAL, NORMAL syncs at checkpoints rather than every commit: still safe against corruption,
      // and a metric point no longer waits on the disk (fsyncs stalled the UI's event loop ~100 ms).
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      db.pragma('busy_timeout = 5000');
      migrate(db, file);
      return new Store(db, home);
    } catch (err) {
      db?.close();
      const code = (err as { code?: string }).code ?? '';
      // A read-only folder, or a disk too full for SQLite's shared-memory file: what is recorded can still be read.
      const cannotWrite = /^SQLITE_(CANTOPEN|READONLY|FULL|IOERR)/.test(code);
      if (!cannotWrite || !existsSync(file)) throw err;
      return Store.openSnapshot(file, home, binding, err as Error);
    }
  }

  /**
   * A database in a read-only folder (SQLite's WAL needs to write beside it even to read): read a copy,
   * opened read-only so every write says the folder cannot be written rather than vanishing.
   */
  private static openSnapshot(file: string, home: string, binding: Database.Options, why: Error): Store {
    sweepSnapshots();
    const dir = mkdtempSync(join(tmpdir(), `${SNAPSHOT_PREFIX}${process.pid}-`));
    const copy = join(dir, 'rnn-studio.sqlite');
    try {
      copyFileSync(file, copy);
      if (existsSync(`${file}-wal`)) copyFileSync(`${file}-wal`, `${copy}-wal`);
      const upgrade = new Database(copy, binding);
      try {
        migrate(upgrade, file);
      } finally {
        upgrade.close();
      }
      const db = new Database(copy, { ...binding, readonly: true });
      db.pragma('foreign_keys = ON');
      return new Store(db, home, { dir, why });
    } catch (err) {
      rmSync(dir, { recursive: true, force: true });
      throw err;
    }
  }

  /** Why this store only reads (the data folder cannot be written), or null when it writes. */
  get readOnlyBecause(): Error | null {
    return this.snapshot?.why ?? null;
  }

  /** Runs `fn` in one transaction: all of its writes land, or none. */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  /**
   * The same, and on disk when it returns — even after a power cut (the store's other commits may wait
   * for the next WAL sync). For what files are deleted after: a checkpoint's row before older files go.
   */
  durableTransaction<T>(fn: () => T): T {
    this.db.pragma('synchronous = FULL');
    try {
      return this.db.transaction(fn)();
    } finally {
      this.db.pragma('synchronous = NORMAL');
    }
  }

  /** SQLite's own check of the whole file: 'ok', or what is damaged. */
  integrityCheck(): string {
    return (this.db.pragma('integrity_check') as Array<{ integrity_check: string }>).map((r) => r.integrity_check).join('; ');
  }

  schemaVersion(): number {
    return this.db.pragma('user_version', { simple: true }) as number;
  }

  close(): void {
    this.db.close();
    if (this.snapshot) rmSync(this.snapshot.dir, { recursive: true, force: true });
  }
}
