// What a run is asked to train on, checked before it starts: the dataset (it exists, holds text, and suits
// the task), and for fine-tuning the source run's checkpoint (its model, vocabulary and classes).
import { ApiError } from '../../shared/api.ts';
import type { RunConfig, RunConfigInput } from '../../shared/config.ts';
import { setting } from '../../shared/config-fields.ts';
import type { Dataset } from '../../shared/types.ts';
import type { Store } from '../db/index.ts';
import { CheckpointCorruptError, loadCheckpoint, type CheckpointState } from '../engine/storage/checkpoint.ts';

/** A run that starts from another run's weights: its model, vocabulary and classes, and what to say. */
export interface FineTuning {
  /** The request's config with the source run's task and model. */
  config: RunConfigInput;
  checkpointPath: string;
  vocab: string[];
  labels: string[] | null;
  parentRunId: number;
  notes: string[];
}

/** The dataset a run would train on, refused when there is none or it holds no text. */
export function datasetToTrainOn(store: Store, datasetId: number): Dataset {
  const dataset = store.datasets.get(datasetId);
  if (!dataset) throw new ApiError('not-found', `there is no dataset ${datasetId}`, { key: 'errors.noDataset', params: { id: datasetId } });
  if (dataset.chars === 0) throw new ApiError('bad-input', `dataset ${datasetId} holds no text (it stands in for an imported model's corpus): train on another dataset`);
  return dataset;
}

/** Refuses a config the dataset cannot serve: the other task's data, or too little text for one window. */
export function assertServes(dataset: Dataset, config: RunConfig): void {
  const datasetId = dataset.id;
  if (config.task === 'generate' && dataset.kind === 'labelled') {
    throw new ApiError('bad-input', `dataset ${datasetId} holds labelled examples: it trains classifiers (${setting('task')}: classify)`);
  }
  if (config.task === 'classify' && dataset.kind === 'text') {
    throw new ApiError('bad-input', `dataset ${datasetId} is a text corpus without labels: it trains generators; import a CSV, TSV, JSONL or folder per label to train a classifier`);
  }
  const t = config.train;
  const trainChars = dataset.chars - Math.floor(dataset.chars * t.valSplit);
  if (config.task === 'generate' && trainChars < t.seqLen + 1) {
    throw new ApiError(
      'bad-input',
      `dataset ${datasetId} has ${dataset.chars} characters; after the ${t.valSplit * 100}% validation split that is fewer than one window of seq-len ${t.seqLen} + 1. Use a smaller ${setting('train.seqLen')} or ${setting('train.valSplit')}.`,
    );
  }
}

/**
 * What fine-tuning run `sourceId` on dataset `datasetId` takes: its latest checkpoint's model, vocabulary
 * and classes. Refuses a config that asks for another model or task, classes the model does not know, and
 * characters it never saw when it has no unknown symbol to read them as; otherwise counts them in a note.
 */
export function fineTuning(store: Store, sourceId: number, datasetId: number, input: RunConfigInput | undefined): FineTuning {
  if (!store.runs.get(sourceId)) throw new ApiError('not-found', `there is no run ${sourceId}`, { key: 'errors.noRun', params: { id: sourceId } });
  const checkpoint = store.checkpoints.latest(sourceId);
  if (!checkpoint) throw new ApiError('bad-input', `run ${sourceId} has no checkpoint to fine-tune from`);
  let state: CheckpointState;
  try {
    state = loadCheckpoint(checkpoint.path);
  } catch (err) {
    if (err instanceof CheckpointCorruptError) throw new ApiError('bad-input', `run ${sourceId}: ${err.message}`);
    throw err;
  }
  const { model, task } = state.config;
  const asked = (input ?? {}) as { task?: string; model?: Record<string, unknown> };
  if (asked.task !== undefined && asked.task !== task) throw new ApiError('bad-input', `run ${sourceId} is a ${task === 'classify' ? 'classifier' : 'generator'}: fine-tuning keeps its task`);
  const changed = Object.entries(asked.model ?? {}).filter(([k, v]) => v !== undefined && v !== (model as Record<string, unknown>)[k]);
  if (changed.length) {
    throw new ApiError('bad-input', `fine-tuning keeps run ${sourceId}'s model (${model.layers}×${model.units} ${model.cell}, embedding ${model.embedding}): leave out ${changed.map(([k]) => `model.${k}`).join(', ')}`);
  }
  const detail = store.datasets.detail(datasetId);
  if (!detail) throw new ApiError('not-found', `there is no dataset ${datasetId}`, { key: 'errors.noDataset', params: { id: datasetId } });
  if ((task === 'classify') !== (detail.kind === 'labelled')) {
    throw new ApiError('bad-input', `run ${sourceId} is a ${task === 'classify' ? 'classifier: fine-tune it on labelled examples' : 'generator: fine-tune it on a text corpus'}, and dataset ${datasetId} is not`);
  }
  const notes: string[] = [];
  const known = new Set(state.vocab);
  const unseen = detail.charCounts.filter((c) => !known.has(c.char));
  const count = unseen.reduce((n, c) => n + c.count, 0);
  if (count > 0) {
    const shown = unseen.slice(0, 10).map((c) => JSON.stringify(c.char)).join(', ') + (unseen.length > 10 ? ', …' : '');
    const what = `${count.toLocaleString('en-US')} characters of dataset ${datasetId} (${unseen.length} distinct: ${shown}) are not in run ${sourceId}'s vocabulary`;
    if (!known.has('')) throw new ApiError('bad-input', `${what}, and its model has no unknown symbol to read them as: fine-tune on text that uses only its characters`);
    notes.push(`${what}: they read as its unknown symbol`);
  }
  if (task === 'classify') {
    const foreign = (store.datasets.content(datasetId)?.labels ?? []).filter((l) => !state.labels!.includes(l));
    if (foreign.length) throw new ApiError('bad-input', `dataset ${datasetId} has classes run ${sourceId} does not know: ${foreign.slice(0, 10).join(', ')} (it knows ${state.labels!.join(', ')})`);
  }
  return { config: { ...(input ?? {}), task, model }, checkpointPath: checkpoint.path, vocab: state.vocab, labels: state.labels, parentRunId: sourceId, notes };
}
