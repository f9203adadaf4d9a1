// The catalogues (shared/i18n/): every key in every language, the same placeholders, plurals with an
// `other` form, and no English left in the Traditional Chinese one (issue 16: no English fallback).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CATALOGUES, LOCALES, formatDuration, formatNumber, keysOf, pickLocale, translate, type Message } from '../../shared/i18n/index.ts';
import { CONFIG_FIELDS as FIELDS } from '../../shared/config-fields.ts';

const en = CATALOGUES.en;
const zh = CATALOGUES['zh-TW'];
const forms = (m: Message): string[] => (typeof m === 'string' ? [m] : Object.values(m).filter((v): v is string => typeof v === 'string'));
const placeholders = (m: Message) => new Set(forms(m).flatMap((f) => [...f.matchAll(/\{(\w+)\}/g)].map((x) => x[1])));
const at = (c: typeof en, key: string) => c[key.slice(0, key.indexOf('.'))]?.[key.slice(key.indexOf('.') + 1)];

test('every language has every key of the English catalogue, and no other', () => {
  for (const locale of LOCALES) {
    const keys = new Set(keysOf(CATALOGUES[locale]));
    const missing = keysOf(en).filter((k) => !keys.has(k));
    const extra = [...keys].filter((k) => at(en, k) === undefined);
    assert.deepEqual(missing, [], `${locale} lacks ${missing.length} keys`);
    assert.deepEqual(extra, [], `${locale} has keys English does not`);
  }
  assert.ok(keysOf(en).length > 300, `the catalogue holds the studio's words (${keysOf(en).length} keys)`);
});

test('a translation fills the same placeholders as English, and every plural has its other form', () => {
  for (const key of keysOf(en)) {
    const source = at(en, key)!;
    const target = at(zh, key)!;
    assert.deepEqual([...placeholders(target)].sort(), [...placeholders(source)].sort(), `${key}: zh-TW's placeholders differ from English's`);
    for (const m of [source, target]) if (typeof m !== 'string') assert.equal(typeof m.other, 'string', `${key}: a plural without its other form`);
  }
});

// Names stay names in every language; anything else in Latin letters in a zh-TW message is English left over.
const NAMES =
  /RNN Studio|SimpleRNN|LSTM|GRU|RNN|CSV|TSV|JSONL|JSON|PyTorch|ONNX|TensorFlow\.js|TF\.js|TensorFlow|tfjs|Adam|safetensors|SQLite|UTF-8|UTF-16|HTML|Chromium|Electron|torchrun|train\.py|npm run [\w:-]+|native|wasm|cpu|avx\w*|nats?|bits?|KB|MB|GB|Alt\+\w|Ctrl|Shift|Enter|F1|ReLU|tanh|sigmoid|softmax|Glorot|Keras|ln|log|exp|top-k|top-p|seed|id|ids|char-rnn|C\+\+|URL|ID|GPU|CPU|B\b|[a-z]_\w+|[A-Za-z]\b|\w+\.(txt|csv|tsv|jsonl|json|html|py|ts)|--[\w-]+|e\.g\./gi;

test('no Traditional Chinese message is English left untranslated', () => {
  const english: string[] = [];
  for (const key of keysOf(zh)) {
    for (const form of forms(at(zh, key)!)) {
      const rest = form.replace(/\{\w+\}/g, '').replace(NAMES, '');
      if (/[A-Za-z]{2,}/.test(rest) && !/[\u3400-\u9fff]/.test(form)) english.push(`${key}: ${form}`);
    }
  }
  assert.deepEqual(english, [], 'zh-TW messages with English and no Chinese');
});

test('every setting of the Train form has its label and help in both languages', () => {
  for (const f of FIELDS) {
    for (const locale of LOCALES) {
      assert.doesNotMatch(translate(locale, `fields.${f.path}.label`), /^⟦/, `${locale}: ${f.path} has no label`);
      assert.doesNotMatch(translate(locale, `fields.${f.path}.help`), /^⟦/, `${locale}: ${f.path} has no help`);
    }
    assert.equal(translate('en', `fields.${f.path}.label`), f.label, 'English labels come from shared/config-fields.ts, written once');
  }
});

test('numbers, durations and plurals follow the locale; a missing key shows as itself, never as English', () => {
  assert.equal(formatNumber('en', 12345.678, 1), '12,345.7');
  assert.equal(formatNumber('zh-TW', 12345.678, 1), '12,345.7');
  assert.equal(formatDuration('en', 256), '4m 16s');
  assert.equal(formatDuration('zh-TW', 256), '4 分 16 秒');
  assert.equal(translate('en', 'app.engine.fastCores', { count: 1 }), 'fast engine · 1 core');
  assert.equal(translate('en', 'app.engine.fastCores', { count: 2 }), 'fast engine · 2 cores');
  assert.equal(translate('zh-TW', 'app.engine.fastCores', { count: 2 }), '快速引擎 · 2 核心');
  assert.equal(translate('zh-TW', 'app.no-such-key'), '⟦app.no-such-key⟧');
});

test('the studio speaks the system language when it can', () => {
  assert.equal(pickLocale(['zh-TW', 'en-US']), 'zh-TW');
  assert.equal(pickLocale(['zh-Hant-HK']), 'zh-TW');
  assert.equal(pickLocale(['en-GB', 'zh-TW']), 'en');
  assert.equal(pickLocale(['fr-FR', 'zh-TW']), 'zh-TW');
  assert.equal(pickLocale(['de-DE']), 'en');
  assert.equal(pickLocale([]), 'en');
});
