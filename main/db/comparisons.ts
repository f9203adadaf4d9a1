// Comparisons (issue 12): the plan of models compared at one budget, and the runs started for it.
import type { Database } from 'better-sqlite3';
import { RunConfigSchema, type Task } from '../../shared/config.ts';
import type { ComparisonPlanEntry, ComparisonRecord } from '../../shared/inspect.ts';
import type { Owner } from './owners.ts';

interface Row {
  id: number;
  dataset_id: number;
  task: Task;
  budget: number;
  plan: string;
  prime: string;
  seed: number;
  driver_pid: number | null;
  driver_started: string | null;
  driver_label: string | null;
  halted: string | null;
  created_at: string;
}

export type NewComparison = Omit<ComparisonRecord, 'id' | 'started' | 'halted' | 'createdAt' | 'driver'>;

export class ComparisonTable {
  constructor(private readonly db: Database) {}

  insert(c: NewComparison, driver: Owner): number {
    const info = this.db
      .prepare(
        `INSERT INTO comparisons (dataset_id, task, budget, plan, prime, seed, driver_pid, driver_started, driver_label, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(c.datasetId, c.task, c.budget, JSON.stringify(c.plan), c.prime, c.seed, driver.pid, driver.started, driver.label, new Date().toISOString());
    return Number(info.lastInsertRowid);
  }

  get(id: number): ComparisonRecord | null {
    const row = this.db.prepare('SELECT * FROM comparisons WHERE id = ?').get(id) as Row | undefined;
    return row ? this.toRecord(row) : null;
  }

  /** Newest first. */
  list(): ComparisonRecord[] {
    return (this.db.prepare('SELECT * FROM comparisons ORDER BY id DESC').all() as Row[]).map((r) => this.toRecord(r));
  }

  /** Plan entry `position` has started as run `runId`. */
  addRun(id: number, position: number, runId: number): void {
    this.db.prepare('INSERT INTO comparison_runs (comparison_id, position, run_id) VALUES (?, ?, ?)').run(id, position, runId);
  }

  /** The rest of the plan will not start, because of `why` (the first reason given is kept). */
  halt(id: number, why: string): void {
    this.db.prepare('UPDATE comparisons SET halted = ? WHERE id = ? AND halted IS NULL').run(why, id);
  }

  /** This process drives the comparison from now on, and what halted it no longer holds (continuing it). */
  takeOver(id: number, driver: Owner): void {
    this.db.prepare('UPDATE comparisons SET driver_pid = ?, driver_started = ?, driver_label = ?, halted = NULL WHERE id = ?').run(driver.pid, driver.started, driver.label, id);
  }

  delete(id: number): void {
    this.db.prepare('DELETE FROM comparisons WHERE id = ?').run(id);
  }

  private toRecord(r: Row): ComparisonRecord {
    const started = this.db
      .prepare('SELECT position, run_id AS runId FROM comparison_runs WHERE comparison_id = ? ORDER BY position')
      .all(r.id) as Array<{ position: number; runId: number | null }>;
    const plan = (JSON.parse(r.plan) as ComparisonPlanEntry[]).map((e) => ({ ...e, config: RunConfigSchema.parse(e.config) }));
    return {
      id: r.id,
      datasetId: r.dataset_id,
      task: r.task,
      budget: r.budget,
      plan,
      prime: r.prime,
      seed: r.seed,
      driver: r.driver_pid === null ? null : { pid: r.driver_pid, started: r.driver_started, label: r.driver_label ?? 'an RNN Studio process' },
      started,
      halted: r.halted,
      createdAt: r.created_at,
    };
  }
}
