// The Inspect screen and the cell comparison speak the chosen language (issue 16): in Traditional Chinese
// every panel shows its catalogue's words and none of the English ones, and a switch back to English
// brings the English back at once — against a mocked core, as inspect.test.ts and compare.test.ts mount them.
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { render, screen, fireEvent, within } from '@testing-library/svelte';
import type { SurpriseReply } from '../../shared/api.ts';
import { RunConfigSchema } from '../../shared/config.ts';
import type { ComparedRun, CompareReply, ConnectivityReply, GradientFlowReply, UnitsReply } from '../../shared/inspect.ts';
import type { CheckpointRecord, RunDetail, RunSummary } from '../../shared/types.ts';
import type { Message } from '../../shared/i18n/index.ts';
import enInspect from '../../shared/i18n/en/inspect.ts';
import enCompare from '../../shared/i18n/en/compare.ts';
import zhInspect from '../../shared/i18n/zh-TW/inspect.ts';
import zhCompare from '../../shared/i18n/zh-TW/compare.ts';

const mock = vi.hoisted(() => ({ invoke: vi.fn(), listeners: new Map<string, Set<(payload: unknown) => void>>() }));
vi.mock('../src/lib/api.ts', async () => (await import('./api-mock.ts')).fakeApi(mock));

const { default: Inspect } = await import('../src/screens/Inspect.svelte');
const { default: CompareDialog } = await import('../src/components/CompareDialog.svelte');
const { default: CompareView } = await import('../src/components/CompareView.svelte');
const { app } = await import('../src/state/app.svelte.ts');
const { locale } = await import('../src/lib/i18n.svelte.ts');

const forms = (m: Message): string[] => (typeof m === 'string' ? [m] : Object.values(m).filter((f): f is string => f !== undefined));
const zhWords = [...Object.values(zhInspect), ...Object.values(zhCompare)].flatMap(forms).join('\n');
/** The English words of the two catalogues: every message's text between its {placeholders}, a word or more long, that Chinese does not share. */
const englishFragments = [...new Set([...Object.values(enInspect), ...Object.values(enCompare)].flatMap(forms).flatMap((text) => text.split(/\{\w+\}/).map((f) => f.trim())))].filter(
  (f) => /[A-Za-z]{3,}/.test(f) && !zhWords.includes(f),
);
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** What the page says: its text, and the names, tooltips and placeholders assistive technology reads. */
function said(): string {
  const attributes = [...document.body.querySelectorAll('*')].flatMap((el) =>
    ['aria-label', 'title', 'placeholder', 'aria-valuetext'].flatMap((a) => (el.hasAttribute(a) ? [el.getAttribute(a)!] : [])),
  );
  // Text node by text node: a table's headers run together in textContent ("KindFeature").
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const texts: string[] = [];
  while (walker.nextNode()) texts.push(walker.currentNode.nodeValue ?? '');
  return [...texts, ...attributes].join('\n');
}

/** The English fragments of the catalogues the page still shows, as whole words. */
function englishShown(): string[] {
  const text = said();
  return englishFragments.filter((f) => new RegExp(`(^|[^A-Za-z])${escape(f)}([^A-Za-z]|$)`).test(text));
}

const han = /[\u4e00-\u9fff]/;

function checkpoint(id: number, step: number): CheckpointRecord {
  return { id, runId: 1, step, epoch: 0, path: '', bytes: 1, reason: 'periodic', trainLoss: 1, valLoss: 1, createdAt: '' };
}

function runSummary(id: number): RunSummary {
  const config = RunConfigSchema.parse({ model: { cell: 'lstm', layers: 1, units: 16 } });
  return {
    id, datasetId: 4, datasetName: 'corpus', task: 'generate', config, backend: 'wasm', status: 'finished', step: 60, totalSteps: 60, epoch: 0,
    lastTrainLoss: 1, bestValLoss: 1, parameters: 1000, error: null, createdAt: '', startedAt: null, updatedAt: '', finishedAt: null, trainSeconds: 5,
  };
}

const TEXT = 'Hi "yo" there';

