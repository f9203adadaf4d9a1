// The Lab's progress (issue 16): what the learner has done, kept in SQLite so the Lab resumes where they
// left off, in this process or the next. An update names only existing datasets, runs and comparisons of
// the kind its step makes; one deleted later reads as null, and its step no longer counts as done.
import { ApiError } from '../../shared/api.ts';
import { LAB_CLASSIFIERS, LAB_STEPS, type LabState, type LabStepId, type LabUpdate } from '../../shared/lab.ts';
import type { Dataset } from '../../shared/types.ts';
import type { Store } from '../db/index.ts';

/** Where a new data folder's Lab starts: step 1, nothing done. */
const freshState = (): Omit<LabState, 'updatedAt'> => ({
  step: 'corpus',
  done: [],
  datasetId: null,
  rnnRunId: null,
  comparisonId: null,
  passage: null,
  labelledDatasetId: null,
  classifierRunIds: { single: null, bidirectional: null, stacked: null },
  notes: '',
});

/** Whether a step's result is still there: a step whose result was deleted is no longer done. */
const HAS_RESULT: Record<LabStepId, (s: Omit<LabState, 'updatedAt'>) => boolean> = {
  corpus: (s) => s.datasetId !== null,
  'simple-rnn': (s) => s.rnnRunId !== null,
  gradients: (s) => s.comparisonId !== null,
  gates: (s) => s.passage !== null,
  'gru-lstm': (s) => s.comparisonId !== null,
  classify: (s) => s.labelledDatasetId !== null && LAB_CLASSIFIERS.some((c) => s.classifierRunIds[c] !== null),
  findings: () => true,
};

/** Done steps in the lesson's order, each once, those whose result is gone left out. */
function doneSteps(state: Omit<LabState, 'updatedAt'>): LabStepId[] {
  return LAB_STEPS.filter((step) => state.done.includes(step) && HAS_RESULT[step](state));
}

/** What the learner has done; a new data folder's Lab is at step 1 with nothing done. */
export function labState(store: Store): LabState {
  const state = store.lab.get() ?? { ...freshState(), updatedAt: null };
  return { ...state, done: doneSteps(state) };
}

function checkDataset(store: Store, field: string, id: number, kind: Dataset['kind']): void {
  const dataset = store.datasets.get(id);
  if (!dataset) throw new ApiError('not-found', `${field}: there is no dataset ${id}`);
  if (dataset.kind !== kind) {
    throw new ApiError('bad-input', `${field}: dataset ${id} ("${dataset.name}") is ${dataset.kind === 'text' ? 'a text corpus' : 'labelled'}; this step needs ${kind === 'text' ? 'a text corpus' : 'a labelled dataset'}`);
  }
}

function checkRun(store: Store, field: string, id: number, task: 'generate' | 'classify'): void {
  const run = store.runs.get(id);
  if (!run) throw new ApiError('not-found', `${field}: there is no run ${id}`);
  if (run.task !== task) throw new ApiError('bad-input', `${field}: run ${id} is a ${run.task === 'generate' ? 'generator' : 'classifier'}; this step needs a ${task === 'generate' ? 'generator' : 'classifier'}`);
}

function checkComparison(store: Store, id: number): void {
  const comparison = store.comparisons.get(id);
  if (!comparison) throw new ApiError('not-found', `comparisonId: there is no comparison ${id}`);
  if (comparison.task !== 'generate') throw new ApiError('bad-input', `comparisonId: comparison ${id} compares classifiers; this step compares generators`);
}

/** Every id the update names must be an existing dataset, run or comparison of the kind its step makes. */
function checkIds(store: Store, update: LabUpdate): void {
  if (update.datasetId != null) checkDataset(store, 'datasetId', update.datasetId, 'text');
  if (update.labelledDatasetId != null) checkDataset(store, 'labelledDatasetId', update.labelledDatasetId, 'labelled');
  if (update.rnnRunId != null) checkRun(store, 'rnnRunId', update.rnnRunId, 'generate');
  if (update.comparisonId != null) checkComparison(store, update.comparisonId);
  for (const c of LAB_CLASSIFIERS) {
    const id = update.classifierRunIds?.[c];
    if (id != null) checkRun(store, `classifierRunIds.${c}`, id, 'classify');
  }
}

/** The fields a request gives (an absent one and one given as undefined alike leave the state as it is). */
const given = <T extends object>(o: T | undefined): Partial<T> => Object.fromEntries(Object.entries(o ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;

/** Changes what `update` names, the rest stays; answers the whole state. */
export function updateLab(store: Store, update: LabUpdate): LabState {
  return store.transaction(() => {
    checkIds(store, update);
    const { classifierRunIds, ...fields } = update;
    const current = labState(store);
    const next = { ...current, ...given(fields), classifierRunIds: { ...current.classifierRunIds, ...given(classifierRunIds) } };
    store.lab.put({ ...next, done: doneSteps(next) });
    return labState(store);
  });
}

/** Starts the Lab again from step 1; the datasets, runs and comparisons it made stay. */
export function resetLab(store: Store): LabState {
  return store.transaction(() => {
    store.lab.put(freshState());
    return labState(store);
  });
}
