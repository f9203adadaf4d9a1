// The Datasets and Train screens in Traditional Chinese (issue 16), against a mocked core: headings, field
// labels, help and the estimate in Chinese, with none of the English catalogue's words left on screen (text,
// aria-labels, titles, placeholders), and English back at once on switching again. Also: every field's
// words, derived in English from shared/config-fields.ts, have their Chinese.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { render, screen, fireEvent, within } from '@testing-library/svelte';
import { tick } from 'svelte';
import type { Channel, RunEstimate } from '../../shared/api.ts';
import { RunConfigSchema } from '../../shared/config.ts';
import { CONFIG_FIELDS } from '../../shared/config-fields.ts';
import { CATALOGUES, type Message } from '../../shared/i18n/index.ts';
import type { DatasetDetail, RunDetail } from '../../shared/types.ts';

const mock = vi.hoisted(() => ({ invoke: vi.fn() }));
vi.mock('../src/lib/api.ts', async () => (await import('./api-mock.ts')).fakeApi(mock));

const { locale, tk } = await import('../src/lib/i18n.svelte.ts');
const { default: Train } = await import('../src/screens/Train.svelte');
const { VIEW_KEY } = await import('../src/components/RunSettings.svelte');
const { default: Datasets } = await import('../src/screens/Datasets.svelte');
const { default: TrainingMonitor } = await import('../src/components/TrainingMonitor.svelte');
const { app } = await import('../src/state/app.svelte.ts');
const { training } = await import('../src/state/training.svelte.ts');
const format = await import('../src/lib/format.ts');
const { checkNumber, labelAt } = await import('../src/lib/fields.ts');

// Data without English words, so that any English on screen is the studio's own.
const detail = (id: number, more: Partial<DatasetDetail> = {}): DatasetDetail => ({
  id, name: `語料${id}`, kind: 'text', sourcePath: `/資料/${id}`, sha256: '', bytes: 3 * 1024, chars: 2000, files: 1, distinctChars: 42, charsetSize: 40,
  maxCharset: 40, unknownChars: 20, encoding: 'utf-8', format: 'text', examples: null, labels: null, lengths: null, createdAt: '2026-11-30 12:00:00',
  charCounts: [{ char: ' ', count: 300 }, { char: '\n', count: 20 }, { char: '甲', count: 10 }], ...more,
});
const corpus = detail(1);
const labelled = detail(2, {
  kind: 'labelled', format: 'csv', examples: 3, labels: [{ label: '女', count: 2 }, { label: '男', count: 1 }], lengths: { min: 3, median: 4, p90: 5, p95: 5, max: 5, mean: 4 },
});
const estimate: RunEstimate = {
  parameters: 250_000, trainChars: 900, ratio: 1, advice: '', memoryBytes: 50e6, stepsPerEpoch: 300, secondsPerStep: 0.05,
  secondsPerEpoch: 15, totalSteps: 3000, totalEpochs: 10, totalSeconds: 150, charsPerSec: 40_000, backend: 'wasm',
};

/** A generator stopped at step 300 of 500, with two checkpoints. */
const stopped: RunDetail = {
  id: 6, datasetId: 1, datasetName: '語料1', task: 'generate', config: RunConfigSchema.parse({ train: { maxSteps: 500 } }), backend: 'wasm', status: 'stopped',
  step: 300, totalSteps: 500, epoch: 0, lastTrainLoss: 1.5, bestValLoss: 1.6, parameters: 1000, error: null, createdAt: '', startedAt: null, updatedAt: '',
  finishedAt: null, trainSeconds: 5, metrics: [], samples: [], evaluations: [], labels: null,
  checkpoints: [200, 300].map((step, i) => ({ id: 61 + i, runId: 6, step, epoch: 0, path: '', bytes: 1, reason: 'periodic', trainLoss: 1.5, valLoss: 1.6, createdAt: '' })),
};

// Chart.js finds no canvas context in jsdom, and draws nothing: the monitor's words are what is checked.
HTMLCanvasElement.prototype.getContext = (() => null) as unknown as HTMLCanvasElement['getContext'];

function serve() {
  mock.invoke.mockImplementation(async (channel: Channel, req: { id?: number }) => {
    if (channel === 'runs:get') return structuredClone(stopped);
    if (channel === 'runs:estimate') return estimate;
    if (channel === 'datasets:get') return [corpus, labelled].find((d) => d.id === req.id);
    if (channel === 'datasets:preview') return { text: req.id === 2 ? '{"text":"安娜","label":"女"}' : '甲乙丙', truncated: false };
    throw new Error(`unexpected ${channel}`);
  });
}

const heading = () => document.querySelector('h2')!.textContent;

