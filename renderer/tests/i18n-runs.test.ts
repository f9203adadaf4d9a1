// The Runs, Sample and Classify screens in Traditional Chinese (issue 16), against a mocked core: with
// zh-TW chosen, the runs table, a generator's and a classifier's page (its confusion matrix), the Sample
// screen comparing temperatures and the Classify screen with an evaluation show Chinese and none of the
// English of the runs, sample and classify areas — in text, labels, titles, placeholders and on the chart;
// switched back to English, they show English again.
// Chart.js draws on a context that records its texts (jsdom has no canvas), so the axis titles are checked.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { render, screen, fireEvent, waitFor, within } from '@testing-library/svelte';
import { tick } from 'svelte';
import type { ApiEvents, Channel, EventName } from '../../shared/api.ts';
import { RunConfigSchema, SampleParamsSchema, type RunConfigInput } from '../../shared/config.ts';
import type { CompareReply } from '../../shared/inspect.ts';
import type { CheckpointRecord, EvaluationRecord, MetricPoint, RunDetail, RunSummary, SampleRecord } from '../../shared/types.ts';
import { en } from '../../shared/i18n/en.ts';
import { zhTW } from '../../shared/i18n/zh-TW.ts';

const mock = vi.hoisted(() => ({ invoke: vi.fn(), uploadFiles: vi.fn(), listeners: new Map<string, Set<(payload: unknown) => void>>() }));
vi.mock('../src/lib/api.ts', async () => (await import('./api-mock.ts')).fakeApi(mock, { uploadFiles: mock.uploadFiles }));
async function emit<E extends EventName>(event: E, payload: ApiEvents[E]) {
  for (const l of mock.listeners.get(event) ?? []) l(payload);
  await tick();
}

import { drawn } from './chart-canvas.ts';
Object.defineProperty(navigator, 'clipboard', { value: { writeText: vi.fn(async () => {}) }, configurable: true });

const { locale } = await import('../src/lib/i18n.svelte.ts');
const { app } = await import('../src/state/app.svelte.ts');
const { default: Runs, runsView } = await import('../src/screens/Runs.svelte');
const { default: Sample } = await import('../src/screens/Sample.svelte');
const { default: Classify } = await import('../src/screens/Classify.svelte');

type Messages = Record<string, string | Record<string, string>>;
const forms = (m: Messages) => Object.values(m).flatMap((v) => (typeof v === 'string' ? [v] : Object.values(v)));
const chinese = forms(Object.assign({}, ...Object.values(zhTW)) as Messages);

/**
 * The English words of these areas that no Chinese message also uses (names such as ONNX or Top-k): each
 * message cut at its {placeholders}, pieces of at least 4 characters with a letter in them.
 */
function englishOf(...areas: Array<keyof typeof en>): string[] {
  const pieces = areas.flatMap((area) => forms(en[area] as Messages)).flatMap((m) => m.split(/\{\w+\}/).map((p) => p.trim()));
  return [...new Set(pieces)].filter((p) => p.length >= 4 && /[A-Za-z]/.test(p) && !chinese.some((c) => c.includes(p)));
}

/** What the page says: its text, each element's accessible name, title and placeholder; ⟦missing keys⟧ of other areas left out. */
function said(): string {
  const attributes = [...document.body.querySelectorAll('*')].flatMap((el) => ['aria-label', 'title', 'placeholder'].map((a) => el.getAttribute(a) ?? ''));
  return [document.body.textContent ?? '', ...attributes].join('\n').replace(/⟦[^⟧]*⟧/g, '');
}
const englishShown = (...areas: Array<keyof typeof en>) => englishOf(...areas).filter((p) => said().includes(p));