function surprise(text: string): SurpriseReply {
  const chars = [...text].map((char, i) => ({ char, probability: i === 3 ? 1 / 300 : 0.5, entropy: 1.5, top: [{ char: 'e', probability: 0.4 }, { char: ' ', probability: 0.2 }, { char: '', probability: 0.1 }] }));
  return { runId: 1, checkpointId: 12, step: 60, chars, bitsPerChar: 1.2, unknownChars: 1 };
}

function units(req: { unit?: { layer: number; unit: number } }): UnitsReply {
  return {
    runId: 1, checkpointId: 12, step: 60, chars: [...TEXT],
    layers: [{ layer: 0, units: 16, directions: 1, kinds: ['hidden', 'cell', 'input', 'forget', 'output'] }],
    features: [{ feature: 'inside-quotes', label: 'inside quotes' }, { feature: 'in-word', label: 'in a word' }],
    units: [{ layer: 0, unit: 3, kind: 'forget', feature: 'inside-quotes', correlation: 0.9 }, { layer: 0, unit: 5, kind: 'hidden', feature: 'in-word', correlation: -0.4 }],
    ...(req.unit ? { unit: { ...req.unit, direction: 'backward', values: { forget: [...TEXT].map(() => 0.5), hidden: [...TEXT].map(() => -0.2) } } } : {}),
  } as UnitsReply;
}

function flow(): GradientFlowReply {
  const norms = Array.from({ length: 60 }, (_, k) => 0.9 ** k);
  return { runId: 1, checkpointId: 12, step: 60, cell: 'lstm', seqLen: 60, windows: 8, source: 'validation', norms, relative: norms, byLayer: [norms] };
}

function routes(channel: string, req: Record<string, unknown>): unknown {
  if (channel === 'runs:get') return { ...runSummary(1), checkpoints: [checkpoint(11, 30), checkpoint(12, 60)] } as Partial<RunDetail>;
  if (channel === 'datasets:preview') return { text: TEXT, truncated: false };
  if (channel === 'runs:inspect') return surprise(req.text as string);
  if (channel === 'runs:units') return units(req);
  if (channel === 'runs:connectivity') return { runId: 1, checkpointId: 12, step: 60, position: req.position as number, target: 'y', connectivity: [0.5, 2, 1, 0.1] } satisfies Partial<ConnectivityReply>;
  if (channel === 'runs:gradient-flow') return flow();
  throw new Error(`unexpected ${channel}`);
}

beforeEach(() => {
  mock.invoke.mockReset();
  mock.listeners.clear();
  mock.invoke.mockImplementation(async (channel: string, req: Record<string, unknown>) => routes(channel, req));
  locale.set('zh-TW');
});
afterAll(() => locale.set('system'));

describe('the Inspect screen in Traditional Chinese', () => {
  it('shows every panel in Chinese, none of its English, and English again after a switch', async () => {
    app.runs = [runSummary(1)];
    app.selectedRunId = 1;
    render(Inspect);
    const surpriseRegion = await screen.findByRole('region', { name: '意外程度' });
    await within(surpriseRegion).findByText(/於第 60 步/);
    expect(screen.getByTestId('bits-per-char').textContent).toBe('1.200 位元／字元');
    await fireEvent.mouseEnter(within(surpriseRegion).getAllByRole('button')[3]);
    expect(screen.getByTestId('alternatives').textContent).toMatch(/模型原本預期的/);
    expect(englishShown()).toEqual([]); // the units panel's introduction shows until find units is asked

    const connectivity = screen.getByRole('region', { name: '連通性' });
    await fireEvent.click(within(connectivity).getAllByRole('button')[4]);
    await within(connectivity).findByText(/已固定/);
    expect(within(connectivity).getAllByRole('button')[0].getAttribute('aria-label')).toBe('「H」：影響為最強者的 25%');

    const unitsRegion = screen.getByRole('region', { name: '單元' });
    await fireEvent.click(within(unitsRegion).getByRole('button', { name: '尋找單元' }));
    const table = await within(unitsRegion).findByRole('table', { name: '找到的單元' });
    expect(within(table).getAllByRole('row')[1].textContent).toBe('0:3遺忘閘在引號內+0.900');
    await fireEvent.click(within(table).getByRole('button', { name: '顯示單元 0:3 遺忘閘' }));
    const heatmap = await screen.findByTestId('unit-heatmap');
    expect(heatmap.textContent).toMatch(/由右往左讀/);
    expect(within(heatmap).getByLabelText('單元色階').textContent).toMatch(/閘門全開/);

    const gradient = screen.getByRole('region', { name: '梯度流' });
    await within(gradient).findByRole('table', { name: '各次訓練的梯度流' });
    expect(within(gradient).getAllByRole('row')[1].textContent).toMatch(/8 個驗證視窗 × 60/);

    expect(englishShown()).toEqual([]);
    expect(said()).not.toMatch(/⟦(inspect|compare)\./);

    locale.set('en');
    await screen.findByRole('region', { name: 'Surprise' });
    for (const name of ['Connectivity', 'Units', 'Gradient flow']) expect(screen.getByRole('region', { name })).toBeTruthy();
    expect(screen.getByRole('table', { name: 'Units found' })).toBeTruthy();
    expect(screen.getByTestId('bits-per-char').textContent).toBe('1.200 bits per character');
    expect(englishShown()).toEqual(expect.arrayContaining(['What units track', 'Gradient flow', 'Correlation', 'reads right to left']));
    expect(said()).not.toMatch(han);
  }, 20_000);

  it('says in Chinese that there is nothing to inspect yet', async () => {
    app.runs = [];
    render(Inspect);
    expect(screen.getByRole('button', { name: '訓練' })).toBeTruthy();
    expect(englishShown()).toEqual([]);
  });
});

