// The Lab walked end to end in the browser, in English and then in Traditional Chinese (chosen in the
// header): all seven steps on the bundled corpus and first names, with short runs (40 steps each, set in
// the steps fields), each step's result awaited and saved as what the window shows at 1400×900:
// <dir>/lab-<locale>-<n>-<step>.png, and checked to fit 800×600 in the dark theme. In Chinese no English word of the Lab may show, and the report
// downloaded at the end must be in the language chosen. How long each step's action took goes to
// <dir>/lab-timings.json.
//
// Where the files go (as tour.e2e.test.ts): $TOUR_DIR if set; docs/tour/lab/ for `npm run tour`;
// otherwise test-artifacts/lab/, so a test run leaves the checkout as it found it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { LAB_STEPS, type LabStepId } from '../../shared/lab.ts';
import type { Locale, Message } from '../../shared/i18n/index.ts';
import enLab from '../../shared/i18n/en/lab.ts';
import zhLab from '../../shared/i18n/zh-TW/lab.ts';
import { ROOT } from '../helpers.ts';
import { servedStudio, until } from './served.ts';

const ASKED_FOR_DOCS = process.env.npm_lifecycle_event === 'tour' && process.env.CI !== 'true';
const DIR = ((dir) => (isAbsolute(dir) ? dir : join(ROOT, dir)))(process.env.TOUR_DIR ?? (ASKED_FOR_DOCS ? join('docs', 'tour', 'lab') : join('test-artifacts', 'lab')));

/** Steps of every run the Lab trains here: enough for curves, samples and a confusion matrix, quick on a laptop. */
const STEPS = '40';
/** The longest a step's action may take (a comparison trains three runs). */
const ACTION_SECONDS = 600;

const WORDS: Record<Locale, Record<keyof typeof enLab, Message>> = { en: enLab, 'zh-TW': zhLab };
const forms = (m: Message): string[] => (typeof m === 'string' ? [m] : Object.values(m).filter((f): f is string => f !== undefined));
/** English fragments of the Lab's words (between placeholders) that its Chinese does not share. */
const ENGLISH = (() => {
  const zh = Object.values(zhLab).flatMap(forms).join('\n');
  const fragments = Object.values(enLab).flatMap(forms).flatMap((text) => text.split(/\{\w+\}/).map((f) => f.trim()));
  return [...new Set(fragments)].filter((f) => /[A-Za-z]{3,}/.test(f) && !zh.includes(f));
})();
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const han = /[\u4e00-\u9fff]/;

const studio = servedStudio();

