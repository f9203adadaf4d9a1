// Accessibility end to end: axe-core (WCAG 2 A and AA rules) on every screen and dialog of `rnn-studio
// serve`, in the light and the dark theme, with real content: a text corpus, a tiny generator and a tiny
// classifier trained by the CLI, so charts, tables, samples and a confusion matrix are all on screen.
// One browser, one page; the test fails listing every violation with where it was found.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Locator, Page } from 'playwright-core';
import type { AxeResults } from 'axe-core';
import { CHROMIUM, go, servedStudio } from './served.ts';

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
/** The rule sets the studio is held to: WCAG 2.0 and 2.1, levels A and AA. */
const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const THEMES = ['light', 'dark'] as const;
const studio = servedStudio();
const { serve } = studio;

/** Presses Tab until the element has the focus, as a keyboard user reaches it. */
async function tabTo(page: Page, target: Locator, what: string): Promise<void> {
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  for (let i = 0; i < 200; i++) {
    await page.keyboard.press('Tab');
    if (await target.evaluate((el) => el === document.activeElement)) return;
  }
  assert.fail(`${what} cannot be reached with Tab`);
}

/** One line per element that breaks a rule, naming where it was found. */
function describe(where: string, results: AxeResults): string[] {
  return results.violations.flatMap((v) =>
    v.nodes.map((n) => `${where}: ${v.id} (${v.impact ?? 'unknown impact'}) at ${n.target.join(' ')}\n    ${n.html.slice(0, 200)}\n    ${n.failureSummary?.replace(/\n/g, ' ') ?? v.help}`),
  );
}