function compared(runId: number | null, cell: ComparedRun['cell'], more: Partial<ComparedRun> = {}): ComparedRun {
  return {
    runId, cell, bidirectional: false, units: 32, parameters: 10_000, status: 'finished', error: null, step: 30, totalSteps: 30,
    valLoss: 2.0794, bitsPerChar: 3, charsPerSec: 12_345, sample: null, ...more,
  };
}

describe('the cell comparison in Traditional Chinese', () => {
  it('shows the dialog, the view and its table in Chinese, and English again after a switch', async () => {
    const reply: CompareReply = {
      comparisonId: 4, datasetId: 1, task: 'generate', budget: 10_000, prime: 'The ', seed: 3, sampleLength: 200, temperature: 0.8, state: 'halted', note: null, done: true, createdAt: '',
      runs: [
        compared(7, 'rnn', { sample: 'The quick' }),
        compared(8, 'lstm', { status: 'failed', error: 'out of memory', bidirectional: true }),
        compared(null, 'gru', { status: 'not started' }),
      ],
    };
    mock.invoke.mockImplementation(async (channel: string) => (channel === 'comparisons:get' ? reply : channel === 'runs:metrics' ? {} : undefined));
    render(CompareDialog, { datasetId: 1, datasetName: 'corpus', config: { task: 'classify', model: { cell: 'lstm', layers: 1, units: 32 } }, labelled: true, oncompared: () => {}, onclose: () => {} });
    render(CompareView, { id: 4 });
    expect(screen.getByRole('dialog', { name: '在 corpus 上比較單元類型' })).toBeTruthy();
    expect(screen.getByRole('button', { name: '比較 6 次訓練' })).toBeTruthy();
    expect((await screen.findByTestId('comparison-status')).textContent).toBe('已中止');
    expect(screen.getByRole('region', { name: '比較 4' })).toBeTruthy();
    expect(screen.getByRole('alert').textContent).toBe('LSTM 雙向 #8 失敗：out of memory');
    expect(screen.getByText('從未開始。')).toBeTruthy();
    const rows = [...screen.getByRole('table', { name: '比較的訓練' }).querySelectorAll('tbody tr')].map((r) => r.lastElementChild!.textContent!.trim());
    expect(rows).toEqual(['已完成', '失敗', '未開始']);

    expect(englishShown()).toEqual([]);
    expect(said()).not.toMatch(/⟦(inspect|compare)\./);

    locale.set('en');
    await screen.findByRole('region', { name: 'Comparison 4' });
    expect(screen.getByRole('button', { name: 'Compare 6 runs' })).toBeTruthy();
    expect(screen.getByRole('alert').textContent).toBe('LSTM bidirectional #8 failed: out of memory');
    expect(screen.getByTestId('comparison-status').textContent).toBe('halted');
    expect(englishShown()).toEqual(expect.arrayContaining(['Compared runs', 'Never started.', 'Steps per run', 'Cancel']));
  });
});
