// Importing a PyTorch export after train.py trained it, without PyTorch: the tests play train.py's part
// (a checkpoint in torch layout, metrics.jsonl), so every path of the import is checked here and the real
// PyTorch round trip (test/cli/pytorch-roundtrip.test.ts) checks the arithmetic.
//  - The weights come back exactly, from the newest checkpoint; the run is the parent's child at the
//    parent's step numbers, with the remote curve, and it resumes training here.
//  - A folder never trained imports at the exported step; a metrics line cut short at the end is left out
//    and said; one past the newest checkpoint too.
//  - A wrong shape, a missing or extra tensor, a diverged (NaN) weight, a config.json of another model or
//    format, and a bad metrics line are refused by file and field, storing nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Studio } from '../../main/core/studio.ts';
import { ApiError } from '../../shared/api.ts';
import { decodeSafetensors, encodeSafetensors, type NamedTensor } from '../../main/engine/export/safetensors.ts';
import { loadCheckpoint } from '../../main/engine/storage/checkpoint.ts';
import { closeExportBench, openExportBench, trainRun, type ExportBench } from '../engine/export-fixtures.ts';

let bench: ExportBench;
let studio: Studio;
let parentId: number;
let parentCheckpoint: string;
let exported: string;

before(async () => {
  bench = await openExportBench();
  studio = bench.studio;
  ({ runId: parentId, checkpoint: parentCheckpoint } = await trainRun(studio, bench.corpusId, {
    model: { cell: 'gru', layers: 2, units: 8, embedding: 4 },
    train: { seqLen: 12, batch: 8, maxSteps: 20, lr: 0.02, seed: 5, sampleEvery: 1000, evalEvery: 10, checkpointEvery: 1000 },
  }));
  exported = join(bench.dir.path, 'exported');
  await studio.invoke('runs:export', { runId: parentId, format: 'pytorch', out: exported });
});
after(async () => {
  await closeExportBench(bench);
});

let copies = 0;
/** A copy of the export to change. */
function copy(): string {
  const to = join(bench.dir.path, `copy-${++copies}`);
  cpSync(exported, to, { recursive: true });
  return to;
}

function readWeights(dir: string, file = 'model.safetensors'): NamedTensor[] {
  return [...decodeSafetensors(readFileSync(join(dir, file)), file).tensors].map(([name, t]) => ({ name, ...t }));
}

/** What train.py leaves behind: checkpoints/step-N.safetensors and metrics.jsonl lines. */
function trainedBy(dir: string, step: number, weights: NamedTensor[], metrics: object[]): void {
  mkdirSync(join(dir, 'checkpoints'), { recursive: true });
  writeFileSync(join(dir, 'checkpoints', `step-${step}.safetensors`), encodeSafetensors(weights));
  writeFileSync(join(dir, 'metrics.jsonl'), metrics.map((m) => JSON.stringify(m)).join('\n') + '\n');
}

async function refused(dir: string, why: RegExp): Promise<void> {
  const before = (await studio.invoke('runs:list', {})).length;
  await assert.rejects(studio.invoke('runs:import-model', { path: dir }), (err: ApiError) => err.code === 'bad-input' && why.test(err.message));
  assert.equal((await studio.invoke('runs:list', {})).length, before, 'nothing is stored');
}

