// End to end in headless Chromium against `rnn-studio serve` with the real core and a temporary data
// home — no mocked API. Screenshots of each screen go to test-artifacts/screenshots/.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CLI, ROOT, tempDir } from '../helpers.ts';
import { CHROMIUM, until } from './served.ts';

const ARTIFACTS = join(ROOT, 'test-artifacts');
const SHOTS = join(ARTIFACTS, 'screenshots');
const dir = tempDir();
const home = join(dir.path, 'home');
const loopReport = join(dir.path, 'event-loop.json');
let browser: Browser | null = null;
const servers: ChildProcess[] = [];

after(async () => {
  await browser?.close();
  for (const s of servers) if (s.exitCode === null) s.kill('SIGKILL');
  dir.cleanup();
});

/** Starts `rnn-studio serve`; resolves with its one announced line's URL. */
function serve(env: Record<string, string> = {}): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [CLI, 'serve', '--home', home, '--no-open'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  servers.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d;
      const m = out.match(/^RNN Studio at (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)\n/);
      if (m) resolve({ url: m[1], child });
    });
    child.on('exit', (code) => reject(new Error(`serve exited (${code}) before announcing itself: ${out}`)));
  });
}

async function openPage(url: string): Promise<Page> {
  browser ??= await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('pageerror', (err) => assert.fail(`page error: ${err.message}`));
  await page.goto(url);
  return page;
}

const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
const screen = (page: Page, name: string) => page.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name }).click();
const progressStep = async (page: Page) => Number(await page.getByRole('progressbar').getAttribute('aria-valuenow'));
const chartPoints = async (page: Page) => Number(await page.locator('figure.chart').first().getAttribute('data-points'));

/** A wide and a small window, each in the light and the dark theme. */
const LOOKS = [1400, 800].flatMap((width) => (['light', 'dark'] as const).map((theme) => ({ width, height: width === 1400 ? 900 : 600, theme })));
/**
 * What the window shows (not the whole page: what is above the fold is the point) at each of LOOKS, as
 * test-artifacts/screenshots/<name>-<width>x<height>-<theme>.png; the page is left as it was.
 */
async function shotsAtEachLook(page: Page, name: string): Promise<void> {
  const viewport = page.viewportSize()!;
  for (const look of LOOKS) {
    await page.setViewportSize({ width: look.width, height: look.height });
    await page.emulateMedia({ colorScheme: look.theme });
    await page.waitForTimeout(300); // charts redraw in the theme's colours on the next frame
    await page.screenshot({ path: join(SHOTS, `${name}-${look.width}x${look.height}-${look.theme}.png`) });
  }
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize(viewport);
}

async function fillConfig(page: Page, values: Record<string, string>) {
  // Every field is in the form's Advanced view (Basic shows cell, size and length).
  await page.getByRole('radio', { name: 'Advanced' }).check();
  for (const [name, value] of Object.entries(values)) await page.locator(`input[name=${name}]`).fill(value);
}

