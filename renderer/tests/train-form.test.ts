// The Train form as a first-time user meets it, against a mocked core: Basic (cell, size, how long) or
// Advanced (every field) over the same values, the choice kept; a size that is no preset shows as Custom;
// a classifier's max length drawn from its data, said beside it, never overwriting what the user typed;
// the whole run's time, not only an epoch's; and help in plain words.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { render, screen, fireEvent, waitFor, within } from '@testing-library/svelte';
import { tick } from 'svelte';
import { ApiError, type Channel, type RunEstimate } from '../../shared/api.ts';
import { CONFIG_FIELDS } from '../../shared/config-fields.ts';
import type { RunConfigInput } from '../../shared/config.ts';
import type { Dataset, LengthStats } from '../../shared/types.ts';

const mock = vi.hoisted(() => ({ invoke: vi.fn() }));
vi.mock('../src/lib/api.ts', async () => (await import('./api-mock.ts')).fakeApi(mock));

const { default: Train } = await import('../src/screens/Train.svelte');
const { VIEW_KEY } = await import('../src/components/RunSettings.svelte');
const { app } = await import('../src/state/app.svelte.ts');
const { training } = await import('../src/state/training.svelte.ts');

const base: Omit<Dataset, 'id' | 'name' | 'kind' | 'lengths'> = {
  sourcePath: '/d', sha256: '', bytes: 1000, chars: 1000, files: 1, distinctChars: 40, charsetSize: 40, maxCharset: 256, unknownChars: 0, encoding: 'utf-8',
  format: 'text', examples: null, labels: null, createdAt: '',
};
const corpus: Dataset = { ...base, id: 1, name: 'corpus', kind: 'text', lengths: null };
const labelled = (id: number, name: string, lengths: LengthStats): Dataset => ({
  ...base, id, name, kind: 'labelled', format: 'csv', examples: 100, labels: [{ label: 'a', count: 50 }, { label: 'b', count: 50 }], lengths,
});
const names = labelled(2, 'names', { min: 2, median: 6, p90: 11, p95: 14, max: 23, mean: 6.4 });
const reviews = labelled(3, 'reviews', { min: 20, median: 180, p90: 400, p95: 520, max: 3000, mean: 210 });
/** Imported before p95 was recorded. */
const older = labelled(4, 'older', { min: 3, median: 7, p90: 12, max: 30, mean: 7.5 });

const estimate: RunEstimate = {
  parameters: 250_000, trainChars: 900, ratio: 277, advice: 'More parameters than characters.', memoryBytes: 50e6, stepsPerEpoch: 300, secondsPerStep: 0.05,
  secondsPerEpoch: 15, totalSteps: 3000, totalEpochs: 10, totalSeconds: 150, charsPerSec: 40_000, backend: 'wasm',
};

function serve(replies: Partial<Record<Channel, unknown>>) {
  mock.invoke.mockImplementation(async (channel: Channel) => {
    if (!(channel in replies)) throw new ApiError('not-found', `no mock for ${channel}`);
    return structuredClone(replies[channel]);
  });
}
const calls = (channel: Channel) => mock.invoke.mock.calls.filter((c) => c[0] === channel).map((c) => c[1] as { config: RunConfigInput });
const radio = (name: string | RegExp) => screen.getByRole('radio', { name }) as HTMLInputElement;
const spin = (name: string | RegExp) => screen.getByRole('spinbutton', { name }) as HTMLInputElement;
const view = async (name: 'Basic' | 'Advanced') => fireEvent.click(radio(name));
const chooseDataset = async (d: Dataset) => fireEvent.change(screen.getByRole('combobox', { name: 'Dataset' }), { target: { value: String(d.id) } });

beforeEach(() => {
  mock.invoke.mockReset();
  localStorage.clear();
  Object.assign(app, { screen: 'train', datasets: [corpus, names, reviews, older], selectedDatasetId: 1, selectedRunId: null, runs: [] });
  Object.assign(training, { runId: null, status: null, run: null, progress: null, metrics: [], samples: [], evaluations: [], notes: [], error: null, task: 'generate' });
});

