// `runs:import-model`: a tfjs bundle the studio exported becomes a new run (status 'imported') with one
// checkpoint, so it samples, classifies and evaluates like any other run.
//
// A run belongs to a dataset (runs.dataset_id is NOT NULL). The bundle's source run, when it is in this
// data folder and is the same model (same config, same vocabulary and classes), is its parent and lends it
// its dataset. Otherwise the corpus is not here, and the run gets a stand-in dataset that holds no text but
// the model's vocabulary and class names (so the run's page can show them); nothing trains on it
// (RunManager refuses a dataset without text).
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ApiError, type ImportModelReply } from '../../shared/api.ts';
import type { Store } from '../db/index.ts';
import { BundleError, readTfjsBundle, type ImportedBundle } from '../engine/export/tfjs-import.ts';
import { countParameters } from '../engine/model/params.ts';
import { saveCheckpoint } from '../engine/storage/checkpoint.ts';
import { writeFileAtomic } from '../engine/storage/files.ts';
import { homePaths } from './home.ts';

/** The source run, when it is in this data folder and is this very model; else null. */
function parentOf(store: Store, { vocab }: ImportedBundle): number | null {
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
function standInDataset(home: string, store: Store, bundle: ImportedBundle): number {
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
  let bundle: ImportedBundle;
  try {
    bundle = readTfjsBundle(folder);
  } catch (err) {
    if (err instanceof BundleError) throw new ApiError('bad-input', err.message);
    throw err;
  }
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
    return { run: store.runs.get(runId)!, parentRunId };
  } catch (err) {
    if (runDir) rmSync(runDir, { recursive: true, force: true });
    throw err;
  }
}