test('from the sample corpus to streamed samples, surviving a killed server', async (t) => {
  assert.ok(existsSync(CHROMIUM), `Chromium is needed at ${CHROMIUM} (Debian: apt-get install -y chromium)`);
  mkdirSync(SHOTS, { recursive: true });
  let server = await serve();
  let page = await openPage(server.url);

  await t.test('first launch offers the sample corpus, and importing it shows the text and its charset', async () => {
    await page.getByRole('button', { name: 'Use the sample corpus' }).click();
    await page.getByText('State of the Union (sample)').first().waitFor();
    await page.getByTestId('preview').filter({ hasText: 'George Washington, 1790' }).waitFor();
    await page.getByRole('table', { name: 'Charset' }).getByText('(space)').waitFor();
    await shot(page, 'datasets');
  });

  await t.test('a tiny model trains: the chart gains points and the progress bar moves; pause, resume, stop', async () => {
    await screen(page, 'Train');
    await fillConfig(page, { layers: '1', units: '32', embedding: '16', seqLen: '32', batch: '16', maxSteps: '100000', evalEvery: '10', sampleEvery: '30', checkpointEvery: '20', seed: '3' });
    await page.getByRole('button', { name: 'Estimate size and time' }).click();
    await page.getByText(/chars\/s on (wasm|cpu|node)/).waitFor({ timeout: 60_000 });
    await page.getByRole('button', { name: 'Start training' }).click();
    await until('the chart to show points', async () => (await chartPoints(page)) >= 2);
    const firstPoints = await chartPoints(page);
    const firstStep = await progressStep(page);
    await until('more points and steps', async () => (await chartPoints(page)) > firstPoints + 2 && (await progressStep(page)) > firstStep + 20);
    await page.getByText(/^step \d+$/).first().waitFor(); // a training-time sample appeared
    await shot(page, 'train');
    // The run comes first: the settings fold into one line above which the run shows, within the window.
    await page.getByTestId('settings-summary').filter({ hasText: /^LSTM 1×32 · embedding 16 ·/ }).waitFor();
    assert.equal(await page.locator('input[name=units]').isVisible(), false, 'the settings are folded while the run trains');
    const runBox = (await page.getByRole('region', { name: 'Training run 1' }).boundingBox())!;
    assert.ok(runBox.y < 200, `the run starts near the top of the screen (at ${runBox.y}px)`);
    await shotsAtEachLook(page, 'train-during');

    await page.getByRole('button', { name: 'Pause' }).click();
    await page.getByTestId('run-status').filter({ hasText: 'paused' }).waitFor();
    const pausedAt = await progressStep(page);
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(await progressStep(page), pausedAt, 'no steps while paused');
    await page.getByRole('button', { name: 'Resume' }).click();
    await until('training to continue after resume', async () => (await progressStep(page)) > pausedAt + 5);
    // A learning-rate change mid-run is marked on the curve from the next logged point on.
    const live = page.getByRole('region', { name: 'Training run 1' });
    await live.getByLabel('Learning rate').fill('0.001');
    await live.getByRole('button', { name: 'Set' }).click();
    await until('the change marked on the curve', async () => Number(await live.locator('figure.chart').first().getAttribute('data-marks')) >= 1);
    await live.getByText(/^Marked: lr 0\.001 from step \d+$/).waitFor();
    await page.getByRole('button', { name: 'Stop' }).click();
    await page.getByTestId('run-status').filter({ hasText: 'stopped' }).waitFor();
    // Stopped: what to do next, and no speed or time left claimed for a run that is not training.
    const next = page.getByRole('group', { name: 'What next for run 1' });
    for (const name of ['Resume', 'Sample', /^Train [\d,]+ more steps$/, /^New run from this checkpoint/]) await next.getByRole('button', { name }).waitFor();
    assert.doesNotMatch((await page.getByRole('progressbar').getAttribute('aria-label'))!, /chars\/s|ETA/);
    await shotsAtEachLook(page, 'train-after');
  });

  await t.test('sampling with a fixed seed streams the text in, and the same seed gives the same text', async () => {
    await screen(page, 'Sample');
    await page.getByLabel('Seed').fill('11');
    await page.getByLabel('Length').fill('4000');
    await page.getByLabel('Prime').fill('The ');
    const output = page.getByTestId('sample-output');
    // Record every length the output takes as chunks arrive.
    await output.evaluate((el) => {
      const seen: number[] = [];
      (window as unknown as { seen: number[] }).seen = seen;
      new MutationObserver(() => seen.push(el.textContent!.length)).observe(el, { childList: true, characterData: true, subtree: true });
    });
    await page.getByRole('button', { name: 'Generate' }).click();
    await until('generation to finish', async () => (await page.getByRole('button', { name: 'Generate' }).isEnabled()) && ((await output.textContent())?.length ?? 0) >= 4004);
    const first = (await output.textContent())!;
    assert.ok(first.startsWith('The '));
    const seen = await page.evaluate(() => (window as unknown as { seen: number[] }).seen);
    const partial = seen.filter((n) => n > 4 && n < first.length);
    assert.ok(partial.length >= 3, `the text grew in steps while streaming (lengths seen: ${seen.slice(0, 10).join(', ')})`);
    await shot(page, 'sample');
    await page.getByRole('button', { name: 'Generate' }).click();
    await until('the second generation', async () => (await page.getByRole('button', { name: 'Generate' }).isEnabled()) && (await page.locator('details').count()) >= 2);
    assert.equal(await output.textContent(), first);
  });

  await t.test('the run is in Runs with its curve', async () => {
    await screen(page, 'Runs');
    // A short page: the footer sits at the bottom of the window, with nothing below it.
    const footer = (await page.locator('footer').boundingBox())!;
    assert.ok(Math.abs(footer.y + footer.height - page.viewportSize()!.height) <= 1, `the footer ends at the window's bottom (${footer.y + footer.height}px)`);
    await page.getByRole('button', { name: '#1' }).click();
    await page.getByTestId('detail-status').filter({ hasText: 'stopped' }).waitFor();
    assert.ok((await chartPoints(page)) > 2);
    assert.match((await page.getByTestId('lr-history').textContent())!, /^0\.002, then 0\.001 from step \d+$/, "the run's config tells its learning rate's history");
    await shot(page, 'runs');
    await shotsAtEachLook(page, 'runs');
  });

  await t.test('a run whose server was killed mid-run shows as interrupted and resumes', async () => {
    await screen(page, 'Train');
    await page.getByRole('button', { name: 'Show the settings' }).click(); // folded: run 1 is still shown above
    await fillConfig(page, { layers: '1', units: '32', embedding: '16', seqLen: '32', batch: '16', maxSteps: '100000', checkpointEvery: '20', seed: '5' });
    await page.getByRole('button', { name: 'Start training' }).click();
    await page.getByRole('region', { name: 'Training run 2' }).getByRole('progressbar').waitFor();
    await until('a checkpoint (step 25)', async () => (await progressStep(page)) >= 25);
    server.child.kill('SIGKILL');
    await page.close();

    server = await serve({ RNN_STUDIO_EVENT_LOOP_REPORT: loopReport });
    page = await openPage(server.url);
    await screen(page, 'Runs');
    await page.getByRole('button', { name: '#2' }).click();
    await page.getByTestId('detail-status').waitFor();
    await shot(page, 'runs-interrupted');
    assert.equal(await page.getByTestId('detail-status').textContent(), 'interrupted');
    await page.getByRole('button', { name: 'Resume' }).click();
    await page.getByTestId('run-status').filter({ hasText: 'running' }).waitFor();
    const resumedFrom = await progressStep(page);
    assert.ok(resumedFrom >= 20, `resumed from the checkpoint at step ${resumedFrom}`);
    await until('steps after the resume', async () => (await progressStep(page)) > resumedFrom + 30);
    await page.getByRole('button', { name: 'Stop' }).click();
    await page.getByTestId('run-status').filter({ hasText: 'stopped' }).waitFor();
  });

  await t.test('a new run from a checkpoint of a stopped one trains on, and Runs shows where it came from', async () => {
    await screen(page, 'Runs');
    await page.getByRole('table', { name: 'Runs' }).getByRole('button', { name: '#1', exact: true }).click();
    await page.getByRole('button', { name: /^New run from this checkpoint/ }).click();
    const form = page.getByRole('form', { name: 'New run from a checkpoint' });
    const from = Number(/step ([\d,]+)/.exec((await form.getByLabel('Checkpoint').locator('option:checked').textContent())!)![1].replace(/,/g, ''));
    await form.getByLabel('More steps from the checkpoint').fill('20');
    await form.getByRole('button', { name: 'Start the new run' }).click();
    await page.getByRole('region', { name: 'Training run 3' }).getByTestId('run-status').filter({ hasText: 'finished' }).waitFor({ timeout: 60_000 });
    assert.equal(await progressStep(page), from + 20, 'the branch continues from its checkpoint for the steps asked');
    await screen(page, 'Runs');
    const table = page.getByRole('table', { name: 'Runs' });
    await table.getByText(`#1 @ step ${from.toLocaleString('en-US')}`).waitFor();
    await table.getByRole('button', { name: '#3', exact: true }).click();
    await page.getByTestId('lineage').filter({ hasText: `Branched from run #1 at step ${from.toLocaleString('en-US')}.` }).waitFor();
    await shotsAtEachLook(page, 'runs-branch');
  });

  server.child.kill('SIGINT');
  await new Promise((r) => server.child.once('exit', r));
  const loop = JSON.parse(readFileSync(loopReport, 'utf8')) as { maxMs: number; p99Ms: number };
  t.diagnostic(`serve process event loop during training: max ${loop.maxMs} ms, p99 ${loop.p99Ms} ms (target < 50 ms)`);
  mkdirSync(ARTIFACTS, { recursive: true });
  (await import('node:fs')).writeFileSync(join(ARTIFACTS, 'event-loop.json'), JSON.stringify(loop, null, 2));
});

