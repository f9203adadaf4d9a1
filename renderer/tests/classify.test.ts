// The Classify screen and the first launch against a mocked API, as a user meets them: a labelled file
// dropped or chosen is measured (accuracy, macro-F1, confusion matrix, per class), a refused file shows the
// core's message, a text mostly made of characters the model never saw is called so, and the welcome card
// offers the text corpus and the names CSV, each imported as it should be.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { render, screen, fireEvent, waitFor, within } from '@testing-library/svelte';
import { ApiError, MOSTLY_UNSEEN_SHARE, type AppInfo, type ClassifyReply } from '../../shared/api.ts';
import { RunConfigSchema } from '../../shared/config.ts';
import type { EvaluationRecord, RunSummary } from '../../shared/types.ts';

const mock = vi.hoisted(() => ({ invoke: vi.fn(), uploadFiles: vi.fn() }));
vi.mock('../src/lib/api.ts', async () => (await import('./api-mock.ts')).fakeApi(mock, { uploadFiles: mock.uploadFiles }));

const { app } = await import('../src/state/app.svelte.ts');
const { default: Classify } = await import('../src/screens/Classify.svelte');
const { default: Datasets } = await import('../src/screens/Datasets.svelte');

const UPLOAD_ID = '0f8fad5b-d9cb-469f-a165-70867728950e';

const classifier: RunSummary = {
  id: 3, datasetId: 2, datasetName: 'names', task: 'classify', config: RunConfigSchema.parse({ task: 'classify' }), backend: 'wasm', status: 'finished',
  step: 500, totalSteps: 500, epoch: 4, lastTrainLoss: 0.4, bestValLoss: 0.45, parameters: 20_000, error: null, createdAt: '', startedAt: null,
  updatedAt: '', finishedAt: null, trainSeconds: 60,
};

/** 8 examples: female 4 right of 5, male 3 right of 3 → accuracy 7/8. */
const evaluation: EvaluationRecord = {
  id: 1, runId: 3, step: 500, epoch: 4, source: 'file', path: 'held-out.csv', examples: 8, loss: 0.31, accuracy: 0.875, macroF1: 0.8730158730158730,
  labels: ['female', 'male'],
  confusion: [[4, 1], [0, 3]],
  perClass: [
    { label: 'female', precision: 1, recall: 0.8, f1: 0.8888888888888888, support: 5 },
    { label: 'male', precision: 0.75, recall: 1, f1: 0.8571428571428571, support: 3 },
  ],
  misclassified: [{ text: 'Robin', label: 'female', predicted: 'male', confidence: 0.71 }],
  createdAt: '',
};

const csv = (name: string) => new File(['text,label\nAnna,female\n'], name, { type: 'text/csv' });

beforeEach(() => {
  mock.invoke.mockReset();
  mock.uploadFiles.mockReset();
  mock.uploadFiles.mockResolvedValue(UPLOAD_ID);
  app.runs = [classifier];
  app.datasets = [];
  app.selectedRunId = null;
  app.loaded = true;
});

/** The core: inspecting shows these columns, evaluating answers `evaluate`. */
function serve(columns: string[], evaluate: () => EvaluationRecord) {
  mock.invoke.mockImplementation(async (channel: string) => {
    if (channel === 'datasets:inspect') return { format: 'csv', columns, rows: [], total: 8 };
    if (channel === 'runs:evaluate') return evaluate();
    throw new Error(`unexpected ${channel}`);
  });
}

const dropZone = () => screen.getByRole('region', { name: 'Drop a labelled file here' });
const drop = (file: File) => fireEvent.drop(dropZone(), { dataTransfer: { files: [file] } });

