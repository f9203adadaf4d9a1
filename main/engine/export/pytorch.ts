// The PyTorch format: a folder that trains on anywhere PyTorch runs, `torchrun` included, and comes back
// with `rnn-studio import-model` (pytorch-import.ts). Only serialises a ModelSpec and the run's corpus;
// no PyTorch here. Files:
//  - model.safetensors: the weights as the state_dict of train.py's StudioModel, which is
//      embedding = nn.Embedding(V + idOffset, E)   "embedding.weight"
//      rnn = nn.LSTM | nn.RNN(tanh) | StudioGRU     "rnn.weight_ih_l{k}[_reverse]" [G·H, In], "rnn.weight_hh_l{k}…" [G·H, H],
//                                                   "rnn.bias_ih_l{k}…", "rnn.bias_hh_l{k}…" [G·H]
//      output = nn.Linear(D·H, O)                   "output.weight" [O, D·H], "output.bias" [O]
//    in PyTorch's gate order (LSTM i f g o, GRU r z n). The studio has one bias per gate: it goes into
//    bias_ih and bias_hh is zero (an import sums the two, which is exact for every cell here). The GRU is
//    the studio's (reset gate before the recurrent product, Keras reset_after=False), which nn.GRU is not:
//    train.py brings its own StudioGRU with nn.GRU's parameter names (model-spec.ts, docs/scaling.md).
//  - config.json (`PytorchConfig` below): the model, the training settings, the step the weights had, and
//    where the data is.
//  - corpus.bin: input ids as uint16 LE. Generators: the whole corpus, encoded as the studio trains on it,
//    validation from `data.valStart` (the studio's split: the last ⌊N · valSplit⌋ characters). Classifiers:
//    every example's ids (+ idOffset, truncated to maxLen) one after another, with examples.json giving
//    their lengths, class indices and which are held out (the studio's stratified split for the run's seed).
//  - train.py (resources/pytorch/train.py, copied as it is) and vocab.json (written by index.ts).
import { readFileSync } from 'node:fs';
import { Vocabulary } from '../corpus/charset.ts';
import { encodeExamples, readExamples, stratifiedSplit } from '../corpus/examples.ts';
import { ExportError, type ExportFile, type ExportSource } from './index.ts';
import { GATE_ORDERS, inputEmbedding, stackGates, type ModelSpec, type SpecTensor } from './model-spec.ts';
import { encodeSafetensors, type NamedTensor } from './safetensors.ts';
import { transpose } from '../inspect/trace.ts';

export const PYTORCH_FORMAT = 'rnn-studio-pytorch';
export const PYTORCH_VERSION = 1;
export const PYTORCH_FILES = {
  weights: 'model.safetensors',
  config: 'config.json',
  corpus: 'corpus.bin',
  examples: 'examples.json',
  script: 'train.py',
  /** What train.py writes, and import-model reads. */
  checkpoints: 'checkpoints',
  metrics: 'metrics.jsonl',
} as const;

/** config.json: what train.py needs besides the weights (and what import-model checks them against). */
export interface PytorchConfig {
  format: typeof PYTORCH_FORMAT;
  version: typeof PYTORCH_VERSION;
  task: ModelSpec['task'];
  model: {
    cell: ModelSpec['cell'];
    layers: number;
    units: number;
    embedding: number;
    dropout: number;
    bidirectional: boolean;
    pooling: ModelSpec['config']['model']['pooling'];
    /** Rows of the embedding: the vocabulary plus the padding id for classifiers. */
    vocabSize: number;
    outputs: number;
    /** The studio's GRU: the reset gate multiplies h before the recurrent product. */
    gru: 'reset-before';
  };
  train: { seqLen: number; batch: number; lr: number; clip: number; evalBatches: number; classWeights: string; seed: number; maxLen: number | null };
  /** Optimizer steps the exported weights had; train.py numbers its steps on from here. */
  step: number;
  data:
    | { file: string; tokens: number; valStart: number }
    | { file: string; examples: string; count: number };
  source: { runId: number | null; checkpointId: number | null; step: number };
}

/** The state_dict name of a recurrent parameter. */
export function torchRnnName(kind: 'weight_ih' | 'weight_hh' | 'bias_ih' | 'bias_hh', layer: number, backward: boolean): string {
  return `rnn.${kind}_l${layer}${backward ? '_reverse' : ''}`;
}

