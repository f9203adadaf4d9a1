import { describe, expect, it, vi } from 'vitest';
import { render, screen, fireEvent } from '@testing-library/svelte';
import ConfigForm from '../src/components/ConfigForm.svelte';
import RunsTable from '../src/components/RunsTable.svelte';
import ProgressBar from '../src/components/ProgressBar.svelte';
import CharsetTable from '../src/components/CharsetTable.svelte';
import { RunConfigSchema } from '../../shared/config.ts';
import type { DatasetDetail, RunSummary } from '../../shared/types.ts';

describe('ConfigForm', () => {
  it('starts from the shared defaults and hands out a config the core accepts', async () => {
    const onchange = vi.fn();
    render(ConfigForm, { task: 'generate', onchange });
    expect((screen.getByRole('spinbutton', { name: /Units/ }) as HTMLInputElement).value).toBe('128');
    const config = onchange.mock.lastCall![0];
    expect(RunConfigSchema.safeParse(config).success).toBe(true);
    expect(config.model).toMatchObject({ cell: 'lstm', layers: 2, units: 128 });
  });

  it('says inline what is wrong with a field and offers no config until it is fixed', async () => {
    const onchange = vi.fn();
    render(ConfigForm, { task: 'generate', onchange });
    const units = screen.getByRole('spinbutton', { name: /Units/ });
    await fireEvent.input(units, { target: { value: '99999' } });
    expect(screen.getByRole('alert').textContent).toBe('Units: at most 4096');
    expect(units.getAttribute('aria-invalid')).toBe('true');
    expect(onchange.mock.lastCall![0]).toBeNull();
    await fireEvent.input(units, { target: { value: '256' } });
    expect(screen.queryByRole('alert')).toBeNull();
    expect(onchange.mock.lastCall![0].model.units).toBe(256);
  });

  it('leaves optional fields empty as "none"', async () => {
    const onchange = vi.fn();
    render(ConfigForm, { task: 'generate', onchange });
    await fireEvent.input(screen.getByRole('spinbutton', { name: /Max steps/ }), { target: { value: '500' } });
    expect(onchange.mock.lastCall![0].train).toMatchObject({ maxSteps: 500, seed: null });
  });

  it("shows a classifier's fields, not a generator's, and hands out a classifier's config", async () => {
    const onchange = vi.fn();
    render(ConfigForm, { task: 'classify', onchange });
    expect(screen.queryByRole('spinbutton', { name: /Sequence length/ })).toBeNull();
    await fireEvent.change(screen.getByRole('combobox', { name: 'Pooling' }), { target: { value: 'mean' } });
    await fireEvent.click(screen.getByRole('checkbox', { name: /Bidirectional/ }));
    await fireEvent.input(screen.getByRole('spinbutton', { name: /Max length/ }), { target: { value: '40' } });
    const config = onchange.mock.lastCall![0];
    expect(RunConfigSchema.safeParse(config).success).toBe(true);
    expect(config).toMatchObject({ task: 'classify', model: { pooling: 'mean', bidirectional: true }, train: { maxLen: 40, classWeights: 'none' } });
    expect(config.train.seqLen).toBeUndefined();
  });
});

function run(id: number, bestValLoss: number | null, cell: 'lstm' | 'gru' = 'lstm'): RunSummary {
  const config = RunConfigSchema.parse({ model: { cell } });
  return {
    id, datasetId: 1, datasetName: 'corpus', task: 'generate', config, backend: 'wasm', status: 'finished', step: 10, totalSteps: 10, epoch: 0,
    lastTrainLoss: 1, bestValLoss, parameters: 1000, error: null, createdAt: '', startedAt: null, updatedAt: '', finishedAt: null, trainSeconds: 5,
  };
}