describe('Classify: evaluating a labelled file', () => {
  it('shows accuracy, macro-F1, the confusion matrix and the per-class figures of a dropped file', async () => {
    serve(['text', 'label'], () => evaluation);
    render(Classify);
    await drop(csv('held-out.csv'));

    expect(await screen.findByTestId('accuracy')).toHaveTextContent('87.5%');
    expect(screen.getByTestId('macro-f1')).toHaveTextContent('0.873');
    expect(screen.getByTestId('evaluation-summary')).toHaveTextContent('held-out.csv: 8 examples at step 500');
    const matrix = within(screen.getByRole('table', { name: 'Confusion matrix' }));
    const cells = matrix.getAllByRole('row').slice(1).map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent!.trim()));
    expect(cells).toEqual([['4', '1'], ['0', '3']]);
    const perClass = within(screen.getByRole('table', { name: 'Per class' })).getAllByRole('row').slice(1).map((r) => [...r.children].map((c) => c.textContent));
    expect(perClass).toEqual([
      ['female', '1.000', '0.800', '0.889', '5'],
      ['male', '0.750', '1.000', '0.857', '3'],
    ]);
    expect(within(screen.getByRole('table', { name: 'Most confident mistakes' })).getByText('Robin')).toBeInTheDocument();

    // The file went through the import panel's upload, and the core was asked about the upload, for this run.
    expect(mock.uploadFiles.mock.lastCall![0]).toEqual([{ file: expect.any(File), name: 'held-out.csv' }]);
    expect(mock.invoke).toHaveBeenCalledWith('datasets:inspect', { uploadId: UPLOAD_ID });
    expect(mock.invoke).toHaveBeenLastCalledWith('runs:evaluate', { runId: 3, uploadId: UPLOAD_ID });
  });

  it('is reachable from the keyboard: "Choose a file…" is a button that opens the file picker', async () => {
    serve(['text', 'label'], () => evaluation);
    render(Classify);
    const button = screen.getByRole('button', { name: 'Choose a file…' });
    const input = document.querySelector<HTMLInputElement>('input[type=file]')!;
    const opened = vi.spyOn(input, 'click');
    button.focus();
    expect(document.activeElement).toBe(button);
    await fireEvent.click(button);
    expect(opened).toHaveBeenCalledOnce();
    expect(input.accept).toBe('.csv,.tsv,.tab,.jsonl,.ndjson');

    Object.defineProperty(input, 'files', { value: [csv('chosen.csv')], configurable: true });
    await fireEvent.change(input);
    expect(await screen.findByTestId('accuracy')).toHaveTextContent('87.5%');
    expect(mock.uploadFiles.mock.lastCall![0][0].name).toBe('chosen.csv');
  });

  it('asks for the columns of a table without text and label columns, then evaluates with them', async () => {
    serve(['name', 'gender'], () => evaluation);
    render(Classify);
    await drop(csv('people.csv'));
    const picker = within(await screen.findByRole('region', { name: 'Choose columns' }));
    await fireEvent.change(picker.getByRole('combobox', { name: 'Text column' }), { target: { value: 'name' } });
    await fireEvent.change(picker.getByRole('combobox', { name: 'Label column' }), { target: { value: 'gender' } });
    await fireEvent.click(picker.getByRole('button', { name: 'Import' }));
    expect(await screen.findByTestId('accuracy')).toHaveTextContent('87.5%');
    expect(mock.invoke).toHaveBeenLastCalledWith('runs:evaluate', { runId: 3, uploadId: UPLOAD_ID, textColumn: 'name', labelColumn: 'gender' });
  });

  it("shows a refused file's message, naming the problem, and no figures", async () => {
    const message = 'held-out.csv: labels this model does not know: other (it knows female, male)';
    serve(['text', 'label'], () => {
      throw new ApiError('bad-input', message);
    });
    render(Classify);
    await drop(csv('held-out.csv'));
    expect(await screen.findByRole('alert')).toHaveTextContent(message);
    expect(screen.queryByTestId('accuracy')).toBeNull();
    expect(screen.queryByRole('table', { name: 'Confusion matrix' })).toBeNull();
  });

  it('refuses several files at once, asking for one', async () => {
    render(Classify);
    await fireEvent.drop(dropZone(), { dataTransfer: { files: [csv('a.csv'), csv('b.csv')] } });
    expect(screen.getByRole('alert')).toHaveTextContent('2 files dropped: drop one labelled file (CSV, TSV, JSONL)');
    expect(mock.uploadFiles).not.toHaveBeenCalled();
  });
});