test('the Lab: seven steps in English and in Traditional Chinese', async (t) => {
  mkdirSync(DIR, { recursive: true });
  const page = await studio.open(await studio.serve());
  await page.setViewportSize({ width: 1400, height: 900 });
  page.on('dialog', (d) => void d.accept()); // "Start the Lab again?"
  const timings: Record<string, Record<string, number>> = {};

  for (const locale of ['en', 'zh-TW'] as const) {
    const w = (key: keyof typeof enLab) => forms(WORDS[locale][key])[0];
    const took: Record<string, number> = (timings[locale] = {});

    /** Runs `action`, then waits for `result`; records how long both took. */
    async function act(step: LabStepId, action: () => Promise<void>, result: () => Promise<void>) {
      const started = Date.now();
      await action();
      await result();
      took[step] = Math.round((Date.now() - started) / 100) / 10;
    }

    await t.test(`${locale}: the Lab opens at step 1`, async () => {
      if (locale !== 'en') await page.getByTestId('language').selectOption(locale);
      await page.keyboard.press('Alt+l');
      await lab(page, w).waitFor();
      if (locale !== 'en') {
        await lab(page, w).getByRole('button', { name: w('reset') }).click();
      }
      await until('the Lab at step 1', async () => (await page.getByTestId('lab-step-corpus').getAttribute('aria-current')) === 'step');
    });

    await t.test(`${locale}: 1 your text`, async () => {
      await act(
        'corpus',
        () => lab(page, w).getByRole('button', { name: w('corpus.bundled') }).click(),
        () => lab(page, w).getByRole('list', { name: w('corpus.sees') }).waitFor({ timeout: ACTION_SECONDS * 1000 }),
      );
      assert.equal(await lab(page, w).getByTestId('lab-char-id').count(), 48, 'the first 48 characters, each with its id');
      await shoot(page, w, locale, 'corpus');
    });

    await t.test(`${locale}: 2 a simple RNN`, async () => {
      await next(page, w, 'simple-rnn');
      await lab(page, w).locator('input[name=steps]').fill(STEPS);
      await act(
        'simple-rnn',
        () => lab(page, w).getByRole('button', { name: w('rnn.train') }).click(),
        async () => {
          await done(page, 'simple-rnn');
          await until('the curve and samples', async () => Number(await lab(page, w).locator('figure.chart').getAttribute('data-points')) >= 4 && (await lab(page, w).getByTestId('lab-sample').count()) > 0);
        },
      );
      await shoot(page, w, locale, 'simple-rnn');
    });

    await t.test(`${locale}: 3 vanishing gradients`, async () => {
      await next(page, w, 'gradients');
      await lab(page, w).locator('input[name=steps]').fill(STEPS);
      await act(
        'gradients',
        () => lab(page, w).getByRole('button', { name: w('gradients.compare') }).click(),
        async () => {
          await done(page, 'gradients');
          await lab(page, w).locator('[data-testid=lab-gradient-flow][data-series="3"][aria-busy=false]').waitFor({ timeout: ACTION_SECONDS * 1000 });
        },
      );
      await shoot(page, w, locale, 'gradients');
    });

    await t.test(`${locale}: 4 gates`, async () => {
      await next(page, w, 'gates');
      const units = lab(page, w).getByTestId('lab-units');
      await act(
        'gates',
        async () => {
          await lab(page, w).getByRole('button', { name: w('gates.show') }).click();
          await units.locator('button.primary[type=submit]').click(); // find units
          await units.locator('table button.link').first().click({ timeout: ACTION_SECONDS * 1000 });
        },
        async () => {
          await units.getByTestId('unit-heatmap').waitFor({ timeout: ACTION_SECONDS * 1000 });
          const kinds = units.getByTestId('unit-heatmap').locator('select');
          if ((await kinds.locator('option[value=forget]').count()) > 0) await kinds.selectOption('forget');
        },
      );
      await done(page, 'gates');
      await shoot(page, w, locale, 'gates', units.getByTestId('unit-heatmap'));
    });

    await t.test(`${locale}: 5 GRU and LSTM`, async () => {
      await next(page, w, 'gru-lstm');
      await act(
        'gru-lstm',
        () => lab(page, w).getByRole('button', { name: w('gruLstm.read') }).click(),
        async () => {
          await done(page, 'gru-lstm');
          await until('the three samples', async () => (await lab(page, w).getByTestId('compare-sample').count()) === 3, ACTION_SECONDS);
        },
      );
      await shoot(page, w, locale, 'gru-lstm');
    });

    await t.test(`${locale}: 6 classifying`, async () => {
      await next(page, w, 'classify');
      await lab(page, w).getByRole('button', { name: w('classify.bundled') }).click();
      await until('the first names chosen', async () => (await lab(page, w).getByRole('combobox', { name: w('classify.choose') }).inputValue()) !== '');
      await lab(page, w).locator('input[name=steps]').fill(STEPS);
      await act(
        'classify',
        () => lab(page, w).getByRole('button', { name: w('classify.train') }).click(),
        async () => {
          await done(page, 'classify');
          await lab(page, w).locator('table.matrix').waitFor({ timeout: ACTION_SECONDS * 1000 });
        },
      );
      await shoot(page, w, locale, 'classify');
    });

    await t.test(`${locale}: 7 findings and the report`, async () => {
      await next(page, w, 'findings');
      await lab(page, w).getByTestId('lab-findings').waitFor();
      const notes = locale === 'en' ? 'The LSTM kept more of the error.' : 'LSTM 保留了更多誤差。';
      await lab(page, w).getByRole('textbox', { name: w('findings.notes') }).fill(notes);
      await lab(page, w).getByText(w('findings.saved')).waitFor();
      let report = '';
      await act(
        'findings',
        async () => {
          const download = page.waitForEvent('download', { timeout: ACTION_SECONDS * 1000 });
          await lab(page, w).getByRole('button', { name: w('findings.download') }).click();
          const file = join(DIR, `lab-${locale}-report.html`);
          await (await download).saveAs(file);
          report = readFileSync(file, 'utf8');
        },
        () => lab(page, w).getByTestId('lab-downloaded').waitFor(),
      );
      assert.ok(report.includes(notes), 'the report holds the notes');
      assert.match(report, new RegExp(`<html lang="${locale}"`), 'the report says its language');
      if (locale === 'en') assert.ok(!han.test(report.replace(notes, '')), 'the English report has no Chinese');
      else assert.ok(han.test(report.replace(notes, '')), 'the Chinese report is in Chinese');
      await shoot(page, w, locale, 'findings');
    });
  }

  writeFileSync(join(DIR, 'lab-timings.json'), `${JSON.stringify(timings, null, 2)}\n`);
  t.diagnostic(`screenshots, reports and lab-timings.json in ${DIR}: ${JSON.stringify(timings)}`);
});

