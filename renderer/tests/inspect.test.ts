// The Inspect screen with a mocked core: surprise colours and alternatives, the checkpoint slider, find
// units and a unit's heatmap, connectivity at a picked character, gradient flow of several runs — and
// answers that arrive out of order are dropped, errors are shown where they happened.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { render, screen, fireEvent, waitFor, within } from '@testing-library/svelte';
import { ApiError, type SurpriseReply } from '../../shared/api.ts';
import { RunConfigSchema } from '../../shared/config.ts';
import type { ConnectivityReply, GradientFlowReply, UnitsReply } from '../../shared/inspect.ts';
import type { CheckpointRecord, RunDetail, RunSummary } from '../../shared/types.ts';

const mock = vi.hoisted(() => ({ invoke: vi.fn() }));
vi.mock('../src/lib/api.ts', async () => (await import('./api-mock.ts')).fakeApi(mock));

const { default: InspectSurprise } = await import('../src/components/InspectSurprise.svelte');
const { default: InspectUnits } = await import('../src/components/InspectUnits.svelte');
const { default: InspectConnectivity } = await import('../src/components/InspectConnectivity.svelte');
const { default: InspectGradientFlow } = await import('../src/components/InspectGradientFlow.svelte');
const { default: Inspect } = await import('../src/screens/Inspect.svelte');
const { app } = await import('../src/state/app.svelte.ts');

beforeEach(() => {
  mock.invoke.mockReset();
});

/** The alpha of a span's background colour: how strongly it is coloured. */
function strength(el: HTMLElement): number {
  const m = /rgba?\(([^)]+)\)/.exec(el.style.backgroundColor);
  if (!m) return 0;
  const parts = m[1].split(',').map((p) => Number(p.trim()));
  return parts.length === 4 ? parts[3] : 1;
}

function surprise(text: string, probability: (i: number) => number, step = 30, checkpointId = 3): SurpriseReply {
  const chars = [...text].map((char, i) => ({
    char,
    probability: probability(i),
    entropy: 1.5,
    top: [
      { char: 'e', probability: 0.4 },
      { char: ' ', probability: 0.2 },
      { char: 't', probability: 0.1 },
      { char: 'a', probability: 0.05 },
      { char: char, probability: probability(i) },
    ],
  }));
  const bits = chars.reduce((n, c) => n - Math.log2(c.probability), 0) / chars.length;
  return { runId: 1, checkpointId, step, chars, bitsPerChar: bits, unknownChars: 0 };
}