describe('Classify: characters the model never saw', () => {
  function reply(text: string, unknownChars: number): ClassifyReply {
    return { labels: ['female', 'male'], results: [{ text, label: 'female', probabilities: [0.6, 0.4], unknownChars }], step: 500 };
  }

  async function typeAndWarn(text: string, unknownChars: number): Promise<string | null> {
    mock.invoke.mockImplementation(async (channel: string) => {
      if (channel === 'runs:classify') return reply(text, unknownChars);
      throw new Error(`unexpected ${channel}`);
    });
    const { unmount } = render(Classify);
    await fireEvent.input(screen.getByRole('textbox', { name: 'Text to classify' }), { target: { value: text } });
    await screen.findAllByTestId('probability');
    const warning = screen.queryByTestId('unknown-chars')?.textContent?.replace(/\s+/g, ' ').trim() ?? null;
    unmount();
    return warning;
  }

  it('says plainly when most of the text is unseen, and keeps the short note for a few', async () => {
    expect(MOSTLY_UNSEEN_SHARE).toBe(0.5);
    expect(await typeAndWarn('Жанна', 3)).toMatch(/^Most of this text is unseen: 3 of 5 characters are unknown to this classifier and were ignored/);
    expect(await typeAndWarn('Anna', 2)).toBe('2 of 4 characters are unknown to this classifier and were ignored.'); // half is not most
    expect(await typeAndWarn('Annä', 1)).toBe('1 of 4 characters are unknown to this classifier and were ignored.');
    expect(await typeAndWarn('Жан', 3)).toMatch(/^None of these characters is known to this classifier/);
    expect(await typeAndWarn('Anna', 0)).toBeNull();
  });
});

describe('the welcome card', () => {
  const info = {
    sampleCorpus: { path: '/app/resources/corpora/state-of-the-union.txt', name: 'State of the Union (sample)' },
    sampleNames: { path: '/app/resources/corpora/first-names.csv', name: 'Names → female/male (sample)', format: 'csv', textColumn: 'text', labelColumn: 'label' },
  } as const satisfies Pick<AppInfo, 'sampleCorpus' | 'sampleNames'>;

  beforeEach(() => {
    app.info = { version: '1', home: '/h', schemaVersion: 6, backend: null, kernels: null, backendHint: '', ...info } as AppInfo;
    mock.invoke.mockImplementation(async (channel: string) => {
      if (channel === 'datasets:import') return { dataset: { id: 9 }, existing: false, warnings: [] };
      if (channel === 'app:info') return app.info;
      if (channel === 'datasets:list' || channel === 'runs:list') return [];
      throw new Error(`unexpected ${channel}`);
    });
  });

  it('offers the text corpus and the names CSV when there are no datasets', () => {
    render(Datasets);
    const card = within(screen.getByRole('region', { name: 'Welcome' }));
    expect(card.getAllByRole('button').map((b) => b.textContent)).toEqual(['Use the sample corpus', 'Names → female/male']);
    expect(card.getByText(/For generators/)).toBeInTheDocument();
    expect(card.getByText(/For classifiers/)).toBeInTheDocument();
  });

  it('imports the names as a labelled CSV with its text and label columns', async () => {
    render(Datasets);
    await fireEvent.click(screen.getByRole('button', { name: 'Names → female/male' }));
    await waitFor(() => expect(app.selectedDatasetId).toBe(9));
    expect(mock.invoke).toHaveBeenCalledWith('datasets:import', info.sampleNames);
  });

  it('imports the text corpus as before', async () => {
    render(Datasets);
    await fireEvent.click(screen.getByRole('button', { name: 'Use the sample corpus' }));
    await waitFor(() => expect(app.selectedDatasetId).toBe(9));
    expect(mock.invoke).toHaveBeenCalledWith('datasets:import', info.sampleCorpus);
  });

  it("shows the core's message when a bundled file cannot be imported, and frees both buttons", async () => {
    mock.invoke.mockRejectedValue(new ApiError('storage', 'cannot write the data folder /h: the disk is full'));
    render(Datasets);
    await fireEvent.click(screen.getByRole('button', { name: 'Names → female/male' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('cannot write the data folder /h: the disk is full');
    for (const b of within(screen.getByRole('region', { name: 'Welcome' })).getAllByRole('button')) expect(b).toBeEnabled();
  });
});
