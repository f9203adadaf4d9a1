// The Lab's HTML report (issue 16, lab:report): one self-contained file in the learner's language, with
// their figures and charts inline, every text of theirs escaped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import en from '../../shared/i18n/en/report.ts';
import { formatNumber, translate, type Key } from '../../shared/i18n/index.ts';
import type { Studio } from '../../main/core/studio.ts';
import { withStudio } from '../helpers.ts';

const TINY = { model: { layers: 1, units: 16, embedding: 8 }, train: { seqLen: 16, batch: 8, seed: 5, evalEvery: 5, sampleEvery: 5, checkpointEvery: 10 } };
const corpus = 'the cat sat on the mat and the dog sat on the log.\n'.repeat(40);
const INJECTION = '<script>alert(1)</script>';
const SECTION_TITLES: Key[] = ['report.corpusTitle', 'report.rnnTitle', 'report.compareTitle', 'report.gatesTitle', 'report.classifyTitle', 'report.findingsTitle'];

/** One document: a doctype, one html element with a lang, one head and body, nothing after it. */
function assertSingleDocument(html: string, lang: string): void {
  assert.ok(html.startsWith('<!DOCTYPE html>\n'), 'starts with the doctype');
  assert.equal(html.match(/<html\b/g)?.length, 1);
  assert.ok(html.includes(`<html lang="${lang}">`));
  for (const tag of ['head', 'body', 'title', 'style']) assert.equal(html.match(new RegExp(`<${tag}\\b`, 'g'))?.length, 1, `one <${tag}>`);
  assert.ok(html.trimEnd().endsWith('</html>'));
  assert.equal(html.match(/<section\b/g)?.length, html.match(/<\/section>/g)?.length, 'sections are closed');
}