function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('Surprise', () => {
  it('colours each character by its surprise, with bits per character, and shows the alternatives on hover', async () => {
    mock.invoke.mockResolvedValue(surprise('ab', (i) => (i === 0 ? 0.9 : 1 / 256)));
    render(InspectSurprise, { runId: 1, text: 'ab' });
    const expected = await screen.findByRole('button', { name: /^“a”: probability 90\.0%/ });
    const surprising = screen.getByRole('button', { name: /^“b”: probability 0\.4%, surprise 8\.0 bits/ });
    expect(strength(surprising)).toBeGreaterThan(0.8);
    expect(strength(expected)).toBeLessThan(0.02);
    expect(screen.getByTestId('bits-per-char').textContent).toMatch(/^4\.076 bits per character/);
    expect(mock.invoke).toHaveBeenCalledWith('runs:inspect', { runId: 1, checkpointId: undefined, text: 'ab' });

    await fireEvent.mouseEnter(surprising);
    const alternatives = screen.getByTestId('alternatives');
    expect(within(alternatives).getAllByRole('listitem').map((li) => li.textContent!.replace(/\s+/g, ' ').trim())).toEqual([
      '“e” 40.0%',
      'space 20.0%',
      '“t” 10.0%',
      '“a” 5.0%',
      '“b” 0.4%',
    ]);
    expect(alternatives.textContent).toMatch(/entropy of the prediction 1\.50 bits/);
  });

  it('drops an answer that arrives after a newer one, and records the reading at each checkpoint', async () => {
    const early = deferred<SurpriseReply>();
    const late = deferred<SurpriseReply>();
    mock.invoke.mockReturnValueOnce(early.promise).mockReturnValueOnce(late.promise);
    const { rerender } = render(InspectSurprise, { runId: 1, checkpointId: 1, text: 'ab' });
    await rerender({ runId: 1, checkpointId: 2, text: 'ab' });
    late.resolve(surprise('ab', () => 0.5, 20, 2));
    await screen.findByText(/at step 20/);
    early.resolve(surprise('ab', () => 0.25, 10, 1));
    await new Promise((r) => setTimeout(r, 20));
    expect(screen.getByTestId('bits-per-char').textContent).toMatch(/^1\.000 bits/);
    expect(screen.queryByText(/at step 10/)).toBeNull();

    mock.invoke.mockResolvedValueOnce(surprise('ab', () => 0.25, 10, 1));
    await rerender({ runId: 1, checkpointId: 1, text: 'ab' });
    const readings = await screen.findByLabelText('Bits per character by checkpoint');
    expect(readings.textContent).toMatch(/step 10: 2\.00\s*step 20: 1\.00/);
  });

  it("shows the core's refusal inline, and asks again when told to", async () => {
    mock.invoke.mockImplementation(async () => {
      throw new ApiError('bad-input', 'Run 1 is a classifier: surprise needs a generator');
    });
    render(InspectSurprise, { runId: 1, text: 'ab' });
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toBe('Run 1 is a classifier: surprise needs a generator Try again');
    mock.invoke.mockResolvedValue(surprise('ab', () => 0.5));
    await fireEvent.click(within(alert).getByRole('button', { name: 'Try again' }));
    await screen.findByTestId('bits-per-char');
    expect(screen.queryByRole('alert')).toBeNull();
  });
});

function checkpoint(id: number, step: number): CheckpointRecord {
  return { id, runId: 1, step, epoch: 0, path: '', bytes: 1, reason: 'periodic', trainLoss: 1, valLoss: 1, createdAt: '' };
}

function runSummary(id: number, cell: 'lstm' | 'rnn' | 'gru' = 'lstm'): RunSummary {
  const config = RunConfigSchema.parse({ model: { cell, layers: 1, units: 16 } });
  return {
    id, datasetId: 4, datasetName: 'corpus', task: 'generate', config, backend: 'wasm', status: 'finished', step: 60, totalSteps: 60, epoch: 0,
    lastTrainLoss: 1, bestValLoss: 1, parameters: 1000, error: null, createdAt: '', startedAt: null, updatedAt: '', finishedAt: null, trainSeconds: 5,
  };
}

