// Records as the core hands them out (from SQLite, through any transport). Times are ISO-8601 strings.
import type { RunConfig, SampleParams, Task } from './config.ts';
import type { DatasetFormat } from './formats.ts';

export type BackendName = 'node' | 'wasm' | 'cpu';

/** Said where training runs on neither tfjs-node nor the native kernels: how to make it faster. */
export const FASTER_BACKEND_HINT = 'For native speed install @tensorflow/tfjs-node (it downloads libtensorflow when installed; needs network).';

/** Text lengths of a labelled dataset, in characters (code points); pNN: at least NN% of texts are at most this long. */
export interface LengthStats {
  min: number;
  median: number;
  p90: number;
  /** Absent in datasets imported before it was recorded: lengthCovering() falls back to p90. */
  p95?: number;
  max: number;
  mean: number;
}

export interface Dataset {
  id: number;
  name: string;
  /** 'text': a corpus for generators; 'labelled': examples with labels, for classifiers. */
  kind: 'text' | 'labelled';
  /** Where the user imported it from (file or folder); the content itself lives in the data home. */
  sourcePath: string;
  /** SHA-256 of the stored UTF-8 text: importing the same text twice stores it once. */
  sha256: string;
  /** Bytes of the stored UTF-8 text; for a labelled set, its original file's size (a folder per label: its files'). */
  bytes: number;
  /** Unicode code points. */
  chars: number;
  /** Files the text came from (1 for a single file). */
  files: number;
  /** Distinct characters in the text. */
  distinctChars: number;
  /** Size of the vocabulary the models use: kept characters, plus one unknown symbol if any were dropped. */
  charsetSize: number;
  /** The charset cap this dataset was imported with. */
  maxCharset: number;
  /** Occurrences of characters beyond the cap, all mapped to the unknown symbol. */
  unknownChars: number;
  /** Encoding the source was read as. */
  encoding: string;
  /** Labelled datasets: the source format, examples, classes (sorted by name) and text lengths. */
  format: DatasetFormat;
  examples: number | null;
  labels: Array<{ label: string; count: number }> | null;
  lengths: LengthStats | null;
  createdAt: string;
}

export interface CharCount {
  char: string;
  count: number;
}

export interface DatasetDetail extends Dataset {
  /** Every distinct character with its count, most frequent first. */
  charCounts: CharCount[];
}

export type RunStatus =
  | 'created'
  | 'running'
  | 'paused'
  | 'stopped'
  | 'finished'
  | 'failed'
  /** The process that trained it died (quit, crash, kill) — resumable from its last checkpoint. */
  | 'interrupted'
  /** Made from a model exported earlier (`import-model`): it samples and classifies, and never trained here. */
  | 'imported';

/** A run is live while it may still train (its owner process decides); every other status has ended. */
export const LIVE_STATUSES = ['created', 'running', 'paused'] as const satisfies readonly RunStatus[];
export const isLive = (status: RunStatus): boolean => (LIVE_STATUSES as readonly RunStatus[]).includes(status);

export interface RunSummary {
  id: number;
  datasetId: number;
  datasetName: string;
  task: Task;
  config: RunConfig;
  backend: BackendName | null;
  status: RunStatus;
  step: number;
  totalSteps: number | null;
  epoch: number;
  lastTrainLoss: number | null;
  bestValLoss: number | null;
  parameters: number | null;
  error: string | null;
  createdAt: string;
  startedAt: string | null;
  updatedAt: string;
  finishedAt: string | null;
  /** Seconds spent training, summed over every session of the run. */
  trainSeconds: number;
  /**
   * The run this one came from, when it is in this data folder: the run an imported model was exported
   * from, the run a fine-tune started from, or the run a branch continues (runs:branch).
   */
  parentRunId?: number | null;
  /** A branch: the parent's checkpoint it continues from, and that checkpoint's step. */
  parentCheckpointId?: number | null;
  parentStep?: number | null;
}

