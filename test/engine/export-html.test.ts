// The html export, proven in a browser: for each cell × task, a tiny model trained through the Studio API,
// exported with `runs:export`, and opened from a file:// URL in headless Chromium (one browser for every
// case) answers as the studio does — classifiers' probabilities equal `runs:classify`'s within 1e-5 for
// each pooling, one and two directions; generators' greedy text with a prime equals `samples:generate`'s
// with top-k 1, and text with a seed (temperature 1; temperature 0.8 with top-k 5; no prime) equals
// `samples:generate`'s with the same seed and parameters. The page asks for nothing over the network, and
// its own controls work.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { Studio } from '../../main/core/studio.ts';
import { CELLS, POOLINGS, TOLERANCE, closeExportBench, openExportBench, trainRun, type ExportBench } from './export-fixtures.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

let bench: ExportBench;
let dir: ExportBench['dir'];
let studio: Studio;
let browser: Browser;
let corpusId: number;
let labelledId: number;
const largest = new Map<string, number>();

before(async () => {
  assert.ok(existsSync(CHROMIUM), `Chromium is needed at ${CHROMIUM} (Debian: apt-get install -y chromium)`);
  bench = await openExportBench();
  ({ dir, studio, corpusId, labelledId } = bench);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  await browser?.close();
  await closeExportBench(bench);
});

const trainTiny = async (datasetId: number, config: Record<string, unknown>) => (await trainRun(studio, datasetId, config)).runId;

