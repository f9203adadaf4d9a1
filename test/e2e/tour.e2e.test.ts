// The studio tour: every screen the README shows, with real content (a small generator and classifier
// trained by the CLI, a comparison, a run trained in the browser), saved as what the window shows at
// 1400×900 and 800×600 in the light and the dark theme: <dir>/<screen>-<width>x<height>-<theme>.png.
// Before each shot the screen's main element must be on screen, so a broken screen fails the test
// instead of leaving a blank picture.
//
// Where the pictures go: $TOUR_DIR if set; docs/tour/ (the README's, committed) for `npm run tour`;
// otherwise — npm test, CI — test-artifacts/tour/, so a test run leaves the checkout as it found it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { ROOT } from '../helpers.ts';
import { go, servedStudio, until } from './served.ts';

/** npm names the script it runs in npm_lifecycle_event: `npm run tour` is the explicit ask for docs/tour/. */
const ASKED_FOR_DOCS = process.env.npm_lifecycle_event === 'tour' && process.env.CI !== 'true';
const TOUR_DIR = ((dir) => (isAbsolute(dir) ? dir : join(ROOT, dir)))(process.env.TOUR_DIR ?? (ASKED_FOR_DOCS ? join('docs', 'tour') : join('test-artifacts', 'tour')));

/** The looks of every screen: the window sizes the issue was tried at, each in both themes. */
const TOUR_LOOKS = [
  { width: 1400, height: 900 },
  { width: 800, height: 600 },
].flatMap((size) => (['light', 'dark'] as const).map((theme) => ({ ...size, theme })));

const studio = servedStudio();

const chartPoints = async (chart: Locator) => Number(await chart.getAttribute('data-points'));

