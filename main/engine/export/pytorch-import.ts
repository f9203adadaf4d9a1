// Reading back a PyTorch export (pytorch.ts) after train.py trained it, anywhere: the inverse of
// pytorch.ts. Checked at this edge, each refusal naming the file and the field or tensor: config.json
// against its schema and against vocab.json (the same model, the same vocabulary), the newest
// checkpoints/step-N.safetensors (model.safetensors when train.py never wrote one) against the exact
// names and shapes that model has, every weight finite, and metrics.jsonl line by line. A last line cut
// short (train.py killed while appending) is left out and said; any other bad line is refused.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { POOLINGS, CELL_TYPES } from '../../../shared/config.ts';
import { describeZodError } from '../../../shared/schemas.ts';
import { paramSpecs } from '../model/params.ts';
import { GATE_ORDERS, STUDIO_GATES, type VocabContract } from './model-spec.ts';
import { PYTORCH_FILES, PYTORCH_FORMAT, PYTORCH_VERSION, torchRnnName } from './pytorch.ts';
import { SafetensorsError, decodeSafetensors } from './safetensors.ts';
import { transpose } from '../inspect/trace.ts';
import { BundleError, parse, readJson, readVocab } from './tfjs-import.ts';

const count = z.number().int().min(0);

const ConfigSchema = z.object({
  format: z.literal(PYTORCH_FORMAT, { error: `is not "${PYTORCH_FORMAT}": this config.json was not written by RNN Studio's PyTorch export` }),
  version: z.literal(PYTORCH_VERSION, { error: `is not ${PYTORCH_VERSION}: this folder was written by another version of RNN Studio` }),
  task: z.enum(['generate', 'classify']),
  model: z.object({
    cell: z.enum(CELL_TYPES),
    layers: z.number().int().min(1),
    units: z.number().int().min(1),
    embedding: z.number().int().min(1),
    dropout: z.number().min(0),
    bidirectional: z.boolean(),
    pooling: z.enum(POOLINGS),
    vocabSize: z.number().int().min(1),
    outputs: z.number().int().min(1),
    gru: z.literal('reset-before'),
  }),
  step: count,
  source: z.object({ runId: z.number().int().positive().nullable(), checkpointId: z.number().int().positive().nullable(), step: count }),
});
type Config = z.infer<typeof ConfigSchema>;

/** One line of metrics.jsonl (train.py may add fields: they are read past). */
const MetricSchema = z.object({
  step: z.number().int().positive(),
  loss: z.number().nullable().optional(),
  valLoss: z.number().nullable().optional(),
  valAccuracy: z.number().min(0).max(1).nullable().optional(),
  seconds: z.number().min(0).optional(),
});

export interface TorchMetric {
  step: number;
  loss: number | null;
  valLoss: number | null;
  valAccuracy: number | null;
  /** Wall seconds since train.py started, when it said. */
  seconds: number | null;
}

export interface TrainedTorchFolder {
  dir: string;
  vocab: VocabContract;
  config: Config;
  /** The weights read, by checkpoint tensor name (the studio's layout and gate order). */
  weights: Map<string, { shape: number[]; data: Float32Array }>;
  /** The step of those weights: the newest checkpoint's, or the exported step when none was written. */
  step: number;
  /** The file they came from. */
  weightsFile: string;
  /** train.py's curve, steps after the export up to `step`, ascending. */
  metrics: TorchMetric[];
  /** What the import should tell the user (a torn last line, metrics past the newest checkpoint). */
  notes: string[];
}

/** True when `dir` holds a PyTorch export's config.json (else import-model reads it as a tfjs bundle). */
export function isTorchFolder(dir: string): boolean {
  return existsSync(join(dir, PYTORCH_FILES.config)) && !existsSync(join(dir, 'model.json'));
}

/** The newest checkpoints/step-N.safetensors, or null. */
function newestCheckpoint(dir: string): { path: string; step: number } | null {
  const folder = join(dir, PYTORCH_FILES.checkpoints);
  if (!existsSync(folder)) return null;
  let best: { path: string; step: number } | null = null;
  for (const name of readdirSync(folder)) {
    const m = /^step-(\d+)\.safetensors$/.exec(name);
    if (m && (!best || Number(m[1]) > best.step)) best = { path: join(folder, name), step: Number(m[1]) };
  }
  return best;
}

