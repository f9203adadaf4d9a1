import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiError, type ImportRequest } from '../../shared/api.ts';
import { withStudio } from '../helpers.ts';

test('each bad input is refused with its message and the database is left as it was', withStudio(async (studio, dir) => {
  writeFileSync(join(dir, 'good.txt'), 'some text\n');
  await studio.invoke('datasets:import', { path: join(dir, 'good.txt') });
  const before = JSON.stringify(await studio.invoke('datasets:list', {}));
  const storedBefore = readdirSync(join(studio.home, 'datasets')).sort();

  writeFileSync(join(dir, 'bad-utf8.txt'), Buffer.from([0x61, 0x62, 0xc3, 0x28, 0x0a]));
  writeFileSync(join(dir, 'binary.dat'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x00, 0x01]));
  writeFileSync(join(dir, 'empty.txt'), '');
  mkdirSync(join(dir, 'empty-folder'));
  mkdirSync(join(dir, 'mixed'));
  writeFileSync(join(dir, 'mixed', 'a.txt'), 'fine\n');
  writeFileSync(join(dir, 'mixed', 'b.bin'), Buffer.from([1, 0, 2]));
  const cases: Array<[string, RegExp]> = [
    ['bad-utf8.txt', /bad-utf8\.txt: is not valid UTF-8 \(bad byte 0xc3 at byte 2, line 1, column 3; the only one/],
    ['binary.dat', /binary\.dat: contains a NUL byte at byte 4/],
    ['empty.txt', /empty\.txt: the file is empty/],
    ['empty-folder', /empty-folder: the folder holds no files/],
    ['mixed', /mixed\/b\.bin: contains a NUL byte/],
    ['missing.txt', /missing\.txt: no such file or folder/],
  ];
  for (const [name, message] of cases) {
    await assert.rejects(studio.invoke('datasets:import', { path: join(dir, name) }), (err: Error) => {
      assert.ok(err instanceof ApiError, `${name}: ${err}`);
      assert.equal(err.code, 'bad-input');
      assert.match(err.message, message);
      return true;
    });
  }
  assert.equal(JSON.stringify(await studio.invoke('datasets:list', {})), before);
  assert.deepEqual(readdirSync(join(studio.home, 'datasets')).sort(), storedBefore);
}));

test('import copies the text into the data home: the original can change or vanish; the same text is stored once', withStudio(async (studio, dir) => {
  const src = join(dir, 'poem.txt');
  writeFileSync(src, '\uFEFFRoses are red,\r\nviolets are blue.\r\n');
  const first = await studio.invoke('datasets:import', { path: src, name: 'Poem' });
  assert.equal(first.existing, false);
  assert.equal(first.dataset.name, 'Poem');
  assert.equal(first.dataset.encoding, 'utf-8-bom');
  assert.equal(first.dataset.chars, 'Roses are red,\nviolets are blue.\n'.length);
  const again = await studio.invoke('datasets:import', { path: src });
  assert.equal(again.existing, true);
  assert.equal(again.dataset.id, first.dataset.id);
  rmSync(src);
  const preview = await studio.invoke('datasets:preview', { id: first.dataset.id });
  assert.equal(preview.text, 'Roses are red,\nviolets are blue.\n');
  assert.equal(readdirSync(join(studio.home, 'datasets')).length, 1);
}));

test('a folder of text files becomes one dataset; a charset over the cap says how many characters it affected', withStudio(async (studio, dir) => {
  mkdirSync(join(dir, 'books', 'part2'), { recursive: true });
  writeFileSync(join(dir, 'books', 'one.txt'), 'aaaa bbb cc');
  writeFileSync(join(dir, 'books', 'part2', 'two.txt'), 'd e f');
  writeFileSync(join(dir, 'books', '.hidden'), Buffer.from([0, 0, 0]));
  const reply = await studio.invoke('datasets:import', { path: join(dir, 'books'), maxCharset: 3 });
  assert.equal(reply.dataset.files, 2);
  // The text is "aaaa bbb cc\nd e f\n": a×4, space×4, b×3 are kept; c×2, \n×2, d, e, f are not.
  assert.equal(reply.dataset.distinctChars, 8);
  assert.equal(reply.dataset.charsetSize, 4); // 3 kept + the unknown symbol
  assert.equal(reply.dataset.unknownChars, 7);
  assert.match(reply.warnings[0], /the 5 rarest map to one unknown symbol, affecting 7 characters/);
  const detail = await studio.invoke('datasets:get', { id: reply.dataset.id });
  assert.deepEqual(detail.charCounts.slice(0, 2), [{ char: ' ', count: 4 }, { char: 'a', count: 4 }]);
}));

