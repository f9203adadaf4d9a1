// `runs:import-model`: a model the studio exported comes back as a new run.
//  - A tfjs bundle becomes a run with status 'imported' and one checkpoint, so it samples, classifies and
//    evaluates like any other run.
//  - A PyTorch folder (pytorch-import.ts) that train.py trained elsewhere becomes a run that continues its
//    parent: its curve is train.py's metrics.jsonl (the parent's step numbers go on), its checkpoint the
//    newest train.py wrote, and it is 'stopped', so it resumes here — from the parent's data position and
//    RNG, with Adam's moments starting afresh (train.py's optimizer state is PyTorch's; the reply says so).
//
// A run belongs to a dataset (runs.dataset_id is NOT NULL). The bundle's source run, when it is in this
// data folder and is the same model (same config, same vocabulary and classes), is its parent and lends it
// its dataset. Otherwise the corpus is not here, and the run gets a stand-in dataset that holds no text but
// the model's vocabulary and class names (so the run's page can show them); nothing trains on it
// (RunManager refuses a dataset without text), so such a run is 'imported' whatever its kind.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ApiError, type ImportModelReply } from '../../shared/api.ts';
import type { Store } from '../db/index.ts';
import { BundleError, readTfjsBundle, type ImportedBundle } from '../engine/export/tfjs-import.ts';
import { isTorchFolder, readTorchFolder, type TrainedTorchFolder } from '../engine/export/pytorch-import.ts';
import { mixSeed } from '../engine/corpus/rng.ts';
import { countParameters } from '../engine/model/params.ts';
import { CheckpointCorruptError, loadCheckpoint, saveCheckpoint, type CheckpointState } from '../engine/storage/checkpoint.ts';
import { writeFileAtomic } from '../engine/storage/files.ts';
import { homePaths } from './home.ts';

/** The source run, when it is in this data folder and is this very model; else null. */
function parentOf(store: Store, { vocab }: Pick<ImportedBundle, 'vocab'>): number | null {
  const id = vocab.source.runId;
  const run = id !== null ? store.runs.get(id) : null;
  if (!run) return null;
  const content = store.datasets.content(run.datasetId);
  const same =
    JSON.stringify(run.config) === JSON.stringify(vocab.config) &&
    JSON.stringify(content?.vocab) === JSON.stringify(vocab.chars) &&
    JSON.stringify(content?.labels ?? null) === JSON.stringify(vocab.labels);
  return same ? run.id : null;
}

/** A dataset that holds no text, standing in for a corpus that is not in this data folder. */
function standInDataset(home: string, store: Store, bundle: Pick<ImportedBundle, 'vocab' | 'dir'>): number {
  const { vocab, dir } = bundle;
  const labelled = vocab.task === 'classify';
  const bytes = new Uint8Array(0);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const contentPath = join(homePaths(home).datasets, `${sha256}.${labelled ? 'jsonl' : 'txt'}`);
  mkdirSync(homePaths(home).datasets, { recursive: true });
  if (!existsSync(contentPath)) writeFileAtomic(contentPath, bytes);
  return store.datasets.insert({
    name: `${basename(dir)} (imported model, no corpus)`,
    kind: labelled ? 'labelled' : 'text',
    format: labelled ? 'jsonl' : 'text',
    examples: labelled ? 0 : null,
    labels: labelled ? vocab.labels!.map((label) => ({ label, count: 0 })) : null,
    lengths: labelled ? { min: 0, median: 0, p90: 0, max: 0, mean: 0 } : null,
    sourcePath: dir,
    sha256,
    contentPath,
    bytes: 0,
    chars: 0,
    files: 0,
    distinctChars: vocab.chars.filter((c) => c !== '').length,
    charsetSize: vocab.chars.length,
    maxCharset: vocab.chars.length,
    unknownChars: 0,
    encoding: 'utf-8',
    vocab: vocab.chars,
    charCounts: vocab.chars.filter((c) => c !== '').map((c) => [c, 0]),
  });
}