describe('Basic and Advanced', () => {
  it('opens on Basic: the cell, a size and how long, each said in plain words', () => {
    render(Train);
    expect(radio('Basic').checked).toBe(true);
    const basic = screen.getByRole('group', { name: 'Basic settings' });
    const cells = within(basic).getByRole('group', { name: 'Cell' });
    expect(within(cells).getAllByRole('radio').map((r) => r.closest('label')!.textContent!.replace(/\s+/g, ' ').trim())).toEqual([
      'LSTM remembers longest; the usual choice',
      'GRU lighter and a little faster; often as good',
      'SimpleRNN the plainest: fast, but forgets after a few characters',
    ]);
    expect(radio(/^LSTM/).checked).toBe(true);
    const sizes = within(basic).getByRole('group', { name: 'Size' });
    expect(within(sizes).getAllByRole('radio').map((r) => r.closest('label')!.querySelector('strong')!.textContent)).toEqual(['Small', 'Medium', 'Large']);
    expect(radio(/^Medium 2 layers of 128 units/).checked).toBe(true); // the defaults are Medium
    expect(spin(/How long, in passes over your data/).value).toBe('10');
    expect(screen.queryByRole('spinbutton', { name: /Units/ })).toBeNull();
  });

  it('keeps the values when switching, and Advanced shows every field', async () => {
    render(Train);
    await fireEvent.click(radio(/^GRU/));
    await fireEvent.click(radio(/^Small/));
    await fireEvent.input(spin(/How long/), { target: { value: '3' } });
    await view('Advanced');
    const advanced = screen.getByRole('group', { name: 'Model and training settings' });
    const formFields = CONFIG_FIELDS.filter((f) => f.form !== false && f.task !== 'classify');
    expect(formFields.every((f) => within(advanced).getAllByText(f.label).length > 0)).toBe(true);
    expect((screen.getByRole('combobox', { name: 'Cell' }) as HTMLSelectElement).value).toBe('gru');
    expect([spin(/Layers/).value, spin(/Units/).value, spin(/Embedding/).value, spin(/Epochs/).value]).toEqual(['1', '64', '32', '3']);
    await fireEvent.input(spin(/Learning rate/), { target: { value: '0.01' } });
    await view('Basic');
    expect(radio(/^GRU/).checked).toBe(true);
    expect(radio(/^Small/).checked).toBe(true);
    await view('Advanced');
    expect(spin(/Learning rate/).value).toBe('0.01');
  });

  it('remembers the view chosen', async () => {
    const first = render(Train);
    await view('Advanced');
    expect(localStorage.getItem(VIEW_KEY)).toBe('advanced');
    first.unmount();
    render(Train);
    expect(radio('Advanced').checked).toBe(true);
    expect(spin(/Units/)).toBeVisible();
  });

  it('shows a size that is no preset as Custom, and a preset chosen replaces it', async () => {
    render(Train);
    await view('Advanced');
    await fireEvent.input(spin(/Units/), { target: { value: '200' } });
    await view('Basic');
    const custom = radio(/^Custom/);
    expect(custom.checked).toBe(true);
    expect(custom.closest('label')!.textContent).toMatch(/2 layers of 200 units, embedding 64/);
    expect(screen.getAllByRole('radio', { checked: true }).map((r) => r.getAttribute('value'))).not.toContain('medium');
    await fireEvent.click(radio(/^Large/));
    expect(screen.queryByRole('radio', { name: /^Custom/ })).toBeNull();
    await view('Advanced');
    expect([spin(/Layers/).value, spin(/Units/).value, spin(/Embedding/).value]).toEqual(['3', '256', '128']);
  });
});

describe('defaults drawn from the data', () => {
  const maxLen = () => spin(/Max length/);

  it("takes a classifier's max length from 95% of its texts and says so beside the field", async () => {
    app.selectedDatasetId = names.id;
    render(Train);
    expect(screen.getByTestId('from-data').textContent).toBe('from your data: 95% of texts are ≤ 14 characters');
    await view('Advanced');
    expect(maxLen().value).toBe('14');
    expect(within(maxLen().closest('label')!).getByTestId('from-data').textContent).toMatch(/95% of texts are ≤ 14 characters/);
    await chooseDataset(reviews);
    expect(maxLen().value).toBe('520');
    await chooseDataset(older); // recorded before p95: its p90
    expect(maxLen().value).toBe('12');
    expect(screen.getByTestId('from-data').textContent).toBe('from your data: 90% of texts are ≤ 12 characters');
  });

  it('never overwrites a value the user typed when the dataset changes', async () => {
    app.selectedDatasetId = names.id;
    serve({ 'runs:start': {} });
    render(Train);
    await view('Advanced');
    await fireEvent.input(maxLen(), { target: { value: '40' } });
    await chooseDataset(reviews);
    expect(maxLen().value).toBe('40');
    expect(screen.getByTestId('from-data').textContent).toMatch(/≤ 520 characters/); // what the data says is still said
    await fireEvent.click(screen.getByRole('button', { name: 'Start training' }));
    await waitFor(() => expect(calls('runs:start')).toHaveLength(1));
    expect(calls('runs:start')[0].config.train).toMatchObject({ maxLen: 40 });
  });

  it('a text corpus draws nothing: its settings keep their defaults', () => {
    render(Train);
    expect(screen.queryByTestId('from-data')).toBeNull();
  });
});

