// Importing back a tfjs export: a generator and a classifier trained here, exported with `runs:export`,
// imported with `runs:import-model` (and the CLI's `import-model`), are new runs with status 'imported'
// whose greedy text and class probabilities equal the original run's; a bundle from another data folder
// gets a stand-in dataset and no parent; and a folder without vocab.json, a weights.bin of the wrong size,
// a vocab.json from elsewhere or of another model are refused by file and field, storing nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readFileSync, rmSync, truncateSync, writeFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { Studio } from '../../main/core/studio.ts';
import { ApiError } from '../../shared/api.ts';
import { isLive } from '../../shared/types.ts';
import { cli, tempDir } from '../helpers.ts';
import { closeExportBench, openExportBench, trainRun, type ExportBench } from '../engine/export-fixtures.ts';

let bench: ExportBench;
let dir: ExportBench['dir'];
let home: string;
let studio: Studio;
let generatorRun: number;
let classifierRun: number;
let generatorBundle: string;
let classifierBundle: string;
const TEXTS = ['a', 'cab', 'abbacab', 'bacca#b', 'ccbaccbaccbaccba'];

const trainTiny = async (datasetId: number, config: Record<string, unknown>) => (await trainRun(studio, datasetId, config)).runId;

before(async () => {
  bench = await openExportBench();
  ({ dir, studio } = bench);
  home = join(dir.path, 'home');
  const { corpusId, labelledId } = bench;
  generatorRun = await trainTiny(corpusId, {
    model: { cell: 'lstm', layers: 2, units: 8, embedding: 4 },
    train: { seqLen: 12, batch: 8, maxSteps: 20, lr: 0.02, seed: 5, sampleEvery: 1000, evalEvery: 1000, checkpointEvery: 1000 },
  });
  classifierRun = await trainTiny(labelledId, {
    task: 'classify',
    model: { cell: 'gru', layers: 2, units: 8, embedding: 4, bidirectional: true, pooling: 'mean' },
    train: { maxLen: 10, batch: 8, epochs: 1, lr: 0.02, seed: 5, valSplit: 0.2 },
  });
  generatorBundle = join(dir.path, 'generator');
  classifierBundle = join(dir.path, 'classifier');
  await studio.invoke('runs:export', { runId: generatorRun, format: 'tfjs', out: generatorBundle });
  await studio.invoke('runs:export', { runId: classifierRun, format: 'tfjs', out: classifierBundle });
});

after(async () => {
  await closeExportBench(bench);
});

/** A copy of a bundle to tamper with. */
function copyOf(bundle: string, name: string): string {
  const to = join(dir.path, name);
  cpSync(bundle, to, { recursive: true });
  return to;
}

async function refused(path: string, ...fragments: string[]): Promise<void> {
  const runs = (await studio.invoke('runs:list', {})).length;
  const datasets = (await studio.invoke('datasets:list', {})).length;
  const runDirs = readdirSync(join(home, 'runs')).length;
  await assert.rejects(studio.invoke('runs:import-model', { path }), (err: ApiError) => {
    assert.equal(err.code, 'bad-input', err.message);
    for (const f of fragments) assert.ok(err.message.includes(f), `"${err.message}" should say ${f}`);
    return true;
  });
  assert.equal((await studio.invoke('runs:list', {})).length, runs, 'no run was recorded');
  assert.equal((await studio.invoke('datasets:list', {})).length, datasets, 'no dataset was recorded');
  assert.equal(readdirSync(join(home, 'runs')).length, runDirs, 'no run folder was written');
}

