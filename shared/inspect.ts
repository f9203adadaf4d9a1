// What the studio shows of the inside of a network (issue 12): the replies of `runs:units`,
// `runs:connectivity`, `runs:gradient-flow`, `runs:compare` and `runs:timeline`, and the names they use.
// The engine computes them (main/engine/inspect/), the core records nothing of them but comparisons.
import type { CellType, RunConfig, Task } from './config.ts';

/** The states of a unit, per cell: its output h, and for LSTM its cell state and gates, for GRU its gates. */
export const UNIT_KINDS = {
  rnn: ['hidden'],
  lstm: ['hidden', 'cell', 'input', 'forget', 'output'],
  gru: ['hidden', 'update', 'reset'],
} as const satisfies Record<CellType, readonly string[]>;
export type UnitKind = (typeof UNIT_KINDS)[CellType][number];

/**
 * Features of a text that units are ranked against (find units): each a number per character, 0/1 except
 * line position. `pattern` is the user's regular expression: 1 on the characters it matches.
 */
export const UNIT_FEATURES = {
  'inside-quotes': 'inside quotes',
  'inside-brackets': 'inside brackets',
  'line-position': 'position in the line',
  'after-newline': 'just after a newline',
  'in-word': 'in a word',
  digit: 'a digit',
  pattern: 'matches your pattern',
} as const;
export type UnitFeature = keyof typeof UNIT_FEATURES;

/** The longest regular expression `runs:units` accepts. */
export const MAX_PATTERN_LENGTH = 200;

/** A unit: `unit` counts over the layer's output, so in a bidirectional layer H…2H−1 read right to left. */
export interface UnitRef {
  layer: number;
  unit: number;
}

/** One unit's state of one kind, and how it follows a feature of the text (Pearson correlation, −1…1). */
export interface UnitFinding extends UnitRef {
  kind: UnitKind;
  feature: UnitFeature;
  correlation: number;
}

export interface LayerShape {
  layer: number;
  /** Units per direction. */
  units: number;
  directions: 1 | 2;
  kinds: UnitKind[];
}

/** `runs:units`: what units track over a text. */
export interface UnitsReply {
  runId: number;
  checkpointId: number;
  step: number;
  /** The text's characters (code points), one value of every unit per character. */
  chars: string[];
  layers: LayerShape[];
  /** The features ranked against (pattern only when one was given), with what they mean. */
  features: Array<{ feature: UnitFeature; label: string }>;
  /** For each feature and kind, the units that follow it best (largest |correlation| first), all features together. */
  units: UnitFinding[];
  /** With `unit` in the request: that unit's value of every kind, per character. */
  unit?: UnitRef & { direction: 'forward' | 'backward'; values: Partial<Record<UnitKind, number[]>> };
}

/** `runs:connectivity`: how strongly each earlier character influenced the prediction at `position`. */
export interface ConnectivityReply {
  runId: number;
  checkpointId: number;
  step: number;
  /** Generators: the position (code point index) whose prediction is explained; classifiers: null (the class). */
  position: number | null;
  /** What was differentiated: the character at `position` (or the most probable one when the model cannot read it), or the predicted class. */
  target: string;
  /**
   * One number per earlier character (0 … position−1; classifiers: every character): the L2 norm of the
   * gradient of log p(target) with respect to that character's input embedding.
   */
  connectivity: number[];
}

/** `runs:gradient-flow`: how much of the last prediction's error reaches back k steps. */
export interface GradientFlowReply {
  runId: number;
  checkpointId: number;
  step: number;
  cell: CellType;
  /** Window length: norms has one value per k = 0 … seqLen−1. */
  seqLen: number;
  /** Windows averaged over. */
  windows: number;
  /** Where the windows came from: the run's validation split, or (without one) the end of its training text. */
  source: 'validation' | 'training';
  /** ‖∂loss_T/∂h_(T−k)‖ of the top layer (its forward direction), averaged over the windows. */
  norms: number[];
  /** norms[k] / norms[0]: the share of the error that reaches back k steps. */
  relative: number[];
  /** The same for every layer, bottom first. */
  byLayer: number[][];
}