describe('RunsTable', () => {
  const ids = () => screen.getAllByRole('button', { name: /^#\d+$/ }).map((b) => b.textContent);

  it('sorts by a column, toggles the direction, and keeps runs without a value last', async () => {
    render(RunsTable, { runs: [run(1, 2.5), run(2, null), run(3, 1.5)], selected: [], openId: null, onselect: () => {}, onopen: () => {} });
    expect(ids()).toEqual(['#3', '#2', '#1']); // newest first
    await fireEvent.click(screen.getByRole('button', { name: 'Best val. loss' }));
    expect(ids()).toEqual(['#3', '#1', '#2']);
    await fireEvent.click(screen.getByRole('button', { name: /Best val. loss/ }));
    expect(ids()).toEqual(['#1', '#3', '#2']);
  });

  it('ticks runs for comparison and opens one', async () => {
    const onselect = vi.fn();
    const onopen = vi.fn();
    render(RunsTable, { runs: [run(1, 2), run(2, 1, 'gru')], selected: [1], openId: null, onselect, onopen });
    await fireEvent.click(screen.getByRole('checkbox', { name: 'Compare run 2' }));
    expect(onselect).toHaveBeenCalledWith([1, 2]);
    await fireEvent.click(screen.getByRole('button', { name: '#2' }));
    expect(onopen).toHaveBeenCalledWith(2);
  });
});

describe('ProgressBar and CharsetTable', () => {
  it('exposes progress to assistive technology', () => {
    render(ProgressBar, { value: 30, max: 120, label: 'step 30 / 120' });
    const bar = screen.getByRole('progressbar', { name: 'step 30 / 120' });
    expect(bar.getAttribute('aria-valuenow')).toBe('30');
    expect(bar.getAttribute('aria-valuemax')).toBe('120');
  });

  it('names invisible characters and marks those beyond the cap as unknown', () => {
    const dataset = {
      id: 1, name: 'x', kind: 'text', sourcePath: '/x', sha256: '', bytes: 10, chars: 10, files: 1, distinctChars: 3, charsetSize: 3, maxCharset: 2,
      unknownChars: 1, encoding: 'utf-8', createdAt: '', format: 'text', examples: null, labels: null, lengths: null,
      charCounts: [{ char: ' ', count: 6 }, { char: '\n', count: 3 }, { char: '你', count: 1 }],
    } satisfies DatasetDetail;
    render(CharsetTable, { dataset });
    expect(screen.getByText('(space)')).toBeTruthy();
    expect(screen.getByText('↵ newline')).toBeTruthy();
    const rare = screen.getByText('你').closest('tr')!;
    expect(rare.classList.contains('unknown')).toBe(true);
    expect(rare.textContent).toMatch(/10\.00%\s*· unknown/);
    expect(screen.getByText('(space)').closest('tr')!.classList.contains('unknown')).toBe(false);
  });
});

describe('ConfusionMatrix', () => {
  it('shows true classes by row, predictions by column, with per-class precision and recall', async () => {
    const { default: ConfusionMatrix } = await import('../src/components/ConfusionMatrix.svelte');
    render(ConfusionMatrix, {
      evaluation: {
        id: 1, runId: 1, step: 10, epoch: 1, source: 'validation', path: null, examples: 10, loss: 0.5, accuracy: 0.7, macroF1: 0.69,
        labels: ['ham', 'spam'], confusion: [[5, 1], [2, 2]], misclassified: [], createdAt: '',
        perClass: [{ label: 'ham', precision: 5 / 7, recall: 5 / 6, f1: 0.77, support: 6 }, { label: 'spam', precision: 2 / 3, recall: 0.5, f1: 0.57, support: 4 }],
      },
    });
    const matrix = screen.getByRole('table', { name: 'Confusion matrix' });
    const rows = [...matrix.querySelectorAll('tbody tr')].map((r) => [...r.children].map((c) => c.textContent!.trim()));
    expect(rows).toEqual([['ham', '5', '1'], ['spam', '2', '2']]);
    expect(matrix.querySelector('td.diagonal')!.getAttribute('title')).toBe('5 of 6 ham predicted ham (83.3%)');
    expect(screen.getByRole('table', { name: 'Per class' }).textContent).toContain('0.714');
  });
  it('lists the top confusions instead of a matrix when there are too many classes for one', async () => {
    const { default: ConfusionMatrix } = await import('../src/components/ConfusionMatrix.svelte');
    const labels = Array.from({ length: 5000 }, (_, i) => `c${i}`);
    render(ConfusionMatrix, {
      evaluation: {
        id: 1, runId: 1, step: 10, epoch: 1, source: 'validation', path: null, examples: 9000, loss: 2, accuracy: 0.5, macroF1: 0.4, labels, misclassified: [], createdAt: '',
        confusion: { form: 'top', correct: labels.map(() => 1), mistakes: 4000, pairs: 3000, top: [{ label: 'c7', predicted: 'c1', count: 40 }, { label: 'c2', predicted: 'c3', count: 12 }] },
        perClass: [{ label: 'c9', precision: 0, recall: 0, f1: 0, support: 3 }],
      },
    });
    expect(screen.queryByRole('table', { name: 'Confusion matrix' })).toBeNull();
    const rows = [...screen.getByRole('table', { name: 'Top confusions' }).querySelectorAll('tbody tr')].map((r) => [...r.children].map((c) => c.textContent!.trim()));
    expect(rows).toEqual([['c7', 'c1', '40'], ['c2', 'c3', '12']]);
    expect(screen.getByText(/5,000 classes, too many for a matrix/)).toBeTruthy();
    expect(screen.getByText(/The 1 weakest of 5,000 classes/)).toBeTruthy();
  });
});
