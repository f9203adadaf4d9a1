// The one pure mapping every exporter starts from: a checkpoint → a format-neutral ModelSpec, with each
// recurrent layer's weights split by gate NAME, so that each format orders the gates its own way (the
// tables below), and the vocabulary contract (`vocab.json`) that every format writes beside its model.
// No TensorFlow.js: the core runs exports.
//
// What the studio computes (main/engine/model/generator.ts, classifier.ts, recurrence.ts), which every
// format must reproduce:
//  - embedding [V, E] → L recurrent layers (H units; a classifier's layers may also read right to left,
//    the two directions' outputs concatenated, forward first) → dense [D·H, O] + bias → softmax.
//  - LSTM: i, f, o = σ(x·Wᵢ + h·Uᵢ + bᵢ)…, c̃ = tanh(x·W_c + h·U_c + b_c), c = f·c + i·c̃, h = o·tanh(c).
//  - GRU (Keras reset_after=false, ONNX linear_before_reset=0): z, r = σ(x·W + h·U + b),
//    h̃ = tanh(x·W_h + (r·h)·U_h + b_h), h = z·h + (1 − z)·h̃. One bias per gate (ONNX's Rb = 0).
//  - SimpleRNN: h = tanh(x·W + h·U + b). Every state starts at zero.
//  - Generators read ids [B, T] and give next-character probabilities [B, T, V].
//  - Classifiers read texts right-padded to the batch's longest; a padded step leaves the state as it
//    was (so the forward direction ends on the last real character, and the backward direction starts
//    from zeros at it). Pooling of the top layer: 'last' = the forward state after the last real
//    character (+ the backward state after reading back to the first); 'mean' = the mean over real
//    steps (0 for an empty text); 'max' = the max over real steps (−1e9 for an empty text). → [B, C].
import type { CellType, Pooling, RunConfig, Task } from '../../../shared/config.ts';
import type { CheckpointState } from '../storage/checkpoint.ts';
import { UNKNOWN } from '../corpus/charset.ts';

/** A row-major float32 array and its shape. */
export interface SpecTensor {
  shape: number[];
  data: Float32Array;
}

/** Gate names: LSTM input/forget/cell/output, GRU update/reset/candidate, SimpleRNN its one `hidden`. */
export type GateName = 'input' | 'forget' | 'cell' | 'output' | 'update' | 'reset' | 'candidate' | 'hidden';

/** Our checkpoints' gate order (= Keras / TensorFlow.js: LSTM i f c o, GRU z r h). */
export const STUDIO_GATES: Record<CellType, readonly GateName[]> = {
  lstm: ['input', 'forget', 'cell', 'output'],
  gru: ['update', 'reset', 'candidate'],
  rnn: ['hidden'],
};

/** Gate order per format: ours → TF.js/Keras, ONNX (LSTM i o f c, GRU z r h), PyTorch (LSTM i f g o, GRU r z n). */
export const GATE_ORDERS: Record<'tfjs' | 'onnx' | 'pytorch', Record<CellType, readonly GateName[]>> = {
  tfjs: STUDIO_GATES,
  onnx: { lstm: ['input', 'output', 'forget', 'cell'], gru: ['update', 'reset', 'candidate'], rnn: ['hidden'] },
  pytorch: { lstm: ['input', 'forget', 'cell', 'output'], gru: ['reset', 'update', 'candidate'], rnn: ['hidden'] },
};

/** GRU: the reset gate multiplies h before the recurrent product (Keras reset_after=false, ONNX linear_before_reset=0). */
export const GRU_RESET_BEFORE_RECURRENT_PRODUCT = true;

/** Score added to a padded step before max pooling, as the studio does (an empty text pools to this). */
export const MAX_POOL_PADDING_SCORE = -1e9;

/** One gate's weights. */
export interface GateWeights {
  /** [In, H]: multiplies the layer's input (row vector) x·W. */
  input: SpecTensor;
  /** [H, H]: multiplies the previous h (GRU candidate: r·h). */
  recurrent: SpecTensor;
  /** [H]. */
  bias: SpecTensor;
}

export interface DirectionSpec {
  direction: 'forward' | 'backward';
  /** In: E for layer 0, else D·H. */
  inputSize: number;
  /** Exactly the cell's gates (STUDIO_GATES[cell]); read them with `gate()`. */
  gates: Partial<Record<GateName, GateWeights>>;
}

export interface LayerSpec {
  /** [forward] or [forward, backward]. */
  directions: DirectionSpec[];
}

export interface VocabularySpec {
  /** index → character; '' is the unknown symbol. */
  chars: string[];
  /** Index of the unknown symbol in `chars`, or null when the vocabulary has none. */
  unknownId: number | null;
  /** Model input id of chars[i] = i + idOffset: 0 for generators, 1 for classifiers (0 = padding). */
  idOffset: number;
  /** Classifiers: the input id of padding (0); null for generators. */
  padId: number | null;
}