test('every screen and dialog passes axe-core’s WCAG 2 A/AA rules in both themes', async () => {
  assert.ok(existsSync(CHROMIUM), `Chromium is needed at ${CHROMIUM} (Debian: apt-get install -y chromium)`);
  // The data each screen shows (served.ts furnish()).
  const { labelled } = studio.furnish();

  const url = await serve();
  // The studio's Content-Security-Policy allows no inline script; axe is injected as one, so only this test page bypasses it.
  const page = await studio.open(url, { bypassCSP: true });
  await page.addScriptTag({ path: AXE });
  const violations: string[] = [];

  /** Runs axe on the whole page in each theme. */
  async function audit(where: string): Promise<void> {
    for (const theme of THEMES) {
      await page.getByRole('combobox', { name: 'Theme' }).selectOption(theme);
      await page.waitForTimeout(300); // charts redraw in the theme's colours on the next frame
      const results = await page.evaluate((tags) => window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] }), WCAG_TAGS);
      violations.push(...describe(`${where}, ${theme} theme`, results));
    }
  }
  await go(page, 1, 'Datasets');
  await page.getByRole('button', { name: 'speeches', exact: true }).click();
  await page.getByRole('table', { name: 'Charset' }).waitFor();
  await audit('Datasets, a text corpus');
  await page.getByRole('button', { name: 'names', exact: true }).click();
  await page.getByRole('table', { name: 'First examples' }).waitFor();
  await audit('Datasets, labelled examples');
  // The browser's file and folder choosers are buttons in the Tab order, not labels around hidden inputs.
  for (const name of ['Choose files…', 'Choose a folder…']) {
    await tabTo(page, page.getByRole('button', { name }), name);
    assert.notEqual(await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle), 'none', `${name} shows a focus ring`);
  }

  await go(page, 2, 'Train');
  await page.getByRole('radio', { name: 'Advanced' }).waitFor();
  await audit('Train, Basic settings');
  await page.getByRole('radio', { name: 'Advanced' }).check();
  await page.locator('input[name=units]').waitFor();
  await audit('Train, Advanced settings');
  await page.getByRole('button', { name: 'Compare cells' }).click();
  const compare = page.getByRole('dialog', { name: /Compare cells on/ });
  await compare.waitFor();
  await audit('Train, Compare cells dialog');
  await compare.getByRole('button', { name: 'Cancel' }).click();
  // A short run trained here: the monitor, its chart and samples (run 5).
  await page.getByRole('combobox', { name: 'Dataset' }).selectOption({ label: 'speeches' });
  const config = { layers: '1', units: '16', embedding: '8', seqLen: '32', batch: '16', maxSteps: '40', evalEvery: '10', sampleEvery: '20', checkpointEvery: '20', seed: '2' };
  for (const [name, value] of Object.entries(config)) await page.locator(`input[name=${name}]`).fill(value);
  await page.getByRole('button', { name: 'Start training' }).click();
  await page.getByTestId('run-status').filter({ hasText: 'finished' }).waitFor({ timeout: 120_000 });
  await audit('Train, a finished run');

  await go(page, 3, 'Sample');
  await page.getByRole('combobox', { name: 'Run' }).selectOption('1');
  await page.getByRole('button', { name: 'Generate' }).click();
  await page.getByRole('button', { name: 'Copy' }).and(page.locator(':enabled')).waitFor({ timeout: 60_000 });
  await audit('Sample');
  await page.getByRole('checkbox', { name: 'Compare temperatures' }).check();
  await page.getByRole('button', { name: 'Generate' }).click();
  await page.getByTestId('temperature-output').first().waitFor({ timeout: 60_000 });
  await page.getByRole('button', { name: 'Generate' }).and(page.locator(':enabled')).waitFor({ timeout: 60_000 });
  await audit('Sample, temperatures side by side');
  await page.getByRole('checkbox', { name: 'Compare temperatures' }).uncheck();

  await go(page, 4, 'Classify');
  await page.getByRole('textbox', { name: 'Text to classify' }).fill('Maria');
  await page.getByRole('list', { name: 'Class probabilities' }).waitFor({ timeout: 60_000 });
  await page.getByRole('region', { name: 'Evaluate on a labelled file' }).locator('input[type=file]').setInputFiles(labelled);
  await page.getByTestId('evaluation-summary').waitFor({ timeout: 60_000 });
  await audit('Classify');

  await go(page, 5, 'Inspect');
  await page.getByRole('combobox', { name: 'Run' }).selectOption('1');
  await page.getByTestId('bits-per-char').waitFor({ timeout: 60_000 });
  await page.getByTestId('surprise-text').locator('span').nth(40).hover();
  const units = page.getByRole('region', { name: 'Units' });
  await units.getByRole('textbox', { name: 'Pattern' }).fill('[A-Z]');
  await units.getByRole('button', { name: 'Find units' }).click();
  await units.getByRole('table', { name: 'Units found' }).getByRole('row').nth(1).getByRole('button').click({ timeout: 60_000 });
  await page.getByTestId('unit-heatmap').waitFor({ timeout: 60_000 });
  await page.getByTestId('connectivity-text').locator('span').nth(60).click();
  await page.getByRole('region', { name: 'Connectivity' }).getByText(/influenced the prediction/).waitFor({ timeout: 60_000 });
  const flow = page.getByRole('region', { name: 'Gradient flow' });
  await flow.getByRole('checkbox', { name: 'Overlay run 1' }).check();
  await flow.getByRole('table', { name: 'Gradient flow by run' }).getByRole('row').nth(1).waitFor({ timeout: 120_000 });
  await audit('Inspect, with units, connectivity and gradient flow');

  await go(page, 6, 'Runs');
  await page.getByRole('table', { name: 'Runs' }).getByRole('button', { name: '#1', exact: true }).click();
  await page.getByRole('region', { name: 'Run 1' }).locator('figure.chart').first().waitFor();
  await page.getByRole('list', { name: 'Timeline of run 1' }).locator('li[data-step]').first().waitFor({ timeout: 60_000 });
  await audit('Runs, a generator with its export panel and timeline');
  // A sort header shows where the keyboard is.
  await tabTo(page, page.getByRole('table', { name: 'Runs' }).getByRole('button', { name: /^Status/ }), 'the Status sort header');
  assert.notEqual(await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle), 'none', 'the sort header shows a focus ring');
  await page.getByRole('button', { name: 'Comparison 1' }).click();
  await page.getByRole('region', { name: 'Comparison 1' }).getByTestId('compare-sample').first().waitFor({ timeout: 60_000 });
  await page.getByRole('checkbox', { name: 'Compare run 3' }).check();
  await page.getByRole('checkbox', { name: 'Compare run 4' }).check();
  await page.getByRole('region', { name: 'Compare runs' }).waitFor();
  await audit('Runs, a comparison and two runs compared');
  await page.getByRole('button', { name: 'Comparison 1' }).click();
  await page.getByRole('table', { name: 'Runs' }).getByRole('button', { name: '#2', exact: true }).click();
  await page.getByRole('region', { name: 'Run 2' }).waitFor();
  await audit('Runs, a classifier');

  assert.equal(violations.length, 0, `${violations.length} accessibility violations:\n${violations.join('\n')}`);
});

declare global {
  interface Window {
    axe: typeof import('axe-core');
  }
}