test('a CJK corpus and an emoji corpus go through import → train → sample, and the samples contain them', withStudio(async (studio, dir) => {
  const corpora = {
    cjk: '春眠不觉晓，处处闻啼鸟。夜来风雨声，花落知多少。\n'.repeat(60),
    emoji: '🌞🌻🐝 🌧️🌈🦋 🌙⭐🦉\n'.repeat(80),
  };
  for (const [name, text] of Object.entries(corpora)) {
    writeFileSync(join(dir, `${name}.txt`), text);
    const { dataset } = await studio.invoke('datasets:import', { path: join(dir, `${name}.txt`) });
    assert.equal(dataset.chars, [...text].length);
    const run = await studio.invoke('runs:start', {
      datasetId: dataset.id,
      config: { model: { cell: 'gru', layers: 1, units: 64, embedding: 16 }, train: { seqLen: 16, batch: 16, maxSteps: 150, lr: 0.01, seed: 3, sampleEvery: 150, evalEvery: 50 } },
    });
    const done = await studio.runs.whenDone(run.id);
    assert.equal(done.status, 'finished', done.error ?? '');
    const sample = await studio.invoke('samples:generate', { runId: run.id, params: { length: 80, seed: 1, temperature: 0.5 } });
    const alphabet = new Set([...text]);
    const produced = [...sample.text];
    assert.ok(produced.every((c) => alphabet.has(c)), `${name}: sample has only corpus characters: ${sample.text}`);
    if (name === 'cjk') assert.match(sample.text, /[春眠不觉晓处闻啼鸟夜来风雨声花落知多少]{4}/u);
    else assert.match(sample.text, /🌞|🌻|🐝|🌈|🦋|🌙|⭐|🦉/u);
    const detail = await studio.invoke('runs:get', { id: run.id });
    assert.ok(detail.samples.some((s) => s.source === 'training'), 'a training-time sample was recorded');
  }
}));

test('CRLF, lone CR and LF files store the same bytes; a folder\'s files too', withStudio(async (studio, dir) => {
  const lines = Array.from({ length: 2000 }, (_, i) => `line ${i}: Grüße, 你好 🎉`);
  writeFileSync(join(dir, 'lf.txt'), `${lines.join('\n')}\n`);
  writeFileSync(join(dir, 'crlf.txt'), `\uFEFF${lines.join('\r\n')}\r\n`);
  writeFileSync(join(dir, 'cr.txt'), `${lines.join('\r')}\r`);
  const sha = createHash('sha256').update(`${lines.join('\n')}\n`).digest('hex');
  const lf = await studio.invoke('datasets:import', { path: join(dir, 'lf.txt') });
  assert.equal(lf.dataset.sha256, sha);
  for (const name of ['crlf.txt', 'cr.txt']) {
    const reply = await studio.invoke('datasets:import', { path: join(dir, name), maxCharset: 100 });
    assert.equal(reply.dataset.sha256, sha, name);
    assert.equal(reply.dataset.chars, lf.dataset.chars, name);
    assert.deepEqual((await studio.invoke('datasets:get', { id: reply.dataset.id })).charCounts, (await studio.invoke('datasets:get', { id: lf.dataset.id })).charCounts);
  }
  mkdirSync(join(dir, 'mixed'));
  writeFileSync(join(dir, 'mixed', 'a.txt'), 'first\r\nfile');
  writeFileSync(join(dir, 'mixed', 'b.txt'), '\uFEFFsecond\rfile\r\n');
  const folder = await studio.invoke('datasets:import', { path: join(dir, 'mixed') });
  assert.equal((await studio.invoke('datasets:preview', { id: folder.dataset.id })).text, 'first\nfile\nsecond\nfile\n');
  assert.equal(folder.dataset.encoding, 'utf-8, utf-8-bom');
}));

test('only regular files are read, within a size limit that says how to raise it', withStudio(async (studio, dir) => {
  const refused = async (payload: ImportRequest, message: RegExp) =>
    assert.rejects(studio.invoke('datasets:import', payload), (err: Error) => {
      assert.ok(err instanceof ApiError && err.code === 'bad-input', String(err));
      assert.match(err.message, message);
      return true;
    });
  if (process.platform === 'linux') {
    await refused({ path: '/dev/zero' }, /^\/dev\/zero: is a character device, not a regular file/);
    await refused({ path: '/dev/zero', format: 'jsonl' }, /zero: is a character device/);
    execFileSync('mkfifo', [join(dir, 'pipe')]);
    await refused({ path: join(dir, 'pipe') }, /pipe: is a FIFO \(named pipe\), not a regular file/);
    mkdirSync(join(dir, 'with-pipe', 'pos'), { recursive: true });
    writeFileSync(join(dir, 'with-pipe', 'pos', 'a.txt'), 'good\n');
    execFileSync('mkfifo', [join(dir, 'with-pipe', 'pos', 'p')]);
    await refused({ path: join(dir, 'with-pipe') }, /with-pipe\/pos\/p: is a FIFO/);
    await refused({ path: join(dir, 'with-pipe'), format: 'folders' }, /pos\/p: is a FIFO/);
  }
  mkdirSync(join(dir, 'two'));
  writeFileSync(join(dir, 'two', 'a.txt'), 'a'.repeat(600));
  writeFileSync(join(dir, 'two', 'b.txt'), 'b'.repeat(600));
  writeFileSync(join(dir, 'one.csv'), `text,label\n${'x'.repeat(2000)},a\ny,b\n`);
  process.env.RNN_STUDIO_MAX_IMPORT_BYTES = '1000';
  try {
    await refused({ path: join(dir, 'two') }, /two: its files come to 1.2 KiB, over the import size limit of 1000 bytes; raise it with the environment variable RNN_STUDIO_MAX_IMPORT_BYTES, e\.g\. RNN_STUDIO_MAX_IMPORT_BYTES=1048576/);
    await refused({ path: join(dir, 'one.csv') }, /one\.csv: is 2 KiB, over the import size limit of 1000 bytes/);
    await studio.invoke('datasets:import', { path: join(dir, 'two', 'a.txt') });
  } finally {
    delete process.env.RNN_STUDIO_MAX_IMPORT_BYTES;
  }
  assert.equal((await studio.invoke('datasets:import', { path: join(dir, 'two') })).dataset.bytes, 1202);
}));