export interface ModelSpec {
  task: Task;
  cell: CellType;
  units: number;
  embeddingSize: number;
  vocabulary: VocabularySpec;
  /** Classifiers: class names in output order; null for generators. */
  labels: string[] | null;
  /** Classifiers: characters read per text (longer texts are truncated); null for generators. */
  maxLen: number | null;
  /** Classifiers: how the top layer is pooled; null for generators. */
  pooling: Pooling | null;
  bidirectional: boolean;
  /** [V, E], indexed by vocabulary index (not input id: see `inputEmbedding`). */
  embedding: SpecTensor;
  layers: LayerSpec[];
  /** kernel [D·H, O], bias [O]; O = V for generators, the number of classes for classifiers. */
  output: { kernel: SpecTensor; bias: SpecTensor };
  /** Generators: the character fed first when there is no prime. */
  startChar: string;
  /** Optimizer steps the weights had when checkpointed. */
  step: number;
  /** The run's seed: its data split and batches (the PyTorch export writes the split it made). */
  seed: number;
  config: RunConfig;
}

function tensor(state: CheckpointState, name: string, shape: number[]): SpecTensor {
  const t = state.tensors.get(name);
  if (!t) throw new Error(`the checkpoint has no weights named ${name}`);
  if (t.shape.length !== shape.length || t.shape.some((n, i) => n !== shape[i])) {
    throw new Error(`the checkpoint's ${name} is [${t.shape.join(', ')}], not [${shape.join(', ')}]`);
  }
  return { shape, data: t.data };
}

/** Columns [from, from + n) of a row-major [rows, cols] matrix, as [rows, n]. */
function columns(m: SpecTensor, from: number, n: number): SpecTensor {
  const [rows, cols] = m.shape;
  const data = new Float32Array(rows * n);
  for (let r = 0; r < rows; r++) data.set(m.data.subarray(r * cols + from, r * cols + from + n), r * n);
  return { shape: [rows, n], data };
}

/** The pure mapping: a loaded checkpoint (storage/checkpoint.ts `loadCheckpoint`) → its ModelSpec. */
export function modelSpecFromCheckpoint(state: CheckpointState): ModelSpec {
  const { config } = state;
  const { cell, units: H, layers, embedding: E, bidirectional, pooling } = config.model;
  const classify = config.task === 'classify';
  if (classify && !state.labels) throw new Error('the checkpoint is a classifier without class names');
  const V = state.vocab.length;
  const O = classify ? state.labels!.length : V;
  const dirs = bidirectional ? (['fwd.', 'bwd.'] as const) : ([''] as const);
  const D = dirs.length;
  const gates = STUDIO_GATES[cell];
  const G = gates.length;
  const layerSpecs: LayerSpec[] = [];
  for (let l = 0; l < layers; l++) {
    const inputSize = l === 0 ? E : D * H;
    layerSpecs.push({
      directions: dirs.map((d, di) => {
        const kernel = tensor(state, `layer${l}.${d}kernel`, [inputSize, G * H]);
        const recurrent = tensor(state, `layer${l}.${d}recurrentKernel`, [H, G * H]);
        const bias = tensor(state, `layer${l}.${d}bias`, [G * H]);
        const byName: Partial<Record<GateName, GateWeights>> = {};
        gates.forEach((g, k) => {
          byName[g] = {
            input: columns(kernel, k * H, H),
            recurrent: columns(recurrent, k * H, H),
            bias: { shape: [H], data: bias.data.slice(k * H, (k + 1) * H) },
          };
        });
        return { direction: di === 0 ? 'forward' : 'backward', inputSize, gates: byName };
      }),
    });
  }
  const unknownId = state.vocab.indexOf(UNKNOWN);
  return {
    task: config.task,
    cell,
    units: H,
    embeddingSize: E,
    vocabulary: { chars: [...state.vocab], unknownId: unknownId >= 0 ? unknownId : null, idOffset: classify ? 1 : 0, padId: classify ? 0 : null },
    labels: classify ? [...state.labels!] : null,
    maxLen: classify ? config.train.maxLen : null,
    pooling: classify ? pooling : null,
    bidirectional,
    embedding: tensor(state, 'embedding', [V, E]),
    layers: layerSpecs,
    output: { kernel: tensor(state, 'output.kernel', [D * H, O]), bias: tensor(state, 'output.bias', [O]) },
    startChar: state.startChar,
    step: state.step,
    seed: state.seed,
    config,
  };
}

