// What the export tests of every format share: a studio on a temporary home with a small corpus and a small
// labelled set, tiny runs trained on them to the end, and the cells and poolings each format is checked for.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Studio } from '../../main/core/studio.ts';
import type { CellType, Pooling } from '../../shared/config.ts';
import type { VocabContract } from '../../main/engine/export/model-spec.ts';
import { tempDir } from '../helpers.ts';

/** Every format gives the studio's probabilities within this. */
export const TOLERANCE = 1e-5;
export const CELLS: CellType[] = ['rnn', 'lstm', 'gru'];
export const POOLINGS: Pooling[] = ['last', 'mean', 'max'];

export interface ExportBench {
  dir: ReturnType<typeof tempDir>;
  studio: Studio;
  /** A repetitive English corpus (generators) and 60 labelled words in three classes (classifiers). */
  corpusId: number;
  labelledId: number;
}

export async function openExportBench(): Promise<ExportBench> {
  const dir = tempDir();
  const studio = Studio.open(join(dir.path, 'home'));
  const corpus = join(dir.path, 'corpus.txt');
  writeFileSync(corpus, 'the cat sat on the mat. the dog ate the hat. a bat and a rat.\n'.repeat(40));
  const corpusId = (await studio.invoke('datasets:import', { path: corpus })).dataset.id;
  const labelled = join(dir.path, 'examples.jsonl');
  const words = ['abba', 'baab', 'cab', 'abc', 'ccba', 'bacca', 'aa', 'cbcbc', 'acab', 'bb'];
  const rows = Array.from({ length: 60 }, (_, i) => ({ text: words[i % words.length].repeat(1 + (i % 3)), label: ['x', 'y', 'z'][i % 3] }));
  writeFileSync(labelled, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const labelledId = (await studio.invoke('datasets:import', { path: labelled })).dataset.id;
  return { dir, studio, corpusId, labelledId };
}

export async function closeExportBench(bench: ExportBench | undefined): Promise<void> {
  await bench?.studio.close();
  bench?.dir.cleanup();
}

/** Trains a tiny run to the end; returns its id and its latest checkpoint's path. */
export async function trainRun(studio: Studio, datasetId: number, config: Record<string, unknown>): Promise<{ runId: number; checkpoint: string }> {
  const run = await studio.invoke('runs:start', { datasetId, config });
  const done = await studio.runs.whenDone(run.id);
  assert.equal(done.status, 'finished', done.error ?? '');
  const detail = await studio.invoke('runs:get', { id: run.id });
  return { runId: run.id, checkpoint: detail.checkpoints.at(-1)!.path };
}

/** vocab.json's contract (model-spec.ts), as someone else's code reads it. */
export type ExportedVocab = Pick<VocabContract, 'task' | 'chars' | 'unknownId' | 'idOffset' | 'padId' | 'labels' | 'maxLen'>;

/** A text as input ids by vocab.json alone: unknown characters as unknownId (or left out), then truncated. */
export function encodeByVocab(vocab: ExportedVocab, text: string): number[] {
  const ids: number[] = [];
  for (const c of text) {
    const i = vocab.chars.indexOf(c);
    const id = i >= 0 ? i : vocab.unknownId;
    if (id !== null) ids.push(id + vocab.idOffset);
  }
  return vocab.maxLen !== null ? ids.slice(0, vocab.maxLen) : ids;
}

export function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/**
 * Each format's record of differences from the studio: `record` fails a case past TOLERANCE and keeps the
 * largest per case; `report` prints them as diagnostics (the README quotes them).
 */
export function differences(runtime: string) {
  const largest = new Map<string, number>();
  return {
    record(name: string, diff: number): void {
      largest.set(name, Math.max(largest.get(name) ?? 0, diff));
      assert.ok(diff <= TOLERANCE, `${name}: ${runtime} differs from the studio by ${diff}`);
    },
    report(t: { diagnostic(message: string): void }): void {
      for (const [name, diff] of largest) t.diagnostic(`largest difference, ${name}: ${diff.toExponential(2)}`);
    },
  };
}
