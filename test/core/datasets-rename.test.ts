// datasets:rename: a dataset's name is trimmed and stored, its runs show it, and a bad request is refused
// with a message that names the problem, leaving the database as it was.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiError, MAX_DATASET_NAME_CHARS } from '../../shared/api.ts';
import { RunConfigSchema } from '../../shared/config.ts';
import type { Studio } from '../../main/core/studio.ts';
import { withStudio } from '../helpers.ts';

async function importOne(studio: Studio, dir: string) {
  writeFileSync(join(dir, 'speeches.txt'), 'Fellow citizens of the Senate and of the House of Representatives.\n');
  return (await studio.invoke('datasets:import', { path: join(dir, 'speeches.txt') })).dataset;
}

test('a renamed dataset keeps its trimmed new name, in the list and on its runs', withStudio(async (studio, dir) => {
  const imported = await importOne(studio, dir);
  assert.equal(imported.name, 'speeches');
  // A run of it (an imported model: no training needed) names its dataset from the same row.
  const runId = studio.store.runs.insertImported(imported.id, RunConfigSchema.parse({}), { parentRunId: null, step: 0, parameters: 1 });

  const renamed = await studio.invoke('datasets:rename', { id: imported.id, name: '  State of the Union  ' });
  assert.equal(renamed.name, 'State of the Union');
  assert.deepEqual({ ...renamed, name: imported.name }, imported, 'only the name changes');
  assert.equal((await studio.invoke('datasets:get', { id: imported.id })).name, 'State of the Union');
  assert.deepEqual((await studio.invoke('datasets:list', {})).map((d) => d.name), ['State of the Union']);
  assert.equal((await studio.invoke('runs:get', { id: runId })).datasetName, 'State of the Union');

  const longest = 'x'.repeat(MAX_DATASET_NAME_CHARS);
  assert.equal((await studio.invoke('datasets:rename', { id: imported.id, name: longest })).name, longest);
}));

test('a bad rename is refused with a message naming the problem, and nothing changes', withStudio(async (studio, dir) => {
  const imported = await importOne(studio, dir);
  const before = JSON.stringify(await studio.invoke('datasets:list', {}));
  const cases: Array<[string, unknown, ApiError['code'], RegExp]> = [
    ['an empty name', { id: imported.id, name: '' }, 'invalid-request', /^datasets:rename: name: the name is empty: give the dataset a name$/],
    ['a name of spaces', { id: imported.id, name: '  \t ' }, 'invalid-request', /name: the name is empty/],
    ['a name too long', { id: imported.id, name: 'x'.repeat(MAX_DATASET_NAME_CHARS + 1) }, 'invalid-request', new RegExp(`name: the name is too long: at most ${MAX_DATASET_NAME_CHARS} characters`)],
    ['no name', { id: imported.id }, 'invalid-request', /^datasets:rename: name: /],
    ['a name that is not text', { id: imported.id, name: 7 }, 'invalid-request', /^datasets:rename: name: /],
    ['no id', { name: 'x' }, 'invalid-request', /^datasets:rename: id: /],
    ['an id that is not a number', { id: 'one', name: 'x' }, 'invalid-request', /^datasets:rename: id: /],
    ['a field it does not take', { id: imported.id, name: 'x', kind: 'labelled' }, 'invalid-request', /kind/],
    ['a dataset that does not exist', { id: 99, name: 'x' }, 'not-found', /^there is no dataset 99$/],
  ];
  for (const [what, request, code, message] of cases) {
    await assert.rejects(studio.invoke('datasets:rename', request as never), (err: Error) => {
      assert.ok(err instanceof ApiError, `${what}: ${err}`);
      assert.equal(err.code, code, what);
      assert.match(err.message, message, what);
      return true;
    });
  }
  assert.equal(JSON.stringify(await studio.invoke('datasets:list', {})), before);
}));

test("import's name follows the same rule as a rename's", withStudio(async (studio, dir) => {
  writeFileSync(join(dir, 'a.txt'), 'some text\n');
  await assert.rejects(studio.invoke('datasets:import', { path: join(dir, 'a.txt'), name: '   ' }), /datasets:import: name: the name is empty/);
  await assert.rejects(studio.invoke('datasets:import', { path: join(dir, 'a.txt'), name: 'x'.repeat(MAX_DATASET_NAME_CHARS + 1) }), /name: the name is too long/);
  assert.equal((await studio.invoke('datasets:import', { path: join(dir, 'a.txt'), name: '  Notes ' })).dataset.name, 'Notes');
}));
