// Compare cells at one parameter budget (issue 12, item 5) and a run's timeline (item 6), in process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiError } from '../../shared/api.ts';
import { CELL_TYPES, ModelConfigSchema, type ModelConfig } from '../../shared/config.ts';
import { countParameters, unitsForBudget } from '../../main/engine/index.ts';
import { SAMPLE_CORPUS } from '../../main/core/resources.ts';
import { withStudio } from '../helpers.ts';

const TINY = { model: { layers: 1, units: 16, embedding: 8 }, train: { seqLen: 16, batch: 8, seed: 21 } };
const corpus = 'It was the best of times, it was the worst of times.\n'.repeat(80);

test('unitsForBudget: every cell within 5% of the budget for the bundled corpus; impossible budgets refused', withStudio(async (studio) => {
  const { dataset } = await studio.invoke('datasets:import', { path: SAMPLE_CORPUS.path });
  const V = studio.store.datasets.content(dataset.id)!.vocab.length;
  assert.ok(V > 50, `the bundled corpus has a real charset (${V})`);
  const bases: Array<{ model: Partial<ModelConfig>; outputs: number }> = [
    { model: {}, outputs: V }, // the default: 2×128 LSTM, embedding 64
    { model: { cell: 'gru', layers: 1, units: 32, embedding: 8 }, outputs: V },
    { model: { cell: 'rnn', layers: 3, units: 512, embedding: 128 }, outputs: V },
    { model: { layers: 2, units: 64, embedding: 16, bidirectional: true }, outputs: 2 }, // a classifier
  ];
  for (const b of bases) {
    const base = ModelConfigSchema.parse(b.model);
    const budget = countParameters(V, base, b.outputs);
    for (const cell of CELL_TYPES) {
      for (const bidirectional of [false, true]) {
        const model = { ...base, cell, bidirectional };
        const units = unitsForBudget(budget, V, model, b.outputs);
        assert.ok(units !== null && Number.isInteger(units), `${JSON.stringify(b.model)} → ${cell}${bidirectional ? ' (bidirectional)' : ''}`);
        const parameters = countParameters(V, { ...model, units }, b.outputs);
        assert.ok(Math.abs(parameters / budget - 1) <= 0.05, `${cell}: ${parameters} parameters against a budget of ${budget}`);
      }
    }
    assert.equal(unitsForBudget(budget, V, base, b.outputs), base.units, 'the reference cell keeps its own units');
  }
  const model = ModelConfigSchema.parse({ cell: 'lstm', layers: 1, embedding: 64 });
  // Below what one unit already costs (the embedding and output layers), and beyond 4,096 units.
  assert.equal(unitsForBudget(100, V, model), null);
  assert.equal(unitsForBudget(1e12, V, model), null);
}));

test('a comparison stopped mid-way says so, starts nothing more, and continues when asked', withStudio(async (studio, dir) => {
  writeFileSync(join(dir, 'c.txt'), corpus);
  await studio.invoke('datasets:import', { path: join(dir, 'c.txt') });
  const offStop = studio.on('run:progress', (e) => {
    if (e.step === 3) void studio.invoke('runs:control', { id: e.runId, command: 'stop' });
  });
  const started = await studio.invoke('runs:compare', { datasetId: 1, cells: ['rnn', 'gru'], steps: 30, config: { ...TINY, train: { ...TINY.train, checkpointEvery: 5 } } });
  assert.equal(started.state, 'running');
  assert.deepEqual(started.runs.map((r) => r.status === 'not started'), [false, true]);
  let halted = await studio.comparisons.whenDone(started.comparisonId);
  offStop();
  assert.equal(halted.state, 'halted');
  assert.equal(halted.runs[0].status, 'stopped');
  assert.equal(halted.runs[1].status, 'not started');
  assert.equal(halted.runs[1].runId, null);
  assert.match(halted.note!, /run 1 \(the rnn\) was stopped at step \d+; gru never started/);
  assert.deepEqual(studio.store.runs.list().map((r) => r.id), [1], 'the gru never started');

  // Recorded: a fresh reading of the database says the same.
  halted = await studio.invoke('comparisons:get', { id: started.comparisonId });
  assert.equal(halted.state, 'halted');

  studio.comparisons.continue(started.comparisonId);
  const done = await studio.comparisons.whenDone(started.comparisonId);
  assert.equal(done.state, 'done');
  assert.deepEqual(done.runs.map((r) => [r.runId, r.status, r.step]), [[1, 'finished', 30], [2, 'finished', 30]]);
  const [a, b] = done.runs.map((r) => studio.store.runs.get(r.runId!)!);
  assert.ok(a.finishedAt! <= b.startedAt!, 'the second run started after the first ended');
  assert.equal(a.config.train.seed, b.config.train.seed);
  for (const r of done.runs) assert.equal(typeof r.sample, 'string');
}));