/** What a screen shows and says to a screen reader. */
function shown(): string {
  const attributes = [...document.body.querySelectorAll('[aria-label], [title], [placeholder]')].flatMap((e) =>
    ['aria-label', 'title', 'placeholder'].map((a) => e.getAttribute(a) ?? ''),
  );
  return [document.body.textContent ?? '', ...attributes].join('\n');
}

const forms = (m: Message): string[] => (typeof m === 'string' ? [m] : Object.values(m).filter((v): v is string => typeof v === 'string'));
/** The English catalogue's words of these areas that Chinese says otherwise, cut at their placeholders. */
const englishWords = [...new Set(
  (['datasets', 'train', 'fields'] as const).flatMap((area) =>
    Object.entries(CATALOGUES.en[area]).flatMap(([key, message]) =>
      forms(message)
        .filter(() => JSON.stringify(CATALOGUES['zh-TW'][area][key]) !== JSON.stringify(message))
        .flatMap((form) => form.split(/\{\w+\}/))
        .map((piece) => piece.trim())
        .filter((piece) => /[A-Za-z]{4,}/.test(piece)),
    ),
  ),
)];
function englishLeft(): string[] {
  const text = shown();
  return englishWords.filter((words) => text.includes(words));
}

beforeEach(() => {
  mock.invoke.mockReset();
  localStorage.clear();
  serve();
  Object.assign(app, { screen: 'train', loaded: true, info: null, datasets: [corpus, labelled], selectedDatasetId: 1, selectedRunId: null, runs: [] });
  Object.assign(training, { runId: null, status: null, run: null, progress: null, metrics: [], samples: [], evaluations: [], notes: [], error: null, task: 'generate' });
});
afterEach(() => locale.set('system'));

describe('the Train screen', () => {
  it('speaks Traditional Chinese: heading, the Basic view and the estimate', async () => {
    locale.set('zh-TW');
    render(Train);
    expect(heading()).toBe('訓練生成模型');
    expect(document.querySelector('fieldset[aria-label="基本設定"] legend')!.textContent).toBe('單元類型');
    expect(screen.getByText('2 層，每層 128 個隱藏單元')).toBeTruthy();
    await fireEvent.click(screen.getByText('估算大小與時間'));
    expect((await screen.findByTestId('whole-run')).textContent!.trim()).toBe('3,000 步（10 遍）≈ 2 分 30 秒');
    expect(screen.getByTestId('run-time').textContent!.trim()).toBe('≈ 3,000 步 · 在這台電腦上約需 2 分 30 秒');
    expect(screen.getByText('參數量與語料大小相稱（1.00 倍），符合 char-rnn 的經驗法則。')).toBeTruthy();
    expect(englishLeft()).toEqual([]);
  });

  it('speaks Traditional Chinese in the Advanced view: labels, help and what is wrong with a value', async () => {
    localStorage.setItem(VIEW_KEY, 'advanced');
    locale.set('zh-TW');
    render(Train);
    expect(screen.getByText('模型一次從多少段文字學習：越大越穩定，也越佔記憶體')).toBeTruthy();
    await fireEvent.input(document.querySelector('input[name="units"]')!, { target: { value: '99999' } });
    expect(screen.getByRole('alert').textContent).toBe('隱藏單元：最多 4096');
    expect(englishLeft()).toEqual([]);
  });

  it('speaks English again at once on switching back', async () => {
    locale.set('zh-TW');
    render(Train);
    expect(heading()).toBe('訓練生成模型');
    locale.set('en');
    await tick();
    expect(heading()).toBe('Train a generator');
    expect(englishLeft()).toContain('Train a generator'); // the check above finds English where there is some
    expect(document.querySelector('fieldset[aria-label="Basic settings"] legend')!.textContent).toBe('Cell');
    expect(screen.getByTestId('run-time').textContent).toMatch(/Estimate size and time/);
  });

  it('says a classifier and its length drawn from the data in Chinese', () => {
    locale.set('zh-TW');
    app.selectedDatasetId = 2;
    render(Train);
    expect(heading()).toBe('訓練分類模型');
    expect(screen.getByTestId('from-data').textContent).toBe('依你的資料：95% 的文字不超過 5 個字元');
    expect(englishLeft()).toEqual([]);
  });
});

