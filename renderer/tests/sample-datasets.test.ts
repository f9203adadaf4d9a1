// The Sample and Datasets screens against a mocked API, as a user meets them: a refused prime keeps the
// last good text (and Copy copies it), history rows say what each sample was asked and can be reused,
// temperatures side by side at one prime and seed, each dataset's kind, and renaming a dataset.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { render, screen, fireEvent, waitFor, within } from '@testing-library/svelte';
import { ApiError, type ApiEvents, type EventName } from '../../shared/api.ts';
import { RunConfigSchema, SampleParamsSchema } from '../../shared/config.ts';
import type { CheckpointRecord, Dataset, DatasetDetail, RunSummary, SampleRecord } from '../../shared/types.ts';
import { COMPARED_TEMPERATURES } from '../src/lib/temperatures.ts';

const mock = vi.hoisted(() => ({ invoke: vi.fn(), listeners: new Map<string, Set<(payload: unknown) => void>>() }));
vi.mock('../src/lib/api.ts', async () => (await import('./api-mock.ts')).fakeApi(mock, { uploadFiles: vi.fn() }));
function emit<E extends EventName>(event: E, payload: ApiEvents[E]) {
  for (const l of mock.listeners.get(event) ?? []) l(payload);
}

const { app } = await import('../src/state/app.svelte.ts');
const { default: Sample } = await import('../src/screens/Sample.svelte');
const { default: Datasets } = await import('../src/screens/Datasets.svelte');

const writeText = vi.fn(async (_text: string) => {});
Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });

beforeEach(() => {
  mock.invoke.mockReset();
  mock.listeners.clear();
  writeText.mockClear();
  app.runs = [];
  app.datasets = [];
  app.selectedRunId = null;
  app.selectedDatasetId = null;
  app.loaded = true;
});

const run: RunSummary = {
  id: 7, datasetId: 1, datasetName: 'speeches', task: 'generate', config: RunConfigSchema.parse({}), backend: 'wasm', status: 'stopped', step: 300,
  totalSteps: 1000, epoch: 1, lastTrainLoss: 1.4, bestValLoss: 1.5, parameters: 1000, error: null, createdAt: '', startedAt: null, updatedAt: '',
  finishedAt: null, trainSeconds: 60,
};

function checkpoint(id: number, step: number): CheckpointRecord {
  return { id, runId: 7, step, epoch: 0, path: `/x/${id}.ckpt`, bytes: 100, reason: 'periodic', trainLoss: 1, valLoss: null, createdAt: '' };
}

function sample(id: number, text: string, params: Partial<SampleRecord['params']>, seed = 5, checkpointId: number | null = 12): SampleRecord {
  const full = SampleParamsSchema.parse(params);
  return { id, runId: 7, checkpointId, step: 300, source: 'user', prompt: full.prime, params: full, seed, text, createdAt: '2026-11-30T12:00:00.000Z' };
}

type Generate = { runId: number; checkpointId?: number; requestId?: string; params: SampleRecord['params'] };

/** The core: a run with two checkpoints and `history`; samples:generate answers with `answer`, streaming its text first. */
function serveSampling(history: SampleRecord[], answer: (req: Generate) => SampleRecord | Error) {
  mock.invoke.mockImplementation(async (channel: string, req: unknown) => {
    if (channel === 'runs:get') return { ...run, checkpoints: [checkpoint(11, 100), checkpoint(12, 200)], samples: history };
    if (channel === 'samples:generate') {
      const r = req as Generate;
      const reply = answer(r);
      if (reply instanceof Error) throw reply;
      emit('sample:chunk', { requestId: r.requestId!, text: reply.text.slice(reply.params.prime.length) });
      return reply;
    }
    throw new Error(`unexpected ${channel}`);
  });
}

const generateCalls = () => mock.invoke.mock.calls.filter(([c]) => c === 'samples:generate').map(([, r]) => r as Generate);
const textbox = (name: string) => screen.getByRole('textbox', { name }) as HTMLInputElement;
const spin = (name: string) => screen.getByRole('spinbutton', { name }) as HTMLInputElement;

function showSample() {
  app.runs = [run];
  app.selectedRunId = run.id;
  render(Sample);
}