test('timeline: ordered by step, training samples as recorded, checkpoints sampled deterministically; classifiers refused', withStudio(async (studio, dir) => {
  writeFileSync(join(dir, 'c.txt'), corpus);
  await studio.invoke('datasets:import', { path: join(dir, 'c.txt') });
  const run = await studio.invoke('runs:start', {
    datasetId: 1,
    config: { ...TINY, train: { ...TINY.train, maxSteps: 40, checkpointEvery: 5, keepCheckpoints: 4, sampleEvery: 20, evalEvery: 10, samplePrime: 'It ' } },
  });
  await studio.runs.whenDone(run.id);
  const training = studio.store.samples.forRun(run.id).filter((s) => s.source === 'training');
  assert.deepEqual(training.map((s) => s.step), [20, 40]);
  const kept = studio.store.checkpoints.forRun(run.id).map((c) => c.step);

  const first = await studio.invoke('runs:timeline', { runId: run.id });
  assert.equal(first.prime, 'It ');
  assert.equal(first.seed, 21);
  const steps = first.entries.map((e) => e.step);
  assert.deepEqual(steps, [...new Set([...kept, 20, 40])].sort((x, y) => x - y), 'one entry per training sample and kept checkpoint');
  for (const e of first.entries) {
    assert.ok(e.text.startsWith('It '), 'each sample starts from the prime');
    assert.equal(typeof e.valLoss, 'number', `step ${e.step} has the validation loss measured at or before it`);
  }
  const at20 = first.entries.find((e) => e.step === 20)!;
  assert.equal(at20.source, 'training');
  assert.equal(at20.text, training[0].text);
  const generated = first.entries.filter((e) => e.source === 'checkpoint');
  assert.ok(generated.length >= 2, 'checkpoints without a training sample are sampled now');
  const validation = studio.store.metrics.forRun(run.id).filter((m) => m.valLoss !== null);
  assert.equal(first.entries.find((e) => e.step === 40)!.valLoss, validation.at(-1)!.valLoss);

  const again = await studio.invoke('runs:timeline', { runId: run.id });
  assert.deepEqual(again.entries, first.entries, 'the same call gives the same text');
  assert.equal(studio.store.samples.forRun(run.id).length, training.length, 'nothing is recorded');

  // Another seed: every kept checkpoint is sampled now.
  const other = await studio.invoke('runs:timeline', { runId: run.id, seed: 5, length: 30 });
  assert.deepEqual(other.entries.map((e) => [e.step, e.source]), kept.map((s) => [s, 'checkpoint']));
  for (const e of other.entries) assert.equal([...e.text].length, 'It '.length + 30);

  writeFileSync(join(dir, 'names.csv'), 'text,label\nAnna,f\nBob,m\nCarla,f\nDan,m\nEve,f\nFred,m\n');
  const labelled = await studio.invoke('datasets:import', { path: join(dir, 'names.csv') });
  const classifier = await studio.invoke('runs:start', { datasetId: labelled.dataset.id, config: { task: 'classify', model: { units: 4, layers: 1, embedding: 4 }, train: { maxSteps: 2, batch: 2, valSplit: 0.34 } } });
  await studio.runs.whenDone(classifier.id);
  await assert.rejects(studio.invoke('runs:timeline', { runId: classifier.id }), (err: ApiError) => err.code === 'bad-input' && /classifier/.test(err.message));
}));
