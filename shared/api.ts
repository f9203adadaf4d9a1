// The one API contract. Every transport — Electron IPC, the loopback WebSocket bridge, the CLI —
// implements exactly this: `noun:verb` channels with a request and a reply, plus pushed events.
// Requests are validated against shared/schemas.ts at the edge, whatever the transport.
import type { RunConfigInput, SampleParamsInput } from './config.ts';
import type { EngineFacts } from './engine.ts';
import type { DatasetFormat, ExportFormat } from './formats.ts';
import type { ProgressEvent } from './worker-protocol.ts';
import type {
  BackendName,
  CheckpointRecord,
  Dataset,
  EvaluationRecord,
  DatasetDetail,
  MetricPoint,
  RunDetail,
  RunStatus,
  RunSummary,
  SampleRecord,
  SurpriseChar,
} from './types.ts';
import type { CellType } from './config.ts';
import type { LabState, LabUpdate } from './lab.ts';
import type { Locale } from './i18n/index.ts';
import type { CompareReply, ConnectivityReply, GradientFlowReply, TimelineReply, UnitRef, UnitsReply } from './inspect.ts';

export interface AppInfo {
  version: string;
  /** The data folder: SQLite database and every artifact. */
  home: string;
  schemaVersion: number;
  /** The backend training uses, once a worker has reported it; null before. */
  backend: BackendName | null;
  /** What the heavy arithmetic runs on, e.g. "native avx512 kernels on 2 threads"; null without them. */
  kernels: string | null;
  /** Said beside the backend: how to train faster, or what already makes it fast. */
  backendHint: string;
  /** What the engine runs on, for describeEngine (shared/engine.ts): "fast engine · 2 cores". */
  engine: EngineFacts;
  /** The bundled sample corpus (text, for generators), offered on first launch. */
  sampleCorpus: BundledDataset;
  /** The bundled first names labelled female/male (a CSV, for classifiers), offered on first launch too. */
  sampleNames: BundledDataset;
}

/** A file that ships with the studio, as `datasets:import` takes it (a table names its columns). */
export type BundledDataset = Required<Pick<ImportRequest, 'path' | 'name'>> & Pick<ImportRequest, 'format' | 'textColumn' | 'labelColumn'>;

export interface ImportRequest {
  /** A .txt file or a folder of text files on the machine running the core… */
  path?: string;
  /** …or files the browser streamed to the bridge's /upload endpoint under this id (removed after import). */
  uploadId?: string;
  name?: string;
  /** Distinct characters kept (most frequent first); the rest map to one unknown symbol. */
  maxCharset?: number;
  /** Read a legacy encoding (e.g. windows-1252); UTF-8 and UTF-16 with a BOM need no flag. */
  encoding?: string;
  /**
   * 'text' (a corpus for generators) or a labelled format for classifiers. Default: from the file's
   * extension (shared/formats.ts), else text.
   */
  format?: DatasetFormat;
  /** Labelled tables: the columns holding the text and the label (default: those named text / label). */
  textColumn?: string;
  labelColumn?: string;
  /** 'folders': each line of each file is one example (default: each file is one). */
  perLine?: boolean;
}

/** A table's columns and first rows, to choose the text and label columns before importing. */
export interface InspectReply {
  format: DatasetFormat;
  columns: string[];
  rows: Array<Record<string, string>>;
  total: number;
}

/** What `runs:export` wrote: the model's files and vocab.json (last), as absolute paths. */
export interface ExportReply {
  format: ExportFormat;
  files: string[];
  runId: number;
  checkpointId: number;
}

/**
 * What `runs:import-model` made. A TensorFlow.js bundle: a run with status 'imported' and one checkpoint.
 * A PyTorch folder that train.py trained: a run that continues its parent (stopped, so it resumes here,
 * with the remote curve as its own), or, when the parent is not in this data folder, an 'imported' one.
 */
export interface ImportModelReply {
  run: RunSummary;
  /** The run the model was exported from, when it is in this data folder (the new run uses its dataset). */
  parentRunId: number | null;
  /** Optimizer steps trained outside the studio (0 for a TensorFlow.js bundle). */
  steps: number;
  /** What the user should know: Adam's state restarting on resume, metrics lines left out. */
  notes: string[];
}

export interface ClassifyReply {
  /** Class names, in the order of each result's probabilities. */
  labels: string[];
  /**
   * unknownChars: characters of the text the model never saw (left out, or read as the unknown symbol).
   * When they are all of it, the answer reflects nothing of the text: front ends say so.
   */
  results: Array<{ text: string; label: string; probabilities: number[]; unknownChars: number }>;
  /** Training step of the checkpoint used. */
  step: number;
}

