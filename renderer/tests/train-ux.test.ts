// The Train and Runs screens as a user meets them, against a mocked core: the run comes first and the
// settings fold to one line; an ended run offers what to do next; charts name the task's unit, draw shares
// on 0–1, mark learning-rate changes and take the theme's colours; a stopped run claims no speed; Runs
// shows where a branch came from; the footer says what the engine is in plain words.
// Chart.js draws on a context that records what it was asked to draw (jsdom has no canvas), so the charts
// tested are real Chart.js charts.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { render, screen, fireEvent, waitFor, within } from '@testing-library/svelte';
import { tick } from 'svelte';
import { Chart } from 'chart.js';
import { ApiError, type ApiEvents, type AppInfo, type Channel, type EventName } from '../../shared/api.ts';
import { RunConfigSchema, type RunConfigInput } from '../../shared/config.ts';
import type { CheckpointRecord, Dataset, EvaluationRecord, MetricPoint, RunDetail, RunSummary } from '../../shared/types.ts';

const mock = vi.hoisted(() => ({ invoke: vi.fn(), listeners: new Map<string, Set<(payload: unknown) => void>>() }));
vi.mock('../src/lib/api.ts', async () => (await import('./api-mock.ts')).fakeApi(mock));
async function emit<E extends EventName>(event: E, payload: ApiEvents[E]) {
  for (const l of mock.listeners.get(event) ?? []) l(payload);
  await tick();
}

import { drawn } from './chart-canvas.ts';

const { default: Train } = await import('../src/screens/Train.svelte');
const { VIEW_KEY } = await import('../src/components/RunSettings.svelte');
const { default: Runs } = await import('../src/screens/Runs.svelte');
const { default: App } = await import('../src/App.svelte');
const { default: TrainingMonitor } = await import('../src/components/TrainingMonitor.svelte');
const { default: RunDetailView } = await import('../src/components/RunDetail.svelte');
const { default: RunsTable } = await import('../src/components/RunsTable.svelte');
const { app } = await import('../src/state/app.svelte.ts');
const { training } = await import('../src/state/training.svelte.ts');
const { chartTheme } = await import('../src/state/chart-theme.svelte.ts');
const { smoothCurve, smoothingWeight, SMOOTHING, trainCurve, validationCurve } = await import('../src/lib/curves.ts');
const { describeConfig, runName } = await import('../src/lib/format.ts');

const corpus: Dataset = {
  id: 1, name: 'corpus', kind: 'text', sourcePath: '/c.txt', sha256: '', bytes: 1000, chars: 1000, files: 1, distinctChars: 40, charsetSize: 40, maxCharset: 256,
  unknownChars: 0, encoding: 'utf-8', format: 'text', examples: null, labels: null, lengths: null, createdAt: '',
};
const info: AppInfo = {
  version: '1.0.0', home: '/home/me/.rnn-studio', schemaVersion: 6, backend: 'wasm', kernels: 'native avx512 kernels on 2 threads',
  backendHint: 'heavy arithmetic on native avx512 kernels on 2 threads', engine: { kernels: 'avx512', threads: 2 },
  sampleCorpus: { path: '/s.txt', name: 'sample' }, sampleNames: { path: '/names.csv', name: 'names', format: 'csv' },
};

