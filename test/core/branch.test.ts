// Branches (runs:branch): a new run from a checkpoint of a stopped or finished run. With nothing changed it
// trains exactly as resuming the parent from that checkpoint does (the same losses, step by step); the
// training settings asked for are the branch's from its first step; a change to the model or task, an
// unknown field, a checkpoint not the run's, a run without checkpoints and a training run are refused by
// name, recording nothing; and deleting the parent later leaves the branch whole.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Studio } from '../../main/core/studio.ts';
import { thisProcess } from '../../main/db/owners.ts';
import { loadCheckpoint } from '../../main/engine/storage/checkpoint.ts';
import { ApiError, type RequestOf } from '../../shared/api.ts';
import { RunConfigSchema } from '../../shared/config.ts';
import { tempDir } from '../helpers.ts';

const dir = tempDir();
const home = join(dir.path, 'home');
let studio: Studio;
let datasetId: number;
/** Every progress event's loss, by run and step. */
const losses = new Map<number, Map<number, number>>();
/** The learning rate of each run's first progress event this session. */
const firstLr = new Map<number, number>();
// Dropout on: the branch must continue the parent's dropout stream, not only its weights and batches.
const TINY = {
  model: { layers: 1, units: 16, embedding: 8, dropout: 0.2 },
  train: { seqLen: 16, batch: 8, seed: 21, lr: 0.01, maxSteps: 20, checkpointEvery: 10, evalEvery: 10, sampleEvery: 0 },
};

before(async () => {
  studio = Studio.open(home);
  const corpus = join(dir.path, 'corpus.txt');
  writeFileSync(corpus, 'It was the best of times, it was the worst of times.\n'.repeat(80));
  datasetId = (await studio.invoke('datasets:import', { path: corpus })).dataset.id;
  studio.on('run:progress', (e) => {
    if (!losses.has(e.runId)) losses.set(e.runId, new Map());
    losses.get(e.runId)!.set(e.step, e.loss);
    if (!firstLr.has(e.runId)) firstLr.set(e.runId, e.lr);
  });
});
after(async () => {
  await studio.close();
  dir.cleanup();
});

async function finished(run: { id: number }) {
  const done = await studio.runs.whenDone(run.id);
  assert.equal(done.status, 'finished', done.error ?? '');
  return done;
}

const trainParent = async () => (await finished(await studio.invoke('runs:start', { datasetId, config: TINY }))).id;
const checkpoints = async (runId: number) => (await studio.invoke('runs:get', { id: runId })).checkpoints;
/** Losses of steps from..to (inclusive) of a run. */
const lossesOf = (runId: number, from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => losses.get(runId)?.get(from + i));

/** A config as given from outside: anything, for the core to check. */
const given = (config: unknown) => config as RequestOf<'runs:branch'>['config'];

/** The request is refused with an error of `code` whose message matches each pattern, and nothing is recorded. */
async function refused(request: RequestOf<'runs:branch'>, code: ApiError['code'], ...patterns: RegExp[]): Promise<void> {
  const runs = (await studio.invoke('runs:list', {})).length;
  const folders = readdirSync(join(home, 'runs')).sort();
  await assert.rejects(studio.invoke('runs:branch', request), (err: ApiError) => {
    assert.equal(err.code, code, err.message);
    for (const p of patterns) assert.match(err.message, p);
    return true;
  });
  assert.equal((await studio.invoke('runs:list', {})).length, runs, 'no run was recorded');
  assert.deepEqual(readdirSync(join(home, 'runs')).sort(), folders, 'no file was written');
}

test('a branch that changes nothing trains exactly as resuming the parent from that checkpoint', async () => {
  const parent = await trainParent();
  const [atTen, atTwenty] = await checkpoints(parent);
  assert.deepEqual([atTen.step, atTwenty.step], [10, 20]);

  // From the middle: the parent's own steps 11–20, as one uninterrupted run took them.
  const middle = await finished(await studio.invoke('runs:branch', { id: parent, checkpointId: atTen.id, maxSteps: 20 }));
  assert.deepEqual([middle.parentRunId, middle.parentCheckpointId, middle.parentStep, middle.step], [parent, atTen.id, 10, 20]);
  // (Within 1e-5, as exact resume is held to against a straight run: the parent took these steps unbroken.)
  lossesOf(parent, 11, 20).forEach((loss, i) => assert.ok(Math.abs(lossesOf(middle.id, 11, 20)[i]! - loss!) < 1e-5, `step ${11 + i}`));
  assert.equal(losses.get(middle.id)!.has(10), false, 'it starts after the checkpoint');

  // From the end (its latest by default): the parent had reached its total, so the branch trains as many again.
  const branch = await studio.invoke('runs:branch', { id: parent });
  assert.deepEqual([branch.parentCheckpointId, branch.parentStep, branch.totalSteps], [atTwenty.id, 20, 40]);
  const done = await finished(branch);
  await finished(await studio.invoke('runs:resume', { id: parent, maxSteps: 40 }));
  const resumed = lossesOf(parent, 21, 40);
  assert.ok(resumed.every((l) => typeof l === 'number'));
  assert.deepEqual(lossesOf(done.id, 21, 40), resumed, 'the same losses, exactly');
  // And they end on the same weights and Adam moments, bit for bit.
  const mine = loadCheckpoint((await checkpoints(done.id)).at(-1)!.path);
  const theirs = loadCheckpoint((await checkpoints(parent)).at(-1)!.path);
  assert.equal(mine.step, 40);
  for (const [name, t] of theirs.tensors) assert.deepEqual(Buffer.from(mine.tensors.get(name)!.data.buffer), Buffer.from(t.data.buffer), name);
  // The branch owns its copy of the checkpoint, in its own folder.
  const own = await checkpoints(done.id);
  assert.ok(own.every((c) => c.path.startsWith(join(home, 'runs', String(done.id)))));
});

