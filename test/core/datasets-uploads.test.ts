// What a dataset is called and how big it says it is: an upload is named after the user's file (never the
// upload area's temporary path, in refusals too), and a labelled set's size is its original file's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiError } from '../../shared/api.ts';
import type { Studio } from '../../main/core/studio.ts';
import { withStudio } from '../helpers.ts';

/** Files as the bridge's /upload writes them: one upload, each under the name the browser gave. */
function upload(studio: Studio, files: Record<string, string | Buffer>): string {
  const id = studio.uploads.create();
  for (const [name, body] of Object.entries(files)) writeFileSync(studio.uploads.filePath(id, name), body);
  return id;
}

const TEXT = 'Roses are red,\nviolets are blue.\n';
const noUploadPath = (s: string) => assert.ok(!s.includes('uploads') && !/[0-9a-f]{8}-[0-9a-f]{4}-/.test(s), `"${s}" shows the upload area`);

test("an uploaded file is named after the user's file, and so is where it came from", withStudio(async (studio) => {
  const { dataset } = await studio.invoke('datasets:import', { uploadId: upload(studio, { 'novel.txt': TEXT }) });
  assert.equal(dataset.name, 'novel');
  assert.equal(dataset.sourcePath, 'novel.txt');
}));

test('an uploaded folder is named after the folder', withStudio(async (studio) => {
  const { dataset } = await studio.invoke('datasets:import', { uploadId: upload(studio, { 'poems/a.txt': 'Roses are red.\n', 'poems/b.txt': 'Violets are blue.\n' }) });
  assert.equal(dataset.name, 'poems');
  assert.equal(dataset.sourcePath, 'poems');
  assert.equal(dataset.files, 2);
}));

test('several files dropped together are named after the first, with how many more', withStudio(async (studio) => {
  const files = { 'd.txt': 'four\n', 'b.txt': 'two\n', 'a.txt': 'one\n', 'c.txt': 'three\n' };
  const { dataset } = await studio.invoke('datasets:import', { uploadId: upload(studio, files) });
  assert.equal(dataset.name, 'a and 3 more');
  assert.equal(dataset.sourcePath, 'a.txt, b.txt, c.txt and 1 more');
  const two = await studio.invoke('datasets:import', { uploadId: upload(studio, { 'x.txt': 'ex\n', 'y.txt': 'why\n' }) });
  assert.equal(two.dataset.name, 'x and 1 more');
  assert.equal(two.dataset.sourcePath, 'x.txt, y.txt');
}));

test('a name the user typed wins over the file name', withStudio(async (studio) => {
  const { dataset } = await studio.invoke('datasets:import', { uploadId: upload(studio, { 'novel.txt': TEXT }), name: 'My novel' });
  assert.equal(dataset.name, 'My novel');
  assert.equal(dataset.sourcePath, 'novel.txt');
}));

test("a refused upload names the user's file, not where the upload was kept", withStudio(async (studio) => {
  const nul = Buffer.from([0x61, 0x00, 0x62]);
  const cases: Array<[Record<string, string | Buffer>, RegExp]> = [
    [{ 'binary.txt': nul }, /^binary\.txt: contains a NUL byte/],
    [{ 'poems/a.txt': 'fine\n', 'poems/b.txt': nul }, /^poems\/b\.txt: contains a NUL byte/],
    [{ 'a.txt': 'fine\n', 'b.txt': nul }, /^b\.txt: contains a NUL byte/],
    [{ 'table.csv': 'words,kind\nhello,a\n' }, /^table\.csv: no "text" column/],
  ];
  for (const [files, message] of cases) {
    await assert.rejects(studio.invoke('datasets:import', { uploadId: upload(studio, files) }), (err: Error) => {
      assert.ok(err instanceof ApiError, String(err));
      assert.equal(err.code, 'bad-input');
      assert.match(err.message, message);
      noUploadPath(err.message);
      return true;
    });
  }
  await assert.rejects(studio.invoke('datasets:inspect', { uploadId: upload(studio, { 'rows.csv': 'a,b\n"unclosed\n' }) }), (err: Error) => {
    assert.match(err.message, /^rows\.csv: /);
    noUploadPath(err.message);
    return true;
  });
  assert.deepEqual(await studio.invoke('datasets:list', {}), []);
}));

test("a labelled set's size is its original file's, not the stored examples'", withStudio(async (studio, dir) => {
  const csv = join(dir, 'names.csv');
  writeFileSync(csv, 'text,label\nAnna,female\nBob,male\nCleo,female\n');
  const { dataset } = await studio.invoke('datasets:import', { path: csv });
  assert.equal(dataset.kind, 'labelled');
  assert.equal(dataset.bytes, statSync(csv).size);
  const stored = readFileSync(join(studio.home, 'datasets', `${dataset.sha256}.jsonl`));
  assert.notEqual(stored.length, dataset.bytes, 'the stored JSONL differs in size, so the test tells them apart');

  // A folder per label: its files together.
  const folder = join(dir, 'moods');
  mkdirSync(join(folder, 'happy'), { recursive: true });
  mkdirSync(join(folder, 'sad'));
  writeFileSync(join(folder, 'happy', '1.txt'), 'what a day\n');
  writeFileSync(join(folder, 'happy', '2.txt'), 'sunshine\n');
  writeFileSync(join(folder, 'sad', '1.txt'), 'rain again\n');
  const moods = await studio.invoke('datasets:import', { path: folder, format: 'folders' });
  assert.equal(moods.dataset.bytes, ['what a day\n', 'sunshine\n', 'rain again\n'].reduce((n, t) => n + Buffer.byteLength(t), 0));

  // An uploaded table: named after it, sized as it.
  const body = 'text,label\nDora,female\nEd,male\n';
  const uploaded = await studio.invoke('datasets:import', { uploadId: upload(studio, { 'people.csv': body }) });
  assert.equal(uploaded.dataset.name, 'people');
  assert.equal(uploaded.dataset.sourcePath, 'people.csv');
  assert.equal(uploaded.dataset.bytes, Buffer.byteLength(body));

  // A text corpus's size stays its stored UTF-8 text's.
  writeFileSync(join(dir, 'poem.txt'), TEXT);
  assert.equal((await studio.invoke('datasets:import', { path: join(dir, 'poem.txt') })).dataset.bytes, Buffer.byteLength(TEXT));
}));
