// Compare cells and the timeline end to end in headless Chromium against `rnn-studio serve` with the real
// core and a temporary data home: one click queues a SimpleRNN, an LSTM and a GRU at one parameter budget,
// their curves overlay as they train, the table and samples fill in, and a run's page shows its timeline.
// Screenshots go to test-artifacts/screenshots/compare-*.png; the README's to docs/.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { ROOT } from '../helpers.ts';
import { CHROMIUM, servedStudio, until } from './served.ts';

const SHOTS = join(ROOT, 'test-artifacts', 'screenshots');
const DOCS = join(ROOT, 'docs');
/** `UPDATE_README_SHOTS=1 npm test`: the README's screenshots in docs/ are replaced; otherwise the tree is left as it was. */
const UPDATE_README_SHOTS = process.env.UPDATE_README_SHOTS === '1';
const studio = servedStudio();
const { dir, serve } = studio;

const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `compare-${name}.png`), fullPage: true });
const screen = (page: Page, name: string) => page.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name }).click();

test('Compare cells: three cells at one budget, overlaid, side by side, and a run’s timeline', async (t) => {
  assert.ok(existsSync(CHROMIUM), `Chromium is needed at ${CHROMIUM} (Debian: apt-get install -y chromium)`);
  mkdirSync(SHOTS, { recursive: true });
  // A small text: the first 40 KB of the bundled corpus.
  const small = join(dir.path, 'speeches.txt');
  writeFileSync(small, readFileSync(join(ROOT, 'resources', 'corpora', 'state-of-the-union.txt'), 'utf8').slice(0, 40_000));
  const page = await studio.open(await serve());

  await t.test('a small text is imported by its path', async () => {
    await page.getByLabel('Path on this machine').fill(small);
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByRole('button', { name: 'speeches', exact: true }).waitFor();
  });

  const section = page.getByRole('region', { name: /^Comparison \d+$/ });
  const table = section.getByRole('table', { name: 'Compared runs' });
  const rows = table.locator('tbody tr');

  // Enough steps that the last samples look like words, few enough to stay well under two minutes.
  const STEPS = 400;
  await t.test('Compare cells queues a SimpleRNN, an LSTM and a GRU and shows them train, one after another', async () => {
    await screen(page, 'Train');
    const config = { layers: '1', units: '48', embedding: '16', seqLen: '32', batch: '16', lr: '0.01', maxSteps: String(STEPS), evalEvery: '20', sampleEvery: '100', checkpointEvery: '200', seed: '3' };
    await page.getByRole('radio', { name: 'Advanced' }).check(); // every field
    for (const [name, value] of Object.entries(config)) await page.locator(`input[name=${name}]`).fill(value);
    await page.getByRole('button', { name: 'Compare cells' }).click();
    const dialog = page.getByRole('dialog', { name: /Compare cells on speeches/ });
    for (const cell of ['SimpleRNN', 'LSTM', 'GRU']) assert.equal(await dialog.getByRole('checkbox', { name: cell }).isChecked(), true);
    assert.equal(await dialog.getByRole('spinbutton', { name: 'Steps per run' }).inputValue(), String(STEPS));
    await shot(page, 'dialog');
    await dialog.getByRole('button', { name: 'Compare 3 runs' }).click();
    await section.waitFor();
    assert.equal(await rows.count(), 3);
    // While the first trains, the others wait their turn.
    const statuses = await table.locator('[data-status]').allTextContents();
    assert.ok(statuses.includes('queued') || statuses.every((s) => s === 'finished'), `statuses: ${statuses.join(', ')}`);
  });

  await t.test('the three runs finish at parameter counts within 5% of each other, their curves overlaid', async () => {
    await until('every run to finish', async () => (await table.locator('[data-status]').allTextContents()).every((s) => s === 'finished'), 100);
    await section.getByTestId('comparison-status').filter({ hasText: 'done' }).waitFor({ timeout: 30_000 });
    assert.equal(await rows.count(), 3);
    assert.deepEqual(await rows.locator('td:nth-child(2)').allTextContents(), ['SimpleRNN', 'LSTM', 'GRU']);
    const parameters = (await table.locator('td[data-parameters]').evaluateAll((cells) => cells.map((c) => Number(c.getAttribute('data-parameters')))));
    assert.equal(parameters.length, 3);
    const [least, most] = [Math.min(...parameters), Math.max(...parameters)];
    assert.ok((most - least) / least <= 0.05, `parameters within 5%: ${parameters.join(', ')}`);
    for (const loss of await rows.locator('td:nth-child(6)').allTextContents()) assert.match(loss, /^\d+\.\d{3}$/);
    await until('three curves on the chart', async () => (await section.getByTestId('compare-chart').getAttribute('data-series')) === '3', 10);
    await until('a sample from each run', async () => (await section.getByTestId('compare-sample').count()) === 3, 30);
    await shot(page, 'train');
  });

  await t.test('the comparison is listed in Runs, and a run’s page shows its timeline oldest first', async () => {
    await screen(page, 'Runs');
    await page.getByRole('button', { name: /^Comparison \d+$/ }).click();
    await section.getByTestId('compare-sample').nth(2).waitFor();
    await until('three curves on the chart', async () => (await section.getByTestId('compare-chart').getAttribute('data-series')) === '3', 10);
    await shot(page, 'runs');
    mkdirSync(DOCS, { recursive: true });
    await section.screenshot({ path: join(SHOTS, 'compare-comparison.png') });

    const gru = await rows.nth(2).getAttribute('data-run');
    await table.getByRole('button', { name: `Open run ${gru}` }).click();
    const timeline = page.getByRole('list', { name: `Timeline of run ${gru}` });
    await timeline.waitFor({ timeout: 60_000 });
    const steps = (await timeline.locator('li').evaluateAll((items) => items.map((li) => Number(li.getAttribute('data-step')))));
    assert.ok(steps.length >= 3, `a sample at several steps: ${steps.join(', ')}`);
    assert.deepEqual(steps, [...steps].sort((a, b) => a - b), 'oldest first');
    assert.equal(steps.at(-1), STEPS);
    const region = page.getByRole('region', { name: 'Timeline' });
    await region.scrollIntoViewIfNeeded();
    await shot(page, 'timeline');
    await region.screenshot({ path: join(SHOTS, 'compare-timeline-only.png') });

    // Another prime and seed regenerate every entry.
    await region.getByRole('textbox', { name: 'Prime' }).fill('The ');
    await region.getByRole('spinbutton', { name: 'Seed' }).fill('7');
    await region.getByRole('button', { name: 'Regenerate' }).click();
    await until('the timeline at the new prime', async () => (await timeline.locator('pre').allTextContents()).every((text) => text.startsWith('The ')), 60);
    // The dark theme reads the same colours from the theme's variables.
    await page.emulateMedia({ colorScheme: 'dark' });
    await section.screenshot({ path: join(SHOTS, 'compare-comparison-dark.png') });
    await page.emulateMedia({ colorScheme: 'light' });
    if (UPDATE_README_SHOTS) {
      copyFileSync(join(SHOTS, 'compare-comparison.png'), join(DOCS, 'screenshot-compare.png'));
      copyFileSync(join(SHOTS, 'compare-timeline-only.png'), join(DOCS, 'screenshot-timeline.png'));
    }
  });
});