const lab = (page: Page, w: (key: keyof typeof enLab) => string) => page.getByRole('region', { name: w('title'), exact: true });

/** Moves on with Next, and waits until the Lab is at `step`. */
async function next(page: Page, w: (key: keyof typeof enLab) => string, step: LabStepId) {
  await lab(page, w).getByRole('button', { name: w('next') }).click();
  await until(`the Lab at ${step}`, async () => (await page.getByTestId(`lab-step-${step}`).getAttribute('aria-current')) === 'step');
}

/** Waits until the step list marks `step` done. */
async function done(page: Page, step: LabStepId) {
  await until(`${step} done`, async () => (await page.getByTestId(`lab-step-${step}`).getAttribute('data-state')) === 'done', ACTION_SECONDS);
}

/**
 * Saves the window with the step's result in view (`focus`, or the result's top brought near the top of
 * the window), after checking that in Chinese none of the Lab's own English shows.
 */
async function shoot(page: Page, w: (key: keyof typeof enLab) => string, locale: Locale, step: LabStepId, focus?: Locator) {
  if (locale !== 'en') {
    const english = await englishShown(page, w);
    assert.deepEqual(english, [], `${step}: the Lab shows English in ${locale}`);
  }
  await page.waitForTimeout(300); // charts draw on the next frame
  await page.evaluate(() => window.scrollTo(0, 0));
  const target = focus ?? lab(page, w).getByTestId('lab-result').first();
  await target.waitFor(); // the step's result is there before it is photographed
  const n = LAB_STEPS.indexOf(step) + 1;
  // The whole page: the step's explanation, its action and its result, as a learner scrolls through them.
  await page.screenshot({ path: join(DIR, `lab-${locale}-${n}-${step}.png`), fullPage: true });
  await fitsSmallDarkWindow(page, w, step);
}

/** At 800×600 in the dark theme, the step fits the window's width: nothing in the Lab scrolls sideways. */
async function fitsSmallDarkWindow(page: Page, w: (key: keyof typeof enLab) => string, step: LabStepId) {
  await page.setViewportSize({ width: 800, height: 600 });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.waitForTimeout(300);
  const fit = await lab(page, w).evaluate((section) => ({ right: section.getBoundingClientRect().right, scroll: section.scrollWidth - section.clientWidth, page: document.documentElement.clientWidth }));
  assert.ok(fit.right <= fit.page && fit.scroll <= 1, `${step} at 800×600: the Lab is wider than the window (${JSON.stringify(fit)})`);
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize({ width: 1400, height: 900 });
}

/**
 * The Lab's English words the page shows (as whole words), leaving out what the studio's other components
 * inside it say (charts, tables and panels the Lab reuses: their words are their own areas').
 */
async function englishShown(page: Page, w: (key: keyof typeof enLab) => string): Promise<string[]> {
  const said = await lab(page, w).evaluate((section) => {
    const copy = section.cloneNode(true) as HTMLElement;
    for (const reused of copy.querySelectorAll('section.panel, figure, .scroll, [data-testid=lab-units], [data-testid=unit-heatmap]')) reused.remove();
    const labels = [...copy.querySelectorAll('[aria-label],[title],[placeholder]')].map((el) => ['aria-label', 'title', 'placeholder'].map((a) => el.getAttribute(a) ?? '').join('\n'));
    return [copy.textContent ?? '', ...labels].join('\n');
  });
  return ENGLISH.filter((f) => new RegExp(`(^|[^A-Za-z])${escape(f)}([^A-Za-z]|$)`).test(said));
}