describe('Sample', () => {
  it('keeps the last good text when a prime is refused, and Copy copies that text', async () => {
    let n = 0;
    serveSampling([], (r) =>
      n++ === 0 ? sample(1, 'The cat sat.', r.params) : new ApiError('bad-input', 'the prime contains characters this model never saw: "Ω"'),
    );
    showSample();
    const output = screen.getByTestId('sample-output');
    await fireEvent.input(textbox('Prime'), { target: { value: 'The ' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Generate' }));
    await waitFor(() => expect(output.textContent).toBe('The cat sat.'));

    await fireEvent.input(textbox('Prime'), { target: { value: 'Ωmega' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Generate' }));
    await waitFor(() => expect(screen.getByRole('alert').textContent).toMatch(/never saw: "Ω"/));
    expect(output.textContent).toBe('The cat sat.');
    await fireEvent.click(screen.getByRole('button', { name: 'Copy' }));
    expect(writeText).toHaveBeenCalledWith('The cat sat.');
  });

  it('shows each history row’s prime, length and temperature, and Reuse puts its settings back', async () => {
    const old = sample(3, 'Once upon a time', { prime: 'Once', length: 120, temperature: 0.6, topK: 5, topP: 0.9 }, 42, 11);
    serveSampling([old], (r) => sample(4, 'Once more', r.params, r.params.seed ?? 1, r.checkpointId ?? null));
    showSample();
    const history = await screen.findByRole('region', { name: 'Sample history' });
    const row = within(history).getByText(/^#3/);
    expect(row.textContent).toMatch(/Prime “Once”/);
    expect(row.textContent).toMatch(/Length 120/);
    expect(row.textContent).toMatch(/Temperature\s+0\.6/);
    expect(row.textContent).toMatch(/Seed 42/);

    await fireEvent.click(within(history).getByRole('button', { name: 'Reuse the settings of sample #3' }));
    expect(textbox('Prime').value).toBe('Once');
    expect(spin('Length').value).toBe('120');
    expect(spin('Temperature').value).toBe('0.6');
    expect(spin('Seed').value).toBe('42');
    expect((screen.getByRole('combobox', { name: 'Checkpoint' }) as HTMLSelectElement).value).toBe('11');

    await fireEvent.click(screen.getByRole('button', { name: 'Generate' }));
    await waitFor(() => expect(generateCalls()).toHaveLength(1));
    expect(generateCalls()[0]).toMatchObject({ runId: 7, checkpointId: 11, params: { prime: 'Once', length: 120, temperature: 0.6, topK: 5, topP: 0.9, seed: 42 } });
    await waitFor(() => expect(within(history).getByText(/^#4/)).toBeTruthy()); // the new sample joins the history, newest first
  });

  it('compares temperatures side by side at one prime, seed and checkpoint', async () => {
    serveSampling([], (r) => sample(10 + generateCalls().length, `The ${r.params.temperature}`, r.params, r.params.seed ?? 99, 12));
    showSample();
    await fireEvent.input(textbox('Prime'), { target: { value: 'The ' } });
    await fireEvent.click(screen.getByRole('checkbox', { name: 'Compare temperatures' }));
    const temperatures = textbox('Temperatures');

    await fireEvent.input(temperatures, { target: { value: '0.5' } });
    expect(screen.getByRole('alert').textContent).toBe(`Temperatures: give ${COMPARED_TEMPERATURES.min} to ${COMPARED_TEMPERATURES.max}, separated by commas (got 1)`);
    expect((screen.getByRole('button', { name: 'Generate' }) as HTMLButtonElement).disabled).toBe(true);
    await fireEvent.input(temperatures, { target: { value: '0.5, 20' } });
    expect(screen.getByRole('alert').textContent).toMatch(/Temperatures: 20 is out of range \(each above 0 and at most 10\)/);

    await fireEvent.input(temperatures, { target: { value: '0.5, 1.5' } });
    expect(screen.queryByRole('alert')).toBeNull();
    await fireEvent.click(screen.getByRole('button', { name: 'Generate' }));
    await waitFor(() => expect(screen.getAllByTestId('temperature-output').map((o) => o.textContent)).toEqual(['The 0.5', 'The 1.5']));
    expect(screen.getByRole('region', { name: 'Temperature 0.5' })).toBeTruthy();
    expect(screen.getByRole('region', { name: 'Temperature 1.5' })).toBeTruthy();
    // A random seed is picked once, by the first answer, and the rest use it and its checkpoint.
    expect(generateCalls().map((c) => [c.params.temperature, c.params.seed, c.params.prime, c.checkpointId])).toEqual([
      [0.5, null, 'The ', undefined],
      [1.5, 99, 'The ', 12],
    ]);
    await fireEvent.click(within(screen.getByRole('region', { name: 'Temperature 1.5' })).getByRole('button', { name: 'Copy' }));
    expect(writeText).toHaveBeenCalledWith('The 1.5');
  });

  it('keeps the last comparison when a prime is refused', async () => {
    let refuse = false;
    serveSampling([], (r) => (refuse ? new ApiError('bad-input', 'the prime contains characters this model never saw: "Ω"') : sample(20 + generateCalls().length, `A ${r.params.temperature}`, r.params)));
    showSample();
    await fireEvent.input(textbox('Prime'), { target: { value: 'A ' } });
    await fireEvent.click(screen.getByRole('checkbox', { name: 'Compare temperatures' }));
    await fireEvent.input(textbox('Temperatures'), { target: { value: '0.7, 1' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Generate' }));
    await waitFor(() => expect(screen.getAllByTestId('temperature-output').map((o) => o.textContent)).toEqual(['A 0.7', 'A 1']));
    refuse = true;
    await fireEvent.input(textbox('Prime'), { target: { value: 'Ω' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Generate' }));
    await waitFor(() => expect(screen.getByRole('alert').textContent).toMatch(/never saw/));
    expect(screen.getAllByTestId('temperature-output').map((o) => o.textContent)).toEqual(['A 0.7', 'A 1']);
  });
});

function dataset(id: number, name: string, more: Partial<Dataset> = {}): DatasetDetail {
  return {
    id, name, kind: 'text', sourcePath: `${name}.txt`, sha256: '', bytes: 2048, chars: 2000, files: 1, distinctChars: 40, charsetSize: 40, maxCharset: 2000,
    unknownChars: 0, encoding: 'utf-8', format: 'text', examples: null, labels: null, lengths: null, createdAt: '2026-11-30T12:00:00.000Z', charCounts: [], ...more,
  };
}

describe('Datasets', () => {
  const speeches = dataset(1, 'speeches');
  const names = dataset(2, 'names', {
    kind: 'labelled', format: 'csv', bytes: 3 * 1024, examples: 3, labels: [{ label: 'f', count: 2 }, { label: 'm', count: 1 }],
    lengths: { min: 3, median: 4, p90: 5, max: 5, mean: 4 },
  });

  /** The core with these datasets; datasets:rename trims like the core and refuses what it refuses. */
  function serveDatasets(list: DatasetDetail[]) {
    mock.invoke.mockImplementation(async (channel: string, req: { id?: number; name?: string }) => {
      if (channel === 'datasets:list') return list;
      if (channel === 'runs:list') return [];
      if (channel === 'app:info') return { sampleCorpus: { path: '/x', name: 'x' } };
      if (channel === 'datasets:get') return list.find((d) => d.id === req.id);
      if (channel === 'datasets:preview') return { text: '', truncated: false };
      if (channel === 'datasets:rename') {
        const name = req.name!.trim();
        if (name.length > 10) throw new ApiError('invalid-request', 'datasets:rename: name: the name is too long: at most 10 characters');
        const d = list.find((x) => x.id === req.id)!;
        d.name = name;
        return d;
      }
      throw new Error(`unexpected ${channel}`);
    });
  }

  it('shows each dataset’s kind beside its size', () => {
    serveDatasets([speeches, names]);
    app.datasets = [speeches, names];
    render(Datasets);
    const rows = within(screen.getByRole('region', { name: 'Datasets' })).getAllByRole('row').slice(1).map((r) => [...r.children].map((c) => c.textContent!.trim()));
    expect(rows.map((r) => r.slice(0, 2))).toEqual([['speeches', 'text'], ['names', 'labelled (csv)']]);
    expect(rows[1][3]).toBe('3.0 KB');
  });

  it('renames a dataset: the new name shows at once and the lists are read again', async () => {
    serveDatasets([{ ...speeches }]);
    app.datasets = [speeches];
    app.selectedDatasetId = 1;
    render(Datasets);
    await fireEvent.click(await screen.findByRole('button', { name: 'Rename' }));
    const field = textbox('New name');
    expect(field.value).toBe('speeches');
    await fireEvent.input(field, { target: { value: '   ' } });
    expect((screen.getByRole('button', { name: 'Save' }) as HTMLButtonElement).disabled).toBe(true);

    await fireEvent.input(field, { target: { value: 'a name far too long' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(screen.getByRole('alert').textContent).toMatch(/the name is too long/));
    expect(textbox('New name')).toBeTruthy(); // still editing, to fix it

    await fireEvent.input(textbox('New name'), { target: { value: '  Addresses ' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(screen.getByRole('heading', { name: 'Addresses' })).toBeTruthy());
    expect(mock.invoke).toHaveBeenCalledWith('datasets:rename', { id: 1, name: '  Addresses ' });
    expect(screen.queryByRole('alert')).toBeNull();
    await waitFor(() => expect(within(screen.getByRole('region', { name: 'Datasets' })).getByRole('button', { name: 'Addresses' })).toBeTruthy());
  });
});