/** The studio's tensors from train.py's state_dict, checked name by name and shape by shape. */
function studioWeights(file: string, tensors: Map<string, { shape: number[]; data: Float32Array }>, vocab: VocabContract): TrainedTorchFolder['weights'] {
  const { model } = vocab.config;
  const H = model.units;
  const V = vocab.chars.length;
  const off = vocab.idOffset;
  const classify = vocab.task === 'classify';
  const O = classify ? vocab.labels!.length : V;
  const D = model.bidirectional ? 2 : 1;
  const studio = STUDIO_GATES[model.cell];
  const torch = GATE_ORDERS.pytorch[model.cell];
  const G = studio.length;
  const expected = new Map<string, number[]>([['embedding.weight', [V + off, model.embedding]]]);
  for (let l = 0; l < model.layers; l++) {
    const In = l === 0 ? model.embedding : D * H;
    for (let d = 0; d < D; d++) {
      expected.set(torchRnnName('weight_ih', l, d === 1), [G * H, In]);
      expected.set(torchRnnName('weight_hh', l, d === 1), [G * H, H]);
      expected.set(torchRnnName('bias_ih', l, d === 1), [G * H]);
      expected.set(torchRnnName('bias_hh', l, d === 1), [G * H]);
    }
  }
  expected.set('output.weight', [O, D * H]);
  expected.set('output.bias', [O]);
  const what = `the ${model.layers}×${H} ${model.cell}${model.bidirectional ? ' (bidirectional)' : ''} ${classify ? 'classifier' : 'generator'} config.json describes`;
  for (const [name, t] of tensors) {
    const want = expected.get(name);
    if (!want) throw new BundleError(`${file}: ${name} is not a weight of ${what}`);
    if (t.shape.length !== want.length || t.shape.some((n, i) => n !== want[i])) {
      throw new BundleError(`${file}: ${name} is [${t.shape.join(', ')}], but ${what} has [${want.join(', ')}]`);
    }
    const bad = t.data.findIndex((x) => !Number.isFinite(x));
    if (bad >= 0) throw new BundleError(`${file}: ${name}[${bad}] is ${t.data[bad]}: training diverged; import an earlier checkpoint (remove the newer ones from ${PYTORCH_FILES.checkpoints}/)`);
  }
  const missing = [...expected.keys()].filter((n) => !tensors.has(n));
  if (missing.length) throw new BundleError(`${file}: ${missing.join(', ')} missing`);
  const get = (name: string) => tensors.get(name)!.data;

  const out: TrainedTorchFolder['weights'] = new Map();
  for (const p of paramSpecs(V, model, O)) {
    const data = new Float32Array(p.shape.reduce((a, b) => a * b, 1));
    if (p.name === 'embedding') data.set(get('embedding.weight').subarray(off * model.embedding));
    else if (p.name === 'output.kernel') data.set(transpose(get('output.weight'), O, D * H)); // [O, D·H] → [D·H, O]
    else if (p.name === 'output.bias') data.set(get('output.bias'));
    else {
      const m = /^layer(\d+)\.(fwd\.|bwd\.)?(kernel|recurrentKernel|bias)$/.exec(p.name)!;
      const l = Number(m[1]);
      const backward = m[2] === 'bwd.';
      // Studio gate block j is torch's block k of the same gate.
      const blocks = studio.map((g) => torch.indexOf(g));
      if (m[3] === 'bias') {
        const bi = get(torchRnnName('bias_ih', l, backward));
        const bh = get(torchRnnName('bias_hh', l, backward));
        blocks.forEach((k, j) => {
          for (let u = 0; u < H; u++) data[j * H + u] = bi[k * H + u] + bh[k * H + u];
        });
      } else {
        const w = get(torchRnnName(m[3] === 'kernel' ? 'weight_ih' : 'weight_hh', l, backward)); // [G·H, In]
        const rows = p.shape[0];
        blocks.forEach((k, j) => {
          for (let r = 0; r < rows; r++) for (let u = 0; u < H; u++) data[r * G * H + j * H + u] = w[(k * H + u) * rows + r];
        });
      }
    }
    out.set(p.name, { shape: p.shape, data });
  }
  return out;
}