describe('the Inspect screen', () => {
  it("reads the run's dataset text at the latest checkpoint, and the slider re-reads it at the chosen one", async () => {
    app.runs = [runSummary(1)];
    app.selectedRunId = 1;
    mock.invoke.mockImplementation(async (channel: string, req: { checkpointId?: number; text?: string }) => {
      if (channel === 'runs:get') return { ...runSummary(1), checkpoints: [checkpoint(13, 30), checkpoint(11, 10), checkpoint(12, 20)] } as Partial<RunDetail>;
      if (channel === 'datasets:preview') return { text: 'Hello', truncated: true };
      if (channel === 'runs:inspect') return surprise(req.text!, () => 0.5, { 11: 10, 12: 20, 13: 30 }[req.checkpointId!], req.checkpointId);
      throw new ApiError('not-found', `${channel} is not built yet`);
    });
    render(Inspect);
    await screen.findByText(/at step 30/);
    expect(mock.invoke).toHaveBeenCalledWith('datasets:preview', { id: 4, chars: 600 });
    expect(mock.invoke).toHaveBeenCalledWith('runs:inspect', { runId: 1, checkpointId: 13, text: 'Hello' });
    const slider = screen.getByRole('slider', { name: 'Checkpoint' });
    expect(screen.getByTestId('checkpoint-step').textContent).toBe('step 30 · 3 of 3 (latest)');

    await fireEvent.input(slider, { target: { value: '0' } });
    expect(screen.getByTestId('checkpoint-step').textContent).toBe('step 10 · 1 of 3');
    await screen.findByText(/at step 10/);
    expect(mock.invoke).toHaveBeenLastCalledWith('runs:inspect', { runId: 1, checkpointId: 11, text: 'Hello' });
    // A panel whose channel fails says so, and the others still draw.
    const connectivity = screen.getByRole('region', { name: 'Connectivity' });
    await fireEvent.click(within(connectivity).getByRole('button', { name: /“e”/ }));
    expect((await within(connectivity).findByRole('alert')).textContent).toBe('runs:connectivity is not built yet Try again');
    expect(screen.getByTestId('bits-per-char').textContent).toMatch(/^1\.000 bits/);
  });
  it("inspects a classifier on one example of its dataset: no surprise, connectivity of the predicted class", async () => {
    const config = RunConfigSchema.parse({ task: 'classify', model: { cell: 'gru', layers: 1, units: 16 } });
    app.runs = [{ ...runSummary(5), task: 'classify', config }];
    app.selectedRunId = 5;
    const example = 'an example long enough to read as a whole sentence';
    mock.invoke.mockImplementation(async (channel: string) => {
      if (channel === 'runs:get') return { checkpoints: [checkpoint(21, 40)] } as Partial<RunDetail>;
      if (channel === 'datasets:preview') return { text: `{"text":"short","label":"a"}\n{"text":"${example}","label":"b"}\n{"text":"cut sh`, truncated: true };
      if (channel === 'runs:connectivity') return { runId: 5, checkpointId: 21, step: 40, position: null, target: 'b', connectivity: [...example].map(() => 1) };
      throw new ApiError('not-found', `${channel} was not expected`);
    });
    render(Inspect);
    await screen.findByText(/predicts: “b”/);
    expect((screen.getByRole('textbox', { name: 'Text to inspect' }) as HTMLTextAreaElement).value).toBe(example);
    expect(mock.invoke).toHaveBeenCalledWith('runs:connectivity', { runId: 5, checkpointId: 21, text: example });
    expect(screen.queryByRole('region', { name: 'Surprise' })).toBeNull();
    expect(mock.invoke.mock.calls.some(([channel]) => channel === 'runs:inspect')).toBe(false);
  });
});

const unitsReply = (unit?: UnitsReply['unit']): UnitsReply => ({
  runId: 1,
  checkpointId: 3,
  step: 30,
  chars: [...'a "b" c'],
  layers: [{ layer: 0, units: 16, directions: 1, kinds: ['hidden', 'cell', 'input', 'forget', 'output'] }],
  features: [
    { feature: 'inside-quotes', label: 'inside quotes' },
    { feature: 'pattern', label: 'matches your pattern' },
  ],
  units: [
    { layer: 0, unit: 3, kind: 'cell', feature: 'inside-quotes', correlation: 0.91 },
    { layer: 0, unit: 7, kind: 'hidden', feature: 'inside-quotes', correlation: -0.62 },
    { layer: 0, unit: 5, kind: 'forget', feature: 'pattern', correlation: 0.7 },
  ],
  ...(unit ? { unit } : {}),
});