test('an imported generator is a new run, child of its source, that greedy-samples exactly as the original', async () => {
  const { run, parentRunId } = await studio.invoke('runs:import-model', { path: generatorBundle });
  const original = await studio.invoke('runs:get', { id: generatorRun });
  assert.equal(run.status, 'imported');
  assert.equal(isLive(run.status), false);
  assert.equal(parentRunId, generatorRun);
  assert.equal(run.parentRunId, generatorRun);
  assert.equal(run.datasetId, original.datasetId, 'it uses its parent run’s dataset');
  assert.equal(run.step, original.step);
  assert.deepEqual(run.config, original.config);
  const detail = await studio.invoke('runs:get', { id: run.id });
  assert.equal(detail.checkpoints.length, 1);
  for (const prime of ['the ', 'a b']) {
    const params = { prime, length: 200, topK: 1, seed: 3 };
    const mine = await studio.invoke('samples:generate', { runId: run.id, params });
    const theirs = await studio.invoke('samples:generate', { runId: generatorRun, params });
    assert.equal(mine.text, theirs.text);
  }
  // Sampled with a seed (not greedy), the two are the same too: the weights are the same floats.
  const seeded = { prime: 'the ', length: 100, temperature: 0.9, seed: 11 };
  assert.equal((await studio.invoke('samples:generate', { runId: run.id, params: seeded })).text, (await studio.invoke('samples:generate', { runId: generatorRun, params: seeded })).text);
  // It has no training of its own to continue, but it can be fine-tuned (here on its source's corpus).
  await assert.rejects(studio.invoke('runs:resume', { id: run.id }), /imported from an exported model/);
  const tuned = await studio.invoke('runs:start', { datasetId: original.datasetId, initFrom: run.id, config: { train: { seqLen: 12, batch: 8, maxSteps: 2 } } });
  const done = await studio.runs.whenDone(tuned.id);
  assert.equal(done.status, 'finished', done.error ?? '');
  assert.equal(done.parentRunId, run.id);
  assert.deepEqual(done.config.model, original.config.model);
});

test('an imported bidirectional classifier classifies and evaluates as the original', async () => {
  const { run, parentRunId } = await studio.invoke('runs:import-model', { path: classifierBundle });
  assert.equal(run.status, 'imported');
  assert.equal(parentRunId, classifierRun);
  const mine = await studio.invoke('runs:classify', { runId: run.id, texts: TEXTS });
  const theirs = await studio.invoke('runs:classify', { runId: classifierRun, texts: TEXTS });
  assert.deepEqual(mine.labels, theirs.labels);
  mine.results.forEach((r, i) => {
    assert.equal(r.label, theirs.results[i].label);
    r.probabilities.forEach((p, c) => assert.ok(Math.abs(p - theirs.results[i].probabilities[c]) <= 1e-6, `${TEXTS[i]}: ${p} vs ${theirs.results[i].probabilities[c]}`));
  });
  const held = join(dir.path, 'held.jsonl');
  writeFileSync(held, ['abba x', 'cab y', 'ccba z', 'bb x'].map((l) => JSON.stringify({ text: l.split(' ')[0], label: l.split(' ')[1] })).join('\n') + '\n');
  const a = await studio.invoke('runs:evaluate', { runId: run.id, path: held });
  const b = await studio.invoke('runs:evaluate', { runId: classifierRun, path: held });
  assert.equal(a.accuracy, b.accuracy);
  assert.deepEqual(a.confusion, b.confusion);
  assert.deepEqual((await studio.invoke('runs:get', { id: run.id })).labels, theirs.labels);
});

