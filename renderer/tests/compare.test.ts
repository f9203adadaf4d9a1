// Compare cells and the timeline, against a mocked API: what the dialog asks the core for, what the
// comparison shows as its runs queue, train and end, and the timeline oldest first.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { render, screen, fireEvent, waitFor } from '@testing-library/svelte';
import { ApiError, type ApiEvents, type EventName } from '../../shared/api.ts';
import type { ComparedRun, CompareReply, TimelineReply } from '../../shared/inspect.ts';
import type { RunConfigInput } from '../../shared/config.ts';

const mock = vi.hoisted(() => ({ invoke: vi.fn(), listeners: new Map<string, Set<(payload: unknown) => void>>() }));
vi.mock('../src/lib/api.ts', async () => (await import('./api-mock.ts')).fakeApi(mock));
function emit<E extends EventName>(event: E, payload: ApiEvents[E]) {
  for (const l of mock.listeners.get(event) ?? []) l(payload);
}

const { default: CompareDialog } = await import('../src/components/CompareDialog.svelte');
const { default: CompareTable } = await import('../src/components/CompareTable.svelte');
const { default: CompareView } = await import('../src/components/CompareView.svelte');
const { default: Timeline } = await import('../src/components/Timeline.svelte');

beforeEach(() => {
  mock.invoke.mockReset();
  mock.listeners.clear();
});

const config: RunConfigInput = { task: 'generate', model: { cell: 'lstm', layers: 1, units: 32, embedding: 16 }, train: { batch: 16, seqLen: 32, maxSteps: 200, seed: 3 } };

function compared(runId: number | null, cell: ComparedRun['cell'], more: Partial<ComparedRun> = {}): ComparedRun {
  return {
    runId, cell, bidirectional: false, units: 32, parameters: 10_000, status: 'finished', error: null, step: 30, totalSteps: 30,
    valLoss: 2.0794, bitsPerChar: 3, charsPerSec: 12_345, sample: null, ...more,
  };
}
function comparison(runs: ComparedRun[], more: Partial<CompareReply> = {}): CompareReply {
  return {
    comparisonId: 4, datasetId: 1, task: 'generate', budget: 10_000, prime: 'The ', seed: 3, sampleLength: 200, temperature: 0.8, runs,
    state: 'running', note: null, done: false, createdAt: '', ...more,
  };
}

