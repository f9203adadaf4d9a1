// The Lab's progress (issue 16): kept in SQLite, resumed by the next Studio on the data folder, checked
// against the datasets, runs and comparisons it names, and not broken when one of them is deleted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiError } from '../../shared/api.ts';
import { Studio } from '../../main/core/studio.ts';
import { tempDir, withStudio } from '../helpers.ts';

const TINY = { model: { cell: 'rnn', layers: 1, units: 16, embedding: 8 }, train: { seqLen: 16, batch: 8, seed: 3, maxSteps: 10, evalEvery: 5, sampleEvery: 5 } } as const;
const corpus = 'the cat sat on the mat and the dog sat on the log.\n'.repeat(40);

const refused = (code: string, pattern: RegExp) => (err: ApiError) => {
  assert.equal(err.code, code, err.message);
  assert.match(err.message, pattern);
  return true;
};

test('a new data folder starts at step 1; the state survives reopening the folder', async () => {
  const dir = tempDir();
  const home = join(dir.path, 'home');
  try {
    let studio = Studio.open(home);
    const fresh = await studio.invoke('lab:get', {});
    assert.deepEqual(fresh, {
      step: 'corpus', done: [], datasetId: null, rnnRunId: null, comparisonId: null, passage: null, labelledDatasetId: null,
      classifierRunIds: { single: null, bidirectional: null, stacked: null }, notes: '', updatedAt: null,
    });
    writeFileSync(join(dir.path, 'c.txt'), corpus);
    const { dataset } = await studio.invoke('datasets:import', { path: join(dir.path, 'c.txt') });
    const updated = await studio.invoke('lab:update', { datasetId: dataset.id, done: ['gates', 'corpus', 'corpus'], passage: 'the cat', step: 'simple-rnn', notes: 'so far so good' });
    assert.deepEqual(updated.done, ['corpus', 'gates'], 'in the lesson\'s order, each once');
    assert.equal(updated.step, 'simple-rnn');
    assert.ok(updated.updatedAt !== null);
    await studio.close();

    studio = Studio.open(home);
    const resumed = await studio.invoke('lab:get', {});
    assert.deepEqual(resumed, updated, 'a new Studio on the same folder resumes where the learner left off');
    const more = await studio.invoke('lab:update', { classifierRunIds: {}, notes: 'changed' });
    assert.equal(more.datasetId, dataset.id, 'fields not named stay');
    assert.equal(more.passage, 'the cat');
    await studio.close();
  } finally {
    dir.cleanup();
  }
});

test('update refuses unknown ids and ids of the wrong kind, naming the field; nothing changes', withStudio(async (studio, dir) => {
  writeFileSync(join(dir, 'c.txt'), corpus);
  writeFileSync(join(dir, 'names.csv'), 'text,label\nAnna,f\nBob,m\nCarla,f\nDan,m\nEve,f\nFred,m\n');
  const text = (await studio.invoke('datasets:import', { path: join(dir, 'c.txt') })).dataset;
  const labelled = (await studio.invoke('datasets:import', { path: join(dir, 'names.csv') })).dataset;
  const generator = await studio.invoke('runs:start', { datasetId: text.id, config: TINY });
  const classifier = await studio.invoke('runs:start', { datasetId: labelled.id, config: { task: 'classify', model: { units: 4, layers: 1, embedding: 4 }, train: { maxSteps: 2, batch: 2, valSplit: 0.34 } } });
  await studio.runs.whenDone(generator.id);
  await studio.runs.whenDone(classifier.id);

  const cases: Array<[Parameters<typeof studio.invoke<'lab:update'>>[1], string, RegExp]> = [
    [{ datasetId: 99 }, 'not-found', /^datasetId: there is no dataset 99/],
    [{ datasetId: labelled.id }, 'bad-input', /^datasetId: dataset 2 \("names"\) is labelled; this step needs a text corpus/],
    [{ labelledDatasetId: text.id }, 'bad-input', /^labelledDatasetId: .*is a text corpus; this step needs a labelled dataset/],
    [{ rnnRunId: 42 }, 'not-found', /^rnnRunId: there is no run 42/],
    [{ rnnRunId: classifier.id }, 'bad-input', /^rnnRunId: run 2 is a classifier; this step needs a generator/],
    [{ comparisonId: 7 }, 'not-found', /^comparisonId: there is no comparison 7/],
    [{ classifierRunIds: { stacked: generator.id } }, 'bad-input', /^classifierRunIds\.stacked: run 1 is a generator; this step needs a classifier/],
    [{ classifierRunIds: { single: 5 } }, 'not-found', /^classifierRunIds\.single: there is no run 5/],
  ];
  for (const [update, code, pattern] of cases) {
    await assert.rejects(studio.invoke('lab:update', { ...update, notes: 'should not land' }), refused(code, pattern));
  }
  await assert.rejects(studio.invoke('lab:update', { step: 'nowhere' as 'corpus' }), refused('invalid-request', /step/));
  assert.equal((await studio.invoke('lab:get', {})).notes, '', 'a refused update writes nothing');

  const ok = await studio.invoke('lab:update', { datasetId: text.id, labelledDatasetId: labelled.id, rnnRunId: generator.id, classifierRunIds: { single: classifier.id } });
  assert.deepEqual([ok.datasetId, ok.labelledDatasetId, ok.rnnRunId, ok.classifierRunIds], [text.id, labelled.id, generator.id, { single: classifier.id, bidirectional: null, stacked: null }]);
}));

test('a deleted run or dataset drops out, and its step is no longer done; reset starts again and keeps the runs', withStudio(async (studio, dir) => {
  writeFileSync(join(dir, 'c.txt'), corpus);
  const text = (await studio.invoke('datasets:import', { path: join(dir, 'c.txt') })).dataset;
  const run = await studio.invoke('runs:start', { datasetId: text.id, config: TINY });
  await studio.runs.whenDone(run.id);
  await studio.invoke('lab:update', { datasetId: text.id, rnnRunId: run.id, done: ['corpus', 'simple-rnn', 'findings'], step: 'gradients' });

  await studio.invoke('runs:delete', { id: run.id });
  let state = await studio.invoke('lab:get', {});
  assert.equal(state.rnnRunId, null);
  assert.deepEqual(state.done, ['corpus', 'findings']);
  assert.equal(state.step, 'gradients', 'the Lab stays where the learner is');

  const again = await studio.invoke('runs:start', { datasetId: text.id, config: TINY });
  await studio.runs.whenDone(again.id);
  await studio.invoke('datasets:delete', { id: text.id, force: true });
  state = await studio.invoke('lab:get', {});
  assert.deepEqual([state.datasetId, state.done], [null, ['findings']]);

  writeFileSync(join(dir, 'd.txt'), corpus.toUpperCase());
  const other = (await studio.invoke('datasets:import', { path: join(dir, 'd.txt') })).dataset;
  const kept = await studio.invoke('runs:start', { datasetId: other.id, config: TINY });
  await studio.runs.whenDone(kept.id);
  await studio.invoke('lab:update', { datasetId: other.id, rnnRunId: kept.id, notes: 'x', done: ['corpus'] });
  const reset = await studio.invoke('lab:reset', {});
  assert.equal(reset.step, 'corpus');
  assert.deepEqual([reset.done, reset.datasetId, reset.rnnRunId, reset.notes], [[], null, null, '']);
  assert.ok(studio.store.runs.get(kept.id), 'the runs the Lab made stay');
  assert.ok(studio.store.datasets.get(other.id));
}));
