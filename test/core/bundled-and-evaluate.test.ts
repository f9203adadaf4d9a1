// The first launch's two bundled datasets, as app:info offers them: the text corpus imports as text, the
// first names as a labelled CSV with female and male. And evaluating a browser's upload (the Classify
// screen's drop): the evaluation and its refusals name the user's file, never the upload area, and the
// upload is removed either way.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiError } from '../../shared/api.ts';
import type { Studio } from '../../main/core/studio.ts';
import { withStudio } from '../helpers.ts';
import { trainRun } from '../engine/export-fixtures.ts';

test('app:info offers the text corpus and the names CSV, and each imports as its kind', withStudio(async (studio) => {
  const { sampleCorpus, sampleNames } = await studio.invoke('app:info', {});
  const corpus = await studio.invoke('datasets:import', { ...sampleCorpus });
  assert.equal(corpus.dataset.kind, 'text');
  assert.equal(corpus.dataset.name, sampleCorpus.name);

  const names = await studio.invoke('datasets:import', { ...sampleNames });
  assert.deepEqual(names.warnings, []);
  assert.equal(names.dataset.name, 'Names → female/male (sample)');
  assert.equal(names.dataset.kind, 'labelled');
  assert.equal(names.dataset.format, 'csv');
  const rows = readFileSync(sampleNames.path, 'utf8').trim().split('\n').slice(1);
  const count = (label: string) => rows.filter((r) => r.endsWith(`,${label}`)).length;
  assert.deepEqual(names.dataset.labels, [{ label: 'female', count: count('female') }, { label: 'male', count: count('male') }]);
  assert.equal(names.dataset.examples, rows.length);
}));

/** Files as the bridge's /upload writes them. */
function upload(studio: Studio, name: string, body: string): string {
  const id = studio.uploads.create();
  writeFileSync(studio.uploads.filePath(id, name), body);
  return id;
}

const noUploadArea = (s: string) => assert.ok(!s.includes('uploads') && !/[0-9a-f]{8}-[0-9a-f]{4}-/.test(s), `"${s}" shows the upload area`);

test("evaluating an upload names the user's file, in the evaluation and in refusals, and removes the upload", withStudio(async (studio, dir) => {
  const train = join(dir, 'train.csv');
  const names = ['Anna,f', 'Bob,m', 'Cleo,f', 'Dan,m', 'Eva,f', 'Finn,m', 'Gina,f', 'Hugo,m', 'Ida,f', 'Jon,m'];
  writeFileSync(train, `text,label\n${names.join('\n')}\n`);
  const { dataset } = await studio.invoke('datasets:import', { path: train });
  const { runId } = await trainRun(studio, dataset.id, {
    task: 'classify',
    model: { cell: 'gru', layers: 1, units: 8, embedding: 4 },
    train: { maxLen: 8, batch: 4, epochs: 1, lr: 0.02, seed: 5, valSplit: 0.2 },
  });

  const good = upload(studio, 'held-out.csv', 'text,label\nAnna,f\nBob,m\nZoe,f\n');
  const evaluation = await studio.invoke('runs:evaluate', { runId, uploadId: good });
  assert.equal(evaluation.path, 'held-out.csv');
  assert.equal(evaluation.examples, 3);
  assert.deepEqual(evaluation.labels, ['f', 'm']);
  assert.ok(Array.isArray(evaluation.confusion) && evaluation.confusion.length === 2, 'a 2 × 2 matrix');
  assert.equal(existsSync(studio.uploads.folder(good)), false);
  assert.deepEqual((await studio.invoke('runs:get', { id: runId })).evaluations.at(-1)!.path, 'held-out.csv');

  const cases: Array<[string, string, RegExp]> = [
    ['held-out.csv', 'words,kind\nAnna,f\n', /^held-out\.csv: no "text" column \(columns: words, kind\)/],
    ['other.csv', 'text,label\nAnna,x\nBob,f\n', /^other\.csv: labels this model does not know: x \(it knows f, m\)/],
    ['notes.txt', 'just some text\n', /^notes\.txt: evaluating needs labelled examples/],
  ];
  for (const [name, body, message] of cases) {
    const id = upload(studio, name, body);
    await assert.rejects(studio.invoke('runs:evaluate', { runId, uploadId: id }), (err: Error) => {
      assert.ok(err instanceof ApiError, String(err));
      assert.equal(err.code, 'bad-input');
      assert.match(err.message, message);
      noUploadArea(err.message);
      return true;
    });
    assert.equal(existsSync(studio.uploads.folder(id)), false, `${name}: the upload is removed`);
  }
}));
