// Refusals carry their words (ApiError.words, shared/api.ts) across every transport, so the renderer says
// them in the user's language; the CLI keeps the core's English message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiError } from '../../shared/api.ts';
import { translate } from '../../shared/i18n/index.ts';
import { withStudio } from '../helpers.ts';

async function refusal(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof ApiError, `an ApiError, not ${String(err)}`);
    return err;
  }
  assert.fail('the request was accepted');
}

test('an import refusal names its words, which read in Traditional Chinese', withStudio(async (studio, dir) => {
  const cases: Array<[string, Buffer | string, string, RegExp]> = [
    ['empty.txt', '', 'errors.emptyFile', /empty\.txt：檔案是空的/],
    ['binary.txt', Buffer.from([0x61, 0x62, 0x00, 0x63]), 'errors.binary', /二進位檔/],
    ['latin1.txt', Buffer.from('caf\xe9 au lait\n', 'latin1'), 'errors.notUtf8', /不是有效的 UTF-8/],
  ];
  for (const [name, content, key, chinese] of cases) {
    const path = join(dir, name);
    writeFileSync(path, content);
    const err = await refusal(studio.invoke('datasets:import', { path }));
    assert.equal(err.words?.key, key, `${name}: ${err.message}`);
    assert.match(translate('zh-TW', err.words!.key, err.words!.params), chinese);
    assert.doesNotMatch(translate('zh-TW', err.words!.key, err.words!.params), /⟦/);
  }
  const missing = await refusal(studio.invoke('datasets:import', { path: join(dir, 'nowhere.txt') }));
  assert.equal(missing.words?.key, 'errors.noSuchFile');
  const noRun = await refusal(studio.invoke('runs:get', { id: 999 }));
  assert.deepEqual(noRun.words, { key: 'errors.noRun', params: { id: 999 } });
  assert.equal(translate('zh-TW', noRun.words!.key, noRun.words!.params), '沒有編號 999 的訓練');
  assert.equal(noRun.message, 'there is no run 999', 'the English message the CLI prints is unchanged');
}));

test('the renderer\'s language reaches whoever listens (the desktop app rebuilds its menu in it)', withStudio(async (studio) => {
  const heard: string[] = [];
  const stop = studio.onLocale((l) => heard.push(l));
  assert.deepEqual(await studio.invoke('app:set-locale', { locale: 'zh-TW' }), { locale: 'zh-TW' });
  await assert.rejects(studio.invoke('app:set-locale', { locale: 'fr' } as never), /locale/);
  stop();
  await studio.invoke('app:set-locale', { locale: 'en' });
  assert.deepEqual(heard, ['zh-TW']);
}));