const config = (input: RunConfigInput = {}) => RunConfigSchema.parse(input);
function checkpoint(id: number, runId: number, step: number, reason: CheckpointRecord['reason'] = 'periodic'): CheckpointRecord {
  return { id, runId, step, epoch: 0, path: `/ck/${id}`, bytes: 2048, reason, trainLoss: 1.5, valLoss: 1.6, createdAt: '' };
}
function point(runId: number, step: number, lr = 0.002): MetricPoint {
  return { runId, step, epoch: 0, trainLoss: 2 - step / 1000, valLoss: 2.1 - step / 1000, perplexity: null, charsPerSec: 1000, lr, valAccuracy: null, valMacroF1: null, at: '' };
}
const evaluation: EvaluationRecord = {
  id: 1, runId: 8, step: 500, epoch: 4, source: 'validation', path: 'held-out.csv', examples: 8, loss: 0.31, accuracy: 0.875, macroF1: 0.873,
  labels: ['female', 'male'], confusion: [[4, 1], [0, 3]],
  perClass: [
    { label: 'female', precision: 1, recall: 0.8, f1: 0.889, support: 5 },
    { label: 'male', precision: 0.75, recall: 1, f1: 0.857, support: 3 },
  ],
  misclassified: [{ text: 'Robin', label: 'female', predicted: 'male', confidence: 0.71 }],
  createdAt: '',
};
function detail(more: Partial<RunDetail> & { id: number }, input: RunConfigInput = { train: { maxSteps: 500, lr: 0.002 } }): RunDetail {
  return {
    datasetId: 1, datasetName: 'corpus', task: 'generate', config: config(input), backend: 'wasm', status: 'finished', step: 500, totalSteps: 500, epoch: 1,
    lastTrainLoss: 1.5, bestValLoss: 1.6, parameters: 12_345, error: null, createdAt: '', startedAt: null, updatedAt: '', finishedAt: null, trainSeconds: 75,
    metrics: [point(more.id, 10), point(more.id, 20, 0.001)], checkpoints: [checkpoint(more.id * 10 + 1, more.id, 200), checkpoint(more.id * 10 + 2, more.id, 500, 'finish')],
    samples: [{ id: 1, runId: more.id, checkpointId: null, step: 200, source: 'training', prompt: '', params: SampleParamsSchema.parse({}), seed: 3, text: 'abc', createdAt: '' }],
    evaluations: [], labels: null, ...more,
  };
}
const summary = ({ metrics: _m, samples: _s, checkpoints: _c, evaluations: _e, labels: _l, ...run }: RunDetail): RunSummary => run;

const generator = detail({ id: 2 });
const branch = detail({ id: 5, status: 'stopped', parentRunId: 2, parentCheckpointId: 21, parentStep: 200 });
const classifier = detail({ id: 8, task: 'classify', evaluations: [evaluation], labels: ['female', 'male'] }, { task: 'classify' });
const comparison = { comparisonId: 1, datasetId: 1, budget: 20_000, state: 'running', runs: [{ cell: 'lstm', bidirectional: false }] } as unknown as CompareReply;
const timeline = { prime: 'Th', seed: 4, temperature: 0.8, length: 40, entries: [{ step: 200, source: 'checkpoint', checkpointId: 21, valLoss: 1.6, text: 'Thxq' }] };

/** The core: each channel answers from `replies` (a function gets the request); any other is refused. */
function serve(replies: Partial<Record<Channel, unknown>>) {
  mock.invoke.mockImplementation(async (channel: Channel, request: unknown) => {
    if (!(channel in replies)) throw new Error(`no mock for ${channel}`);
    const reply = replies[channel];
    return typeof reply === 'function' ? reply(request) : structuredClone(reply);
  });
}

beforeEach(() => {
  mock.invoke.mockReset();
  mock.listeners.clear();
  drawn.length = 0;
  Object.assign(app, { runs: [], datasets: [], selectedRunId: null, loaded: true });
  runsView.openId = null;
  runsView.comparisonId = null;
});
afterEach(() => locale.set('system'));

