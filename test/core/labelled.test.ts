import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiError } from '../../shared/api.ts';
import { withStudio } from '../helpers.ts';

test('CSV: quoted fields with commas and newlines, a BOM, CRLF, blank lines and a very long text', withStudio(async (studio, dir) => {
  const long = 'spam '.repeat(20_000);
  const csv = `\uFEFFid,text,label\r\n1,"Hello, world",ham\r\n\r\n2,"line one\r\nline two, still ""one"" text",ham\r\n3,${long},spam\r\n4,Win money now,spam\r\n`;
  writeFileSync(join(dir, 'mail.csv'), csv);
  const { dataset, warnings } = await studio.invoke('datasets:import', { path: join(dir, 'mail.csv') });
  assert.equal(dataset.kind, 'labelled');
  assert.equal(dataset.format, 'csv');
  assert.equal(dataset.examples, 4);
  assert.deepEqual(dataset.labels, [{ label: 'ham', count: 2 }, { label: 'spam', count: 2 }]);
  assert.equal(dataset.lengths!.max, long.length);
  assert.deepEqual(warnings, []);
  const inspected = await studio.invoke('datasets:inspect', { path: join(dir, 'mail.csv') });
  assert.deepEqual(inspected.columns, ['id', 'text', 'label']);
  assert.equal(inspected.rows[1].text, 'line one\nline two, still "one" text');
}));

test('TSV, JSONL and a folder per label (a file or a line per example); columns chosen by flag', withStudio(async (studio, dir) => {
  writeFileSync(join(dir, 'lang.tsv'), 'sentence\tlanguage\nbonjour tout le monde\tfr\nhello everyone\ten\nguten tag\tde\n');
  const tsv = await studio.invoke('datasets:import', { path: join(dir, 'lang.tsv'), textColumn: 'sentence', labelColumn: 'language' });
  assert.deepEqual(tsv.dataset.labels!.map((l) => l.label), ['de', 'en', 'fr']);
  // .tab is TSV as well, and its extension is left out of the dataset's name as .tsv's is.
  writeFileSync(join(dir, 'phrases.tab'), 'text\tlabel\nhola a todos\tes\nciao a tutti\tit\n');
  const tab = await studio.invoke('datasets:import', { path: join(dir, 'phrases.tab') });
  assert.deepEqual([tab.dataset.format, tab.dataset.name], ['tsv', 'phrases']);

  writeFileSync(join(dir, 'intents.jsonl'), '{"text": "book a flight", "label": "travel"}\n\n{"text": "play jazz", "label": "music"}\n');
  const jsonl = await studio.invoke('datasets:import', { path: join(dir, 'intents.jsonl') });
  assert.equal(jsonl.dataset.examples, 2);

  for (const [label, texts] of Object.entries({ pos: ['great film\nloved it', 'superb'], neg: ['dull', 'awful plot'] })) {
    mkdirSync(join(dir, 'reviews', label), { recursive: true });
    texts.forEach((t, i) => writeFileSync(join(dir, 'reviews', label, `${i}.txt`), t));
  }
  const perFile = await studio.invoke('datasets:import', { path: join(dir, 'reviews'), format: 'folders' });
  assert.deepEqual(perFile.dataset.labels, [{ label: 'neg', count: 2 }, { label: 'pos', count: 2 }]);
  const perLine = await studio.invoke('datasets:import', { path: join(dir, 'reviews'), format: 'folders', perLine: true });
  assert.deepEqual(perLine.dataset.labels, [{ label: 'neg', count: 2 }, { label: 'pos', count: 3 }]);
}));

test('strong class imbalance is flagged with what to do about it', withStudio(async (studio, dir) => {
  const rows = [...Array(30).fill('fine day,ham'), ...Array(3).fill('free money,spam')];
  writeFileSync(join(dir, 'skewed.csv'), `text,label\n${rows.join('\n')}\n`);
  const { warnings } = await studio.invoke('datasets:import', { path: join(dir, 'skewed.csv') });
  assert.match(warnings[0], /strong class imbalance: "ham" has 30 examples, "spam" 3 \(10×\); consider --class-weights balanced/);
}));