describe('the whole run’s time', () => {
  it('is shown beside how long and in the estimate, and follows the length without measuring again', async () => {
    serve({ 'runs:estimate': estimate });
    render(Train);
    expect(screen.getByTestId('run-time').textContent).toMatch(/Estimate size and time/);
    await fireEvent.click(screen.getByRole('button', { name: 'Estimate size and time' }));
    const whole = await screen.findByTestId('whole-run');
    expect(whole.textContent!.trim()).toBe('3,000 steps (10 passes) ≈ 2m 30s');
    expect(screen.getByRole('region', { name: 'Estimate' }).textContent).toMatch(/One pass over the data\s*300 steps ≈ 15s/);
    expect(screen.getByTestId('run-time').textContent!.trim()).toBe('≈ 3,000 steps · about 2m 30s on this machine');

    await fireEvent.input(spin(/How long/), { target: { value: '4' } });
    expect(screen.getByTestId('whole-run').textContent!.trim()).toBe('1,200 steps (4 passes) ≈ 1m 00s');
    expect(screen.getByTestId('run-time').textContent!.trim()).toBe('≈ 1,200 steps · about 1m 00s on this machine');

    // Counted in steps: the same length, then 450 steps are one and a half passes.
    await fireEvent.change(screen.getByRole('combobox', { name: 'Counted in' }), { target: { value: 'steps' } });
    expect(spin(/How long, in steps/).value).toBe('1200');
    await fireEvent.input(spin(/How long, in steps/), { target: { value: '450' } });
    expect(screen.getByTestId('whole-run').textContent!.trim()).toBe('450 steps (1.5 passes) ≈ 23s');
    expect(screen.getByTestId('run-time').textContent!.trim()).toBe('≈ 1.5 passes · about 23s on this machine');
    expect(calls('runs:estimate')).toHaveLength(1);

    // Emptied to type anew: still counted in steps, and no run starts without a number.
    await fireEvent.input(spin(/How long, in steps/), { target: { value: '' } });
    expect(screen.getByRole('alert').textContent).toBe('How long: required');
    expect((screen.getByRole('button', { name: 'Start training' }) as HTMLButtonElement).disabled).toBe(true);
    await fireEvent.input(spin(/How long, in steps/), { target: { value: '600' } });

    // A bigger model costs more per step: the last measure no longer holds.
    await fireEvent.click(radio(/^Large/));
    await tick();
    expect(screen.queryByTestId('whole-run')).toBeNull();
    expect(screen.getByTestId('run-time').textContent).toMatch(/Estimate size and time/);
  });

  it("says a classifier's run may end sooner when it stops early", async () => {
    app.selectedDatasetId = names.id;
    serve({ 'runs:estimate': estimate });
    render(Train);
    await fireEvent.click(screen.getByRole('button', { name: 'Estimate size and time' }));
    expect((await screen.findByTestId('whole-run')).textContent).toMatch(/≈ 2m 30s, or less if it stops early$/);
    expect(calls('runs:estimate')[0].config.train).toMatchObject({ maxLen: 14 });
  });
});

describe('help in plain words', () => {
  it('says what each setting does for someone who has never trained a network', async () => {
    render(Train);
    await view('Advanced');
    const form = screen.getByRole('group', { name: 'Model and training settings' });
    expect(form.textContent).not.toMatch(/windows per step|hidden units|global norm|Adam|validation loss|epochs without/i);
    expect(within(spin(/Batch/).closest('label')!).getByText(/how many pieces of text the model learns from at once/)).toBeTruthy();
  });
});
