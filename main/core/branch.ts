// Branches (runs:branch): a new run that continues from a checkpoint of a stopped or finished run, with
// some training settings changed. It starts from that checkpoint's whole state — weights, Adam's moments
// and step, the data position and the RNG — so a branch that changes nothing trains exactly as resuming
// the parent from there would. The branch owns a copy of the checkpoint (the parent may prune or delete
// its own), with the branch's config written into it, and is then trained like any resumed run.
import { mkdirSync, renameSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ApiError, type RequestOf } from '../../shared/api.ts';
import { ModelConfigSchema, RunConfigSchema, type RunConfig } from '../../shared/config.ts';
import { describeZodError } from '../../shared/schemas.ts';
import { isLive, type CheckpointRecord, type RunSummary } from '../../shared/types.ts';
import type { Store } from '../db/index.ts';
import { randomSeed } from '../engine/corpus/rng.ts';
import { CheckpointCorruptError, loadCheckpoint, saveCheckpoint, type CheckpointState } from '../engine/storage/checkpoint.ts';
import { faultPoint } from '../engine/storage/faults.ts';
import { syncFolder } from '../engine/storage/files.ts';
import { homePaths } from './home.ts';
import { assertServes, datasetToTrainOn } from './run-inputs.ts';
import { setting } from '../../shared/config-fields.ts';

/** A branch checked and ready to be made: everything it starts from, nothing yet written. */
export interface BranchPlan {
  parent: RunSummary;
  checkpoint: CheckpointRecord;
  /** The parent's checkpoint as the branch starts from it: the branch's config, learning rate and seed. */
  state: CheckpointState;
  config: RunConfig;
}

type BranchRequest = RequestOf<'runs:branch'>;

const MODEL_KEYS = Object.keys(ModelConfigSchema.shape);

