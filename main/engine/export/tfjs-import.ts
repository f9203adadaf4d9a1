// Importing back a TensorFlow.js bundle the studio exported (model.json + weights.bin + vocab.json): the
// inverse of tfjs.ts and model-spec.ts. Everything read is checked at this edge — vocab.json against the
// contract, the weights manifest against the names and shapes the contract's config implies, weights.bin
// against the manifest's byte count — and a bundle that fails is refused naming the file and the field.
// TF.js/Keras's gate order is ours (model-spec.ts GATE_ORDERS.tfjs = STUDIO_GATES), so a layer's kernel,
// recurrent kernel and bias are the checkpoint's as they are; only a classifier's embedding loses the
// padding row (input id 0) that the export put in front. No TensorFlow.js: imports run in the core.
import { readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { RunConfigSchema } from '../../../shared/config.ts';
import { describeZodError } from '../../../shared/schemas.ts';
import { UNKNOWN } from '../corpus/charset.ts';
import { mixSeed } from '../corpus/rng.ts';
import { paramSpecs } from '../model/params.ts';
import type { CheckpointState } from '../storage/checkpoint.ts';
import { GATE_ORDERS, STUDIO_GATES, type VocabContract } from './model-spec.ts';
import { TFJS_MODEL_FILE, TFJS_WEIGHTS_FILE } from './tfjs.ts';

const VOCAB_FILE = 'vocab.json';
/** model.json and vocab.json are small (a 65,534-character vocabulary is < 1 MB): larger is not ours. */
const MAX_JSON_BYTES = 64 * 1024 * 1024;

/** A bundle that is not one the studio exported, or was changed since: the message names file and field. */
export class BundleError extends Error {
  override name = 'BundleError';
}

const count = z.number().int().min(0);
const VocabSchema = z.strictObject({
  format: z.literal('rnn-studio-vocab', { error: 'is not "rnn-studio-vocab": this vocab.json was not written by RNN Studio' }),
  version: z.literal(1),
  task: z.enum(['generate', 'classify']),
  chars: z.array(z.string()).min(1),
  unknownId: count.nullable(),
  idOffset: z.union([z.literal(0), z.literal(1)]),
  padId: z.literal(0).nullable(),
  labels: z.array(z.string().min(1)).min(2).nullable(),
  maxLen: z.number().int().positive().nullable(),
  startChar: z.string(),
  source: z.strictObject({ runId: z.number().int().positive().nullable(), checkpointId: z.number().int().positive().nullable(), step: count }),
  config: z.unknown(),
});

const ManifestSchema = z.array(
  z.strictObject({
    paths: z.tuple([z.literal(TFJS_WEIGHTS_FILE)], { error: `must be ["${TFJS_WEIGHTS_FILE}"]` }),
    weights: z.array(z.object({ name: z.string(), shape: z.array(count), dtype: z.literal('float32') })),
  }),
).length(1, { error: 'must be one group of weights' });

const ModelSchema = z.object({
  format: z.literal('layers-model'),
  modelTopology: z.object({ class_name: z.string(), config: z.object({ layers: z.array(z.unknown()) }) }),
  weightsManifest: ManifestSchema,
});

export function readJson(dir: string, name: string): unknown {
  const path = join(dir, name);
  let bytes: Buffer;
  try {
    if (statSync(path).size > MAX_JSON_BYTES) throw new BundleError(`${path}: too large for a ${name} the studio writes`);
    bytes = readFileSync(path);
  } catch (err) {
    if (err instanceof BundleError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new BundleError(`${dir} has no ${name}: import-model takes a folder that \`rnn-studio export --format tfjs\` or \`--format pytorch\` wrote`);
    throw new BundleError(`${path}: cannot be read (${code ?? (err as Error).message})`);
  }
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new BundleError(`${path}: not valid JSON (${(err as Error).message})`);
  }
}

export function parse<T>(schema: z.ZodType<T>, value: unknown, file: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new BundleError(`${file}: ${describeZodError(parsed.error)}`);
  return parsed.data;
}

/** The vocab.json contract, checked field by field and against its own config. */
export function readVocab(dir: string): VocabContract {
  const file = join(dir, VOCAB_FILE);
  const v = parse(VocabSchema, readJson(dir, VOCAB_FILE), file);
  const config = RunConfigSchema.safeParse(v.config);
  if (!config.success) throw new BundleError(`${file}: config: ${describeZodError(config.error)}`);
  const c = config.data;
  const classify = v.task === 'classify';
  const fail = (field: string, why: string) => new BundleError(`${file}: ${field}: ${why}`);
  if (c.task !== v.task) throw fail('config.task', `is ${c.task}, but task is ${v.task}`);
  if (new Set(v.chars).size !== v.chars.length) throw fail('chars', 'holds a character twice');
  const bad = v.chars.find((ch) => ch !== UNKNOWN && [...ch].length !== 1);
  if (bad !== undefined) throw fail('chars', `${JSON.stringify(bad)} is not one character`);
  const unknown = v.chars.indexOf(UNKNOWN);
  if (v.unknownId !== (unknown >= 0 ? unknown : null)) throw fail('unknownId', `is ${v.unknownId}, but the unknown symbol "" is at ${unknown >= 0 ? unknown : 'no index'}`);
  if (v.idOffset !== (classify ? 1 : 0)) throw fail('idOffset', `is ${v.idOffset}; a ${classify ? 'classifier' : 'generator'}'s is ${classify ? 1 : 0}`);
  if (v.padId !== (classify ? 0 : null)) throw fail('padId', `is ${v.padId}; a ${classify ? 'classifier' : 'generator'}'s is ${classify ? 0 : null}`);
  if (classify) {
    if (!v.labels) throw fail('labels', 'a classifier needs its class names');
    if (new Set(v.labels).size !== v.labels.length) throw fail('labels', 'holds a class twice');
    if (v.maxLen !== c.train.maxLen) throw fail('maxLen', `is ${v.maxLen}, but config.train.maxLen is ${c.train.maxLen}`);
  } else {
    if (v.labels !== null) throw fail('labels', 'a generator has none (null)');
    if (v.maxLen !== null) throw fail('maxLen', 'a generator has none (null)');
    if (v.startChar !== '' && !v.chars.includes(v.startChar)) throw fail('startChar', `${JSON.stringify(v.startChar)} is not in chars`);
  }
  return { ...v, config: c } as VocabContract;
}

/** Where each checkpoint tensor is in the bundle: its TF.js weight name and the rows the export added. */
function tfjsNameOf(param: string, cell: string, bidirectional: boolean): string {
  if (param === 'embedding') return 'embedding/embeddings';
  if (param.startsWith('output.')) return `output/${param.slice('output.'.length)}`;
  const m = /^layer(\d+)\.(fwd\.|bwd\.)?(kernel|recurrentKernel|bias)$/.exec(param)!;
  const part = m[3] === 'recurrentKernel' ? 'recurrent_kernel' : m[3];
  if (!bidirectional) return `layer${m[1]}/${part}`;
  return `layer${m[1]}/${m[2] === 'fwd.' ? 'forward' : 'backward'}_${cell}${m[1]}/${part}`;
}

export interface ImportedBundle {
  /** A checkpoint that continues from these weights: step as exported, Adam's moments zero. */
  state: CheckpointState;
  vocab: VocabContract;
  dir: string;
}

/** Reads and checks a tfjs bundle the studio exported; throws BundleError naming the file and field. */
export function readTfjsBundle(folder: string): ImportedBundle {
  const dir = resolve(folder);
  try {
    if (!statSync(dir).isDirectory()) throw new BundleError(`${dir} is a file: import-model takes the folder that holds model.json, weights.bin and vocab.json`);
  } catch (err) {
    if (err instanceof BundleError) throw err;
    throw new BundleError(`${dir} does not exist`);
  }
  // The weights are laid out in tfjs.ts's order only because tfjs gates are ours: say so where it matters.
  if (GATE_ORDERS.tfjs !== STUDIO_GATES) throw new Error('the tfjs gate order is no longer the studio\'s: reorder the gates here');
  const vocab = readVocab(dir);
  const modelFile = join(dir, TFJS_MODEL_FILE);
  const model = parse(ModelSchema, readJson(dir, TFJS_MODEL_FILE), modelFile);
  const manifest = model.weightsManifest[0].weights;

  const { config } = vocab;
  const classify = vocab.task === 'classify';
  const V = vocab.chars.length;
  const outputs = classify ? vocab.labels!.length : V;
  const params = paramSpecs(V, config.model, outputs);
  const expected = new Map(params.map((p) => [tfjsNameOf(p.name, config.model.cell, config.model.bidirectional), p]));
  // The fixed pooling scores the export adds for mean and max pooling: read past, never stored.
  const derived = classify && config.model.pooling !== 'last' ? new Set(['pad_penalty/embeddings']) : new Set<string>();

  const binPath = join(dir, TFJS_WEIGHTS_FILE);
  const offsets = new Map<string, { offset: number; shape: number[] }>();
  let floats = 0;
  for (const [i, w] of manifest.entries()) {
    const field = `weightsManifest[0].weights[${i}]`;
    if (offsets.has(w.name)) throw new BundleError(`${modelFile}: ${field}: ${w.name} appears twice`);
    const param = expected.get(w.name);
    if (!param && !derived.has(w.name)) {
      throw new BundleError(`${modelFile}: ${field}: ${w.name} is not a weight of the ${config.model.cell} ${vocab.task === 'classify' ? 'classifier' : 'generator'} vocab.json describes`);
    }
    const want = w.name === 'embedding/embeddings' ? [V + vocab.idOffset, config.model.embedding] : param ? param.shape : [V + vocab.idOffset, 1];
    if (w.shape.length !== want.length || w.shape.some((n, k) => n !== want[k])) {
      throw new BundleError(`${modelFile}: ${field}: ${w.name} is [${w.shape.join(', ')}], but vocab.json's config and vocabulary make it [${want.join(', ')}]`);
    }
    offsets.set(w.name, { offset: floats, shape: w.shape });
    floats += w.shape.reduce((a, b) => a * b, 1);
  }
  const missing = [...expected.keys()].filter((n) => !offsets.has(n));
  if (missing.length) throw new BundleError(`${modelFile}: weightsManifest: ${missing.join(', ')} missing`);

  let bin: Buffer;
  try {
    const size = statSync(binPath).size;
    if (size !== floats * 4) throw new BundleError(`${binPath}: ${size} bytes, but the manifest in model.json describes ${floats * 4} (${floats} float32 values): the file was changed or is not this model's`);
    bin = readFileSync(binPath);
  } catch (err) {
    if (err instanceof BundleError) throw err;
    throw new BundleError((err as NodeJS.ErrnoException).code === 'ENOENT' ? `${dir} has no ${TFJS_WEIGHTS_FILE}` : `${binPath}: cannot be read (${(err as Error).message})`);
  }
  const all = new Float32Array(floats); // aligned copy; little-endian, as tfjs.ts writes
  Buffer.from(all.buffer).set(bin.subarray(0, floats * 4));
  const at = all.findIndex((x) => !Number.isFinite(x));
  if (at >= 0) throw new BundleError(`${binPath}: value ${at} is ${all[at]}: a model's weights are finite numbers`);

  const tensors: CheckpointState['tensors'] = new Map();
  for (const p of params) {
    const name = tfjsNameOf(p.name, config.model.cell, config.model.bidirectional);
    const { offset } = offsets.get(name)!;
    const size = p.shape.reduce((a, b) => a * b, 1);
    // A classifier's embedding row 0 is the padding id's (zeros): the checkpoint's row i is input id i + 1.
    const skip = p.name === 'embedding' ? vocab.idOffset * config.model.embedding : 0;
    tensors.set(p.name, { shape: p.shape, data: all.slice(offset + skip, offset + skip + size) });
  }
  for (const p of params) {
    tensors.set(`adam.m/${p.name}`, { shape: p.shape, data: new Float32Array(tensors.get(p.name)!.data.length) });
    tensors.set(`adam.v/${p.name}`, { shape: p.shape, data: new Float32Array(tensors.get(p.name)!.data.length) });
  }
  const seed = config.train.seed ?? 0;
  const state: CheckpointState = {
    config,
    vocab: [...vocab.chars],
    labels: classify ? [...vocab.labels!] : null,
    startChar: vocab.startChar,
    step: vocab.source.step,
    epoch: 0,
    batchInEpoch: 0,
    seed,
    rngState: mixSeed(seed, 0xd207),
    lr: config.train.lr,
    adamStep: 0,
    bestValLoss: null,
    lastTrainLoss: null,
    lastValLoss: null,
    badEpochs: 0,
    trainSeconds: 0,
    tensors,
  };
  return { state, vocab, dir };
}