function checkpoint(id: number, runId: number, step: number, reason: CheckpointRecord['reason'] = 'periodic'): CheckpointRecord {
  return { id, runId, step, epoch: 0, path: `/ck/${id}`, bytes: 2048, reason, trainLoss: 1.5, valLoss: 1.6, createdAt: '' };
}
function point(runId: number, step: number, lr = 0.002, loss = 2 - step / 1000): MetricPoint {
  return { runId, step, epoch: 0, trainLoss: loss, valLoss: step % 20 === 0 ? loss + 0.1 : null, perplexity: null, charsPerSec: 1000, lr, valAccuracy: null, valMacroF1: null, at: '' };
}
function detail(more: Partial<RunDetail> & { id: number }, config: RunConfigInput = { train: { maxSteps: 500, lr: 0.002 } }): RunDetail {
  const id = more.id;
  return {
    datasetId: 1, datasetName: 'corpus', task: 'generate', config: RunConfigSchema.parse(config), backend: 'wasm', status: 'stopped', step: 300, totalSteps: 500,
    epoch: 0, lastTrainLoss: 1.5, bestValLoss: 1.6, parameters: 1000, error: null, createdAt: '', startedAt: null, updatedAt: '', finishedAt: null,
    trainSeconds: 5, metrics: [point(id, 10), point(id, 20)], samples: [], checkpoints: [checkpoint(id * 10 + 1, id, 200), checkpoint(id * 10 + 2, id, 300, 'stop')],
    evaluations: [], labels: null, ...more,
  };
}
const summary = ({ metrics: _m, samples: _s, checkpoints: _c, evaluations: _e, labels: _l, ...run }: RunDetail): RunSummary => run;
function evaluation(step: number, accuracy: number): EvaluationRecord {
  return { id: step, runId: 8, step, epoch: step / 10, source: 'validation', path: null, examples: 100, loss: 0.5, accuracy, macroF1: accuracy - 0.01, labels: ['a', 'b'], confusion: [[1, 0], [0, 1]], perClass: [], misclassified: [], createdAt: '' };
}

/** The core: each channel answers from `replies` (a function gets the request); any other is refused. */
function serve(replies: Partial<Record<Channel, unknown>>) {
  mock.invoke.mockImplementation(async (channel: Channel, request: unknown) => {
    if (!(channel in replies)) throw new ApiError('not-found', `no mock for ${channel}`);
    const reply = replies[channel];
    return typeof reply === 'function' ? reply(request) : structuredClone(reply);
  });
}
const calls = (channel: Channel) => mock.invoke.mock.calls.filter((c) => c[0] === channel).map((c) => c[1]);
const chartOf = (figure: HTMLElement) => Chart.getChart(figure.querySelector('canvas')!) as Chart<'line'>;
const figure = (name: string | RegExp) => screen.getByRole('figure', { name });

beforeEach(() => {
  mock.invoke.mockReset();
  drawn.length = 0;
  Object.assign(app, { screen: 'train', datasets: [corpus], selectedDatasetId: 1, selectedRunId: null, runs: [], info });
  Object.assign(training, { runId: null, status: null, run: null, progress: null, metrics: [], samples: [], evaluations: [], notes: [], error: null, task: 'generate' });
});

