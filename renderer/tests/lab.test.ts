// The Lab screen against a mocked core: it opens at the step the learner left off, Back and Next save
// the step they move to, step 1 shows each character of the corpus above its id in the vocabulary, step 7
// downloads the report in the chosen language, and in Traditional Chinese the Lab's words are Chinese.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { render, screen, fireEvent, waitFor, within } from '@testing-library/svelte';
import type { Channel, RequestOf } from '../../shared/api.ts';
import type { LabState, LabUpdate } from '../../shared/lab.ts';
import type { Dataset, DatasetDetail } from '../../shared/types.ts';
import type { Message } from '../../shared/i18n/index.ts';
import enLab from '../../shared/i18n/en/lab.ts';
import zhLab from '../../shared/i18n/zh-TW/lab.ts';
import enLesson from '../../shared/i18n/en/lesson.ts';

const mock = vi.hoisted(() => ({ invoke: vi.fn(), listeners: new Map<string, Set<(payload: unknown) => void>>() }));
vi.mock('../src/lib/api.ts', async () => (await import('./api-mock.ts')).fakeApi(mock));

const { default: Lab } = await import('../src/screens/Lab.svelte');
const { app } = await import('../src/state/app.svelte.ts');
const { locale } = await import('../src/lib/i18n.svelte.ts');
const { vocabularyOf } = await import('../src/components/lab/lab.svelte.ts');

const TEXT = 'Fellow-Citizens of the Senate and of the House of Representatives: among the vicissitudes';

function labState(more: Partial<LabState> = {}): LabState {
  return {
    step: 'corpus', done: [], datasetId: null, rnnRunId: null, comparisonId: null, passage: null, labelledDatasetId: null,
    classifierRunIds: { single: null, bidirectional: null, stacked: null }, notes: '', updatedAt: null, ...more,
  };
}

function dataset(): DatasetDetail {
  const counts = new Map<string, number>();
  for (const c of TEXT) counts.set(c, (counts.get(c) ?? 0) + 1);
  const charCounts = [...counts].map(([char, count]) => ({ char, count })).sort((a, b) => b.count - a.count || a.char.codePointAt(0)! - b.char.codePointAt(0)!);
  return {
    id: 3, name: 'speeches', kind: 'text', sourcePath: '/x', sha256: '', bytes: TEXT.length, chars: TEXT.length, files: 1, distinctChars: charCounts.length,
    charsetSize: charCounts.length, maxCharset: 200, unknownChars: 0, encoding: 'utf-8', format: 'text', examples: null, labels: null, lengths: null, createdAt: '', charCounts,
  };
}

/** A core that keeps the Lab's state as lab:update changes it. */
let state: LabState;
const reply: Partial<Record<Channel, (request: never) => unknown>> = {
  'lab:get': () => state,
  'lab:update': (u: LabUpdate) => (state = { ...state, ...u, classifierRunIds: { ...state.classifierRunIds, ...u.classifierRunIds } }),
  'lab:reset': () => (state = labState()),
  'lab:report': ({ locale: l }: RequestOf<'lab:report'>) => ({ html: `<html lang="${l}"></html>`, fileName: `rnn-studio-lab-${l}.html` }),
  'datasets:get': () => dataset(),
  'datasets:preview': ({ chars }: RequestOf<'datasets:preview'>) => ({ text: TEXT.slice(0, chars), truncated: true }),
  'comparisons:get': () => Promise.reject(new Error('none')),
};

/** The downloads the page started: each link it clicked. */
let clicked: Array<{ download: string; href: string }> = [];
vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
  clicked.push({ download: this.download, href: this.href });
});
URL.createObjectURL = vi.fn(() => 'blob:report');
URL.revokeObjectURL = vi.fn();

beforeEach(() => {
  clicked = [];
  mock.invoke.mockReset();
  mock.listeners.clear();
  mock.invoke.mockImplementation(async (channel: Channel, request: never) => {
    const answer = reply[channel];
    if (!answer) throw new Error(`unexpected ${channel}`);
    return answer(request);
  });
  state = labState();
  locale.set('en');
  app.datasets = [dataset() as Dataset];
  app.loaded = true;
});
afterEach(() => locale.set('en'));

const updates = () => mock.invoke.mock.calls.filter(([c]) => c === 'lab:update').map(([, u]) => u as LabUpdate);
const stepList = () => screen.getByRole('navigation', { name: enLab['steps.list'] });