test('the tour: every screen, light and dark, at 1400×900 and 800×600', async (t) => {
  const started = Date.now();
  mkdirSync(TOUR_DIR, { recursive: true });
  const page = await studio.open(await studio.serve());
  const saved: string[] = [];

  /**
   * Saves the screen at every look. `main` is what the screen is about: it is brought to the top of the
   * window when the page is longer than the window, and must then be visible in it.
   */
  async function shoot(screen: string, main: Locator): Promise<void> {
    for (const look of TOUR_LOOKS) {
      await page.setViewportSize({ width: look.width, height: look.height });
      await page.emulateMedia({ colorScheme: look.theme }); // the studio's theme is "System" until changed
      await page.waitForTimeout(300); // charts redraw in the theme's colours on the next frame
      await page.evaluate(() => window.scrollTo(0, 0));
      const top = (await main.boundingBox())?.y;
      assert.ok(top !== undefined, `${screen}: its main element is on the page`);
      // Below the window's upper half: scrolled to the top of the window, as a person would scroll to it.
      if (top > look.height / 2) await page.evaluate((y) => window.scrollBy(0, y - 16), top);
      const box = (await main.boundingBox())!;
      assert.ok(await main.isVisible(), `${screen}: its main element is visible`);
      assert.ok(box.y >= 0 && box.y < look.height && box.height > 20, `${screen} at ${look.width}×${look.height}: its main element is in the window (at ${box.y}px, ${box.height}px high)`);
      const file = `${screen}-${look.width}x${look.height}-${look.theme}.png`;
      await page.screenshot({ path: join(TOUR_DIR, file) });
      saved.push(file);
    }
    await page.emulateMedia({ colorScheme: 'light' });
    await page.setViewportSize({ width: 1400, height: 900 });
    await page.evaluate(() => window.scrollTo(0, 0));
  }
  await t.test('first launch offers the bundled data', async () => {
    await page.getByRole('button', { name: 'Use the sample corpus' }).waitFor();
    await shoot('welcome', page.getByRole('region', { name: 'Welcome', exact: true }));
  });

  // The content every other screen shows (served.ts furnish()).
  const { labelled } = studio.furnish();
  await page.reload();

  await t.test('Datasets: a text corpus and a labelled set, each open', async () => {
    await go(page, 1, 'Datasets');
    await page.getByRole('button', { name: 'speeches', exact: true }).click();
    await page.getByRole('table', { name: 'Charset' }).waitFor();
    await shoot('datasets', page.getByRole('region', { name: 'Dataset speeches', exact: true }));
    await page.getByRole('button', { name: 'names', exact: true }).click();
    await page.getByRole('table', { name: 'First examples' }).waitFor();
    await shoot('datasets-labelled', page.getByRole('region', { name: 'Dataset names', exact: true }));
  });

  await t.test('Train: the form, a run training, the run stopped', async () => {
    await go(page, 2, 'Train');
    await page.getByRole('combobox', { name: 'Dataset' }).selectOption({ label: 'speeches' });
    await page.getByRole('heading', { name: 'Train a generator' }).waitFor();
    await shoot('train', page.getByRole('region', { name: 'New run', exact: true }));

    // A small model for a quick run, set field by field where every field is: the form's Advanced view.
    const advanced = page.getByRole('radio', { name: 'Advanced' });
    if ((await advanced.count()) > 0) await advanced.check();
    const config = { layers: '1', units: '32', embedding: '16', seqLen: '32', batch: '16', maxSteps: '100000', evalEvery: '10', sampleEvery: '25', checkpointEvery: '50', seed: '2' };
    for (const [name, value] of Object.entries(config)) await page.locator(`input[name=${name}]`).fill(value);

    await page.getByRole('button', { name: 'Start training' }).click();
    const run = page.getByRole('region', { name: /^Training run \d+$/ });
    await until('the live chart to show points', async () => (await chartPoints(run.locator('figure.chart').first())) >= 4);
    await run.getByRole('group', { name: /^Sample at step/ }).first().waitFor({ timeout: 60_000 });
    await run.getByTestId('run-status').filter({ hasText: 'running' }).waitFor();
    await shoot('train-during', run);

    await run.getByRole('button', { name: 'Stop' }).click();
    await run.getByTestId('run-status').filter({ hasText: 'stopped' }).waitFor();
    await run.getByRole('group', { name: /^What next for run/ }).waitFor();
    await shoot('train-after', run);
  });

  await t.test('Sample: generated text', async () => {
    await go(page, 3, 'Sample');
    await page.getByRole('combobox', { name: 'Run' }).selectOption('1');
    await page.getByLabel('Length').fill('600');
    await page.getByLabel('Prime').fill('The ');
    await page.getByLabel('Seed').fill('1'); // the same text each time the tour is taken
    await page.getByRole('button', { name: 'Generate' }).click();
    await page.getByRole('button', { name: 'Copy' }).and(page.locator(':enabled')).waitFor({ timeout: 60_000 });
    assert.ok(((await page.getByTestId('sample-output').textContent()) ?? '').length >= 600, 'the text is generated');
    await shoot('sample', page.getByRole('region', { name: 'Sample', exact: true }));
  });

  await t.test('Classify: a typed name and an evaluation', async () => {
    await go(page, 4, 'Classify');
    await page.getByRole('textbox', { name: 'Text to classify' }).fill('Maria');
    await page.getByRole('list', { name: 'Class probabilities' }).waitFor({ timeout: 60_000 });
    await page.getByRole('region', { name: 'Evaluate on a labelled file', exact: true }).locator('input[type=file]').setInputFiles(labelled);
    await page.getByTestId('evaluation-summary').waitFor({ timeout: 60_000 });
    await shoot('classify', page.getByRole('region', { name: 'Classify', exact: true }));
  });

  await t.test('Inspect: surprise over a text, with the alternatives at one character', async () => {
    await go(page, 5, 'Inspect');
    await page.getByRole('combobox', { name: 'Run' }).selectOption('1');
    await page.getByTestId('bits-per-char').waitFor({ timeout: 60_000 });
    await page.getByTestId('surprise-text').locator('span').nth(40).hover();
    await shoot('inspect', page.getByRole('region', { name: 'Inspect', exact: true }));
  });

  await t.test('Runs: a generator open, a classifier open, the two overlaid, a comparison', async () => {
    await go(page, 6, 'Runs');
    const table = page.getByRole('table', { name: 'Runs' });
    await table.getByRole('button', { name: '#1', exact: true }).click();
    const generator = page.getByRole('region', { name: 'Run 1', exact: true });
    await until('run 1’s curve', async () => (await chartPoints(generator.locator('figure.chart').first())) >= 4);
    await shoot('runs', generator);

    await table.getByRole('button', { name: '#2', exact: true }).click();
    const classifier = page.getByRole('region', { name: 'Run 2', exact: true });
    await classifier.getByRole('table', { name: 'Confusion matrix' }).waitFor();
    await shoot('runs-classifier', classifier);

    await page.getByRole('checkbox', { name: 'Compare run 1' }).check();
    await page.getByRole('checkbox', { name: 'Compare run 2' }).check();
    const overlay = page.getByRole('region', { name: 'Compare runs', exact: true });
    await until('the overlay’s curves', async () => (await chartPoints(overlay.locator('figure.chart').first())) >= 4);
    await shoot('runs-overlay', overlay);
    await page.getByRole('checkbox', { name: 'Compare run 1' }).uncheck();
    await page.getByRole('checkbox', { name: 'Compare run 2' }).uncheck();

    await page.getByRole('button', { name: 'Comparison 1' }).click();
    const comparison = page.getByRole('region', { name: 'Comparison 1', exact: true });
    await comparison.getByTestId('compare-sample').first().waitFor({ timeout: 60_000 });
    await shoot('compare', comparison);
  });

  t.diagnostic(`${saved.length} screenshots in ${TOUR_DIR}, ${((Date.now() - started) / 1000).toFixed(0)} s`);
});
