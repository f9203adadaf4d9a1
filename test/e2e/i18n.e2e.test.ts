// Every screen in Traditional Chinese (issue 16): a browser whose system language is zh-TW gets the studio
// in zh-TW without choosing it, and no screen shows a word of the English catalogue or a missing key
// (⟦…⟧) — on screens with content (datasets, runs, a comparison, an evaluation). The header's switch
// brings English back at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { CATALOGUES, keysOf, type Message } from '../../shared/i18n/index.ts';
import { servedStudio } from './served.ts';

const studio = servedStudio();

/** Stretches of English sentences from the catalogue: the parts of each message between its placeholders, three words or more. */
const ENGLISH = [
  ...new Set(
    keysOf(CATALOGUES.en).flatMap((key) => {
      const [area, ...rest] = key.split('.');
      const m: Message = CATALOGUES.en[area][rest.join('.')];
      const zh = CATALOGUES['zh-TW'][area][rest.join('.')];
      if (JSON.stringify(m) === JSON.stringify(zh)) return []; // a name, the same in both
      return (typeof m === 'string' ? [m] : Object.values(m)).flatMap((form) => (form ?? '').split(/\{\w+\}/).map((s: string) => s.trim()).filter((s: string) => s.split(/\s+/).length >= 3));
    }),
  ),
];

async function screenText(page: Page): Promise<string> {
  return page.evaluate(() => document.body.innerText);
}

function englishIn(text: string): string[] {
  return ENGLISH.filter((s) => text.includes(s));
}

const SCREENS = [
  { key: 'l', zh: '實驗室' },
  { key: '1', zh: '資料集' },
  { key: '2', zh: '訓練' },
  { key: '3', zh: '生成' },
  { key: '4', zh: '分類' },
  { key: '5', zh: '觀察' },
  { key: '6', zh: '訓練紀錄' },
];

test('a zh-TW system gets every screen in Traditional Chinese, and the switch brings English back', async () => {
  studio.furnish();
  const page = await studio.open(await studio.serve(), { locale: 'zh-TW' });
  const nav = page.getByRole('navigation', { name: '畫面' });
  await nav.waitFor();
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'zh-TW');
  for (const s of SCREENS) {
    await page.keyboard.press(`Alt+${s.key}`);
    await nav.locator('button[aria-current=page]', { hasText: s.zh }).waitFor();
    await page.waitForTimeout(500); // the screen's requests answered
    const text = await screenText(page);
    assert.doesNotMatch(text, /⟦/, `${s.zh}: a key with no words`);
    assert.deepEqual(englishIn(text), [], `${s.zh}: English left on the screen`);
  }
  // The Runs screen with a run open, and the Classify screen with an evaluation's figures.
  await page.keyboard.press('Alt+6');
  await nav.locator('button[aria-current=page]', { hasText: '訓練紀錄' }).waitFor();
  await page.locator('table tbody tr').first().click();
  await page.waitForTimeout(800);
  assert.deepEqual(englishIn(await screenText(page)), [], 'a run page: English left on the screen');

  await page.getByTestId('language').selectOption('en');
  await page.getByRole('navigation', { name: 'Screens' }).locator('button', { hasText: 'Datasets' }).waitFor();
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');
  assert.equal(await page.evaluate(() => localStorage.getItem('rnn-studio-locale')), 'en', 'the choice is kept');
});