describe('Runs in Traditional Chinese', () => {
  const runs = [generator, branch, classifier];
  beforeEach(() => {
    app.runs = runs.map(summary);
    serve({
      'runs:get': ({ id }: { id: number }) => runs.find((r) => r.id === id),
      'runs:metrics': ({ ids }: { ids: number[] }) => Object.fromEntries(ids.map((id) => [id, runs.find((r) => r.id === id)!.metrics])),
      'runs:timeline': timeline,
      'comparisons:list': [comparison],
    });
  });

  it('shows the table, the overlay and a generator’s page in Chinese, then in English again', async () => {
    locale.set('zh-TW');
    runsView.openId = 5;
    render(Runs);
    const table = screen.getByRole('table', { name: '執行紀錄' });
    expect(within(table).getByRole('button', { name: '最佳驗證損失' })).toBeTruthy();
    expect(within(table).getAllByText('已完成')).toHaveLength(2);
    expect(within(table).getByText('#2 第 200 步')).toBeTruthy();
    await fireEvent.click(screen.getByRole('checkbox', { name: '比較執行 2' }));
    await fireEvent.click(screen.getByRole('checkbox', { name: '比較執行 5' }));
    expect(await screen.findByRole('heading', { name: '2 個生成模型的損失' })).toBeTruthy();
    expect(await screen.findByRole('table', { name: '比較' })).toHaveTextContent('20,000 個參數');

    const page = await screen.findByRole('region', { name: '執行 5' });
    expect(within(page).getByTestId('detail-status')).toHaveTextContent('已停止');
    expect(within(page).getByTestId('lineage').textContent!.replace(/\s+/g, ' ').trim()).toBe('分支自 執行 #2（第 200 步）。');
    expect(within(page).getByTestId('lr-history')).toHaveTextContent('0.002，自第 20 步起改為 0.001');
    expect(within(page).getByText('標記：自第 20 步起學習率 0.001')).toBeTruthy();
    expect(await within(page).findByRole('list', { name: '執行 5 的時間軸' })).toHaveTextContent('檢查點 21');
    expect(within(page).getByRole('group', { name: '匯出模型' })).toHaveTextContent('下載 .zip');
    await waitFor(() => expect(drawn.map((d) => d.text)).toContain('步數'));
    expect(drawn.map((d) => d.text)).toContain('損失（nats/字元）');
    expect(drawn.map((d) => d.text)).not.toContain('step');
    expect(englishShown('runs')).toEqual([]);

    drawn.length = 0;
    locale.set('en');
    await tick();
    expect(screen.getByRole('table', { name: 'Runs' })).toBeTruthy();
    expect(within(page).getByTestId('detail-status')).toHaveTextContent('stopped');
    expect(within(page).getByText('Checkpoints')).toBeTruthy();
    expect(screen.getByRole('heading', { name: 'Loss of 2 generators' })).toBeTruthy();
    await waitFor(() => expect(drawn.map((d) => d.text)).toContain('step'));
    expect(englishShown('runs').length).toBeGreaterThan(20); // what the Chinese page was checked for
  }, 30_000);

  it('shows a classifier’s page with its confusion matrix in Chinese', async () => {
    locale.set('zh-TW');
    runsView.openId = 8;
    render(Runs);
    const page = await screen.findByRole('region', { name: '執行 8' });
    expect(within(page).getByRole('heading', { name: '第 500 步的驗證：準確率 87.5%，宏平均 F1 0.873' })).toBeTruthy();
    expect(within(page).getByRole('table', { name: '混淆矩陣' })).toHaveTextContent('真實 ↓・預測 →');
    expect(within(page).getByRole('table', { name: '分類錯誤的範例' })).toHaveTextContent('Robin');
    expect(englishShown('runs', 'classify')).toEqual([]);

    locale.set('en');
    await tick();
    expect(within(page).getByRole('table', { name: 'Confusion matrix' })).toBeTruthy();
    expect(within(page).getByRole('heading', { name: 'Validation at step 500: accuracy 87.5%, macro-F1 0.873' })).toBeTruthy();
  }, 30_000);
});