describe('the run the Train screen follows', () => {
  it('speaks Traditional Chinese: its progress, and what to do next once it has ended', async () => {
    locale.set('zh-TW');
    await training.follow(6);
    render(TrainingMonitor);
    expect(heading()).toBe('執行 6');
    expect(screen.getByRole('progressbar').getAttribute('aria-label')).toBe('第 300／500 步 · 損失 1.500');
    expect(screen.getByText('每隔「取樣間隔」所設的步數，就會出現一段取樣。')).toBeTruthy();
    expect(await screen.findByText('再訓練 300 步')).toBeTruthy();
    await fireEvent.click(screen.getByText('從這個檢查點開始新的訓練…'));
    expect(screen.getByText('第 300 步 · ' + tk('runs.reason.periodic') + ' · 驗證損失 1.600')).toBeTruthy();
    expect(englishLeft()).toEqual([]);
  });
});

describe('the Datasets screen', () => {
  it('speaks Traditional Chinese: the list, a dataset, its charset; and English again on switching back', async () => {
    locale.set('zh-TW');
    app.selectedDatasetId = 1;
    render(Datasets);
    expect(screen.getByRole('heading', { name: '匯入語料' })).toBeTruthy();
    expect(screen.getByRole('columnheader', { name: '字元數' })).toBeTruthy();
    const page = await screen.findByRole('region', { name: '資料集 語料1' });
    expect(within(page).getByText(/2,000 個字元 · 3\.0 KB · 1 個檔案/)).toBeTruthy();
    expect(within(page).getByText('（空白）')).toBeTruthy();
    expect(within(page).getByRole('status').textContent).toMatch(/超出字元集上限 40 的 2 個罕見字元/);
    expect(englishLeft()).toEqual([]);

    locale.set('en');
    await tick();
    expect(screen.getByRole('heading', { name: 'Import a corpus' })).toBeTruthy();
    expect(within(page).getByText('(space)')).toBeTruthy();
  });

  it('shows a labelled dataset’s classes and lengths in Chinese', async () => {
    locale.set('zh-TW');
    app.selectedDatasetId = 2;
    render(Datasets);
    const page = await screen.findByRole('region', { name: '資料集 語料2' });
    expect(within(page).getByRole('heading', { name: '3 個範例，分為 2 個類別' })).toBeTruthy();
    expect(within(page).getByText('3–5 個字元；中位數 4，90% 不超過 5，95% 不超過 5，平均 4.0。')).toBeTruthy();
    expect(englishLeft()).toEqual([]);
  });

  it('welcomes a first-time user in Chinese', () => {
    locale.set('zh-TW');
    Object.assign(app, { datasets: [], selectedDatasetId: null, info: { sampleCorpus: { path: '/a', name: 'a' }, sampleNames: { path: '/b', name: 'b' } } });
    render(Datasets);
    expect(screen.getByRole('heading', { name: '歡迎使用 RNN Studio' })).toBeTruthy();
    expect(screen.getByRole('button', { name: '使用範例語料' })).toBeTruthy();
    expect(englishLeft()).toEqual([]);
  });
});

describe('words of the fields and formats', () => {
  it('has Chinese for every field’s words English derives from shared/config-fields.ts', () => {
    const zh = CATALOGUES['zh-TW'].fields;
    expect(Object.keys(CATALOGUES.en.fields).filter((k) => !(k in zh))).toEqual([]);
    expect(Object.keys(zh).filter((k) => !(k in CATALOGUES.en.fields))).toEqual([]);
    for (const f of CONFIG_FIELDS) expect(CATALOGUES.en.fields[`${f.path}.label`]).toBe(f.label);
  });

  it('names settings, checks numbers and describes runs in the current language', () => {
    const config = RunConfigSchema.parse({ model: { cell: 'gru' }, train: { maxSteps: 1200 } });
    const units = CONFIG_FIELDS.find((f) => f.path === 'model.units')!;
    expect(format.describeConfig(config)).toBe('GRU 2×128 · embedding 64 · sequence length 64 · batch 32 · learning rate 0.002 · 1,200 steps');
    expect(labelAt('config.train.seqLen')).toBe('Sequence length');
    locale.set('zh-TW');
    expect(format.describeConfig(config)).toBe('GRU 2×128 · 嵌入維度 64 · 序列長度 64 · 批次大小 32 · 學習率 0.002 · 1,200 步');
    expect(format.modelShape({ task: 'classify', model: { ...config.model, bidirectional: true } })).toBe('雙向 GRU 2×128');
    expect(format.limitsOf({ above: 0, max: 1 })).toBe('大於 0且最多 1');
    expect(format.formatDuration(256)).toBe('4 分 16 秒');
    expect(format.showChar('\n')).toBe('↵ 換行');
    expect(checkNumber(units, '')).toEqual({ error: '必填' });
    expect(labelAt('config.train.seqLen')).toBe('序列長度');
    expect(labelAt('maxCharset')).toBe('字元集上限');
    expect(labelAt('no.such')).toBeUndefined();
  });
});