/**
 * A text is "mostly unseen" when more than this share of its characters are unknown to the classifier:
 * the answer then says little about the text, and front ends warn so plainly.
 */
export const MOSTLY_UNSEEN_SHARE = 0.5;

export function isMostlyUnseen(result: Pick<ClassifyReply['results'][number], 'text' | 'unknownChars'>): boolean {
  return result.unknownChars > MOSTLY_UNSEEN_SHARE * [...result.text].length;
}

export interface ImportReply {
  dataset: Dataset;
  /** True when the same text had been imported before: nothing new was stored. */
  existing: boolean;
  warnings: string[];
}

/** The longest dataset name (import's `name`, `datasets:rename`), in UTF-16 units as inputs count them. */
export const MAX_DATASET_NAME_CHARS = 200;

/** The longest text `runs:inspect` reads, in characters (code points). */
export const MAX_INSPECT_CHARS = 100_000;

/** `runs:inspect`: how probable a generator found each character of a text. */
export interface SurpriseReply {
  runId: number;
  checkpointId: number;
  /** Training step of the checkpoint used. */
  step: number;
  /** One per character (code point) of the text, in order. */
  chars: SurpriseChar[];
  /** Mean −log2 p over the characters the model has an id for (its unknown symbol included): bits per character. */
  bitsPerChar: number;
  /** Characters of the text the model's vocabulary does not hold (marked `unknown` in chars). */
  unknownChars: number;
}

export const RUN_COMMANDS = ['pause', 'resume', 'stop', 'checkpoint-now', 'set-learning-rate'] as const;
export type RunCommand = (typeof RUN_COMMANDS)[number];

/** What a config will cost before it runs: size, memory, and time measured by a few probe steps. */
export interface RunEstimate {
  parameters: number;
  /** Characters in the training part of the corpus. */
  trainChars: number;
  /** parameters / trainChars, and what char-rnn's rule of thumb makes of it. */
  ratio: number;
  advice: string;
  /** Peak bytes: weights, gradients, Adam's moments, one step's activations and outputs, the runtime. */
  memoryBytes: number;
  stepsPerEpoch: number;
  /** Measured over probe steps on this machine's backend. */
  secondsPerStep: number;
  secondsPerEpoch: number;
  /** The whole run (runLength in shared/run-plan.ts): maxSteps when set, else epochs × stepsPerEpoch. */
  totalSteps: number;
  /** totalSteps / stepsPerEpoch: passes over the training data. */
  totalEpochs: number;
  /** totalSteps × secondsPerStep; a classifier's patience may stop it sooner. */
  totalSeconds: number;
  charsPerSec: number;
  backend: BackendName;
}

/** Actions chosen in the desktop app's native menu, forwarded to the renderer. */
export type MenuCommand = 'import-file' | 'import-folder' | 'start' | Exclude<RunCommand, 'set-learning-rate'> | 'theme-light' | 'theme-dark' | 'theme-system' | 'lang-system' | 'lang-en' | 'lang-zh-TW' | 'lab' | 'about';

