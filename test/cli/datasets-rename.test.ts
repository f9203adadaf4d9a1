// `rnn-studio datasets rename <id> <name>` as a user runs it, and the kind column of `datasets`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MAX_DATASET_NAME_CHARS } from '../../shared/api.ts';
import type { Dataset } from '../../shared/types.ts';
import { cli, tempDir } from '../helpers.ts';

const dir = tempDir();
const home = join(dir.path, 'home');

before(async () => {
  writeFileSync(join(dir.path, 'speeches.txt'), 'Fellow citizens of the Senate and of the House of Representatives.\n');
  writeFileSync(join(dir.path, 'names.csv'), 'text,label\nAnna,f\nBob,m\n');
  assert.equal((await cli(['import', join(dir.path, 'speeches.txt')], home)).code, 0);
  assert.equal((await cli(['import', join(dir.path, 'names.csv')], home)).code, 0);
});
after(() => dir.cleanup());

test('datasets rename prints the new name; --json, before or after, gives the dataset', async () => {
  const plain = await cli(['datasets', 'rename', '1', '  State of the Union '], home);
  assert.equal(plain.code, 0, plain.stderr);
  assert.equal(plain.stdout, 'Dataset 1 is now "State of the Union".\n');

  const json = await cli(['datasets', 'rename', '2', 'First names', '--json'], home);
  assert.equal(json.code, 0, json.stderr);
  assert.equal(json.lines.length, 1);
  const { datasetId, name, dataset } = json.lines[0] as { datasetId: number; name: string; dataset: Dataset };
  assert.deepEqual([datasetId, name, dataset.id, dataset.name, dataset.kind], [2, 'First names', 2, 'First names', 'labelled']);
  const before = await cli(['--json', 'datasets', 'rename', '2', 'Names'], home);
  assert.equal((before.lines[0] as { name: string }).name, 'Names');

  const list = await cli(['datasets', '--json'], home);
  assert.deepEqual((list.lines[0].datasets as Dataset[]).map((d) => [d.id, d.name, d.kind]), [[1, 'State of the Union', 'text'], [2, 'Names', 'labelled']]);
});

test('datasets lists the kind of each dataset', async () => {
  const r = await cli(['datasets'], home);
  assert.equal(r.code, 0, r.stderr);
  const [header, ...rows] = r.stdout.trimEnd().split('\n');
  assert.match(header, /^id\s+name\s+kind\s+characters/);
  assert.match(rows[0], /^1\s+State of the Union\s+text\s/);
  assert.match(rows[1], /^2\s+Names\s+labelled\s/);
});

test('a bad rename is refused with its reason, with --json too, and the name stays', async () => {
  const empty = await cli(['datasets', 'rename', '1', '   '], home);
  assert.equal(empty.code, 1);
  assert.match(empty.stderr, /error: datasets:rename: name: the name is empty: give the dataset a name\n/);

  const long = await cli(['--json', 'datasets', 'rename', '1', 'x'.repeat(MAX_DATASET_NAME_CHARS + 1)], home);
  assert.equal(long.code, 1);
  assert.deepEqual(long.lines, [{ error: `datasets:rename: name: the name is too long: at most ${MAX_DATASET_NAME_CHARS} characters`, code: 'invalid-request' }]);

  const missing = await cli(['--json', 'datasets', 'rename', '9', 'X'], home);
  assert.equal(missing.code, 1);
  assert.deepEqual(missing.lines, [{ error: 'there is no dataset 9', code: 'not-found' }]);

  const notAnId = await cli(['datasets', 'rename', 'one', 'X'], home);
  assert.equal(notAnId.code, 2);
  assert.match(notAnId.stderr, /dataset id must be a number \(got "one"\)/);

  const noName = await cli(['datasets', 'rename', '1'], home);
  assert.equal(noName.code, 2);
  assert.match(noName.stderr, /missing required argument 'name'/);

  const list = await cli(['--json', 'datasets'], home);
  assert.equal((list.lines[0].datasets as Dataset[])[0].name, 'State of the Union');
});