describe('Lab', () => {
  it('opens at the step the learner left off, with the steps done marked', async () => {
    state = labState({ step: 'gates', done: ['corpus', 'simple-rnn', 'gradients'], datasetId: 3 });
    render(Lab);
    await screen.findByText('Step 4 of 7');
    const list = stepList();
    expect(within(list).getByRole('button', { current: 'step' }).textContent).toContain('Gates');
    expect(screen.getByTestId('lab-step-corpus').dataset.state).toBe('done');
    expect(screen.getByTestId('lab-step-gates').dataset.state).toBe('current');
    expect(screen.getByTestId('lab-step-classify').dataset.state).toBe('todo');
    expect(mock.invoke).toHaveBeenCalledWith('lab:get', {});
    // The lesson's explanation of the step, a paragraph for each of its blank-line separated parts.
    expect(screen.getByRole('heading', { level: 3 }).textContent).toBe(enLesson['gates.title']);
    const paragraphs = [...screen.getByTestId('lab-explanation').querySelectorAll('p')].map((p) => p.textContent);
    expect(paragraphs).toEqual(enLesson['gates.body'].split(/\n\n/));
  });

  it('saves the step Next and Back move to, and a step chosen in the list', async () => {
    state = labState({ step: 'simple-rnn', datasetId: 3, done: ['corpus'] });
    render(Lab);
    await screen.findByText('Step 2 of 7');
    await fireEvent.click(screen.getByRole('button', { name: /Next/ }));
    await screen.findByText('Step 3 of 7');
    await fireEvent.click(screen.getByRole('button', { name: /Back/ }));
    await screen.findByText('Step 2 of 7');
    await fireEvent.click(screen.getByTestId('lab-step-findings'));
    await screen.findByText('Step 7 of 7');
    expect(updates()).toEqual([{ step: 'gradients' }, { step: 'simple-rnn' }, { step: 'findings' }]);
    expect((screen.getByRole('button', { name: /Next/ }) as HTMLButtonElement).disabled).toBe(true);
  });

  it('step 1 shows each of the first characters above its id in the vocabulary', async () => {
    state = labState({ datasetId: 3, done: ['corpus'] });
    render(Lab);
    const seen = await screen.findByRole('list', { name: enLab['corpus.sees'] });
    const items = within(seen).getAllByRole('listitem');
    expect(items).toHaveLength(48);
    const vocab = vocabularyOf(dataset());
    expect(items[0].textContent).toContain('F');
    expect(within(items[0]).getByTestId('lab-char-id').textContent).toBe(String(vocab.indexOf('F')));
    expect(items[6].textContent).toContain('-');
    expect(within(items[7]).getByTestId('lab-char-id').textContent).toBe(String(vocab.indexOf('C')));
    expect(items[15].textContent).toContain('␣'); // "Fellow-Citizens " — the space shown by its sign
    expect(screen.getByText(String(TEXT.length))).toBeTruthy(); // characters
    expect(screen.getByRole('table', { name: 'Charset' })).toBeTruthy();
  });

  it('step 1 imports the bundled corpus and saves it as the Lab’s', async () => {
    app.info = { sampleCorpus: { path: '/r/corpus.txt', name: 'State of the Union' }, sampleNames: { path: '/r/names.csv', name: 'names' } } as typeof app.info;
    reply['datasets:import'] = () => ({ dataset: dataset(), existing: false, warnings: [] });
    reply['app:info'] = () => app.info;
    reply['datasets:list'] = () => [dataset()];
    reply['runs:list'] = () => [];
    render(Lab);
    await fireEvent.click(await screen.findByRole('button', { name: enLab['corpus.bundled'] }));
    await waitFor(() => expect(updates()).toContainEqual({ datasetId: 3, done: ['corpus'] }));
    expect(mock.invoke).toHaveBeenCalledWith('datasets:import', { path: '/r/corpus.txt', name: 'State of the Union' });
    await screen.findByRole('list', { name: enLab['corpus.sees'] });
  });

  it('step 6 trains the three classifiers one after another, saving each as it starts', async () => {
    state = labState({ step: 'classify' });
    const names = { ...dataset(), id: 5, name: 'names', kind: 'labelled' } as Dataset;
    app.datasets = [dataset() as Dataset, names];
    let next = 10;
    const started: unknown[] = [];
    reply['runs:start'] = (request: RequestOf<'runs:start'>) => {
      started.push(request.config);
      return { id: ++next, status: 'created' };
    };
    reply['runs:get'] = ({ id }: RequestOf<'runs:get'>) => ({ id, status: 'finished', step: 40, totalSteps: 40, evaluations: [] });
    render(Lab);
    await fireEvent.change(await screen.findByRole('combobox', { name: new RegExp(enLab['classify.choose']) }), { target: { value: '5' } });
    await fireEvent.input(screen.getByRole('spinbutton', { name: enLab.stepsPerClassifier }), { target: { value: '40' } });
    await fireEvent.click(screen.getByRole('button', { name: enLab['classify.train'] }));
    await waitFor(() => expect(state.done).toEqual(['classify']));
    expect(started.map((c) => (c as { model: object }).model)).toEqual([
      { cell: 'lstm', layers: 1, units: 64, embedding: 32, bidirectional: false },
      { cell: 'lstm', layers: 1, units: 64, embedding: 32, bidirectional: true },
      { cell: 'lstm', layers: 2, units: 64, embedding: 32, bidirectional: true },
    ]);
    expect(started.every((c) => (c as { task: string; train: { maxSteps: number } }).task === 'classify' && (c as { train: { maxSteps: number } }).train.maxSteps === 40)).toBe(true);
    expect(updates().map((u) => u.classifierRunIds)).toEqual([{ single: null, bidirectional: null, stacked: null }, { single: 11 }, { bidirectional: 12 }, { stacked: 13 }, undefined]);
    expect(state.classifierRunIds).toEqual({ single: 11, bidirectional: 12, stacked: 13 });
    delete reply['runs:start'];
    delete reply['runs:get'];
  });

  it('step 7 downloads the report as an HTML file in the chosen language', async () => {
    state = labState({ step: 'findings' });
    render(Lab);
    await fireEvent.click(await screen.findByRole('button', { name: enLab['findings.download'] }));
    await screen.findByText('Downloaded rnn-studio-lab-en.html.');
    expect(mock.invoke).toHaveBeenCalledWith('lab:report', { locale: 'en' });
    expect(clicked).toEqual([{ download: 'rnn-studio-lab-en.html', href: 'blob:report' }]);
  });

  it('step 7 saves the notes after a pause in typing', async () => {
    state = labState({ step: 'findings' });
    render(Lab);
    const notes = await screen.findByRole('textbox', { name: enLab['findings.notes'] });
    await fireEvent.input(notes, { target: { value: 'The LSTM wins.' } });
    await waitFor(() => expect(updates()).toContainEqual({ notes: 'The LSTM wins.' }));
    await screen.findByText(enLab['findings.saved']);
  });

  it('speaks Traditional Chinese: no English word of the Lab is left', async () => {
    locale.set('zh-TW');
    state = labState({ datasetId: 3, done: ['corpus'] });
    render(Lab);
    await screen.findByRole('list', { name: zhLab['corpus.sees'] });
    expect(screen.getByRole('heading', { name: '實驗室' })).toBeTruthy();
    expect(screen.getByText('第 1 步，共 7 步')).toBeTruthy();
    expect(screen.getByRole('button', { name: /下一步/ })).toBeTruthy();
    const forms = (m: Message) => (typeof m === 'string' ? [m] : Object.values(m).filter((f): f is string => f !== undefined));
    const zhWords = Object.values(zhLab).flatMap(forms).join('\n');
    const english = [...new Set(Object.values(enLab).flatMap(forms).flatMap((s) => s.split(/\{\w+\}/).map((f) => f.trim())))].filter((f) => /[A-Za-z]{3,}/.test(f) && !zhWords.includes(f));
    const lab = screen.getByRole('region', { name: '實驗室' });
    const labels = [...lab.querySelectorAll('[aria-label],[title]')].map((el) => `${el.getAttribute('aria-label') ?? ''} ${el.getAttribute('title') ?? ''}`);
    const said = [lab.textContent ?? '', ...labels].join('\n');
    expect(english.filter((f) => said.includes(f))).toEqual([]);

    await fireEvent.click(screen.getByTestId('lab-step-findings'));
    await fireEvent.click(await screen.findByRole('button', { name: zhLab['findings.download'] }));
    await waitFor(() => expect(clicked).toEqual([{ download: 'rnn-studio-lab-zh-TW.html', href: 'blob:report' }]));
    expect(mock.invoke).toHaveBeenCalledWith('lab:report', { locale: 'zh-TW' });
  });
});