test('in another data folder the import has no parent and a stand-in dataset that nothing trains on', async () => {
  const other = tempDir();
  const elsewhere = Studio.open(join(other.path, 'home'));
  try {
    const { run, parentRunId } = await elsewhere.invoke('runs:import-model', { path: classifierBundle });
    assert.equal(parentRunId, null);
    assert.equal(run.parentRunId, null);
    const dataset = await elsewhere.invoke('datasets:get', { id: run.datasetId });
    assert.equal(dataset.chars, 0);
    assert.deepEqual(dataset.labels?.map((l) => l.label), ['x', 'y', 'z']);
    const mine = await elsewhere.invoke('runs:classify', { runId: run.id, texts: TEXTS });
    const theirs = await studio.invoke('runs:classify', { runId: classifierRun, texts: TEXTS });
    assert.deepEqual(mine.results.map((r) => r.probabilities), theirs.results.map((r) => r.probabilities));
    await assert.rejects(elsewhere.invoke('runs:start', { datasetId: run.datasetId, config: { task: 'classify' } }), /holds no text/);
    // The source run's id names a run here that is not this model: no parent.
    const corpus = join(other.path, 'c.txt');
    writeFileSync(corpus, 'abcabcabc '.repeat(50));
    const { dataset: d } = await elsewhere.invoke('datasets:import', { path: corpus });
    const unrelated = await elsewhere.invoke('runs:start', { datasetId: d.id, config: { model: { units: 8, embedding: 4 }, train: { seqLen: 8, batch: 4, maxSteps: 2, seed: 1 } } });
    await elsewhere.runs.whenDone(unrelated.id);
    const again = copyOf(generatorBundle, 'generator-elsewhere');
    const vocab = JSON.parse(readFileSync(join(again, 'vocab.json'), 'utf8'));
    vocab.source.runId = unrelated.id;
    writeFileSync(join(again, 'vocab.json'), JSON.stringify(vocab));
    assert.equal((await elsewhere.invoke('runs:import-model', { path: again })).parentRunId, null);
  } finally {
    await elsewhere.close();
    other.cleanup();
  }
});

test('a folder without vocab.json is refused, naming it, and stores nothing', async () => {
  const bundle = copyOf(generatorBundle, 'no-vocab');
  rmSync(join(bundle, 'vocab.json'));
  await refused(bundle, 'has no vocab.json', 'export --format tfjs');
  await refused(join(dir.path, 'nowhere'), 'does not exist');
});

test('a weights.bin of the wrong size is refused with both sizes', async () => {
  const bundle = copyOf(generatorBundle, 'short-weights');
  const bin = join(bundle, 'weights.bin');
  const size = readFileSync(bin).length;
  truncateSync(bin, size - 4);
  await refused(bundle, 'weights.bin', `${size - 4} bytes`, `describes ${size}`);
});

test('a vocab.json from elsewhere, or from another model, is refused by field', async () => {
  const foreign = copyOf(generatorBundle, 'foreign-vocab');
  writeFileSync(join(foreign, 'vocab.json'), JSON.stringify({ format: 'something-else', chars: ['a', 'b'] }));
  await refused(foreign, 'vocab.json', 'format', 'not written by RNN Studio');

  const mixed = copyOf(generatorBundle, 'mixed');
  cpSync(join(classifierBundle, 'vocab.json'), join(mixed, 'vocab.json'));
  await refused(mixed, 'model.json', 'weightsManifest', 'vocab.json');

  const bad = copyOf(generatorBundle, 'bad-unknown');
  const vocab = JSON.parse(readFileSync(join(bad, 'vocab.json'), 'utf8'));
  vocab.unknownId = 0;
  writeFileSync(join(bad, 'vocab.json'), JSON.stringify(vocab));
  await refused(bad, 'vocab.json: unknownId');

  const garbled = copyOf(generatorBundle, 'garbled');
  writeFileSync(join(garbled, 'model.json'), '{"format": "layers-model",');
  await refused(garbled, 'model.json', 'not valid JSON');
});

test('the CLI: import-model --json gives runId and parentRunId, then sample works on it', async () => {
  const imported = await cli(['import-model', generatorBundle, '--json'], home);
  assert.equal(imported.code, 0, imported.stderr);
  const result = imported.lines.at(-1)!;
  assert.equal(typeof result.runId, 'number');
  assert.equal(result.parentRunId, generatorRun);
  const args = ['--prime', 'the ', '--length', '80', '--top-k', '1', '--seed', '1', '--json'];
  const mine = await cli(['sample', String(result.runId), ...args], home);
  const theirs = await cli(['sample', String(generatorRun), ...args], home);
  assert.equal(mine.code, 0, mine.stderr);
  assert.equal(mine.lines.at(-1)!.text, theirs.lines.at(-1)!.text);
  const runs = await cli(['runs'], home);
  assert.match(runs.stdout, /imported/);

  const bundle = copyOf(generatorBundle, 'cli-no-vocab');
  rmSync(join(bundle, 'vocab.json'));
  const no = await cli(['import-model', bundle, '--json'], home);
  assert.equal(no.code, 1);
  assert.equal(no.lines.at(-1)!.code, 'bad-input');
  assert.match(String(no.lines.at(-1)!.error), /has no vocab\.json/);
  assert.ok(existsSync(home));
});