describe('Train: the run comes first', () => {
  beforeEach(() => localStorage.setItem(VIEW_KEY, 'advanced')); // these look for the Units field
  it('folds the settings into one line once a run starts, above which the run shows; the line reopens them', async () => {
    const started = detail({ id: 7, status: 'running', step: 0, metrics: [], checkpoints: [] });
    serve({ 'runs:start': summary(started), 'runs:get': started, 'app:info': info, 'datasets:list': [corpus], 'runs:list': [summary(started)] });
    render(Train);
    const units = screen.getByRole('spinbutton', { name: /Units/ });
    expect(units).toBeVisible();
    expect(screen.queryByRole('button', { name: /the settings/ })).toBeNull(); // nothing to fold away from yet

    await fireEvent.click(screen.getByRole('button', { name: 'Start training' }));
    const run = await screen.findByRole('region', { name: 'Training run 7' });
    const form = screen.getByRole('region', { name: 'New run' });
    expect(run.compareDocumentPosition(form) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy(); // the run is above
    expect(units).not.toBeVisible();
    expect(screen.getByTestId('settings-summary').textContent).toBe('LSTM 2×128 · embedding 64 · sequence length 64 · batch 32 · learning rate 0.002 · 10 epochs');
    expect(screen.queryByText(/in progress below/)).toBeNull();

    const reopen = screen.getByRole('button', { name: 'Show the settings' });
    expect(reopen.getAttribute('aria-expanded')).toBe('false');
    await fireEvent.input(units, { target: { value: '256' } }); // typed while folded: kept
    await fireEvent.click(reopen);
    expect(units).toBeVisible();
    expect((units as HTMLInputElement).value).toBe('256');
    expect(screen.queryByTestId('settings-summary')).toBeNull();
    await fireEvent.click(screen.getByRole('button', { name: 'Fold the settings' }));
    expect(screen.getByTestId('settings-summary').textContent).toMatch(/^LSTM 2×256 /);
  });

  it('opens folded when a run is already followed', async () => {
    Object.assign(training, { runId: 3, status: 'finished', run: detail({ id: 3, status: 'finished', step: 500 }) });
    render(Train);
    expect(screen.getByRole('spinbutton', { name: /Units/, hidden: true })).not.toBeVisible();
    expect(screen.getByRole('button', { name: 'Show the settings' })).toBeVisible();
  });
});

describe('an ended run is no dead end', () => {
  it('offers Resume, Sample, Train N more steps and New run from this checkpoint, each asking the core for the right thing', async () => {
    const stopped = detail({ id: 4 });
    serve({ 'runs:get': stopped, 'runs:resume': summary(stopped), 'app:info': info, 'datasets:list': [corpus], 'runs:list': [summary(stopped)], 'runs:timeline': { entries: [] } });
    app.screen = 'runs';
    render(RunDetailView, { id: 4, onclosed: () => {}, onopen: () => {} });
    await screen.findByRole('group', { name: 'What next for run 4' });
    // Looked up each time: the page reloads the run (and its actions) when the list of runs changes.
    const actions = () => screen.getByRole('group', { name: 'What next for run 4' });
    const button = (name: string | RegExp) => within(actions()).getByRole('button', { name });

    await fireEvent.click(button('Resume'));
    await waitFor(() => expect(app.screen).toBe('train'));
    expect(calls('runs:resume')).toEqual([{ id: 4 }]);

    await fireEvent.click(button('Sample'));
    expect(app.screen).toBe('sample');
    expect(app.selectedRunId).toBe(4);

    expect(button('Train 300 more steps')).toBeTruthy(); // as many again as it has trained
    await fireEvent.input(within(actions()).getByRole('spinbutton', { name: 'More steps' }), { target: { value: '250' } });
    await fireEvent.click(button('Train 250 more steps'));
    await waitFor(() => expect(calls('runs:resume')).toHaveLength(2));
    expect(calls('runs:resume')[1]).toEqual({ id: 4, maxSteps: 550 }); // its step + N
  });

  it('branches from a chosen checkpoint at the rate it trained at there, with the steps asked for', async () => {
    const parent = detail({ id: 4, metrics: [point(4, 100), point(4, 250, 0.0005), point(4, 290, 0.0005)] });
    const child = detail({ id: 9, status: 'running', step: 200, parentRunId: 4, parentCheckpointId: 41, parentStep: 200, checkpoints: [] });
    serve({ 'runs:get': ({ id }: { id: number }) => (id === 9 ? child : parent), 'runs:branch': summary(child), 'app:info': info, 'datasets:list': [corpus], 'runs:list': [summary(parent), summary(child)], 'runs:timeline': { entries: [] } });
    render(RunDetailView, { id: 4, onclosed: () => {}, onopen: () => {} });
    const actions = await screen.findByRole('group', { name: 'What next for run 4' });
    await fireEvent.click(within(actions).getByRole('button', { name: /^New run from this checkpoint/ }));
    const form = within(actions).getByRole('form', { name: 'New run from a checkpoint' });
    const rate = within(form).getByRole('spinbutton', { name: 'Learning rate' }) as HTMLInputElement;
    expect(rate.value).toBe('0.0005'); // the newest checkpoint (step 300) was written after the change at step 250
    await fireEvent.change(within(form).getByRole('combobox', { name: 'Checkpoint' }), { target: { value: '41' } });
    expect(rate.value).toBe('0.002'); // step 200: before it
    await fireEvent.input(rate, { target: { value: '0.001' } });
    await fireEvent.input(within(form).getByRole('spinbutton', { name: 'More steps from the checkpoint' }), { target: { value: '100' } });
    await fireEvent.click(within(form).getByRole('button', { name: 'Start the new run' }));
    await waitFor(() => expect(training.runId).toBe(9));
    expect(calls('runs:branch')).toEqual([{ id: 4, checkpointId: 41, config: { train: { lr: 0.001 } }, maxSteps: 300 }]);
    expect(app.screen).toBe('train');
  });

  it('refuses a bad number of steps or rate by name, without asking the core', async () => {
    serve({ 'runs:get': detail({ id: 4 }), 'runs:timeline': { entries: [] } });
    render(RunDetailView, { id: 4, onclosed: () => {}, onopen: () => {} });
    const actions = await screen.findByRole('group', { name: 'What next for run 4' });
    await fireEvent.input(within(actions).getByRole('spinbutton', { name: 'More steps' }), { target: { value: '0' } });
    await fireEvent.click(within(actions).getByRole('button', { name: /more steps$/ }));
    expect(within(actions).getByRole('alert').textContent).toBe('More steps: a whole number, at least 1 and at most 99,999,700');
    await fireEvent.click(within(actions).getByRole('button', { name: /^New run from this checkpoint/ }));
    await fireEvent.input(within(actions).getByRole('spinbutton', { name: 'Learning rate' }), { target: { value: '3' } });
    await fireEvent.input(within(actions).getByRole('spinbutton', { name: 'More steps from the checkpoint' }), { target: { value: '10' } });
    await fireEvent.click(within(actions).getByRole('button', { name: 'Start the new run' }));
    expect(within(actions).getByRole('alert').textContent).toBe('Learning rate: a number above 0 and at most 1');
    expect(calls('runs:resume')).toEqual([]);
    expect(calls('runs:branch')).toEqual([]);
  });

  it('a finished run has nothing left to resume but trains on, and a classifier offers Classify', async () => {
    serve({ 'runs:get': detail({ id: 5, status: 'finished', step: 500, task: 'classify' }, { task: 'classify', train: { maxSteps: 500 } }) });
    render(RunDetailView, { id: 5, onclosed: () => {}, onopen: () => {} });
    const actions = await screen.findByRole('group', { name: 'What next for run 5' });
    expect(within(actions).queryByRole('button', { name: 'Resume' })).toBeNull();
    expect(within(actions).getByRole('button', { name: 'Train 500 more steps' })).toBeTruthy();
    await fireEvent.click(within(actions).getByRole('button', { name: 'Classify' }));
    expect(app.screen).toBe('classify');
  });

  it('shows the same actions on the Train screen once the followed run stops, and no more Pause or Stop', async () => {
    const running = detail({ id: 6, status: 'running', step: 120 });
    const stopped = detail({ id: 6, status: 'stopped', step: 140, checkpoints: [checkpoint(61, 6, 140, 'stop')] });
    serve({ 'runs:get': running, 'app:info': info, 'datasets:list': [corpus], 'runs:list': [] });
    await training.follow(6);
    render(TrainingMonitor);
    expect(screen.getByRole('button', { name: 'Stop' })).toBeTruthy();
    serve({ 'runs:get': stopped, 'app:info': info, 'datasets:list': [corpus], 'runs:list': [] });
    await emit('run:status', { runId: 6, status: 'stopped', error: null });
    const actions = await screen.findByRole('group', { name: 'What next for run 6' });
    expect(await within(actions).findByRole('button', { name: 'Train 140 more steps' })).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Stop' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Pause' })).toBeNull();
  });
});