function readMetrics(dir: string, from: number, to: number, notes: string[]): TorchMetric[] {
  const file = join(dir, PYTORCH_FILES.metrics);
  if (!existsSync(file)) return [];
  const lines = readFileSync(file, 'utf8').split('\n');
  const metrics: TorchMetric[] = [];
  let past = 0;
  let lastLine = lines.length - 1;
  while (lastLine >= 0 && lines[lastLine].trim() === '') lastLine--;
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    const last = i === lastLine;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      if (last) {
        notes.push(`${file}: line ${i + 1} was cut short (train.py stopped while writing it) and is left out`);
        return;
      }
      throw new BundleError(`${file}: line ${i + 1} is not valid JSON`);
    }
    const parsed = MetricSchema.safeParse(value);
    if (!parsed.success) throw new BundleError(`${file}: line ${i + 1}: ${describeZodError(parsed.error)}`);
    const m = parsed.data;
    if (m.step <= from) return; // a line from before this export (a folder trained, exported again): not this curve
    if (m.step > to) {
      past++;
      return;
    }
    const previous = metrics.at(-1);
    if (previous && m.step < previous.step) throw new BundleError(`${file}: line ${i + 1}: step ${m.step} comes after step ${previous.step}`);
    metrics.push({ step: m.step, loss: m.loss ?? null, valLoss: m.valLoss ?? null, valAccuracy: m.valAccuracy ?? null, seconds: m.seconds ?? null });
  });
  if (past) notes.push(`${past} line${past === 1 ? '' : 's'} of ${PYTORCH_FILES.metrics} after step ${to}, the newest checkpoint, ${past === 1 ? 'is' : 'are'} left out: those weights were not saved`);
  return metrics;
}

/** Reads and checks a trained PyTorch folder; throws BundleError naming the file and the field. */
export function readTorchFolder(folder: string): TrainedTorchFolder {
  const dir = resolve(folder);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new BundleError(`${dir} is not a folder`);
  const vocab = readVocab(dir);
  const configFile = join(dir, PYTORCH_FILES.config);
  const config = parse(ConfigSchema, readJson(dir, PYTORCH_FILES.config), configFile);
  const m = vocab.config.model;
  const same = (field: string, a: unknown, b: unknown) => {
    if (a !== b) throw new BundleError(`${configFile}: ${field} is ${JSON.stringify(a)}, but vocab.json's is ${JSON.stringify(b)}: the two files are not from one export`);
  };
  same('task', config.task, vocab.task);
  for (const key of ['cell', 'layers', 'units', 'embedding', 'bidirectional', 'pooling'] as const) same(`model.${key}`, config.model[key], m[key]);
  same('model.vocabSize', config.model.vocabSize, vocab.chars.length + vocab.idOffset);
  same('model.outputs', config.model.outputs, vocab.labels ? vocab.labels.length : vocab.chars.length);
  same('step', config.step, vocab.source.step);

  const newest = newestCheckpoint(dir);
  const weightsFile = newest?.path ?? join(dir, PYTORCH_FILES.weights);
  const step = newest?.step ?? config.step;
  if (step < config.step) throw new BundleError(`${weightsFile}: step ${step} is before the export's step ${config.step}: not a checkpoint of this export`);
  let bytes: Buffer;
  try {
    bytes = readFileSync(weightsFile);
  } catch (err) {
    throw new BundleError(`${weightsFile}: cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  let tensors;
  try {
    tensors = decodeSafetensors(bytes, weightsFile).tensors;
  } catch (err) {
    if (err instanceof SafetensorsError) throw new BundleError(err.message);
    throw err;
  }
  const weights = studioWeights(weightsFile, tensors, vocab);
  const notes: string[] = [];
  const metrics = readMetrics(dir, config.step, step, notes);
  return { dir, vocab, config, weights, step, weightsFile, metrics, notes };
}