test('train --init-from fine-tunes a run on another corpus: its vocabulary stays, unseen characters are counted', async () => {
  // A model with an unknown symbol: a charset cap of 12 drops the corpus's rarest characters.
  const capped = join(dir.path, 'capped.txt');
  writeFileSync(capped, 'the cat sat on the mat. the dog ate the hat. a bat and a rat.\n'.repeat(40));
  const cappedId = (await studio.invoke('datasets:import', { path: capped, name: 'capped', maxCharset: 12 })).dataset.id;
  const source = await trainTiny(cappedId, { model: { cell: 'gru', layers: 1, units: 8, embedding: 4 }, train: { seqLen: 12, batch: 8, maxSteps: 30, lr: 0.02, seed: 2 } });
  const other = join(dir.path, 'other.txt');
  writeFileSync(other, 'the rat ate the cat. ZZ! the hat sat.\n'.repeat(40));
  const otherId = (await studio.invoke('datasets:import', { path: other })).dataset.id;

  const tuned = await cli(['train', String(otherId), '--init-from', String(source), '--max-steps', '3', '--seq-len', '12', '--batch', '8', '--json'], home);
  assert.equal(tuned.code, 0, tuned.stderr);
  const ready = tuned.lines.find((l) => l.event === 'ready')!;
  const note = (ready.notes as string[]).find((n) => n.includes('not in run'))!;
  assert.ok(note, JSON.stringify(ready.notes));
  assert.match(note, new RegExp(`characters of dataset ${otherId} \\(\\d+ distinct: .*"Z".*\\) are not in run ${source}'s vocabulary: they read as its unknown symbol`));
  const runId = tuned.lines.at(-1)!.runId as number;
  const run = await studio.invoke('runs:get', { id: runId });
  assert.equal(run.parentRunId, source);
  assert.equal(run.status, 'finished');
  assert.deepEqual(run.config.model, (await studio.invoke('runs:get', { id: source })).config.model);
  // It starts from the source's weights: its first loss is the trained model's, far below a fresh one's.
  const fresh = await cli(['train', String(otherId), '--cell', 'gru', '--layers', '1', '--units', '8', '--embedding', '4', '--max-steps', '1', '--seq-len', '12', '--batch', '8', '--seed', '2', '--json'], home);
  const firstTuned = tuned.lines.find((l) => l.event === 'progress')!.loss as number;
  const firstFresh = fresh.lines.find((l) => l.event === 'progress')!.loss as number;
  assert.ok(firstTuned < firstFresh - 0.5, `fine-tuned first loss ${firstTuned} vs fresh ${firstFresh}`);

  // The generator trained before has no unknown symbol: the same corpus is refused, saying so.
  await assert.rejects(studio.invoke('runs:start', { datasetId: otherId, initFrom: generatorRun }), /has no unknown symbol/);
  // Its model stays: asking for another is refused, naming the field.
  await assert.rejects(studio.invoke('runs:start', { datasetId: cappedId, initFrom: source, config: { model: { units: 16 } } }), /keeps run \d+'s model.*model\.units/);
  // A classifier keeps its task and its classes.
  await assert.rejects(studio.invoke('runs:start', { datasetId: cappedId, initFrom: classifierRun }), /is a classifier: fine-tune it on labelled examples, and dataset \d+ is not/);
});