describe('Sample in Traditional Chinese', () => {
  const run = summary(detail({ id: 7 }));
  function sample(id: number, params: Partial<SampleRecord['params']>, seed = 5): SampleRecord {
    const full = SampleParamsSchema.parse(params);
    return { id, runId: 7, checkpointId: 12, step: 300, source: 'user', prompt: full.prime, params: full, seed, text: `${full.prime}xyz`, createdAt: '2026-11-30T12:00:00.000Z' };
  }

  it('shows the form, the comparison, its refusal and the history in Chinese, then in English again', async () => {
    serve({
      'runs:get': { ...detail({ id: 7 }), samples: [sample(3, { prime: 'Once' })] },
      'samples:generate': async (r: { requestId: string; params: SampleRecord['params'] }) => {
        await emit('sample:chunk', { requestId: r.requestId, text: 'xyz' });
        return sample(10 + mock.invoke.mock.calls.length, r.params, r.params.seed ?? 9);
      },
    });
    locale.set('zh-TW');
    app.runs = [run];
    app.selectedRunId = 7;
    render(Sample);
    expect(await screen.findByRole('region', { name: '取樣紀錄' })).toHaveTextContent('開頭文字 「Once」');
    expect(screen.getByRole('textbox', { name: '開頭文字' }).getAttribute('placeholder')).toBe('（從一行的開頭）');
    await fireEvent.click(screen.getByRole('checkbox', { name: '比較溫度' }));
    const temperatures = screen.getByRole('textbox', { name: '多個溫度' });
    await fireEvent.input(temperatures, { target: { value: '0.5' } });
    expect(screen.getByRole('alert').textContent).toBe('多個溫度：請給 2 到 4 個，以逗號分隔（目前 1 個）');
    expect(englishShown('sample')).toEqual([]);

    await fireEvent.input(temperatures, { target: { value: '0.5, 1.5' } });
    await fireEvent.click(screen.getByRole('button', { name: '生成' }));
    await waitFor(() => expect(screen.getAllByTestId('temperature-output')).toHaveLength(2));
    await waitFor(() => expect(screen.getByRole('region', { name: '溫度 1.5' })).toHaveTextContent('種子 9・第 300 步'));
    expect(englishShown('sample', 'runs')).toEqual([]);

    locale.set('en');
    await tick();
    expect(screen.getByRole('region', { name: 'Temperature 1.5' })).toHaveTextContent('seed 9 · step 300');
    expect(screen.getByRole('button', { name: 'Reuse the settings of sample #3' })).toBeTruthy();
    expect(screen.getByRole('checkbox', { name: 'Compare temperatures' })).toBeTruthy();
    expect(englishShown('sample').length).toBeGreaterThan(10);
  }, 30_000);
});

describe('Classify in Traditional Chinese', () => {
  it('shows the probabilities, unseen characters and an evaluation’s confusion matrix in Chinese, then in English again', async () => {
    serve({
      'runs:classify': { labels: ['female', 'male'], results: [{ text: 'Anna', label: 'female', probabilities: [0.6, 0.4], unknownChars: 1 }], step: 500 },
      'datasets:inspect': { format: 'csv', columns: ['text', 'label'], rows: [], total: 8 },
      'runs:evaluate': { ...evaluation, source: 'file' },
    });
    mock.uploadFiles.mockResolvedValue('0f8fad5b-d9cb-469f-a165-70867728950e');
    locale.set('zh-TW');
    app.runs = [summary(classifier)];
    render(Classify);
    await fireEvent.input(screen.getByRole('textbox', { name: '要分類的文字' }), { target: { value: 'Anna' } });
    expect(await screen.findByTestId('unknown-chars')).toHaveTextContent('4 個字元中有 1 個這個分類器不認得');
    expect(screen.getByRole('list', { name: '各類別的機率' })).toBeTruthy();
    const file = new File(['text,label\nAnna,female\n'], 'held-out.csv', { type: 'text/csv' });
    await fireEvent.drop(screen.getByRole('region', { name: '把有標籤的檔案拖放到這裡' }), { dataTransfer: { files: [file] } });
    expect(await screen.findByTestId('evaluation-summary')).toHaveTextContent('held-out.csv：第 500 步，8 個範例');
    expect(screen.getByRole('table', { name: '混淆矩陣' })).toBeTruthy();
    expect(screen.getByRole('table', { name: '各類別' })).toHaveTextContent('精確率');
    expect(englishShown('classify')).toEqual([]);

    locale.set('en');
    await tick();
    expect(screen.getByTestId('evaluation-summary')).toHaveTextContent('held-out.csv: 8 examples at step 500');
    expect(screen.getByRole('table', { name: 'Confusion matrix' })).toBeTruthy();
    expect(screen.getByTestId('unknown-chars')).toHaveTextContent('1 of 4 characters are unknown to this classifier and were ignored.');
    expect(englishShown('classify').length).toBeGreaterThan(10);
  }, 30_000);
});