test('the training settings asked for are the branch’s from its first step; the parent keeps its own', async () => {
  const parent = await trainParent();
  const before = await studio.invoke('runs:get', { id: parent });
  const branch = await finished(await studio.invoke('runs:branch', { id: parent, config: { train: { lr: 0.003, batch: 4, seqLen: 8, seed: 7 } }, maxSteps: 26 }));
  assert.deepEqual([branch.step, branch.totalSteps], [26, 26]);
  const t = branch.config.train;
  assert.deepEqual([t.lr, t.batch, t.seqLen, t.seed, t.maxSteps], [0.003, 4, 8, 7, 26]);
  assert.deepEqual(branch.config.model, before.config.model);
  assert.equal(firstLr.get(branch.id), 0.003, 'Adam steps with the new learning rate');
  const saved = loadCheckpoint((await checkpoints(branch.id)).at(-1)!.path);
  assert.deepEqual([saved.config.train.lr, saved.config.train.batch, saved.seed], [0.003, 4, 7]);
  assert.deepEqual((await studio.invoke('runs:get', { id: parent })).config, before.config);
  // A model or task field given at the parent's value changes nothing, and is accepted.
  const same = await studio.invoke('runs:branch', { id: parent, config: given({ model: before.config.model, task: 'generate' }), maxSteps: 21 });
  await finished(same);
});

test('refusals name what is wrong and record nothing', async () => {
  const parent = await trainParent();
  const other = await trainParent();
  const foreign = (await checkpoints(other))[0].id;
  const asked = (config: unknown) => ({ id: parent, config: given(config) });
  await refused(asked({ model: { units: 32, cell: 'gru' } }), 'invalid-request', /model\.units: a branch keeps run \d+'s model \(1×16 lstm/, /model\.cell: /);
  await refused(asked({ task: 'classify' }), 'invalid-request', /task: a branch keeps run \d+'s task \(generate\)/);
  await refused(asked({ train: { learningRate: 0.1 } }), 'invalid-request', /train.*learningRate/);
  await refused(asked({ schedule: 'cosine' }), 'invalid-request', /config\.schedule: not a branch setting/);
  await refused(asked({ train: { lr: 5 } }), 'invalid-request', /train\.lr: must be at most/);
  await refused({ id: parent, checkpointId: foreign }, 'bad-input', new RegExp(`checkpoint ${foreign} is not one of run ${parent}'s \\(it is run ${other}'s\\): its checkpoints are #\\d+ \\(step 10\\), #\\d+ \\(step 20\\)`));
  await refused({ id: parent, checkpointId: 9999 }, 'bad-input', /checkpoint 9999 is not one of run \d+'s: its checkpoints are/);
  await refused({ id: parent, maxSteps: 20 }, 'bad-input', /the branch starts at step 20 of run \d+: set \{maxSteps\} above 20/);
  await refused({ id: 4242 }, 'not-found', /there is no run 4242/);

  // A run that ended before its first checkpoint.
  const config = RunConfigSchema.parse(TINY);
  const empty = studio.store.runs.insert(datasetId, config, thisProcess());
  studio.store.runs.setStatus(empty, 'failed', 'it never got far');
  await refused({ id: empty }, 'bad-input', new RegExp(`run ${empty} has no checkpoint to branch from`));

  // A run still training.
  const long = await studio.invoke('runs:start', { datasetId, config: { ...TINY, train: { ...TINY.train, maxSteps: 100_000 } } });
  await new Promise<void>((resolve) => {
    const off = studio.on('run:checkpoint', (e) => e.runId === long.id && (off(), resolve()));
  });
  await refused({ id: long.id }, 'conflict', new RegExp(`run ${long.id} is running: branch from it once it has stopped or finished \\(rnn-studio stop ${long.id}\\)`));
  await studio.invoke('runs:control', { id: long.id, command: 'stop' });
  assert.equal((await studio.runs.whenDone(long.id)).status, 'stopped');
});

test('deleting the parent later leaves the branch whole: it trains and samples, its lineage kept as the step', async () => {
  const parent = await trainParent();
  const from = (await checkpoints(parent))[0];
  const branch = await finished(await studio.invoke('runs:branch', { id: parent, checkpointId: from.id, maxSteps: 15 }));
  await studio.invoke('runs:delete', { id: parent });
  assert.equal(existsSync(join(home, 'runs', String(parent))), false);
  const orphan = await studio.invoke('runs:get', { id: branch.id });
  assert.deepEqual([orphan.parentRunId, orphan.parentCheckpointId, orphan.parentStep], [null, null, 10]);
  assert.ok(orphan.checkpoints.every((c) => existsSync(c.path)));
  const resumed = await finished(await studio.invoke('runs:resume', { id: branch.id, maxSteps: 20 }));
  assert.equal(resumed.step, 20);
  const sample = await studio.invoke('samples:generate', { runId: branch.id, params: { length: 20, seed: 3, prime: 'It ' } });
  assert.ok(sample.text.startsWith('It '));
  // And a branch of the branch names it.
  const grandchild = await studio.invoke('runs:branch', { id: branch.id, maxSteps: 22 });
  assert.deepEqual([grandchild.parentRunId, grandchild.parentStep], [branch.id, 20]);
  await finished(grandchild);
});
