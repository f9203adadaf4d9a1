// The Inspect screen end to end in headless Chromium against `rnn-studio serve` with the real core: two
// tiny runs (an LSTM and a simple RNN) trained on the bundled corpus by the CLI, then surprise, the
// checkpoint slider, find units, connectivity and gradient flow overlaid. Screenshots go to
// test-artifacts/screenshots/inspect-*.png, and the README's two to docs/.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { ROOT } from '../helpers.ts';
import { CHROMIUM, servedStudio, until } from './served.ts';

const SHOTS = join(ROOT, 'test-artifacts', 'screenshots');
const DOCS = join(ROOT, 'docs');
/** `UPDATE_README_SHOTS=1 npm test`: the README's screenshots in docs/ are replaced; otherwise the tree is left as it was. */
const UPDATE_README_SHOTS = process.env.UPDATE_README_SHOTS === '1';
const CORPUS = join(ROOT, 'resources', 'corpora', 'state-of-the-union.txt');
const studio = servedStudio();
const { cli, serve } = studio;

/** A small run that learns some words in a few seconds, with four checkpoints for the slider. */
function train(cell: 'lstm' | 'rnn'): void {
  cli(['train', '1', '--cell', cell, '--layers', '1', '--units', '48', '--embedding', '16', '--seq-len', '64', '--batch', '32', '--lr', '0.01', '--max-steps', '400', '--checkpoint-every', '100', '--keep-checkpoints', '10', '--eval-every', '100', '--sample-every', '0', '--seed', '7']);
}

/** The alphas of the backgrounds of a coloured text's characters. */
const strengths = (text: Locator) =>
  text.locator('span').evaluateAll((spans) => spans.map((s) => Number(/rgba\([^)]*,\s*([\d.]+)\)/.exec(getComputedStyle(s).backgroundColor)?.[1] ?? 0)));

const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `inspect-${name}.png`), fullPage: true });