test("the newest checkpoint comes back as the parent's child, exactly, with train.py's curve, and it trains on here", async () => {
  const dir = copy();
  const weights = readWeights(dir);
  // Changed weights, and a bias split across bias_ih and bias_hh as PyTorch trains both: the studio sums them.
  const changed = weights.map((t) => ({ ...t, data: t.data.map((x, i) => (t.name.startsWith('rnn.bias_hh') ? 0.01 * (i % 5) : x + 0.001 * ((i % 7) - 3))) }));
  trainedBy(dir, 25, weights, []);
  trainedBy(dir, 30, changed, [
    { step: 25, loss: 2.1, valLoss: null, seconds: 1.5 },
    { step: 30, loss: 2.0, valLoss: 2.05, seconds: 3 },
  ]);
  const reply = await studio.invoke('runs:import-model', { path: dir });
  assert.deepEqual([reply.parentRunId, reply.steps, reply.run.step, reply.run.status, reply.run.parentStep], [parentId, 10, 30, 'stopped', 20]);
  assert.ok(reply.notes.some((n) => /Adam's moments start afresh/.test(n)));
  const detail = await studio.invoke('runs:get', { id: reply.run.id });
  assert.deepEqual(detail.metrics.map((m) => [m.step, m.trainLoss, m.valLoss]), [[25, 2.1, null], [30, 2.0, 2.05]]);
  assert.equal(detail.metrics[1].charsPerSec, (5 * 8 * 12) / 1.5, 'speed from train.py\'s seconds');
  assert.equal(detail.checkpoints.length, 1);

  const state = loadCheckpoint(detail.checkpoints[0].path);
  const parent = loadCheckpoint(parentCheckpoint);
  assert.equal(state.step, 30);
  assert.equal(state.adamStep, 0);
  assert.deepEqual([state.epoch, state.batchInEpoch, state.rngState, state.seed], [parent.epoch, parent.batchInEpoch, parent.rngState, parent.seed], "the parent's data position and RNG");
  // Round trip of the layout: exporting the imported run gives back the changed weights, biases summed.
  const again = join(bench.dir.path, 'again');
  await studio.invoke('runs:export', { runId: reply.run.id, format: 'pytorch', out: again });
  for (const t of readWeights(again)) {
    const was = changed.find((c) => c.name === t.name)!;
    if (t.name.startsWith('rnn.bias_hh')) assert.ok(t.data.every((x) => x === 0));
    else if (t.name.startsWith('rnn.bias_ih')) {
      const hh = changed.find((c) => c.name === t.name.replace('bias_ih', 'bias_hh'))!;
      t.data.forEach((x, i) => assert.ok(Math.abs(x - (was.data[i] + hh.data[i])) < 1e-7, t.name));
    } else assert.deepEqual(t.data, was.data, t.name);
  }

  const resumed = await studio.invoke('runs:resume', { id: reply.run.id, maxSteps: 36 });
  const done = await studio.runs.whenDone(resumed.id);
  assert.equal(done.status, 'finished', done.error ?? '');
  assert.equal(done.step, 36);
});

test('a bidirectional classifier comes back with the same answers (weights through torch layout and back)', async () => {
  const { runId } = await trainRun(studio, bench.labelledId, {
    task: 'classify',
    model: { cell: 'lstm', layers: 2, units: 8, embedding: 4, bidirectional: true, pooling: 'max' },
    train: { maxLen: 10, batch: 8, epochs: 1, lr: 0.02, seed: 5, valSplit: 0.2 },
  });
  const dir = join(bench.dir.path, 'classifier');
  await studio.invoke('runs:export', { runId, format: 'pytorch', out: dir });
  const step = (await studio.invoke('runs:get', { id: runId })).step;
  trainedBy(dir, step + 4, readWeights(dir), [{ step: step + 4, loss: 0.9, valLoss: 1, valAccuracy: 0.5, seconds: 1 }]);
  const reply = await studio.invoke('runs:import-model', { path: dir });
  assert.deepEqual([reply.parentRunId, reply.steps, reply.run.task], [runId, 4, 'classify']);
  assert.equal((await studio.invoke('runs:get', { id: reply.run.id })).metrics[0].valAccuracy, 0.5);
  const texts = ['a', 'cab', 'abbacab', 'ccbaccbaccbaccba'];
  const before = await studio.invoke('runs:classify', { runId, texts });
  const after = await studio.invoke('runs:classify', { runId: reply.run.id, texts });
  after.results.forEach((r, i) => r.probabilities.forEach((p, c) => assert.ok(Math.abs(p - before.results[i].probabilities[c]) < 1e-6)));
});

test('a folder train.py never trained imports at the exported step; a metrics line cut short, or past the newest checkpoint, is left out and said', async () => {
  const untouched = await studio.invoke('runs:import-model', { path: copy() });
  assert.deepEqual([untouched.steps, untouched.run.step], [0, 20]);

  const dir = copy();
  trainedBy(dir, 30, readWeights(dir), [{ step: 30, loss: 2, valLoss: 2.1, seconds: 2 }, { step: 40, loss: 1.9, valLoss: null, seconds: 3 }]);
  appendFileSync(join(dir, 'metrics.jsonl'), '{"step": 45, "lo');
  const reply = await studio.invoke('runs:import-model', { path: dir });
  assert.equal(reply.run.step, 30);
  assert.ok(reply.notes.some((n) => /line 3 was cut short/.test(n)), reply.notes.join('; '));
  assert.ok(reply.notes.some((n) => /1 line of metrics.jsonl after step 30, the newest checkpoint, is left out/.test(n)), reply.notes.join('; '));
  assert.deepEqual((await studio.invoke('runs:get', { id: reply.run.id })).metrics.map((m) => m.step), [30]);
});

test('a damaged or foreign folder is refused by file and field, storing nothing', async () => {
  const shapes = copy();
  const w = readWeights(shapes);
  trainedBy(shapes, 30, w.map((t) => (t.name === 'rnn.weight_hh_l1' ? { ...t, shape: [24, 4], data: t.data.slice(0, 96) } : t)), []);
  await refused(shapes, /checkpoints\/step-30\.safetensors: rnn\.weight_hh_l1 is \[24, 4\], but the 2×8 gru generator config\.json describes has \[24, 8\]/);

  const missing = copy();
  trainedBy(missing, 30, readWeights(missing).filter((t) => t.name !== 'output.bias'), []);
  await refused(missing, /step-30\.safetensors: output\.bias missing/);

  const extra = copy();
  trainedBy(extra, 30, [...readWeights(extra), { name: 'rnn.weight_ih_l2', shape: [1], data: new Float32Array(1) }], []);
  await refused(extra, /rnn\.weight_ih_l2 is not a weight of the 2×8 gru generator/);

  const diverged = copy();
  trainedBy(diverged, 30, readWeights(diverged).map((t) => (t.name === 'output.weight' ? { ...t, data: t.data.map((x, i) => (i === 3 ? NaN : x)) } : t)), []);
  await refused(diverged, /output\.weight\[3\] is NaN: training diverged/);

  const cut = copy();
  writeFileSync(join(cut, 'model.safetensors'), readFileSync(join(cut, 'model.safetensors')).subarray(0, 100));
  await refused(cut, /model\.safetensors: .*(cut short|claims)/);

  const other = copy();
  const config = JSON.parse(readFileSync(join(other, 'config.json'), 'utf8'));
  writeFileSync(join(other, 'config.json'), JSON.stringify({ ...config, model: { ...config.model, units: 16 } }));
  await refused(other, /config\.json: model\.units is 16, but vocab\.json's is 8/);

  const format = copy();
  writeFileSync(join(format, 'config.json'), JSON.stringify({ ...config, format: 'something-else' }));
  await refused(format, /config\.json: format: is not "rnn-studio-pytorch"/);

  const metrics = copy();
  trainedBy(metrics, 30, readWeights(metrics), []);
  writeFileSync(join(metrics, 'metrics.jsonl'), '{"step": 25, "loss": "low"}\n{"step": 30, "loss": 2}\n');
  await refused(metrics, /metrics\.jsonl: line 1: loss/);
});