/** The parent's checkpoint a branch starts from: the one asked for, else its latest. */
function checkpointOf(store: Store, parent: RunSummary, checkpointId: number | undefined): CheckpointRecord {
  const all = store.checkpoints.forRun(parent.id);
  if (all.length === 0) throw new ApiError('bad-input', `run ${parent.id} has no checkpoint to branch from; resume it, or start a new run`);
  if (checkpointId === undefined) return all.at(-1)!;
  const found = all.find((c) => c.id === checkpointId);
  if (found) return found;
  const owner = store.checkpoints.get(checkpointId)?.runId;
  const listed = all.map((c) => `#${c.id} (step ${c.step})`).join(', ');
  throw new ApiError('bad-input', `checkpoint ${checkpointId} is not one of run ${parent.id}'s${owner !== undefined ? ` (it is run ${owner}'s)` : ''}: its checkpoints are ${listed}`);
}

/**
 * The branch's training settings: the checkpoint's, with `asked.train` changed. The task and the model
 * stay (a field that would change them is refused by name), and any other field is refused as unknown.
 */
function branchConfig(parent: RunSummary, base: RunConfig, step: number, asked: unknown, maxSteps: number | undefined): RunConfig {
  const isObject = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (asked !== undefined && !isObject(asked)) throw new ApiError('invalid-request', 'config: give the training settings to change as { train: { … } }');
  const given = (asked ?? {}) as Record<string, unknown>;
  const { model: m, task } = base;
  const problems: string[] = [];
  for (const key of Object.keys(given).filter((k) => !['train', 'model', 'task'].includes(k))) problems.push(`config.${key}: not a branch setting (a branch changes only config.train)`);
  if (given.task !== undefined && given.task !== task) problems.push(`task: a branch keeps run ${parent.id}'s task (${task})`);
  if (given.model !== undefined && !isObject(given.model)) problems.push(`model: a branch keeps run ${parent.id}'s model; leave it out`);
  for (const [key, value] of Object.entries(isObject(given.model) ? (given.model as Record<string, unknown>) : {})) {
    if (!MODEL_KEYS.includes(key)) problems.push(`model.${key}: Unrecognized key "${key}"`);
    else if (value !== undefined && value !== (m as Record<string, unknown>)[key]) {
      problems.push(`model.${key}: a branch keeps run ${parent.id}'s model (${m.layers}×${m.units} ${m.cell}, embedding ${m.embedding}, dropout ${m.dropout}); leave it out`);
    }
  }
  if (given.train !== undefined && !isObject(given.train)) problems.push('train: give the training settings to change as an object');
  if (problems.length) throw new ApiError('invalid-request', problems.join('; '));
  // Fields given as undefined (a flag left out) change nothing.
  const changes = Object.fromEntries(Object.entries((given.train ?? {}) as Record<string, unknown>).filter(([, v]) => v !== undefined));
  if (maxSteps !== undefined && changes.maxSteps !== undefined && changes.maxSteps !== maxSteps) {
    throw new ApiError('invalid-request', `maxSteps: ${maxSteps} and train.maxSteps: ${String(changes.maxSteps)} both give the branch's total; give one of them`);
  }
  if (maxSteps !== undefined) changes.maxSteps = maxSteps;
  else if (changes.maxSteps === undefined && changes.epochs === undefined) changes.maxSteps = defaultTotal(parent, base, step);
  const parsed = RunConfigSchema.safeParse({ ...base, train: { ...base.train, ...changes } });
  if (!parsed.success) throw new ApiError('invalid-request', describeZodError(parsed.error));
  const total = parsed.data.train.maxSteps;
  if (total !== null && total <= step) throw new ApiError('bad-input', `the branch starts at step ${step} of run ${parent.id}: set ${setting('maxSteps')} above ${step}`);
  parsed.data.train.seed ??= randomSeed();
  return parsed.data;
}

/**
 * The branch's total steps when none is asked: the parent's, or as many again beyond the checkpoint when
 * the parent had reached its total there; null (its epochs decide) when the parent had no total either.
 */
function defaultTotal(parent: RunSummary, base: RunConfig, step: number): number | null {
  const total = parent.totalSteps ?? base.train.maxSteps;
  return total === null || total > step ? total : step + total;
}

/** Checks a branch request and works out what the branch starts from; writes nothing. */
export function planBranch(store: Store, trainingHere: (id: number) => boolean, request: BranchRequest): BranchPlan {
  const parent = store.runs.get(request.id);
  if (!parent) throw new ApiError('not-found', `there is no run ${request.id}`, { key: 'errors.noRun', params: { id: request.id } });
  if (parent.status === 'imported') {
    throw new ApiError('bad-input', `run ${parent.id} was imported from an exported model: it has no optimizer state to branch from; fine-tune it instead (${setting('initFrom')} ${parent.id})`);
  }
  if (trainingHere(parent.id) || isLive(parent.status)) {
    throw new ApiError('conflict', `run ${parent.id} is ${parent.status === 'created' ? 'starting' : parent.status}: branch from it once it has stopped or finished (rnn-studio stop ${parent.id})`);
  }
  const checkpoint = checkpointOf(store, parent, request.checkpointId);
  let loaded: CheckpointState;
  try {
    loaded = loadCheckpoint(checkpoint.path);
  } catch (err) {
    if (err instanceof CheckpointCorruptError) throw new ApiError('bad-input', `run ${parent.id}, checkpoint ${checkpoint.id}: ${err.message}`);
    throw err;
  }
  const config = branchConfig(parent, loaded.config, checkpoint.step, request.config, request.maxSteps);
  assertServes(datasetToTrainOn(store, parent.datasetId), config);
  const changed = request.config?.train;
  const state: CheckpointState = {
    ...loaded,
    config,
    // Unchanged, they continue as the parent left them (a learning rate set while it trained included).
    lr: changed?.lr !== undefined ? config.train.lr : loaded.lr,
    // A new seed plans the batches from here on anew; dropout's stream goes on from where it was.
    seed: changed?.seed !== undefined ? config.train.seed! : loaded.seed,
  };
  return { parent, checkpoint, state, config };
}

/**
 * Makes the branch: its copy of the checkpoint is written beside the runs (temp, fsync, rename), moved
 * into the new run's folder, and recorded with the run in one transaction — so a crash at any moment
 * leaves the whole branch, stopped at its first step, or no branch: at most a temp file the next start
 * sweeps, or a file in the folder of an id no run holds (cleared when a branch takes that id, passed over
 * by any other run). Returns the new run's id.
 */
export function makeBranch(home: string, store: Store, plan: BranchPlan): number {
  const paths = homePaths(home);
  const { parent, checkpoint, state, config } = plan;
  mkdirSync(paths.runs, { recursive: true });
  const staged = join(paths.runs, `branch-of-${parent.id}-${checkpoint.id}.ckpt.tmp-${process.pid}`);
  let runId = null as number | null; // set inside the transaction
  try {
    const bytes = saveCheckpoint(staged, state);
    faultPoint('branch:staged');
    return store.durableTransaction(() => {
      runId = store.runs.insertBranch(parent.datasetId, config, {
        parentRunId: parent.id,
        parentCheckpointId: checkpoint.id,
        step: state.step,
        epoch: checkpoint.epoch,
        totalSteps: config.train.maxSteps,
        lastTrainLoss: state.lastTrainLoss,
        parameters: parent.parameters,
        trainSeconds: state.trainSeconds,
      });
      // The id is new: anything already in its folder was left by a run of that id deleted, or never recorded.
      rmSync(paths.runDir(runId), { recursive: true, force: true });
      const dir = paths.runCheckpoints(runId);
      mkdirSync(dir, { recursive: true });
      const path = join(dir, basename(checkpoint.path));
      renameSync(staged, path);
      for (const d of [dir, paths.runDir(runId), paths.runs]) syncFolder(d);
      faultPoint('branch:moved');
      store.checkpoints.insert({ runId, step: state.step, epoch: checkpoint.epoch, path, bytes, reason: checkpoint.reason, trainLoss: checkpoint.trainLoss, valLoss: checkpoint.valLoss });
      return runId;
    });
  } catch (err) {
    // Nothing was recorded: what was written goes.
    rmSync(staged, { force: true });
    if (runId !== null) rmSync(paths.runDir(runId), { recursive: true, force: true });
    throw err;
  }
}