test('one class only, a missing column, an empty text and an empty label are refused by file and row; nothing is stored', withStudio(async (studio, dir) => {
  const cases: Array<[string, string, RegExp, Record<string, string>?]> = [
    ['one.csv', 'text,label\na,x\nb,x\n', /one\.csv: every example has the label "x": a classifier needs at least two classes/],
    ['cols.csv', 'review,sentiment\ngood,pos\n', /cols\.csv: no "text" column \(columns: review, sentiment\); choose one with --text-column/],
    ['named.csv', 'review,sentiment\ngood,pos\n', /named\.csv: no column "body" \(columns: review, sentiment\); choose one with --text-column/, { textColumn: 'body' }],
    ['emptytext.csv', 'text,label\ngood,pos\n  ,neg\n', /emptytext\.csv: row 2 \(line 3\) has an empty text/],
    ['emptylabel.jsonl', '{"text":"a","label":"x"}\n{"text":"b","label":""}\n', /emptylabel\.jsonl: line 2 has an empty label/],
    ['broken.jsonl', '{"text":"a","label":"x"}\n{"text": oops}\n', /broken\.jsonl: line 2 is not valid JSON/],
    ['object.jsonl', '{"text":"a","label":"x"}\n{"text":{"en":"b"},"label":"y"}\n', /object\.jsonl: line 2: the text \("text"\) is an object \(\{"en":"b"\}\), not a string/],
    ['array.jsonl', '{"text":["a"],"label":"x"}\n', /array\.jsonl: line 1: the text \("text"\) is an array \(\["a"\]\), not a string/],
    ['number.jsonl', '{"text":"a","label":"x"}\n{"text":7,"label":"y"}\n', /number\.jsonl: line 2: the text \("text"\) is a number \(7\), not a string/],
    ['null.jsonl', '{"text":"a","label":null}\n', /null\.jsonl: line 1: the label \("label"\) is null \(null\), not a string \(or a number\)/],
    ['labelobj.jsonl', '{"s":"a","y":{"k":1}}\n', /labelobj\.jsonl: line 1: the label \("y"\) is an object/, { textColumn: 's', labelColumn: 'y' }],
  ];
  for (const [file, content, message, flags] of cases) {
    writeFileSync(join(dir, file), content);
    await assert.rejects(studio.invoke('datasets:import', { path: join(dir, file), ...flags }), (err: Error) => {
      assert.ok(err instanceof ApiError && err.code === 'bad-input', `${file}: ${err}`);
      assert.match(err.message, message);
      return true;
    });
  }
  assert.deepEqual(await studio.invoke('datasets:list', {}), []);
  assert.deepEqual(readdirSync(join(studio.home)).filter((f) => f === 'datasets'), []);
}));

test('a generator cannot train on labelled data, nor a classifier on a plain corpus; bidirectional is for classifiers', withStudio(async (studio, dir) => {
  writeFileSync(join(dir, 'l.csv'), 'text,label\na,x\nb,y\n');
  writeFileSync(join(dir, 'c.txt'), 'plain text '.repeat(50));
  const labelled = (await studio.invoke('datasets:import', { path: join(dir, 'l.csv') })).dataset.id;
  const corpus = (await studio.invoke('datasets:import', { path: join(dir, 'c.txt') })).dataset.id;
  await assert.rejects(studio.invoke('runs:start', { datasetId: labelled }), /holds labelled examples: it trains classifiers/);
  await assert.rejects(studio.invoke('runs:start', { datasetId: corpus, config: { task: 'classify' } }), /text corpus without labels/);
  await assert.rejects(studio.invoke('runs:start', { datasetId: corpus, config: { model: { bidirectional: true } } }), /bidirectional layers are for classifiers/);
}));

test('JSONL labels that are numbers or booleans are kept as their text', withStudio(async (studio, dir) => {
  writeFileSync(join(dir, 'stars.jsonl'), '{"text":"great","label":5}\n{"text":"awful","label":1}\n{"text":"spam?","label":true}\n');
  const { dataset } = await studio.invoke('datasets:import', { path: join(dir, 'stars.jsonl') });
  assert.deepEqual(dataset.labels, [{ label: '1', count: 1 }, { label: '5', count: 1 }, { label: 'true', count: 1 }]);
}));