test('the Inspect screen shows surprise, units, connectivity and gradient flow of real runs', async (t) => {
  assert.ok(existsSync(CHROMIUM), `Chromium is needed at ${CHROMIUM} (Debian: apt-get install -y chromium)`);
  mkdirSync(SHOTS, { recursive: true });
  cli(['import', CORPUS, '--name', 'State of the Union (sample)']);
  train('lstm'); // run 1
  train('rnn'); // run 2
  const url = await serve();
  const page = await studio.open(url);
  const nav = (name: string) => page.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name }).click();
  // Straight to Inspect: its first requests reach a fresh engine worker together.
  await page.keyboard.press('Alt+5');
  await page.getByRole('navigation', { name: 'Screens' }).locator('button[aria-current=page]', { hasText: 'Inspect' }).waitFor();
  await page.getByRole('combobox', { name: 'Run' }).selectOption('1');

  const surprise = page.getByRole('region', { name: 'Surprise' });
  const bits = page.getByTestId('bits-per-char');

  await t.test("the run's text is coloured by surprise, with bits per character, and a character's alternatives on hover", async () => {
    await bits.waitFor({ timeout: 60_000 });
    assert.match((await bits.textContent())!, /^\d+\.\d{3} bits per character/);
    await surprise.getByText('at step 400').waitFor();
    const text = page.getByTestId('surprise-text');
    const alphas = await strengths(text);
    assert.ok(alphas.length >= 500, `the dataset's first 600 characters are read (${alphas.length})`);
    assert.ok(alphas.some((a) => a > 0.5) && alphas.some((a) => a < 0.2), 'some characters are surprising and some expected');
    await text.locator('span').nth(120).hover();
    const alternatives = page.getByTestId('alternatives');
    await alternatives.getByRole('list', { name: 'Top alternatives' }).waitFor();
    assert.equal(await alternatives.getByRole('listitem').count(), 5);
    assert.match((await alternatives.textContent())!, /entropy of the prediction \d+\.\d\d bits/);
    await shot(page, 'surprise');
    await surprise.screenshot({ path: join(SHOTS, 'inspect-surprise-panel.png') });
  });

  await t.test('the checkpoint slider re-reads the same text at an earlier checkpoint', async () => {
    const latest = (await bits.textContent())!;
    const slider = page.getByRole('slider', { name: 'Checkpoint' });
    await slider.fill('0');
    await page.getByTestId('checkpoint-step').filter({ hasText: 'step 100 · 1 of 4' }).waitFor();
    await surprise.getByText('at step 100').waitFor({ timeout: 30_000 });
    assert.notEqual(await bits.textContent(), latest, 'the reading changed with the checkpoint');
    await slider.fill('3');
    await surprise.getByText('at step 400').waitFor({ timeout: 30_000 });
    assert.match((await page.getByLabel('Bits per character by checkpoint').textContent())!, /step 100: [\d.]+.*step 400: [\d.]+/s);
  });

  await t.test('find units ranks units against a pattern, and a unit shows as a heatmap over the text', async () => {
    const units = page.getByRole('region', { name: 'Units' });
    await units.getByRole('textbox', { name: 'Pattern' }).fill('[A-Z]');
    await units.getByRole('button', { name: 'Find units' }).click();
    const table = units.getByRole('table', { name: 'Units found' });
    await table.waitFor({ timeout: 60_000 });
    const rows = table.getByRole('row');
    await until('ranked units', async () => (await rows.count()) > 1);
    assert.match((await rows.nth(1).textContent())!, /^\d+:\d+(hidden|cell|input|forget|output)matches your pattern[+−]\d\.\d{3}$/);
    await rows.nth(1).getByRole('button').click();
    const heatmap = page.getByTestId('unit-heatmap');
    await heatmap.waitFor({ timeout: 60_000 });
    await until('the heatmap to colour the text', async () => (await strengths(heatmap.getByRole('group'))).some((a) => a > 0.2));
    const kinds = await heatmap.getByRole('combobox', { name: 'Kind' }).locator('option').allTextContents();
    assert.deepEqual(kinds, ['hidden', 'cell', 'input', 'forget', 'output']);
    await heatmap.getByRole('combobox', { name: 'Kind' }).selectOption('forget');
    await heatmap.getByLabel('Unit colour scale').getByText('1 (gate open)').waitFor();
    await units.screenshot({ path: join(SHOTS, 'inspect-units.png') });
  });

  await t.test('clicking a character shows how strongly each earlier one influenced the prediction there', async () => {
    const region = page.getByRole('region', { name: 'Connectivity' });
    const text = page.getByTestId('connectivity-text');
    await text.locator('span').nth(200).click();
    await region.getByText(/influenced the prediction of .* at position 200 \(pinned/).waitFor({ timeout: 60_000 });
    const alphas = await strengths(text);
    assert.ok(alphas.slice(0, 200).some((a) => a > 0.8), 'the strongest earlier character is in full colour');
    assert.ok(alphas.slice(201).every((a) => a === 0), 'nothing after the position is coloured');
    // The logarithmic scale shows the faint influences from further back too.
    await region.getByRole('combobox', { name: 'Connectivity scale' }).selectOption('log');
    const visible = (xs: number[]) => xs.filter((a) => a > 0.1).length;
    await until('the log scale to colour more characters', async () => visible(await strengths(text)) > visible(alphas));
    await region.screenshot({ path: join(SHOTS, 'inspect-connectivity.png') });
  });

  await t.test("gradient flow overlays the LSTM's and the simple RNN's on a log scale", async () => {
    const region = page.getByRole('region', { name: 'Gradient flow' });
    await region.getByRole('checkbox', { name: 'Overlay run 1' }).check();
    await region.getByRole('checkbox', { name: 'Overlay run 2' }).check();
    const table = region.getByRole('table', { name: 'Gradient flow by run' });
    await until('both runs measured', async () => (await table.getByRole('row').count()) === 3, 120);
    const chart = region.locator('figure.chart');
    assert.equal(await chart.getAttribute('data-series'), '2');
    assert.ok(Number(await chart.getAttribute('data-points')) > 40);
    assert.deepEqual((await table.locator('tbody tr td:nth-child(2)').allTextContents()).sort(), ['lstm', 'rnn']);
    await region.screenshot({ path: join(SHOTS, 'inspect-gradient-flow.png') });
    await region.getByRole('radio', { name: 'gradient norms' }).check();
    await region.getByLabel(/‖∂loss\/∂h‖/).waitFor();
    await shot(page, 'full');
  });

  await t.test('screenshots for the README', async () => {
    // The surprise panel with a character's alternatives, under the run, slider and text.
    await page.getByRole('radio', { name: 'relative to k = 0' }).check();
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.getByTestId('surprise-text').locator('span').nth(120).hover();
    await page.screenshot({ path: join(SHOTS, 'inspect-readme.png') });
    if (UPDATE_README_SHOTS) {
      copyFileSync(join(SHOTS, 'inspect-readme.png'), join(DOCS, 'screenshot-inspect.png'));
      copyFileSync(join(SHOTS, 'inspect-gradient-flow.png'), join(DOCS, 'screenshot-gradient-flow.png'));
    }
    await page.getByRole('combobox', { name: 'Theme' }).selectOption('dark');
    await page.screenshot({ path: join(SHOTS, 'inspect-dark.png') });
  });
});