/** The spec's weights as train.py's state_dict, in the order nn.Module lists them. */
export function torchStateDict(spec: ModelSpec): NamedTensor[] {
  const order = GATE_ORDERS.pytorch[spec.cell];
  const out: NamedTensor[] = [];
  const add = (name: string, t: SpecTensor) => out.push({ name, shape: t.shape, data: t.data });
  add('embedding.weight', inputEmbedding(spec));
  spec.layers.forEach((layer, l) => {
    for (const dir of layer.directions) {
      const backward = dir.direction === 'backward';
      const bias = stackGates(dir, order, 'bias');
      add(torchRnnName('weight_ih', l, backward), stackGates(dir, order, 'input', true));
      add(torchRnnName('weight_hh', l, backward), stackGates(dir, order, 'recurrent', true));
      add(torchRnnName('bias_ih', l, backward), bias);
      add(torchRnnName('bias_hh', l, backward), { shape: bias.shape, data: new Float32Array(bias.data.length) });
    }
  });
  const [DH, O] = spec.output.kernel.shape;
  add('output.weight', { shape: [O, DH], data: transpose(spec.output.kernel.data, DH, O) });
  add('output.bias', spec.output.bias);
  return out;
}

function bytesOf(ids: Uint16Array): Uint8Array {
  return new Uint8Array(ids.buffer, ids.byteOffset, ids.byteLength); // little-endian hosts (x86, ARM)
}

/** The run's data as train.py reads it: corpus.bin (+ examples.json) and config.json's `data`. */
function dataFiles(spec: ModelSpec, contentPath: string): { files: ExportFile[]; data: PytorchConfig['data'] } {
  const vocab = new Vocabulary(spec.vocabulary.chars);
  const t = spec.config.train;
  if (spec.task === 'generate') {
    const ids = vocab.encode(readFileSync(contentPath, 'utf8'));
    const valLen = t.valSplit > 0 ? Math.floor(ids.length * t.valSplit) : 0;
    return { files: [{ name: PYTORCH_FILES.corpus, data: bytesOf(ids) }], data: { file: PYTORCH_FILES.corpus, tokens: ids.length, valStart: ids.length - valLen } };
  }
  const examples = encodeExamples(readExamples(contentPath), vocab, spec.labels!, spec.maxLen!);
  const total = examples.reduce((n, e) => n + e.ids.length, 0);
  const ids = new Uint16Array(total);
  let at = 0;
  for (const e of examples) {
    for (let i = 0; i < e.ids.length; i++) ids[at + i] = e.ids[i] + spec.vocabulary.idOffset;
    at += e.ids.length;
  }
  const { val } = stratifiedSplit(examples.map((e) => e.label), t.valSplit, spec.seed);
  const index = { lengths: examples.map((e) => e.ids.length), labels: examples.map((e) => e.label), val };
  return {
    files: [
      { name: PYTORCH_FILES.corpus, data: bytesOf(ids) },
      { name: PYTORCH_FILES.examples, data: new TextEncoder().encode(JSON.stringify(index) + '\n') },
    ],
    data: { file: PYTORCH_FILES.corpus, examples: PYTORCH_FILES.examples, count: examples.length },
  };
}

export function pytorchConfig(spec: ModelSpec, data: PytorchConfig['data'], source: PytorchConfig['source']): PytorchConfig {
  const { model: m, train: t } = spec.config;
  return {
    format: PYTORCH_FORMAT,
    version: PYTORCH_VERSION,
    task: spec.task,
    model: {
      cell: m.cell,
      layers: m.layers,
      units: m.units,
      embedding: m.embedding,
      dropout: m.dropout,
      bidirectional: m.bidirectional,
      pooling: m.pooling,
      vocabSize: spec.embedding.shape[0] + spec.vocabulary.idOffset,
      outputs: spec.output.bias.shape[0],
      gru: 'reset-before',
    },
    train: { seqLen: t.seqLen, batch: t.batch, lr: t.lr, clip: t.clip, evalBatches: t.evalBatches, classWeights: t.classWeights, seed: spec.seed, maxLen: spec.maxLen },
    step: spec.step,
    data,
    source,
  };
}

export function pytorchFiles(spec: ModelSpec, source: ExportSource): ExportFile[] {
  if (!source.contentPath) {
    throw new ExportError(`this run's corpus is not in this data folder (the run was imported as a model): a PyTorch export carries the corpus to train on, so export the run that trained on it`, 'corpus-missing');
  }
  const { files, data } = dataFiles(spec, source.contentPath);
  const config = pytorchConfig(spec, data, { runId: source.runId ?? null, checkpointId: source.checkpointId ?? null, step: spec.step });
  return [
    { name: PYTORCH_FILES.weights, data: encodeSafetensors(torchStateDict(spec), { format: PYTORCH_FORMAT, step: String(spec.step) }) },
    { name: PYTORCH_FILES.config, data: new TextEncoder().encode(JSON.stringify(config, null, 2) + '\n') },
    ...files,
    { name: PYTORCH_FILES.script, data: readFileSync(source.trainScript) },
  ];
}