/** One model of a comparison's plan: a cell (and direction) at the units that meet the budget. */
export interface ComparisonPlanEntry {
  cell: CellType;
  bidirectional: boolean;
  /** Units per direction. */
  units: number;
  parameters: number;
  /** The whole config its run trains with (the reference config with this cell, direction and units). */
  config: RunConfig;
}

/** A comparison as recorded: its plan, and the runs started for it so far (by plan position). */
export interface ComparisonRecord {
  id: number;
  datasetId: number;
  task: Task;
  budget: number;
  plan: ComparisonPlanEntry[];
  prime: string;
  seed: number;
  /** The process that starts the runs one after another. */
  driver: { pid: number; started: string | null; label: string } | null;
  /** Started runs: `runId` null once that run was deleted. Positions missing here never started. */
  started: Array<{ position: number; runId: number | null }>;
  /** Why the rest of the plan will not start (a run failed or was stopped); null while it may. */
  halted: string | null;
  createdAt: string;
}

/**
 * Where a comparison stands: 'running' (a run trains, or the next is about to start), 'done' (every run
 * ended), 'halted' (a run failed or was stopped, or one could not start: the rest never will), 'abandoned'
 * (the process driving it ended before starting them all; the runs it never started stay 'not started').
 */
export type ComparisonState = 'running' | 'done' | 'halted' | 'abandoned';

/** One run of a comparison, with what it reached. */
export interface ComparedRun {
  /** Null while the run has not started (status 'not started'), or once it was deleted (status 'deleted'). */
  runId: number | null;
  cell: CellType;
  bidirectional: boolean;
  /** Units per direction. */
  units: number;
  parameters: number;
  /** The run's status, or 'not started', or 'deleted'. */
  status: string;
  /** Why the run failed, when it did. */
  error: string | null;
  /** Steps trained, and the run's total. */
  step: number;
  totalSteps: number | null;
  /** Best validation loss (nats per character or per text); null until measured. */
  valLoss: number | null;
  /** Generators: valLoss in bits per character. */
  bitsPerChar: number | null;
  /** Training speed over the run: characters (classifiers: examples) per second of training. */
  charsPerSec: number | null;
  /** Generators: a sample from the final checkpoint at the comparison's prime and seed (null until the run ended). */
  sample: string | null;
}

/** `runs:compare`: one run per cell at one parameter budget and seed, trained one after another. */
export interface CompareReply {
  comparisonId: number;
  datasetId: number;
  task: Task;
  /** Parameters of the reference config; every run is within 5% of it. */
  budget: number;
  prime: string;
  seed: number;
  /** Characters of each sample, at temperature `temperature` (the training samples' own). */
  sampleLength: number;
  temperature: number;
  runs: ComparedRun[];
  state: ComparisonState;
  /** What happened when the comparison did not run to its end (halted, abandoned); else null. */
  note: string | null;
  /** True once no run trains and none will start: state is not 'running'. */
  done: boolean;
  createdAt: string;
}

/** One step of a run's timeline: a sample at the timeline's prime and seed, beside the validation loss then. */
export interface TimelineEntry {
  step: number;
  /** 'training': recorded while training at the run's sample prime and seed; 'checkpoint': generated now from a kept checkpoint. */
  source: 'training' | 'checkpoint';
  checkpointId: number | null;
  valLoss: number | null;
  text: string;
}

/** `runs:timeline`: the text growing from noise into words. */
export interface TimelineReply {
  runId: number;
  prime: string;
  seed: number;
  /** Characters generated after the prime, and the sampling temperature (the training samples' own: 0.8). */
  length: number;
  temperature: number;
  /** Ordered by step, one entry per step. */
  entries: TimelineEntry[];
}
