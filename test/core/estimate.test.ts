// What the Train form plans from: a labelled dataset records how long 95% of its texts are (older ones fall
// back to 90%), a classifier's max length defaults to it, and the estimate prices the whole run — epochs ×
// steps per epoch, or maxSteps when set, as the trainer counts — not only one epoch.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Studio } from '../../main/core/studio.ts';
import { labelledStats } from '../../main/engine/corpus/labelled.ts';
import { dataDefaults, lengthCovering, presetOf, runLength, SIZE_PRESETS } from '../../shared/run-plan.ts';
import { ModelConfigSchema } from '../../shared/config.ts';
import { tempDir } from '../helpers.ts';

const dir = tempDir();
let studio: Studio;
before(() => {
  studio = Studio.open(join(dir.path, 'home'));
});
after(async () => {
  await studio.close();
  dir.cleanup();
});

/** Texts of 1 to 100 characters, one of each. */
const hundred = Array.from({ length: 100 }, (_, i) => ({ text: 'x'.repeat(i + 1), label: i % 2 ? 'odd' : 'even' }));

test('labelled stats record the length at least 95% of texts fit in', () => {
  const { lengths } = labelledStats(hundred);
  assert.equal(lengths.p95, 96); // 96 of the 100 texts are at most 96 characters
  assert.equal(lengths.p90, 91);
  assert.ok(hundred.filter((e) => e.text.length <= lengths.p95).length >= 95);
  assert.equal(labelledStats([{ text: 'solo', label: 'a' }]).lengths.p95, 4);
});

test("a classifier's max length defaults to its data's p95, or p90 for a dataset imported before p95", () => {
  const lengths = { min: 2, median: 6, p90: 11, p95: 14, max: 23, mean: 6.4 };
  assert.deepEqual(dataDefaults('classify', { lengths }), [{ path: 'train.maxLen', value: 14, share: 95, length: 14 }]);
  const { p95: _, ...older } = lengths;
  assert.deepEqual(lengthCovering(older), { share: 90, length: 11 });
  assert.equal(dataDefaults('classify', { lengths: older })[0].value, 11);
  assert.deepEqual(dataDefaults('generate', { lengths }), [], 'a generator has no max length');
  assert.deepEqual(dataDefaults('classify', { lengths: null }), []);
  assert.deepEqual(dataDefaults('classify', { lengths: { min: 0, median: 0, p90: 0, max: 0, mean: 0 } }), [], "an imported model's placeholder has no texts");
  assert.equal(dataDefaults('classify', { lengths: { ...lengths, p95: 250_000, max: 300_000 } })[0].value, 100_000, 'within the setting’s limit');
});

test('the size presets are distinct, smallest first, and Medium is the default model', () => {
  const defaults = ModelConfigSchema.parse({});
  assert.equal(presetOf(defaults)?.name, 'medium');
  assert.equal(presetOf({ ...defaults, units: 200 }), null);
  const sizes = SIZE_PRESETS.map((p) => p.model.layers * p.model.units);
  assert.deepEqual([...sizes].sort((a, b) => a - b), sizes);
  assert.equal(new Set(sizes).size, SIZE_PRESETS.length);
  for (const p of SIZE_PRESETS) assert.ok(ModelConfigSchema.safeParse(p.model).success, p.name);
});

test('the whole run is epochs × steps per epoch, or maxSteps when set', () => {
  assert.deepEqual(runLength({ epochs: 10, maxSteps: null }, 300, 0.05), { steps: 3000, epochs: 10, seconds: 150 });
  assert.deepEqual(runLength({ epochs: 10, maxSteps: 450 }, 300, 0.05), { steps: 450, epochs: 1.5, seconds: 22.5 });
});

test('runs:estimate prices the whole run from its probe steps, and a labelled import records p95', async () => {
  const corpus = join(dir.path, 'corpus.txt');
  writeFileSync(corpus, 'It was the best of times, it was the worst of times.\n'.repeat(60));
  const text = (await studio.invoke('datasets:import', { path: corpus })).dataset.id;
  const config = { model: { layers: 1, units: 16, embedding: 8 }, train: { seqLen: 16, batch: 8, epochs: 3 } };
  const byEpochs = await studio.invoke('runs:estimate', { datasetId: text, config });
  assert.ok(byEpochs.stepsPerEpoch > 0 && byEpochs.secondsPerStep > 0);
  assert.equal(byEpochs.totalSteps, 3 * byEpochs.stepsPerEpoch);
  assert.equal(byEpochs.totalEpochs, 3);
  assert.ok(Math.abs(byEpochs.totalSeconds - byEpochs.totalSteps * byEpochs.secondsPerStep) < 1e-9);
  assert.ok(Math.abs(byEpochs.totalSeconds - 3 * byEpochs.secondsPerEpoch) < 1e-9);

  const bySteps = await studio.invoke('runs:estimate', { datasetId: text, config: { ...config, train: { ...config.train, maxSteps: 25 } } });
  assert.equal(bySteps.totalSteps, 25);
  assert.equal(bySteps.totalEpochs, 25 / bySteps.stepsPerEpoch);
  assert.ok(Math.abs(bySteps.totalSeconds - 25 * bySteps.secondsPerStep) < 1e-9);

  const csv = join(dir.path, 'lengths.csv');
  writeFileSync(csv, `text,label\n${hundred.map((e) => `${e.text},${e.label}`).join('\n')}\n`);
  const { dataset } = await studio.invoke('datasets:import', { path: csv });
  assert.equal(dataset.lengths?.p95, 96);
  assert.equal((await studio.invoke('datasets:get', { id: dataset.id })).lengths?.p95, 96, 'stored with the dataset');
  const classifier = await studio.invoke('runs:estimate', { datasetId: dataset.id, config: { task: 'classify', model: { layers: 1, units: 8, embedding: 4 }, train: { maxLen: 96, batch: 10, epochs: 2 } } });
  assert.equal(classifier.totalSteps, 2 * classifier.stepsPerEpoch);
});
