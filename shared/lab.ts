// The Lab (issue 16): the beginners' lesson on recurrent networks, followed step by step on the learner's
// own data. Each step has an explanation (shared/i18n/*/lab.ts), one action, and its result from the
// learner's runs; the steps reuse the studio's runs, comparisons, inspection and evaluation. What the
// learner has done is kept in SQLite (main/db/lab.ts) and the Lab resumes at `step`.
import type { CellType, RunConfigInput } from './config.ts';

/** The seven steps, in the lesson's order. */
export const LAB_STEPS = ['corpus', 'simple-rnn', 'gradients', 'gates', 'gru-lstm', 'classify', 'findings'] as const;
export type LabStepId = (typeof LAB_STEPS)[number];

/** The three classifiers of the classification step: one layer one way, one layer both ways, two layers both ways. */
export const LAB_CLASSIFIERS = ['single', 'bidirectional', 'stacked'] as const;
export type LabClassifier = (typeof LAB_CLASSIFIERS)[number];

/**
 * The runs each step starts, small enough to train in seconds to a minute on a laptop's CPU. `steps` is the
 * default length; the learner may change it (at most LAB_MAX_STEPS).
 */
export const LAB_PLAN = {
  /** Step 2: a small simple RNN on the learner's corpus. */
  simpleRnn: { cell: 'rnn' as CellType, layers: 1, units: 128, embedding: 32, seqLen: 64, batch: 32, steps: 400 },
  /** Steps 3 and 5: SimpleRNN, LSTM and GRU at the simple RNN's parameter budget (runs:compare). */
  cells: ['rnn', 'lstm', 'gru'] as CellType[],
  compareSteps: 400,
  /** Step 6: classifiers on a labelled dataset. */
  classifier: { cell: 'lstm' as CellType, units: 64, embedding: 32, batch: 32, steps: 300 },
  classifiers: {
    single: { layers: 1, bidirectional: false },
    bidirectional: { layers: 1, bidirectional: true },
    stacked: { layers: 2, bidirectional: true },
  } satisfies Record<LabClassifier, { layers: number; bidirectional: boolean }>,
} as const;
export const LAB_MAX_STEPS = 20_000;

/** What the learner has done in the Lab. Every id is null until its step made it. */
export interface LabState {
  /** The step the Lab opens at: where the learner left off. */
  step: LabStepId;
  /** Steps whose action has a result. */
  done: LabStepId[];
  /** Step 1: the text corpus. */
  datasetId: number | null;
  /** Step 2: the simple RNN. */
  rnnRunId: number | null;
  /** Steps 3 and 5: the comparison of SimpleRNN, LSTM and GRU at one budget. */
  comparisonId: number | null;
  /** Step 4: the passage of the learner's text the gates are shown over. */
  passage: string | null;
  /** Step 6: the labelled dataset, and its three classifiers. */
  labelledDatasetId: number | null;
  classifierRunIds: Record<LabClassifier, number | null>;
  /** Step 7: what the learner wrote about their findings. */
  notes: string;
  /** When the learner last changed anything (ISO 8601, UTC); null before the Lab was opened. */
  updatedAt: string | null;
}

/** `lab:update`: the fields to change; the rest stay. */
export type LabUpdate = Partial<Omit<LabState, 'updatedAt' | 'classifierRunIds'>> & { classifierRunIds?: Partial<Record<LabClassifier, number | null>> };

export const LAB_NOTES_MAX = 20_000;

/** How often a Lab run measures and shows itself: enough points for a curve even in a short run. */
const cadence = (steps: number) => {
  const every = Math.max(5, Math.round(steps / 20));
  return { evalEvery: every, logEvery: Math.max(1, Math.round(every / 2)), sampleEvery: Math.max(every, Math.round(steps / 4)), checkpointEvery: Math.max(every, Math.round(steps / 4)) };
};

/** Step 2's simple RNN, trained `steps` steps (the Lab's runs are made here, for the screen and `npm run bench -- --lab` alike). */
export function labSimpleRnnConfig(steps: number): RunConfigInput {
  const p = LAB_PLAN.simpleRnn;
  return {
    task: 'generate',
    model: { cell: p.cell, layers: p.layers, units: p.units, embedding: p.embedding },
    train: { seqLen: p.seqLen, batch: p.batch, maxSteps: steps, ...cadence(steps) },
  };
}

/** Step 6's classifier `which`, trained `steps` steps. */
export function labClassifierConfig(which: LabClassifier, steps: number): RunConfigInput {
  const p = LAB_PLAN.classifier;
  const c = LAB_PLAN.classifiers[which];
  return {
    task: 'classify',
    model: { cell: p.cell, layers: c.layers, units: p.units, embedding: p.embedding, bidirectional: c.bidirectional },
    train: { batch: p.batch, maxSteps: steps, ...cadence(steps) },
  };
}

/** The figures the lesson's explanations quote (lesson.ts in shared/i18n/en and zh-TW: {seqLen}, {units}, {steps}, {batch}), from the plan above. */
export const LAB_LESSON_PARAMS = {
  seqLen: LAB_PLAN.simpleRnn.seqLen,
  units: LAB_PLAN.simpleRnn.units,
  steps: LAB_PLAN.simpleRnn.steps,
  batch: LAB_PLAN.simpleRnn.batch,
} as const;