describe('Units', () => {
  it('finds units for a pattern, then shows a picked unit as a heatmap with a choice of kind', async () => {
    mock.invoke.mockImplementation(async (_channel: string, req: { unit?: { layer: number; unit: number } }) =>
      unitsReply(req.unit ? { ...req.unit, direction: 'forward', values: { hidden: [0, 0.5, -1, 0.2, 0, 0, 0], cell: [0, 2, 4, 2, -4, 0, 0], forget: [0, 1, 1, 1, 0.5, 0, 0] } } : undefined),
    );
    render(InspectUnits, { runId: 1, text: 'a "b" c' });
    await fireEvent.input(screen.getByRole('textbox', { name: 'Pattern' }), { target: { value: '"[^"]*"' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Find units' }));
    const table = await screen.findByRole('table', { name: 'Units found' });
    expect(mock.invoke).toHaveBeenLastCalledWith('runs:units', { runId: 1, checkpointId: undefined, text: 'a "b" c', pattern: '"[^"]*"' });
    // The feature list turned to the pattern once one was given.
    expect(within(table).getAllByRole('row').slice(1).map((r) => r.textContent)).toEqual(['0:5forgetmatches your pattern+0.700']);
    await fireEvent.change(screen.getByRole('combobox', { name: 'Feature' }), { target: { value: '' } });
    expect(within(table).getAllByRole('row').slice(1).map((r) => r.textContent)).toEqual([
      '0:3cellinside quotes+0.910',
      '0:5forgetmatches your pattern+0.700',
      '0:7hiddeninside quotes−0.620',
    ]);

    await fireEvent.click(screen.getByRole('button', { name: 'Show unit 0:3 cell' }));
    const heatmap = await screen.findByTestId('unit-heatmap');
    expect(mock.invoke).toHaveBeenLastCalledWith('runs:units', expect.objectContaining({ unit: { layer: 0, unit: 3 } }));
    // Cell values beyond ±1 are scaled by the largest: 4 is full strength, 2 half.
    const spans = within(heatmap).getAllByRole('button');
    expect(strength(spans[2])).toBeCloseTo(0.8);
    expect(strength(spans[1])).toBeCloseTo(0.4);
    expect(spans[2].getAttribute('aria-label')).toBe('“"”: cell 4.000');
    expect(within(heatmap).getByLabelText('Unit colour scale').textContent).toMatch(/−4\.00.*\+4\.00/);
    // Only the kinds it was given are offered; a gate reads 0…1.
    const kind = within(heatmap).getByRole('combobox', { name: 'Kind' }) as HTMLSelectElement;
    expect([...kind.options].map((o) => o.value)).toEqual(['hidden', 'cell', 'forget']);
    await fireEvent.change(kind, { target: { value: 'forget' } });
    expect(within(heatmap).getAllByRole('button')[4].getAttribute('aria-label')).toBe('“b”: forget 0.500'.replace('“b”', '“"”'));
    expect(strength(within(heatmap).getAllByRole('button')[1])).toBeCloseTo(0.85);
  });

  it('takes a unit typed as layer:unit, and refuses one the model does not have', async () => {
    mock.invoke.mockImplementation(async (_c: string, req: { unit?: { layer: number; unit: number } }) =>
      unitsReply(req.unit ? { ...req.unit, direction: 'forward', values: { hidden: [0, 0, 0, 0, 0, 0, 1] } } : undefined),
    );
    render(InspectUnits, { runId: 1, text: 'a "b" c' });
    const input = screen.getByRole('textbox', { name: 'Unit (layer:unit)' });
    await fireEvent.input(input, { target: { value: 'zero' } });
    expect(screen.getByRole('alert').textContent).toBe('Write a unit as layer:unit, e.g. 0:12.');
    await fireEvent.input(input, { target: { value: '0:9' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Show unit' }));
    await screen.findByTestId('unit-heatmap');
    expect(mock.invoke).toHaveBeenLastCalledWith('runs:units', { runId: 1, checkpointId: undefined, text: 'a "b" c', unit: { layer: 0, unit: 9 } });
    await fireEvent.input(input, { target: { value: '2:1' } });
    expect(screen.getByRole('alert').textContent).toBe('No layer 2: this model has layers 0.');
  });

  it('says what is wrong with a pattern before asking the core', async () => {
    render(InspectUnits, { runId: 1, text: 'abc' });
    await fireEvent.input(screen.getByRole('textbox', { name: 'Pattern' }), { target: { value: '([a-z' } });
    expect(screen.getByRole('alert').textContent).toMatch(/^Not a regular expression/);
    expect((screen.getByRole('button', { name: 'Find units' }) as HTMLButtonElement).disabled).toBe(true);
    expect(mock.invoke).not.toHaveBeenCalled();
  });
});

describe('Connectivity', () => {
  it('explains the prediction at a clicked character by the earlier ones, strongest in full colour', async () => {
    mock.invoke.mockImplementation(async (_c: string, req: { position: number }): Promise<ConnectivityReply> => ({
      runId: 1, checkpointId: 3, step: 30, position: req.position, target: 'c', connectivity: [0.5, 2],
    }));
    render(InspectConnectivity, { runId: 1, text: 'abcd', task: 'generate' });
    await fireEvent.click(screen.getByRole('button', { name: '“c”' }));
    await screen.findByText(/pinned/);
    expect(mock.invoke).toHaveBeenCalledWith('runs:connectivity', { runId: 1, checkpointId: undefined, text: 'abcd', position: 2 });
    const [a, b, c] = screen.getAllByRole('button');
    expect(strength(b)).toBeCloseTo(0.9);
    expect(strength(a)).toBeCloseTo(0.225);
    expect(strength(c)).toBe(0);
    expect(a.getAttribute('aria-label')).toBe('“a”: influence 25% of the strongest');
    expect(c.getAttribute('aria-label')).toBe('“c”: the prediction explained');
    // On the log scale a quarter of the strongest is 0.6 of 4 decades down: still strongly coloured.
    await fireEvent.change(screen.getByRole('combobox', { name: 'Connectivity scale' }), { target: { value: 'log' } });
    expect(strength(screen.getAllByRole('button')[0])).toBeCloseTo(0.9 * (1 + Math.log10(0.25) / 4), 2);
  });

  it("explains a classifier's predicted class over the whole text at once", async () => {
    mock.invoke.mockResolvedValue({ runId: 1, checkpointId: 3, step: 30, position: null, target: 'spam', connectivity: [1, 0, 3] });
    render(InspectConnectivity, { runId: 1, text: 'abc', task: 'classify' });
    await screen.findByText(/“spam”/);
    expect(mock.invoke).toHaveBeenCalledWith('runs:connectivity', { runId: 1, checkpointId: undefined, text: 'abc' });
    expect(strength(screen.getByRole('button', { name: /“c”/ }))).toBeCloseTo(0.9);
  });
});

describe('Gradient flow', () => {
  it('measures every ticked run once and overlays them, with a failed one named', async () => {
    mock.invoke.mockImplementation(async (_c: string, req: { runId: number }): Promise<GradientFlowReply> => {
      if (req.runId === 3) throw new ApiError('bad-input', 'no validation windows');
      const decay = req.runId === 1 ? 0.5 : 0.95;
      const norms = Array.from({ length: 60 }, (_, k) => decay ** k);
      return { runId: req.runId, checkpointId: 1, step: 60, cell: req.runId === 1 ? 'rnn' : 'lstm', seqLen: 60, windows: 32, source: 'validation', norms, relative: norms, byLayer: [norms] };
    });
    render(InspectGradientFlow, { runs: [runSummary(1, 'rnn'), runSummary(2), runSummary(3, 'gru')], current: 1 });
    await screen.findByRole('table', { name: 'Gradient flow by run' });
    await fireEvent.click(screen.getByRole('checkbox', { name: 'Overlay run 2' }));
    await fireEvent.click(screen.getByRole('checkbox', { name: 'Overlay run 3' }));
    await waitFor(() => expect(screen.getByRole('alert').textContent).toBe('Run #3: no validation windows Try again'));
    const rows = within(screen.getByRole('table', { name: 'Gradient flow by run' })).getAllByRole('row').slice(1);
    expect(rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent))).toEqual([
      ['#1', 'rnn', '60', '32 validation × 60', (0.5 ** 10).toExponential(1), (0.5 ** 50).toExponential(1)],
      ['#2', 'lstm', '60', '32 validation × 60', (0.95 ** 10).toExponential(1), (0.95 ** 50).toExponential(1)],
    ]);
    expect(screen.getByLabelText(/by steps back/).getAttribute('data-series')).toBe('2');
    await fireEvent.click(screen.getByRole('checkbox', { name: 'Overlay run 2' }));
    await fireEvent.click(screen.getByRole('checkbox', { name: 'Overlay run 2' }));
    expect(mock.invoke).toHaveBeenCalledTimes(3);
    await fireEvent.click(within(screen.getByRole('alert')).getByRole('button', { name: 'Try again' }));
    expect(mock.invoke).toHaveBeenCalledTimes(4);
    expect(mock.invoke).toHaveBeenLastCalledWith('runs:gradient-flow', { runId: 3 });
  });
});