describe('CompareDialog', () => {
  it('ticks all three cells by default and sends the chosen cells, steps and the form config', async () => {
    const reply = comparison([compared(1, 'rnn', { status: 'running' }), compared(null, 'lstm', { status: 'not started' })]);
    mock.invoke.mockResolvedValue(reply);
    const oncompared = vi.fn();
    render(CompareDialog, { datasetId: 3, datasetName: 'corpus', config, labelled: false, oncompared, onclose: () => {} });
    expect(screen.getByRole('dialog', { name: 'Compare cells on corpus' })).toBeTruthy();
    for (const name of ['SimpleRNN', 'LSTM', 'GRU']) expect((screen.getByRole('checkbox', { name }) as HTMLInputElement).checked).toBe(true);
    expect(screen.queryByRole('checkbox', { name: /bidirectional/ })).toBeNull(); // a generator reads left to right
    expect((screen.getByRole('spinbutton', { name: 'Steps per run' }) as HTMLInputElement).value).toBe('200'); // the form's max steps
    await fireEvent.click(screen.getByRole('checkbox', { name: 'GRU' }));
    await fireEvent.input(screen.getByRole('spinbutton', { name: 'Steps per run' }), { target: { value: '40' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Compare 2 runs' }));
    await waitFor(() => expect(oncompared).toHaveBeenCalledWith(reply));
    expect(mock.invoke).toHaveBeenCalledExactlyOnceWith('runs:compare', { datasetId: 3, cells: ['rnn', 'lstm'], steps: 40, config });
  });

  it('compares a labelled dataset one-way and bidirectional by default, doubling the runs; unticked, one-way only', async () => {
    mock.invoke.mockResolvedValue(comparison([], { task: 'classify' }));
    const oncompared = vi.fn();
    const classify: RunConfigInput = { task: 'classify', model: { cell: 'gru' }, train: {} };
    render(CompareDialog, { datasetId: 5, datasetName: 'spam', config: classify, labelled: true, oncompared, onclose: () => {} });
    expect((screen.getByRole('checkbox', { name: 'also bidirectional' }) as HTMLInputElement).checked).toBe(true);
    await fireEvent.click(screen.getByRole('button', { name: 'Compare 6 runs' }));
    await waitFor(() => expect(oncompared).toHaveBeenCalled());
    expect(mock.invoke).toHaveBeenCalledWith('runs:compare', { datasetId: 5, cells: ['rnn', 'lstm', 'gru'], steps: 500, config: classify, bidirectional: true });
    await fireEvent.click(screen.getByRole('checkbox', { name: 'also bidirectional' }));
    await fireEvent.click(screen.getByRole('button', { name: 'Compare 3 runs' }));
    expect(mock.invoke).toHaveBeenLastCalledWith('runs:compare', { datasetId: 5, cells: ['rnn', 'lstm', 'gru'], steps: 500, config: classify, bidirectional: false });
  });

  it('says inline what is wrong, and shows the core refusal without closing', async () => {
    mock.invoke.mockRejectedValue(new ApiError('bad-input', 'no number of units gives a rnn within 5% of the budget'));
    const oncompared = vi.fn();
    render(CompareDialog, { datasetId: 3, datasetName: 'corpus', config, labelled: false, oncompared, onclose: () => {} });
    for (const name of ['SimpleRNN', 'LSTM', 'GRU']) await fireEvent.click(screen.getByRole('checkbox', { name }));
    expect(screen.getByRole('alert').textContent).toBe('Tick at least one cell.');
    expect((screen.getByRole('button', { name: /^Compare/ }) as HTMLButtonElement).disabled).toBe(true);
    await fireEvent.click(screen.getByRole('checkbox', { name: 'LSTM' }));
    await fireEvent.input(screen.getByRole('spinbutton', { name: 'Steps per run' }), { target: { value: '0' } });
    expect(screen.getByRole('alert').textContent).toMatch(/Steps per run: a whole number of at least 1/);
    await fireEvent.input(screen.getByRole('spinbutton', { name: 'Steps per run' }), { target: { value: '30' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Compare 1 run' }));
    await waitFor(() => expect(screen.getByRole('alert').textContent).toMatch(/within 5% of the budget/));
    expect(oncompared).not.toHaveBeenCalled();
  });
});

describe('CompareTable', () => {
  const rows = () => [...screen.getByRole('table', { name: 'Compared runs' }).querySelectorAll('tbody tr')].map((r) => [...r.children].map((c) => c.textContent!.trim()));

  it('shows each cell with units, parameters, losses, speed and status; runs not started yet are queued', () => {
    const onopen = vi.fn();
    render(CompareTable, {
      state: 'running',
      onopen,
      runs: [
        compared(7, 'rnn', { units: 61, parameters: 10_230 }),
        compared(8, 'lstm', { units: 32, parameters: 10_000, status: 'running', valLoss: null, bitsPerChar: null, charsPerSec: null, step: 12 }),
        compared(null, 'gru', { units: 37, parameters: 9_870, status: 'not started', valLoss: null, bitsPerChar: null, charsPerSec: null, step: 0 }),
      ],
    });
    expect(rows()).toEqual([
      ['#7', 'SimpleRNN', 'no', '61', '10,230', '2.079', '3.000', '12,345', '30 / 30', 'finished'],
      ['#8', 'LSTM', 'no', '32', '10,000', '–', '–', '–', '12 / 30', 'running'],
      ['–', 'GRU', 'no', '37', '9,870', '–', '–', '–', '0 / 30', 'queued'],
    ]);
    void fireEvent.click(screen.getByRole('button', { name: 'Open run 8' }));
    expect(onopen).toHaveBeenCalledWith(8);
  });

  it('says "not started" rather than queued once the comparison was halted', () => {
    render(CompareTable, { state: 'halted', runs: [compared(null, 'gru', { status: 'not started', bidirectional: true })] });
    expect(rows()[0]).toEqual(['–', 'GRU', 'yes', '32', '10,000', '2.079', '3.000', '12,345', '30 / 30', 'not started']);
  });
});

describe('CompareView', () => {
  it('overlays the runs’ validation curves, live, and shows their samples side by side once they end', async () => {
    let reply = comparison([compared(7, 'rnn', { status: 'running', sample: null }), compared(null, 'lstm', { status: 'not started' })]);
    mock.invoke.mockImplementation(async (channel: string, req: { ids?: number[] }) => {
      if (channel === 'comparisons:get') return reply;
      if (channel === 'runs:metrics') return Object.fromEntries(req.ids!.map((id) => [id, [{ step: 10, trainLoss: 3, valLoss: 3.2, lr: 0.002, time: '' }]]));
      throw new Error(`unexpected ${channel}`);
    });
    render(CompareView, { id: 4 });
    const chart = await screen.findByTestId('compare-chart');
    await waitFor(() => expect(chart.dataset.series).toBe('1'));
    expect(mock.invoke).toHaveBeenCalledWith('comparisons:get', { id: 4 });
    expect(mock.invoke).toHaveBeenCalledWith('runs:metrics', { ids: [7] });
    expect(screen.getByTestId('comparison-status').textContent).toBe('training');
    expect(screen.getByText('Queued.')).toBeTruthy();

    // The first run ends, the second starts and logs its first validation point.
    reply = comparison(
      [compared(7, 'rnn', { sample: 'The quick' }), compared(8, 'lstm', { status: 'running', sample: null })],
      { state: 'running' },
    );
    emit('run:status', { runId: 7, status: 'finished', error: null });
    await waitFor(() => expect(screen.getByTestId('compare-sample').textContent).toBe('The quick'));
    await waitFor(() => expect(chart.dataset.series).toBe('2'));
    emit('run:metrics', { runId: 8, point: { step: 20, trainLoss: 2.5, valLoss: 2.7, lr: 0.002, time: '' } as never });
    await waitFor(() => expect(chart.querySelector('figure')!.dataset.points).toBe('3'));
  });

  it('says why a halted comparison stopped', async () => {
    mock.invoke.mockImplementation(async (channel: string) =>
      channel === 'comparisons:get'
        ? comparison([compared(7, 'rnn', { status: 'failed', error: 'out of memory' })], { state: 'halted', done: true, note: 'run 7 (the rnn) failed: out of memory' })
        : {},
    );
    render(CompareView, { id: 4 });
    expect((await screen.findByRole('alert')).textContent).toBe('SimpleRNN #7 failed: out of memory');
    expect(screen.getByRole('status').textContent).toMatch(/run 7 \(the rnn\) failed/);
    expect(screen.getByTestId('comparison-status').textContent).toBe('halted');
  });

  it('continues a halted comparison in one click', async () => {
    const halted = comparison([compared(7, 'rnn', { status: 'stopped' }), compared(null, 'gru', { status: 'not started' })], { state: 'halted', done: true, note: 'run 7 (the rnn) was stopped' });
    const running = comparison([compared(7, 'rnn', { status: 'running' }), compared(null, 'gru', { status: 'not started' })], { state: 'running', done: false, note: null });
    mock.invoke.mockImplementation(async (channel: string) => (channel === 'comparisons:get' ? halted : channel === 'comparisons:continue' ? running : {}));
    render(CompareView, { id: 4 });
    await fireEvent.click(await screen.findByRole('button', { name: 'Continue the comparison' }));
    expect(mock.invoke).toHaveBeenCalledWith('comparisons:continue', { id: 4 });
    await waitFor(() => expect(screen.getByTestId('comparison-status').textContent).toBe('training'));
    expect(screen.queryByRole('button', { name: 'Continue the comparison' })).toBeNull();
  });
});

describe('Timeline', () => {
  const timeline = (prime: string, seed: number): TimelineReply => ({
    runId: 7, prime, seed, length: 40, temperature: 0.8,
    entries: [
      { step: 300, source: 'checkpoint', checkpointId: 3, valLoss: 1.6, text: `${prime}the king said` },
      { step: 10, source: 'training', checkpointId: null, valLoss: 3.9, text: `${prime}xq zt;e` },
      { step: 100, source: 'checkpoint', checkpointId: 2, valLoss: 2.4, text: `${prime}tha kin sa` },
    ],
  });

  it('lists the samples oldest first beside their validation loss, and regenerates at a prime and seed', async () => {
    mock.invoke.mockImplementation(async (_channel: string, req: { prime?: string; seed?: number }) => timeline(req.prime ?? 'The ', req.seed ?? 1));
    render(Timeline, { runId: 7 });
    const list = await screen.findByRole('list', { name: 'Timeline of run 7' });
    expect(mock.invoke).toHaveBeenCalledWith('runs:timeline', { runId: 7 });
    const items = () => [...list.querySelectorAll('li')].map((li) => [li.querySelector('strong')!.textContent, li.querySelector('pre')!.textContent]);
    expect(items()).toEqual([
      ['step 10', 'The xq zt;e'],
      ['step 100', 'The tha kin sa'],
      ['step 300', 'The the king said'],
    ]);
    expect(list.textContent).toContain('val. loss 3.900');
    await fireEvent.input(screen.getByRole('textbox', { name: 'Prime' }), { target: { value: 'Once ' } });
    await fireEvent.input(screen.getByRole('spinbutton', { name: 'Seed' }), { target: { value: '42' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Regenerate' }));
    await waitFor(() => expect(items()[0][1]).toBe('Once xq zt;e'));
    expect(mock.invoke).toHaveBeenLastCalledWith('runs:timeline', { runId: 7, prime: 'Once ', seed: 42 });
  });

  it('shows the core refusal inline', async () => {
    mock.invoke.mockRejectedValue(new ApiError('bad-input', 'run 7 is a classifier: only generators have a timeline'));
    render(Timeline, { runId: 7 });
    expect((await screen.findByRole('alert')).textContent).toMatch(/only generators have a timeline/);
  });
});