/** Nothing fetched from elsewhere: no URL, no script, no stylesheet or image outside the file. */
function assertSelfContained(html: string): void {
  assert.doesNotMatch(html, /https?:\/\//);
  assert.doesNotMatch(html, /src="\//);
  assert.doesNotMatch(html, /<script|<link|@import|url\(/i);
  for (const [, src] of html.matchAll(/src="([^"]*)"/g)) assert.ok(src.startsWith('data:image/svg+xml;base64,'), src.slice(0, 40));
}

const svgImages = (html: string): string[] => [...html.matchAll(/src="data:image\/svg\+xml;base64,([^"]+)"/g)].map((m) => Buffer.from(m[1], 'base64').toString('utf8'));

async function labWithEverything(studio: Studio, dir: string): Promise<void> {
  writeFileSync(join(dir, 'c.txt'), corpus);
  writeFileSync(join(dir, 'names.csv'), `text,label\nAnna,f\nBob,m\nCarla,f\nDan,m\nEve,f\nFred,m\nGina,f\nHal,m\nIda,f\nJon,${INJECTION}\n`);
  const text = (await studio.invoke('datasets:import', { path: join(dir, 'c.txt') })).dataset;
  await studio.invoke('datasets:rename', { id: text.id, name: `my ${INJECTION} corpus` });
  const labelled = (await studio.invoke('datasets:import', { path: join(dir, 'names.csv') })).dataset;
  const rnn = await studio.invoke('runs:start', { datasetId: text.id, config: { ...TINY, model: { ...TINY.model, cell: 'rnn' }, train: { ...TINY.train, maxSteps: 20 } } });
  await studio.runs.whenDone(rnn.id);
  const compared = await studio.invoke('runs:compare', { datasetId: text.id, cells: ['rnn', 'lstm', 'gru'], steps: 10, config: TINY });
  await studio.comparisons.whenDone(compared.comparisonId);
  const classifier = (layers: number, bidirectional: boolean) =>
    studio.invoke('runs:start', { datasetId: labelled.id, config: { task: 'classify', model: { cell: 'lstm', units: 4, layers, embedding: 4, bidirectional }, train: { maxSteps: 4, batch: 2, valSplit: 0.3, evalEvery: 2 } } });
  const single = await classifier(1, false);
  await studio.runs.whenDone(single.id);
  const stacked = await classifier(2, true);
  await studio.runs.whenDone(stacked.id);
  await studio.invoke('lab:update', {
    datasetId: text.id,
    rnnRunId: rnn.id,
    comparisonId: compared.comparisonId,
    passage: `the cat ${INJECTION}`,
    labelledDatasetId: labelled.id,
    classifierRunIds: { single: single.id, stacked: stacked.id },
    notes: `LSTM won. ${INJECTION} & more`,
    done: ['corpus', 'simple-rnn', 'gradients', 'gates', 'gru-lstm', 'classify', 'findings'],
  });
}

test('a new Lab\'s report is one valid file saying every step is still to do', withStudio(async (studio) => {
  const { html, fileName } = await studio.invoke('lab:report', { locale: 'en' });
  assertSingleDocument(html, 'en');
  assertSelfContained(html);
  assert.match(fileName, /^rnn-studio-lab-\d{4}-\d\d-\d\d\.html$/);
  assert.equal(html.split(en.notDone).length - 1, 5, 'five steps with a result, none done');
  assert.ok(html.includes(en.noNotes));
  assert.equal(svgImages(html).length, 0);
}));

test('the report holds the learner\'s figures and charts inline, in English and in Chinese, every text of theirs escaped', withStudio(async (studio, dir) => {
  await labWithEverything(studio, dir);
  const state = await studio.invoke('lab:get', {});
  const dataset = studio.store.datasets.get(state.datasetId!)!;
  for (const locale of ['en', 'zh-TW'] as const) {
    const { html } = await studio.invoke('lab:report', { locale });
    assertSingleDocument(html, locale);
    assertSelfContained(html);
    for (const key of SECTION_TITLES) assert.ok(html.includes(`<h2>${translate(locale, key)}</h2>`), `${locale}: ${key}`);
    assert.ok(!html.includes(translate(locale, 'report.notDone')), 'every step is done');

    // Escaped wherever the learner's text appears: the dataset's name, a label, the passage, the notes.
    assert.ok(!html.includes(INJECTION));
    assert.ok(html.includes('my &lt;script&gt;alert(1)&lt;/script&gt; corpus'));
    assert.ok(html.includes('LSTM won. &lt;script&gt;alert(1)&lt;/script&gt; &amp; more'));
    assert.ok(html.includes('the cat &lt;script&gt;'));

    // The figures, in the locale's numbers.
    assert.ok(html.includes(`<td>${formatNumber(locale, dataset.chars)}</td>`), 'characters');
    assert.ok(html.includes(`<td>${formatNumber(locale, dataset.distinctChars)}</td>`), 'distinct characters');
    for (const cell of ['SimpleRNN', 'LSTM', 'GRU']) {
      assert.ok(html.includes(`<td>${cell}</td>`), cell);
      assert.ok(html.includes(`<h3>${translate(locale, 'report.cellSample', { cell })}</h3>`), `${cell}'s sample`);
    }
    assert.match(html, /<th scope="col">f<\/th><th scope="col">m<\/th>/, 'the best classifier\'s confusion matrix');

    // Two charts: the simple RNN's training and validation loss, and the three cells' validation loss.
    const charts = svgImages(html);
    assert.equal(charts.length, 2);
    for (const svg of charts) {
      assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"[^>]*>.*<\/svg>$/s);
      assert.doesNotMatch(svg, /<script/);
    }
    assert.equal(charts[0].match(/<polyline/g)?.length, 2, 'training and validation');
    assert.equal(charts[1].match(/<polyline/g)?.length, 3, 'one curve per cell');
    assert.ok(charts[1].includes(translate(locale, 'report.axisStep')));
  }

  const { html: zh } = await studio.invoke('lab:report', { locale: 'zh-TW' });
  assert.ok(zh.includes('<h2>你的語料</h2>'));
  // No English from the catalogue: every literal part of each English message (placeholders aside) is absent.
  for (const [key, message] of Object.entries(en)) {
    for (const part of String(message).split(/\{\w+\}/)) {
      const words = part.trim().replace(/[.:,()]+$/, '');
      if (words.length >= 5) assert.ok(!zh.includes(words), `report.${key}: "${words}" in the Chinese report`);
    }
  }
}));