/**
 * Reads and checks the bundle in `folder` (nothing is stored when it is refused), then records the run
 * and its checkpoint in one transaction; the checkpoint file is written inside it, so a failure leaves
 * neither the rows nor the file.
 */
export function importModel(home: string, store: Store, folder: string): ImportModelReply {
  try {
    return isTorchFolder(folder) ? importTorch(home, store, readTorchFolder(folder)) : importTfjs(home, store, readTfjsBundle(folder));
  } catch (err) {
    if (err instanceof BundleError) throw new ApiError('bad-input', err.message);
    throw err;
  }
}

function importTfjs(home: string, store: Store, bundle: ImportedBundle): ImportModelReply {
  const { state, vocab } = bundle;
  const parentRunId = parentOf(store, bundle);
  const outputs = vocab.labels ? vocab.labels.length : vocab.chars.length;
  const parameters = countParameters(vocab.chars.length, state.config.model, outputs);
  let runDir = null as string | null;
  try {
    const runId = store.durableTransaction(() => {
      const datasetId = parentRunId !== null ? store.runs.get(parentRunId)!.datasetId : standInDataset(home, store, bundle);
      const id = store.runs.insertImported(datasetId, state.config, { parentRunId, step: state.step, parameters });
      // A fresh id: anything in its folder is a leftover of a process that died before committing.
      runDir = homePaths(home).runDir(id);
      rmSync(runDir, { recursive: true, force: true });
      const checkpointDir = homePaths(home).runCheckpoints(id);
      mkdirSync(checkpointDir, { recursive: true });
      const path = join(checkpointDir, `step-${String(state.step).padStart(8, '0')}.ckpt`);
      const bytes = saveCheckpoint(path, state);
      store.checkpoints.insert({ runId: id, step: state.step, epoch: 0, path, bytes, reason: 'request', trainLoss: null, valLoss: null });
      return id;
    });
    return { run: store.runs.get(runId)!, parentRunId, steps: 0, notes: [] };
  } catch (err) {
    if (runDir) rmSync(runDir, { recursive: true, force: true });
    throw err;
  }
}

/** The checkpoint state a trained PyTorch folder continues from: its parent's, else a fresh data position. */
function torchState(store: Store, folder: TrainedTorchFolder, parentRunId: number | null): { state: CheckpointState; parentCheckpointId: number | null } {
  const { vocab, metrics } = folder;
  const config = vocab.config;
  const tensors: CheckpointState['tensors'] = new Map(folder.weights);
  for (const [name, t] of folder.weights) {
    tensors.set(`adam.m/${name}`, { shape: t.shape, data: new Float32Array(t.data.length) });
    tensors.set(`adam.v/${name}`, { shape: t.shape, data: new Float32Array(t.data.length) });
  }
  // The exported checkpoint, when the parent still has it; else the parent's newest before the export.
  let base: CheckpointState | null = null;
  let parentCheckpointId: number | null = null;
  if (parentRunId !== null) {
    const own = store.checkpoints.forRun(parentRunId);
    const exported = own.find((c) => c.id === vocab.source.checkpointId) ?? own.filter((c) => c.step <= folder.config.step).at(-1);
    if (exported) {
      try {
        base = loadCheckpoint(exported.path);
        parentCheckpointId = exported.id === vocab.source.checkpointId ? exported.id : null;
      } catch (err) {
        if (!(err instanceof CheckpointCorruptError)) throw err;
      }
    }
  }
  const seed = base?.seed ?? config.train.seed ?? 0;
  const losses = metrics.filter((m) => m.loss !== null);
  const vals = metrics.filter((m) => m.valLoss !== null).map((m) => m.valLoss!);
  const remoteSeconds = metrics.filter((m) => m.seconds !== null).at(-1)?.seconds ?? 0;
  const state: CheckpointState = {
    config,
    vocab: [...vocab.chars],
    labels: vocab.labels ? [...vocab.labels] : null,
    startChar: vocab.startChar,
    step: folder.step,
    epoch: base?.epoch ?? 0,
    batchInEpoch: base?.batchInEpoch ?? 0,
    seed,
    rngState: base?.rngState ?? mixSeed(seed, 0xd207),
    lr: base?.lr ?? config.train.lr,
    adamStep: 0,
    bestValLoss: vals.length ? vals.reduce((a, b) => Math.min(a, b), base?.bestValLoss ?? Infinity) : (base?.bestValLoss ?? null),
    lastTrainLoss: losses.at(-1)?.loss ?? base?.lastTrainLoss ?? null,
    lastValLoss: vals.at(-1) ?? base?.lastValLoss ?? null,
    badEpochs: 0,
    trainSeconds: (base?.trainSeconds ?? 0) + remoteSeconds,
    tensors,
  };
  return { state, parentCheckpointId };
}