describe('progress and charts', () => {
  it('claims speed and time left only while the run trains', async () => {
    serve({ 'runs:get': detail({ id: 6, status: 'running', step: 120 }), 'app:info': info, 'datasets:list': [corpus], 'runs:list': [] });
    await training.follow(6);
    render(TrainingMonitor);
    await emit('run:progress', { runId: 6, step: 130, totalSteps: 500, epoch: 0, loss: 1.4, charsPerSec: 119_898, etaSeconds: 1, lr: 0.002 });
    const bar = screen.getByRole('progressbar');
    expect(bar.getAttribute('aria-label')).toBe('step 130 / 500 · loss 1.400 · 119,898 chars/s · ETA 1s');
    await emit('run:status', { runId: 6, status: 'stopped', error: null });
    expect(bar.getAttribute('aria-label')).toBe('step 130 / 500 · loss 1.400');
  });

  it("names the loss by the task's unit, and a classifier's page after a generator's says per example", async () => {
    serve({ 'runs:get': ({ id }: { id: number }) => (id === 8 ? detail({ id: 8, task: 'classify' }, { task: 'classify' }) : detail({ id: 6 })), 'runs:list': [] });
    await training.follow(6);
    render(TrainingMonitor);
    const chart = chartOf(figure('loss (nats/char) by step'));
    expect(drawn.map((d) => d.text)).toContain('loss (nats/char)');
    await training.follow(8);
    await tick();
    expect(figure('loss (nats/example) by step')).toBeTruthy();
    expect(chartOf(figure('loss (nats/example) by step'))).toBe(chart); // the same chart, retitled
    expect((chart.options.scales!.y as { title: { text: string } }).title.text).toBe('loss (nats/example)');
    expect(drawn.map((d) => d.text)).toContain('loss (nats/example)');
  });

  it('draws accuracy on 0–1 with curves that never overshoot their points, and legends as lines', async () => {
    serve({ 'runs:get': detail({ id: 8, task: 'classify', evaluations: [evaluation(10, 0.815), evaluation(20, 0.825)] }, { task: 'classify' }), 'runs:list': [] });
    await training.follow(8);
    render(TrainingMonitor);
    const shares = chartOf(figure('share (0–1) by step'));
    expect(shares.scales.y.min).toBe(0);
    expect(shares.scales.y.max).toBe(1);
    for (const d of shares.data.datasets) expect(d.cubicInterpolationMode).toBe('monotone');
    const legend = shares.legend!.legendItems!;
    expect(legend.map((l) => [l.text, l.pointStyle, l.lineDash])).toEqual([
      ['accuracy', 'line', []],
      ['macro-F1', 'line', [6, 4]],
    ]);
  });

  it('marks a learning-rate change on the curve, live and on the run page, whose config tells its history', async () => {
    serve({ 'runs:get': detail({ id: 6, status: 'running', metrics: [point(6, 10), point(6, 20)] }), 'runs:list': [], 'runs:timeline': { entries: [] } });
    await training.follow(6);
    const monitor = render(TrainingMonitor);
    expect(figure('loss (nats/char) by step').getAttribute('data-marks')).toBe('0');
    await emit('run:metrics', { runId: 6, point: point(6, 30, 0.0005) });
    expect(figure('loss (nats/char) by step').getAttribute('data-marks')).toBe('1');
    expect(screen.getByText('Marked: lr 0.0005 from step 30')).toBeTruthy();
    expect(drawn.map((d) => d.text)).toContain('lr 0.0005'); // on the canvas, at its step
    monitor.unmount();

    serve({ 'runs:get': detail({ id: 6, metrics: [point(6, 10), point(6, 30, 0.0005), point(6, 60, 0.001)] }), 'runs:timeline': { entries: [] } });
    render(RunDetailView, { id: 6, onclosed: () => {}, onopen: () => {} });
    expect((await screen.findByTestId('lr-history')).textContent).toBe('0.002, then 0.0005 from step 30, then 0.001 from step 60');
    expect(screen.getByText('Marked: lr 0.0005 from step 30 · lr 0.001 from step 60')).toBeTruthy();
  });

  it('takes text and series colours from the theme, and takes them again when the theme changes', async () => {
    const root = document.documentElement.style;
    const set = (fg: string, border: string, first: string) => {
      root.setProperty('--fg', fg);
      root.setProperty('--border', border);
      root.setProperty('--series-1', first);
    };
    set('#1c2430', '#d9dee6', '#3b5bdb');
    chartTheme.refresh();
    serve({ 'runs:get': detail({ id: 6 }), 'runs:list': [] });
    await training.follow(6);
    render(TrainingMonitor);
    const chart = chartOf(figure('loss (nats/char) by step'));
    expect(drawn.find((d) => d.text === 'loss (nats/char)')!.colour).toBe('#1c2430');
    expect(chart.data.datasets[0].borderColor).toBe('#3b5bdb');

    drawn.length = 0;
    set('#e3e7ee', '#333a45', '#748ffc');
    document.documentElement.dataset.theme = 'dark';
    await waitFor(() => expect(chart.data.datasets[0].borderColor).toBe('#748ffc'));
    expect(drawn.filter((d) => d.text === 'loss (nats/char)').at(-1)!.colour).toBe('#e3e7ee'); // as last redrawn
    expect(Chart.defaults.borderColor).toBe('#333a45');
    delete document.documentElement.dataset.theme;
  });
});