test('a classifier from a CSV: choose the columns, train, classify typed text, see the confusion matrix', async (t) => {
  const classifierHome = join(dir.path, 'classifier-home');
  const child = spawn(process.execPath, [CLI, 'serve', '--home', classifierHome, '--no-open'], { stdio: ['ignore', 'pipe', 'pipe'] });
  servers.push(child);
  const url = await new Promise<string>((resolve) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d;
      const m = out.match(/RNN Studio at (\S+)\n/);
      if (m) resolve(m[1]);
    });
  });
  const page = await openPage(url);

  await t.test('importing a CSV asks for its text and label columns with a preview', async () => {
    await page.getByPlaceholder('/home/me/books/novel.txt').fill(join(ROOT, 'resources', 'corpora', 'first-names.csv'));
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    const picker = page.getByRole('region', { name: 'Choose columns' });
    await picker.getByRole('table', { name: 'Preview of the rows' }).getByText('Aaren').waitFor();
    await picker.getByRole('button', { name: 'Import' }).click();
    await page.getByRole('table', { name: 'Examples per class' }).getByText('female').waitFor();
    await shot(page, 'datasets-labelled');
  });

  await t.test('training shows live validation accuracy beside the loss', async () => {
    await screen(page, 'Train');
    await page.getByRole('heading', { name: 'Train a classifier' }).waitFor();
    await page.getByRole('radio', { name: 'Advanced' }).check();
    await page.getByLabel('Pooling').selectOption('last');
    await page.getByText('Bidirectional').click();
    await fillConfig(page, { layers: '1', units: '32', embedding: '16', maxLen: '16', batch: '64', lr: '0.01', epochs: '3', seed: '2' });
    await page.getByRole('button', { name: 'Start training' }).click();
    await page.getByTestId('live-accuracy').filter({ hasText: /accuracy \d+\.\d%/ }).waitFor({ timeout: 120_000 });
    await page.getByTestId('run-status').filter({ hasText: 'finished' }).waitFor({ timeout: 120_000 });
    await shot(page, 'train-classifier');
  });

  await t.test('probabilities update as the user types', async () => {
    await screen(page, 'Classify');
    const box = page.getByLabel('Text to classify');
    await box.fill('Alexandra');
    await page.getByRole('list', { name: 'Class probabilities' }).waitFor();
    const first = await page.getByTestId('probability').allTextContents();
    assert.equal(first.length, 2);
    const total = first.reduce((s, p) => s + Number.parseFloat(p), 0);
    assert.ok(Math.abs(total - 100) < 0.5, `probabilities add up: ${first}`);
    await box.fill('Bob');
    await until('the probabilities to change', async () => (await page.getByTestId('probability').allTextContents()).join() !== first.join(), 20);
    await shot(page, 'classify');
  });

  await t.test('the run shows its confusion matrix and misclassified examples', async () => {
    await screen(page, 'Runs');
    await page.getByRole('button', { name: '#1' }).click();
    const matrix = page.getByRole('table', { name: 'Confusion matrix' });
    await matrix.waitFor();
    assert.equal(await matrix.locator('tbody tr').count(), 2);
    await page.getByRole('table', { name: 'Misclassified examples' }).locator('tbody tr').first().waitFor();
    await shot(page, 'runs-classifier');
  });
});