export interface Api {
  'app:info': { request: Record<string, never>; reply: AppInfo };
  'datasets:list': { request: Record<string, never>; reply: Dataset[] };
  'datasets:get': { request: { id: number }; reply: DatasetDetail };
  'datasets:import': { request: ImportRequest; reply: ImportReply };
  'datasets:preview': { request: { id: number; chars?: number }; reply: { text: string; truncated: boolean } };
  'datasets:inspect': { request: { path?: string; uploadId?: string; format?: DatasetFormat }; reply: InspectReply };
  'datasets:delete': { request: { id: number; force?: boolean }; reply: { deletedRuns: number[] } };
  /** Renames a dataset (trimmed, 1 to MAX_DATASET_NAME_CHARS characters); its runs show the new name. */
  'datasets:rename': { request: { id: number; name: string }; reply: Dataset };
  'runs:list': { request: Record<string, never>; reply: RunSummary[] };
  'runs:get': { request: { id: number }; reply: RunDetail };
  /**
   * A config whose estimated peak memory (RunEstimate.memoryBytes) exceeds what this machine has available
   * is refused with the figures and what to lower; skipMemoryCheck starts it anyway.
   */
  /**
   * initFrom: fine-tune that run's latest checkpoint on this dataset — its model and vocabulary stay
   * (characters it never saw read as its unknown symbol, said in the run's ready notes; a model without one
   * is refused), and the new run's parentRunId is that run.
   */
  'runs:start': { request: { datasetId: number; config?: RunConfigInput; skipMemoryCheck?: boolean; initFrom?: number }; reply: RunSummary };
  'runs:estimate': { request: { datasetId: number; config?: RunConfigInput }; reply: RunEstimate };
  /** Continues a stopped, interrupted or finished run from its latest checkpoint. maxSteps is the run's new total. */
  'runs:resume': { request: { id: number; maxSteps?: number; skipMemoryCheck?: boolean }; reply: RunSummary };
  /**
   * A branch: a new run that continues from a checkpoint of run `id` (default: its latest) — the same model,
   * weights, optimizer state and step — with the training settings in `config.train` changed (the model's
   * cannot be). The new run's parentRunId and parentCheckpointId name where it came from; the parent is
   * untouched. maxSteps: the new run's total (default: the parent's, or its step + the parent's maxSteps
   * when the parent already reached it).
   */
  'runs:branch': { request: { id: number; checkpointId?: number; config?: { train?: Partial<RunConfigInput['train']> }; maxSteps?: number; skipMemoryCheck?: boolean }; reply: RunSummary };
  'runs:control': { request: { id: number; command: RunCommand; lr?: number }; reply: RunSummary };
  'runs:delete': { request: { id: number }; reply: { deleted: number } };
  'runs:metrics': { request: { ids: number[] }; reply: Record<number, MetricPoint[]> };
  'samples:generate': {
    request: { runId: number; checkpointId?: number; params?: SampleParamsInput; requestId?: string };
    reply: SampleRecord;
  };
  'samples:list': { request: { runId: number }; reply: SampleRecord[] };
  /** A classifier's class probabilities for each text. */
  'runs:classify': { request: { runId: number; checkpointId?: number; texts: string[] }; reply: ClassifyReply };
  /**
   * Surprise (generators): for each character of `text` (at most MAX_INSPECT_CHARS), the probability the
   * model gave it, the entropy of its prediction and the top alternatives; and bits per character. The first
   * character is predicted from the model's start character, as sampling does. Computed in the engine worker.
   */
  'runs:inspect': { request: { runId: number; checkpointId?: number; text: string }; reply: SurpriseReply };
  /**
   * What units track over a text (generators and classifiers): every unit's hidden state (LSTM: also its
   * cell state and input, forget and output gates; GRU: update and reset gates) per character, ranked by
   * correlation with features of the text and the user's `pattern` (a regular expression); `top` units
   * per feature and kind (default 3). With `unit`, that unit's values per character. Computed in the engine worker.
   */
  'runs:units': { request: { runId: number; checkpointId?: number; text: string; pattern?: string; unit?: UnitRef; top?: number }; reply: UnitsReply };
  /**
   * How strongly each earlier character of `text` influenced the prediction at `position` (generators;
   * classifiers: the predicted class, and position is left out): gradient norms with respect to the inputs.
   */
  'runs:connectivity': { request: { runId: number; checkpointId?: number; text: string; position?: number }; reply: ConnectivityReply };
  /**
   * ‖∂loss_T/∂h_(T−k)‖ for k = 0 … seqLen−1, averaged over `windows` validation windows (default 32) of
   * `seqLen` characters (default: the run's; classifiers: validation texts).
   */
  'runs:gradient-flow': { request: { runId: number; checkpointId?: number; windows?: number; seqLen?: number }; reply: GradientFlowReply };
  /**
   * One run per cell of `cells` on a dataset, at one seed and one parameter budget (the config's, with its
   * own cell; units chosen per cell so parameters match within 5%), trained one after another for `steps`
   * each. Labelled datasets: each cell also runs bidirectional, unless `bidirectional` is false. Replies at once.
   */
  'runs:compare': { request: { datasetId: number; cells: CellType[]; steps?: number; config?: RunConfigInput; bidirectional?: boolean }; reply: CompareReply };
  'comparisons:get': { request: { id: number }; reply: CompareReply };
  /**
   * Takes over a halted or abandoned comparison in this process: its unfinished runs resume from their
   * checkpoints, then the rest start. Refused while another live process drives it.
   */
  'comparisons:continue': { request: { id: number }; reply: CompareReply };
  'comparisons:list': { request: Record<string, never>; reply: CompareReply[] };
  /**
   * A sample at one prime and seed (default: the run's training-sample prime and seed) from every recorded
   * training sample and kept checkpoint, beside the validation loss at its step.
   */
  'runs:timeline': { request: { runId: number; prime?: string; seed?: number; length?: number }; reply: TimelineReply };
  /** A classifier measured on a labelled file: accuracy, macro-F1, per class, confusion, mistakes. */
  'runs:evaluate': {
    request: { runId: number; checkpointId?: number } & Omit<ImportRequest, 'name' | 'maxCharset'>;
    reply: EvaluationRecord;
  };
  /**
   * Writes a run's checkpoint (latest unless given) as `format` into the folder `out` (created if missing;
   * one holding other files is refused unless `force`), with vocab.json. Runs in the core.
   */
  'runs:export': { request: { runId: number; checkpointId?: number; format: ExportFormat; out: string; force?: boolean }; reply: ExportReply };
  /**
   * A tfjs bundle the studio exported (model.json, weights.bin, vocab.json in the folder `path`) becomes a
   * new run with status 'imported'. A bundle that is malformed or not the studio's is refused, naming the
   * file and field, and nothing is stored. Runs in the core.
   */
  'runs:import-model': { request: { path: string }; reply: ImportModelReply };
  /**
   * A native open dialog: only the desktop app has one (the bridge answers "not available"). `purpose`
   * 'export' asks for a folder to write a model into (the dialog may create one); the default is 'import'.
   */
  'dialog:open': { request: { kind: 'file' | 'folder'; purpose?: 'import' | 'export' }; reply: { path: string | null } };
  /**
   * The Lab (shared/lab.ts): what the learner has done, kept in SQLite; a new data folder starts at step 1.
   * A dataset, run or comparison deleted since reads as null, and the step it was the result of is no longer in `done`.
   */
  'lab:get': { request: Record<string, never>; reply: LabState };
  /** Changes what the request names (a step's result, the step the Lab is on) and answers the whole state. Ids must name existing datasets, runs and comparisons of the step's kind (a text corpus, a generator, a comparison of generators, a labelled dataset, classifiers): 'not-found' or 'bad-input' otherwise, naming the field, and nothing changes. */
  'lab:update': { request: LabUpdate; reply: LabState };
  /** Starts the Lab again from step 1; the runs it made stay. */
  'lab:reset': { request: Record<string, never>; reply: LabState };
  /** The Lab's findings as one self-contained HTML file (charts as inline images) in `locale`'s words. */
  'lab:report': { request: { locale: Locale }; reply: { html: string; fileName: string } };
  /** The language the renderer speaks now, so the desktop app's menu speaks it too (other transports only accept it). */
  'app:set-locale': { request: { locale: Locale }; reply: { locale: Locale } };
}