describe('Runs: lineage and overlays', () => {
  const parent = detail({ id: 2, status: 'finished', step: 500 });
  const branch = detail({ id: 5, parentRunId: 2, parentCheckpointId: 21, parentStep: 400 });
  const classifier = detail({ id: 8, task: 'classify' }, { task: 'classify' });

  it('shows where a branch came from in the table, and on both runs’ pages', async () => {
    render(RunsTable, { runs: [summary(parent), summary(branch)], selected: [], openId: null, onselect: () => {}, onopen: () => {} });
    const row = screen.getByRole('button', { name: '#5' }).closest('tr')!;
    expect(within(row).getByText('#2 @ step 400')).toBeTruthy();

    app.runs = [summary(branch), summary(parent)];
    serve({ 'runs:get': ({ id }: { id: number }) => (id === 5 ? branch : parent), 'runs:timeline': { entries: [] } });
    const onopen = vi.fn();
    const page = render(RunDetailView, { id: 5, onclosed: () => {}, onopen });
    expect((await screen.findByTestId('lineage')).textContent!.replace(/\s+/g, ' ').trim()).toBe('Branched from run #2 at step 400.');
    await fireEvent.click(screen.getByRole('button', { name: 'run #2' }));
    expect(onopen).toHaveBeenCalledWith(2);
    page.unmount();

    render(RunDetailView, { id: 2, onclosed: () => {}, onopen });
    expect((await screen.findByTestId('lineage')).textContent!.replace(/\s+/g, ' ').trim()).toBe('Branches: #5 at step 400.');
  });

  it("overlays a generator's and a classifier's validation loss on charts of their own units", async () => {
    app.runs = [summary(classifier), summary(branch), summary(parent)];
    serve({ 'runs:metrics': { 2: parent.metrics, 8: classifier.metrics }, 'comparisons:list': [] });
    render(Runs);
    await fireEvent.click(screen.getByRole('checkbox', { name: 'Compare run 2' }));
    await fireEvent.click(screen.getByRole('checkbox', { name: 'Compare run 8' }));
    const overlay = screen.getByRole('region', { name: 'Compare runs' });
    await waitFor(() => expect(within(overlay).getAllByRole('figure').map((f) => f.getAttribute('aria-label'))).toEqual(['loss (nats/char) by step', 'loss (nats/example) by step']));
    expect(within(overlay).getByRole('heading', { name: 'Loss of 1 generator' })).toBeTruthy();
    expect(within(overlay).getByRole('heading', { name: 'Loss of 1 classifier' })).toBeTruthy();
  });
});

