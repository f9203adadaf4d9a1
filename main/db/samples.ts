import type { Database } from 'better-sqlite3';
import { SampleParamsSchema } from '../../shared/config.ts';
import type { SampleRecord } from '../../shared/types.ts';

interface Row {
  id: number;
  run_id: number;
  checkpoint_id: number | null;
  step: number;
  source: 'training' | 'user';
  prompt: string;
  params: string;
  seed: number;
  text: string;
  created_at: string;
}

const toRecord = (r: Row): SampleRecord => ({
  id: r.id,
  runId: r.run_id,
  checkpointId: r.checkpoint_id,
  step: r.step,
  source: r.source,
  prompt: r.prompt,
  params: SampleParamsSchema.parse(JSON.parse(r.params)),
  seed: r.seed,
  text: r.text,
  createdAt: r.created_at,
});

export class SampleTable {
  constructor(private readonly db: Database) {}

  insert(s: Omit<SampleRecord, 'id' | 'createdAt'>): number {
    const info = this.db
      .prepare(
        `INSERT INTO samples (run_id, checkpoint_id, step, source, prompt, params, seed, text, created_at)
         VALUES (@runId, @checkpointId, @step, @source, @prompt, @params, @seed, @text, @createdAt)`,
      )
      .run({ ...s, params: JSON.stringify(s.params), createdAt: new Date().toISOString() });
    return Number(info.lastInsertRowid);
  }

  get(id: number): SampleRecord | null {
    const row = this.db.prepare('SELECT * FROM samples WHERE id = ?').get(id) as Row | undefined;
    return row ? toRecord(row) : null;
  }

  forRun(runId: number): SampleRecord[] {
    return (this.db.prepare('SELECT * FROM samples WHERE run_id = ? ORDER BY id').all(runId) as Row[]).map(toRecord);
  }

  /** Training-time samples recorded after a checkpoint are dropped when the run rewinds to it. */
  deleteTrainingAfter(runId: number, step: number): void {
    this.db.prepare("DELETE FROM samples WHERE run_id = ? AND source = 'training' AND step > ?").run(runId, step);
  }
}