/** Exports the run as html and opens model.html from its file:// URL; fails on any page error or request. */
async function exportAndOpen(runId: number): Promise<Page> {
  const out = join(dir.path, `html-${runId}`);
  const reply = await studio.invoke('runs:export', { runId, format: 'html', out });
  assert.deepEqual(reply.files, [join(out, 'model.html'), join(out, 'vocab.json')]);
  const url = pathToFileURL(join(out, 'model.html')).href;
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`); // a CSP refusal shows here
  });
  page.on('request', (r) => {
    if (r.url() !== url) problems.push(`request: ${r.url()}`);
  });
  await page.goto(url);
  await page.waitForFunction(() => 'rnnStudio' in window);
  (page as Page & { problems: string[] }).problems = problems;
  return page;
}

const problemsOf = (page: Page) => (page as Page & { problems: string[] }).problems;

interface PageParams {
  prime?: string;
  length?: number;
  temperature?: number;
  topK?: number;
  seed?: number;
}
type PageWindow = {
  rnnStudio: { generate(p: PageParams): string; classify(text: string): { label: string; probabilities: number[] } };
};

const pageGenerate = (page: Page, params: PageParams) => page.evaluate((p) => (window as unknown as PageWindow).rnnStudio.generate(p), params);

for (const cell of CELLS) {
  for (const layers of [1, 2]) {
    const name = `${cell} generator, ${layers} layer${layers > 1 ? 's' : ''}`;
    test(`${name}: the page's greedy and seeded text is samples:generate's`, async () => {
      const runId = await trainTiny(corpusId, {
        model: { cell, layers, units: 8, embedding: 4 },
        train: { seqLen: 12, batch: 8, maxSteps: 20, lr: 0.02, seed: 5, sampleEvery: 1000, evalEvery: 1000, checkpointEvery: 1000 },
      });
      const page = await exportAndOpen(runId);
      const cases: PageParams[] = [
        { prime: 'the ', length: 120, topK: 1, seed: 1 }, // greedy
        { prime: 'the ', length: 200, temperature: 1, seed: 7 },
        { prime: 'a b', length: 200, temperature: 0.8, topK: 5, seed: 11 },
        { prime: '', length: 150, temperature: 1, seed: 3 }, // fed the start character
      ];
      for (const params of cases) {
        const studioText = (await studio.invoke('samples:generate', { runId, params })).text;
        assert.equal(await pageGenerate(page, params), studioText, `${name}, ${JSON.stringify(params)}`);
      }
      await assert.rejects(pageGenerate(page, { prime: 'the €', length: 5 }), /never saw: "€"/);

      // The page's own form: a seed typed in gives the same text as the API with it.
      await page.locator('textarea[name=prime]').fill('the ');
      await page.locator('input[name=length]').fill('80');
      await page.locator('input[name=seed]').fill('42');
      await page.getByRole('button', { name: 'Generate' }).click();
      const shown = await page.locator('pre.output').textContent();
      assert.equal(shown, await pageGenerate(page, { prime: 'the ', length: 80, temperature: 1, topK: 0, seed: 42 }));
      assert.deepEqual(problemsOf(page), []);
      await page.close();
    });
  }

  for (const bidirectional of [false, true]) {
    for (const pooling of POOLINGS) {
      const name = `${cell} classifier, ${bidirectional ? 'bidirectional' : 'unidirectional'}, ${pooling} pooling`;
      test(`${name}: the page's probabilities are runs:classify's`, async () => {
        const runId = await trainTiny(labelledId, {
          task: 'classify',
          model: { cell, layers: 2, units: 8, embedding: 4, bidirectional, pooling },
          train: { maxLen: 10, batch: 8, epochs: 1, lr: 0.02, seed: 5, valSplit: 0.2 },
        });
        const page = await exportAndOpen(runId);
        // Lengths 1 to past maxLen, a character the model never saw, and (but for max pooling, whose empty
        // text pools to −1e9 and is ill-conditioned in the studio itself) an empty text.
        const texts = ['a', 'cab', 'abbacab', 'bacca#b', 'ccbaccbaccbaccba', ...(pooling === 'max' ? [] : [''])];
        const studioAnswer = await studio.invoke('runs:classify', { runId, texts });
        const pageAnswers = await page.evaluate((ts) => ts.map((t) => (window as unknown as PageWindow).rnnStudio.classify(t)), texts);
        texts.forEach((text, i) => {
          const expected = studioAnswer.results[i].probabilities;
          const got = pageAnswers[i].probabilities;
          assert.equal(got.length, expected.length);
          const diff = Math.max(...got.map((p, c) => Math.abs(p - expected[c])));
          largest.set(name, Math.max(largest.get(name) ?? 0, diff));
          assert.ok(diff <= TOLERANCE, `${name}, ${JSON.stringify(text)}: the page differs from the studio by ${diff}`);
          assert.equal(pageAnswers[i].label, studioAnswer.labels[got.indexOf(Math.max(...got))]);
        });

        // Typing shows one bar per class with the same answer.
        await page.locator('textarea[name=text]').fill('abbacab');
        const meters = page.getByRole('meter');
        assert.equal(await meters.count(), studioAnswer.labels.length);
        const shown = await Promise.all(studioAnswer.labels.map(async (l) => Number(await page.getByRole('meter', { name: l }).getAttribute('aria-valuenow'))));
        shown.forEach((v, c) => assert.ok(Math.abs(v - 100 * pageAnswers[2].probabilities[c]) <= 0.051, `bar ${c}: ${v}`));
        assert.deepEqual(problemsOf(page), []);
        await page.close();
      });
    }
  }
}

test('model.html is one file with the weights inlined, refusing any network by its content security policy', async (t) => {
  const runId = await trainTiny(corpusId, { model: { cell: 'lstm', layers: 1, units: 8, embedding: 4 }, train: { seqLen: 8, batch: 4, maxSteps: 2, seed: 1 } });
  const out = join(dir.path, 'html-csp');
  await studio.invoke('runs:export', { runId, format: 'html', out });
  const page = await exportAndOpen(runId);
  const csp = await page.locator('meta[http-equiv=Content-Security-Policy]').getAttribute('content');
  assert.match(csp!, /default-src 'none'/);
  assert.match(csp!, /script-src 'sha256-/);
  // A script trying to reach the network is refused by the page's policy.
  const refused = await page.evaluate(() => fetch('https://example.com/').then(() => false, () => true));
  assert.equal(refused, true);
  assert.ok(statSync(join(out, 'model.html')).size > 0);
  await page.close();
  for (const [name, diff] of largest) t.diagnostic(`largest difference, ${name}: ${diff.toExponential(2)}`);
});