export interface MetricPoint {
  runId: number;
  step: number;
  epoch: number;
  trainLoss: number | null;
  valLoss: number | null;
  /** exp(validation loss) when measured, else exp(train loss). */
  perplexity: number | null;
  charsPerSec: number | null;
  lr: number;
  /** Classifiers: accuracy and macro-F1 on validation, when it was measured. */
  valAccuracy: number | null;
  valMacroF1: number | null;
  at: string;
}

export interface SampleRecord {
  id: number;
  runId: number;
  checkpointId: number | null;
  /** Training step of the weights that produced it. */
  step: number;
  source: 'training' | 'user';
  prompt: string;
  params: SampleParams;
  seed: number;
  text: string;
  createdAt: string;
}

export type CheckpointReason = 'periodic' | 'pause' | 'stop' | 'finish' | 'request' | 'best';

export interface CheckpointRecord {
  id: number;
  runId: number;
  step: number;
  epoch: number;
  path: string;
  bytes: number;
  reason: CheckpointReason;
  trainLoss: number | null;
  valLoss: number | null;
  createdAt: string;
}

export interface ClassMetrics {
  label: string;
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface Misclassified {
  text: string;
  label: string;
  predicted: string;
  /** Probability the model gave its (wrong) prediction. */
  confidence: number;
}

/** One cell of a confusion matrix: `count` examples of class `label` were predicted `predicted`. */
export interface ConfusionCell {
  label: string;
  predicted: string;
  count: number;
}

/**
 * A confusion matrix with too many classes to keep whole (C² cells: 50 MB for 5,000 classes): its largest
 * off-diagonal cells and its diagonal.
 */
export interface TopConfusions {
  form: 'top';
  /** Correct predictions of each class (the matrix's diagonal), in `labels` order. */
  correct: number[];
  /** The most frequent mistakes (off-diagonal cells), most frequent first. */
  top: ConfusionCell[];
  /** Wrong predictions in all, and the distinct (true, predicted) pairs they fall in, listed or not. */
  mistakes: number;
  pairs: number;
}

/** A classifier measured on labelled text: its validation split during training, or a file. */
/** One of a generator's top alternatives at a position of an inspected text. */
export interface Alternative {
  /** A vocabulary entry; '' is the unknown symbol. */
  char: string;
  probability: number;
}

/** Surprise at one character of an inspected text (`runs:inspect`). */
export interface SurpriseChar {
  /** One character (code point) of the text. */
  char: string;
  /**
   * What the model gave this character — for one it never saw, its unknown symbol's probability; null when
   * its vocabulary has no unknown symbol (the character is then left out of what the model reads and of
   * bitsPerChar).
   */
  probability: number | null;
  /** Entropy of the model's prediction at this position, in bits. */
  entropy: number;
  /** The 5 most probable characters (fewer if the vocabulary is smaller), most probable first. */
  top: Alternative[];
  /** Present and true when the model's vocabulary does not hold this character. */
  unknown?: true;
}

export interface EvaluationRecord {
  id: number;
  runId: number;
  step: number;
  epoch: number;
  source: 'validation' | 'file';
  /** The evaluated file, for source 'file'. */
  path: string | null;
  examples: number;
  loss: number | null;
  accuracy: number;
  macroF1: number;
  labels: string[];
  /**
   * Up to 50 classes, the whole matrix — rows: true class; columns: predicted class (both in `labels`
   * order). Above that, only its top confusions and diagonal (`form: 'top'`).
   */
  confusion: number[][] | TopConfusions;
  /** Every class; with a `form: 'top'` confusion, only the 100 weakest (lowest F1 first). */
  perClass: ClassMetrics[];
  /** Up to 100, most confident mistakes first. */
  misclassified: Misclassified[];
  createdAt: string;
}

export interface RunDetail extends RunSummary {
  metrics: MetricPoint[];
  samples: SampleRecord[];
  checkpoints: CheckpointRecord[];
  evaluations: EvaluationRecord[];
  /** Classifiers: the class names, in output order. */
  labels: string[] | null;
}