/** One gate of one direction; throws if the cell has no such gate. */
export function gate(dir: DirectionSpec, name: GateName): GateWeights {
  const g = dir.gates[name];
  if (!g) throw new Error(`this cell has no ${name} gate`);
  return g;
}

/**
 * A direction's gates stacked in `order`. 'input' → [In, G·H], 'recurrent' → [H, G·H], 'bias' → [G·H]
 * (Keras / TF.js layout: gate blocks side by side). With `transposed`, the matrices are [G·H, In] and
 * [G·H, H] (ONNX / PyTorch layout: gate blocks stacked, each row a unit).
 */
export function stackGates(dir: DirectionSpec, order: readonly GateName[], part: keyof GateWeights, transposed = false): SpecTensor {
  const blocks = order.map((name) => gate(dir, name)[part]);
  const H = blocks[0].shape[blocks[0].shape.length - 1];
  const G = blocks.length;
  if (part === 'bias') {
    const data = new Float32Array(G * H);
    blocks.forEach((b, k) => data.set(b.data, k * H));
    return { shape: [G * H], data };
  }
  const rows = blocks[0].shape[0];
  const data = new Float32Array(rows * G * H);
  if (transposed) {
    blocks.forEach((b, k) => {
      for (let r = 0; r < rows; r++) for (let u = 0; u < H; u++) data[(k * H + u) * rows + r] = b.data[r * H + u];
    });
    return { shape: [G * H, rows], data };
  }
  blocks.forEach((b, k) => {
    for (let r = 0; r < rows; r++) data.set(b.data.subarray(r * H, (r + 1) * H), r * G * H + k * H);
  });
  return { shape: [rows, G * H], data };
}

/** The embedding indexed by model input id: [V + idOffset, E], row 0 zeros for classifiers (padding). */
export function inputEmbedding(spec: ModelSpec): SpecTensor {
  const { idOffset } = spec.vocabulary;
  const [V, E] = spec.embedding.shape;
  const data = new Float32Array((V + idOffset) * E);
  data.set(spec.embedding.data, idOffset * E);
  return { shape: [V + idOffset, E], data };
}

/**
 * `vocab.json`, the contract every format writes beside its model:
 *  - `chars`: index → character ('' is the unknown symbol); `unknownId`: its index, or null.
 *  - Input ids: the id of chars[i] is i + `idOffset`. Generators: idOffset 0, `padId` null. Classifiers:
 *    idOffset 1 and `padId` 0 — texts are truncated to `maxLen` characters, right-padded with 0 to a
 *    batch's longest, and padding never changes the answer.
 *  - A character not in `chars` is encoded as `unknownId` when there is one; otherwise a classifier
 *    leaves it out (as the studio does) and a generator's prime may not contain it.
 *  - Output: generators, next-character probabilities [batch, time, chars.length] (the studio never
 *    samples the unknown symbol); classifiers, class probabilities [batch, labels.length].
 *  - `startChar`: what a generator is fed first when there is no prime. `config`: the run's config.
 */
export interface VocabContract {
  format: 'rnn-studio-vocab';
  version: 1;
  task: Task;
  chars: string[];
  unknownId: number | null;
  idOffset: number;
  padId: number | null;
  labels: string[] | null;
  maxLen: number | null;
  startChar: string;
  /** Where the model came from: the run and checkpoint, and the step its weights had. */
  source: { runId: number | null; checkpointId: number | null; step: number };
  config: RunConfig;
}

export function vocabContract(spec: ModelSpec, source: { runId?: number | null; checkpointId?: number | null } = {}): VocabContract {
  return {
    format: 'rnn-studio-vocab',
    version: 1,
    task: spec.task,
    chars: spec.vocabulary.chars,
    unknownId: spec.vocabulary.unknownId,
    idOffset: spec.vocabulary.idOffset,
    padId: spec.vocabulary.padId,
    labels: spec.labels,
    maxLen: spec.maxLen,
    startChar: spec.startChar,
    source: { runId: source.runId ?? null, checkpointId: source.checkpointId ?? null, step: spec.step },
    config: spec.config,
  };
}

/**
 * A text as model input ids, by the contract above: code points, unknown characters as `unknownId` (or
 * left out when there is none), shifted by idOffset, and for classifiers truncated to maxLen.
 */
export function encodeText(spec: Pick<ModelSpec, 'vocabulary' | 'maxLen'>, text: string): number[] {
  const { chars, unknownId, idOffset } = spec.vocabulary;
  const index = new Map(chars.map((c, i) => [c, i] as const).filter(([c]) => c !== UNKNOWN));
  const ids: number[] = [];
  for (const c of text) {
    const i = index.get(c) ?? unknownId;
    if (i !== null) ids.push(i + idOffset);
  }
  return spec.maxLen !== null && ids.length > spec.maxLen ? ids.slice(0, spec.maxLen) : ids;
}