export type Channel = keyof Api;
export type RequestOf<C extends Channel> = Api[C]['request'];
export type ReplyOf<C extends Channel> = Api[C]['reply'];

export interface ApiEvents {
  /**
   * notes: anything the user should know, the engine's details included; engineNotes: those of them that
   * only describe the engine (the CLI prints them with --verbose, after describeEngine(engine)'s words).
   */
  'run:ready': { runId: number; backend: BackendName; parameters: number; totalSteps: number; startStep: number; notes: string[]; engine: EngineFacts; engineNotes: string[] };
  'run:progress': { runId: number } & Omit<ProgressEvent, 'type'>;
  'run:metrics': { runId: number; point: MetricPoint };
  'run:sample': { runId: number; sample: SampleRecord };
  'run:checkpoint': { runId: number; checkpoint: CheckpointRecord };
  'run:evaluation': { runId: number; evaluation: EvaluationRecord };
  'run:status': { runId: number; status: RunStatus; error: string | null };
  /** Text of a `samples:generate` call as it is generated, tagged with the caller's requestId. */
  'sample:chunk': { requestId: string; text: string };
  'menu:command': { command: MenuCommand };
}

export type EventName = keyof ApiEvents;

/** Every pushed event, for transports that forward them all. */
export const EVENT_NAMES = [
  'run:ready',
  'run:progress',
  'run:metrics',
  'run:sample',
  'run:checkpoint',
  'run:evaluation',
  'run:status',
  'sample:chunk',
  'menu:command',
] as const satisfies readonly EventName[];

/** What a renderer, a CLI or a test holds: the API, whatever carries it. */
export interface ApiClient {
  invoke<C extends Channel>(channel: C, request: RequestOf<C>): Promise<ReplyOf<C>>;
  on<E extends EventName>(event: E, listener: (payload: ApiEvents[E]) => void): () => void;
}

/**
 * Errors cross every transport as { code, message }; message is for the user. 'storage': the data folder
 * cannot be written (disk full, read-only) — the message names the folder and what to do.
 */
export type ApiErrorCode = 'invalid-request' | 'not-found' | 'conflict' | 'bad-input' | 'storage' | 'internal';

/**
 * A refusal's words in the studio's catalogue (shared/i18n): the renderer says them in the user's language.
 * `message` stays English (the CLI's, the logs'); params fill the message's {placeholders}.
 */
export interface ErrorWords {
  key: string;
  params?: Record<string, string | number>;
}

export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly words?: ErrorWords,
  ) {
    super(message);
  }
}
