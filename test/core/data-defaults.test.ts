// Settings drawn from the data reach every front end, not only the studio's form: a classifier started
// without a max length reads as many characters as 95% of its dataset's texts hold; one given is kept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withStudio } from '../helpers.ts';

test("a classifier's max length defaults to its data's 95th-percentile text length; a given one is kept", withStudio(async (studio, dir) => {
  const file = join(dir, 'words.jsonl');
  // 39 texts of 3–6 characters and one of 40: 95% fit in 6, and nobody wants 256.
  const rows = Array.from({ length: 39 }, (_, i) => ({ text: 'abcdef'.slice(0, 3 + (i % 4)), label: i % 2 ? 'x' : 'y' }));
  rows.push({ text: 'a'.repeat(40), label: 'x' });
  writeFileSync(file, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const { dataset } = await studio.invoke('datasets:import', { path: file });
  assert.equal(dataset.lengths!.p95, 6);
  const base = { task: 'classify' as const, model: { units: 4, layers: 1, embedding: 2 }, train: { epochs: 1, seed: 1 } };
  const drawn = await studio.invoke('runs:start', { datasetId: dataset.id, config: base });
  assert.equal(drawn.config.train.maxLen, 6);
  const given = await studio.invoke('runs:start', { datasetId: dataset.id, config: { ...base, train: { ...base.train, maxLen: 30 } } });
  assert.equal(given.config.train.maxLen, 30);
  await studio.runs.whenDone(drawn.id);
  await studio.runs.whenDone(given.id);
}));