describe('Runs: the overlay chart', () => {
  // Runs 1, 3 and 9: 1 and 9 share a palette slot (8 colours), so the colour follows the id, wrapping round.
  const lstm = detail({ id: 1, metrics: [point(1, 10), point(1, 20), point(1, 40)] });
  const gru = detail({ id: 3, metrics: [point(3, 10), point(3, 20)] }, { model: { cell: 'gru', layers: 2, units: 128 } });
  const rnn = detail({ id: 9, metrics: [point(9, 20)] }, { model: { cell: 'rnn', layers: 1, units: 64 } });
  const bi = detail({ id: 4, task: 'classify' }, { task: 'classify', model: { cell: 'lstm', bidirectional: true, layers: 1, units: 32 } });
  const metrics = { 1: lstm.metrics, 3: gru.metrics, 9: rnn.metrics, 4: bi.metrics };
  const overlayChart = () => chartOf(within(screen.getByRole('region', { name: 'Compare runs' })).getByRole('figure', { name: 'loss (nats/char) by step' }));
  const colourOf = (chart: Chart<'line'>, label: string) => chart.data.datasets.find((d) => d.label === label)!.borderColor;
  const tickRun = (id: number) => fireEvent.click(screen.getByRole('checkbox', { name: `Compare run ${id}` }));

  beforeEach(() => {
    const root = document.documentElement.style;
    ['#3b5bdb', '#e8590c', '#2b8a3e', '#ae3ec9', '#1098ad', '#f08c00', '#c92a2a', '#5c940d'].forEach((c, i) => root.setProperty(`--series-${i + 1}`, c));
    app.runs = [summary(rnn), summary(bi), summary(gru), summary(lstm)];
    serve({ 'runs:metrics': ({ ids }: { ids: number[] }) => Object.fromEntries(ids.map((id) => [id, metrics[id as keyof typeof metrics]])), 'comparisons:list': [], 'runs:get': ({ id }: { id: number }) => [lstm, gru, rnn, bi].find((r) => r.id === id), 'runs:timeline': { entries: [] } });
  });

  it('names each run by its configuration, one way everywhere', () => {
    expect(runName(gru)).toBe('#3 GRU 2×128');
    expect(runName(rnn)).toBe('#9 SimpleRNN 1×64');
    expect(runName(bi)).toBe('#4 LSTM bidirectional 1×32');
    expect(describeConfig(gru.config)).toMatch(/^GRU 2×128 · /);
  });

  it('legends each run by name once, with its validation solid and its training dashed in the same colour', async () => {
    render(Runs);
    await tickRun(1);
    await tickRun(3);
    await waitFor(() => expect(overlayChart().data.datasets.map((d) => d.data.length)).toEqual([2, 3, 1, 2])); // validation every 20 steps, training at each
    const chart = overlayChart();
    expect(chart.data.datasets.map((d) => [d.label, d.borderColor, d.borderDash])).toEqual([
      ['#1 LSTM 2×128', '#3b5bdb', []],
      ['#1 LSTM 2×128 training', '#3b5bdb', [6, 4]],
      ['#3 GRU 2×128', '#2b8a3e', []],
      ['#3 GRU 2×128 training', '#2b8a3e', [6, 4]],
    ]);
    expect(chart.legend!.legendItems!.map((l) => l.text)).toEqual(['#1 LSTM 2×128', '#3 GRU 2×128']);
    expect(drawn.map((d) => d.text)).toContain('#3 GRU 2×128'); // on the canvas
    expect(drawn.map((d) => d.text)).not.toContain('#3 GRU 2×128 training');
    expect(screen.getByTestId('overlay-key').textContent).toBe('Solid: validation loss · dashed: training loss');
  });

  it('keeps each run’s colour, in the chart and the table’s swatch, when others are ticked or unticked', async () => {
    render(Runs);
    await tickRun(3);
    await tickRun(9);
    await waitFor(() => expect(overlayChart().data.datasets).toHaveLength(4));
    expect(colourOf(overlayChart(), '#3 GRU 2×128')).toBe('#2b8a3e');
    expect(colourOf(overlayChart(), '#9 SimpleRNN 1×64')).toBe('#3b5bdb'); // id 9 wraps round to the first colour
    await tickRun(1); // ticked after 3 and 9, listed first in neither: nobody is recoloured
    await waitFor(() => expect(overlayChart().data.datasets).toHaveLength(6));
    expect(colourOf(overlayChart(), '#3 GRU 2×128')).toBe('#2b8a3e');
    expect(colourOf(overlayChart(), '#1 LSTM 2×128')).toBe('#3b5bdb');
    await tickRun(9);
    await waitFor(() => expect(overlayChart().data.datasets).toHaveLength(4));
    expect(colourOf(overlayChart(), '#3 GRU 2×128')).toBe('#2b8a3e');
    expect(screen.getByTestId('swatch-3').style.background).toBe('var(--series-3)');
    expect(screen.getByTestId('swatch-1').style.background).toBe('var(--series-1)');
    expect(screen.queryByTestId('swatch-9')).toBeNull(); // unticked: no swatch
  });

  it('smooths the training curves as chosen and leaves validation raw', async () => {
    render(Runs);
    await tickRun(1);
    await tickRun(3);
    await waitFor(() => expect(overlayChart().data.datasets).toHaveLength(4));
    const raw = trainCurve(lstm.metrics);
    expect(overlayChart().data.datasets[1].data).toEqual(raw);
    await fireEvent.change(screen.getByRole('combobox', { name: 'Smoothing of the training curves' }), { target: { value: 'strong' } });
    await waitFor(() => expect(overlayChart().data.datasets[1].data).toEqual(smoothCurve(raw, 0.9)));
    expect(overlayChart().data.datasets[1].data).not.toEqual(raw);
    expect(overlayChart().data.datasets[0].data).toEqual(validationCurve(lstm.metrics));
    expect(screen.getByTestId('overlay-key').textContent).toBe('Solid: validation loss · dashed: training loss, smoothed (strong)');
  });

  it('scrolls an opened run into view once it renders, and not again when the same run reloads', async () => {
    const scrolled: Array<{ label: string | null; options: unknown }> = [];
    HTMLElement.prototype.scrollIntoView = function (this: HTMLElement, options?: unknown) {
      scrolled.push({ label: this.getAttribute('aria-label'), options });
    };
    try {
      render(Runs);
      await fireEvent.click(screen.getByRole('button', { name: '#3' }));
      await screen.findByRole('region', { name: 'Run 3' });
      await waitFor(() => expect(scrolled).toEqual([{ label: 'Run 3', options: { block: 'start' } }]));
      app.runs = app.runs.slice(); // a status moved: the page reloads
      await tick();
      await new Promise((r) => setTimeout(r, 20));
      expect(scrolled).toHaveLength(1);
      await fireEvent.click(screen.getByRole('button', { name: '#1' }));
      await waitFor(() => expect(scrolled.map((s) => s.label)).toEqual(['Run 3', 'Run 1']));
    } finally {
      delete (HTMLElement.prototype as Partial<HTMLElement>).scrollIntoView;
    }
  });
});