function importTorch(home: string, store: Store, folder: TrainedTorchFolder): ImportModelReply {
  const { vocab, metrics, config: exported } = folder;
  const parentRunId = parentOf(store, folder);
  const { state, parentCheckpointId } = torchState(store, folder, parentRunId);
  const config = state.config;
  const outputs = vocab.labels ? vocab.labels.length : vocab.chars.length;
  const parameters = countParameters(vocab.chars.length, config.model, outputs);
  const steps = folder.step - exported.step;
  const notes = [...folder.notes];
  if (parentRunId !== null) notes.push(`Adam's moments start afresh when this run resumes here: train.py's optimizer state is PyTorch's and stays in ${folder.dir}`);
  else notes.push(`run ${vocab.source.runId ?? '?'}, which this model was exported from, is not in this data folder: the new run samples, classifies and evaluates, but cannot train here without its corpus`);
  // train.py's windows per second, when it said how long it took: the curve's speed, as the studio records it.
  const unitsPerStep = config.task === 'classify' ? config.train.batch : config.train.batch * config.train.seqLen;
  let runDir = null as string | null;
  try {
    const runId = store.durableTransaction(() => {
      const id =
        parentRunId !== null
          ? store.runs.insertBranch(store.runs.get(parentRunId)!.datasetId, config, {
              parentRunId,
              parentCheckpointId,
              step: state.step,
              parentStep: exported.step,
              epoch: state.epoch,
              totalSteps: config.train.maxSteps !== null && config.train.maxSteps > state.step ? config.train.maxSteps : null,
              lastTrainLoss: state.lastTrainLoss,
              parameters,
              trainSeconds: state.trainSeconds,
            })
          : store.runs.insertImported(standInDataset(home, store, folder), config, { parentRunId: null, step: state.step, parameters });
      runDir = homePaths(home).runDir(id);
      rmSync(runDir, { recursive: true, force: true });
      const checkpointDir = homePaths(home).runCheckpoints(id);
      mkdirSync(checkpointDir, { recursive: true });
      let previous = { step: exported.step, seconds: 0 };
      for (const m of metrics) {
        const charsPerSec = m.seconds !== null && m.seconds > previous.seconds ? ((m.step - previous.step) * unitsPerStep) / (m.seconds - previous.seconds) : null;
        if (m.seconds !== null) previous = { step: m.step, seconds: m.seconds };
        const shown = m.valLoss ?? m.loss;
        store.metrics.insert({ runId: id, step: m.step, epoch: state.epoch, trainLoss: m.loss, valLoss: m.valLoss, perplexity: shown !== null ? Math.exp(shown) : null, charsPerSec, lr: state.lr, valAccuracy: m.valAccuracy, valMacroF1: null });
      }
      const path = join(checkpointDir, `step-${String(state.step).padStart(8, '0')}.ckpt`);
      const bytes = saveCheckpoint(path, state);
      store.checkpoints.insert({ runId: id, step: state.step, epoch: state.epoch, path, bytes, reason: 'request', trainLoss: state.lastTrainLoss, valLoss: state.lastValLoss });
      if (parentRunId !== null) store.runs.recomputeBest(id);
      return id;
    });
    return { run: store.runs.get(runId)!, parentRunId, steps, notes };
  } catch (err) {
    if (runDir) rmSync(runDir, { recursive: true, force: true });
    throw err;
  }
}