describe('smoothCurve', () => {
  const curve = [4, 2, 2, 6].map((y, x) => ({ x, y }));
  it('is the debiased exponential moving average TensorBoard draws', () => {
    // weight 0.5: running averages 2, 2, 2, 4 over weight sums 0.5, 0.75, 0.875, 0.9375.
    const smoothed = smoothCurve(curve, 0.5);
    expect(smoothed.map((p) => p.x)).toEqual([0, 1, 2, 3]);
    expect(smoothed.map((p) => p.y)).toEqual([4, 8 / 3, 2 / 0.875, 4 / 0.9375].map((y) => expect.closeTo(y, 12)));
    expect(smoothed[0].y).toBe(4); // the first point is itself, not pulled towards 0
  });
  it('returns the curve unchanged when off, and passes a non-finite value through without it entering the average', () => {
    expect(smoothCurve(curve, smoothingWeight('off'))).toEqual(curve);
    const gap = smoothCurve([{ x: 0, y: 1 }, { x: 1, y: Number.NaN }, { x: 2, y: 3 }], 0.5);
    expect(gap[1].y).toBeNaN();
    expect(gap[2].y).toBeCloseTo((0.25 * 1 + 0.5 * 3) / 0.75, 12);
  });
  it('refuses a weight outside [0, 1) by name', () => {
    expect(() => smoothCurve(curve, 1)).toThrow('smoothing weight must be at least 0 and below 1, not 1');
    expect(() => smoothCurve(curve, -0.1)).toThrow(/smoothing weight/);
  });
  it('offers off, light and strong, strong smoothing more', () => {
    expect(SMOOTHING.map((s) => s.name)).toEqual(['off', 'light', 'strong']);
    expect(smoothingWeight('strong')).toBeGreaterThan(smoothingWeight('light'));
  });
});

describe('the engine in words', () => {
  it('names the engine a run trains on for people, keeping its technical notes for hover', async () => {
    serve({ 'runs:get': detail({ id: 6, status: 'created', step: 0 }), 'runs:list': [] });
    await training.follow(6);
    render(TrainingMonitor);
    const kernels = 'recurrent layers and large matrix products on native avx512 kernels on 2 threads';
    await emit('run:ready', { runId: 6, backend: 'wasm', parameters: 1000, totalSteps: 500, startStep: 0, notes: [kernels, 'characters it never saw read as unknown'], engine: { kernels: 'avx512', threads: 2 }, engineNotes: [kernels] });
    const engine = screen.getByText('on the fast engine · 2 cores');
    expect(engine.getAttribute('title')).toBe(`native avx512 kernels on 2 threads; TensorFlow.js wasm backend\n${kernels}`);
    expect(screen.getByText('characters it never saw read as unknown')).toBeTruthy();
    expect(screen.queryByText(kernels)).toBeNull();
  });
});

describe('the footer', () => {
  it('says what the engine is for people, with the details on hover', async () => {
    serve({ 'app:info': info, 'datasets:list': [corpus], 'runs:list': [], 'comparisons:list': [] });
    app.screen = 'runs';
    render(App);
    const engine = await screen.findByTestId('backend');
    await waitFor(() => expect(engine.textContent).toBe('Engine: fast engine · 2 cores'));
    expect(engine.getAttribute('title')).toBe('native avx512 kernels on 2 threads; TensorFlow.js wasm backend');
  });
});
