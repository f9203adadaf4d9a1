import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { initBackend, tf } from '../../main/engine/model/backend.ts';
import { CharClassifier, padBatch } from '../../main/engine/model/classifier.ts';
import { initialWeights } from '../../main/engine/model/generator.ts';
import { GATES, countParameters, paramSpecs } from '../../main/engine/model/params.ts';
import { QUIET, Trainer } from '../../main/engine/training/train.ts';
import { TrainingControl } from '../../main/engine/training/control.ts';
import { buildTask } from '../../main/engine/training/tasks/index.ts';
import { engineOps } from '../../main/engine/model/ops.ts';
import { classificationReport } from '../../main/engine/training/metrics.ts';
import { Rng } from '../../main/engine/corpus/rng.ts';
import { Vocabulary } from '../../main/engine/corpus/charset.ts';
import { ModelConfigSchema, RunConfigSchema, type RunConfigInput } from '../../shared/config.ts';
import { tempDir } from '../helpers.ts';

before(async () => {
  await initBackend();
});

/** Label "before" when "ab" precedes "cd", "after" otherwise; both classes use the same characters. */
function orderTask(n: number, seed: number): Array<{ text: string; label: string }> {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => {
    const filler = Array.from({ length: 8 + rng.int(8) }, () => 'xyz'[rng.int(3)]);
    const before = rng.next() < 0.5;
    const [first, second] = before ? ['ab', 'cd'] : ['cd', 'ab'];
    const i = rng.int(filler.length + 1);
    const j = i + rng.int(filler.length - i + 1);
    const chars = [...filler.slice(0, i), first, ...filler.slice(i, j), second, ...filler.slice(j)];
    return { text: chars.join(''), label: before ? 'before' : 'after' };
  });
}

function trainClassifier(examples: Array<{ text: string; label: string }>, overrides: RunConfigInput) {
  const dir = tempDir();
  const contentPath = join(dir.path, 'examples.jsonl');
  writeFileSync(contentPath, examples.map((e) => JSON.stringify(e)).join('\n') + '\n');
  const vocab = [...new Set(examples.flatMap((e) => [...e.text]))].sort();
  const labels = [...new Set(examples.map((e) => e.label))].sort();
  const config = RunConfigSchema.parse({ task: 'classify', ...overrides, train: { seed: 7, checkpointEvery: 100_000, ...overrides.train } });
  const built = buildTask({ config, vocab, labels, contentPath, seed: 7, resume: null, ops: engineOps() });
  const evaluations: number[] = [];
  const trainer = new Trainer(
    { config, task: built.task, unitsPerStep: built.unitsPerStep, vocab, labels, startChar: '', seed: 7, checkpointDir: dir.path, resume: null, maxSteps: null },
    { ...QUIET, onEvaluation: (e) => evaluations.push(e.accuracy) },
  );
  return { trainer, evaluations, cleanup: () => (trainer.dispose(), dir.cleanup()) };
}

for (const cell of ['gru', 'lstm'] as const) {
  test(`${cell}: a task only order can solve ("ab" before or after "cd") reaches ≥ 95% validation accuracy`, async () => {
    const { trainer, evaluations, cleanup } = trainClassifier(orderTask(1500, 1), {
      model: { cell, layers: 1, units: 48, embedding: 16 },
      train: { batch: 32, lr: 0.01, epochs: 25, patience: 6, valSplit: 0.2 },
    });
    try {
      await trainer.run(new TrainingControl());
      const best = Math.max(...evaluations);
      assert.ok(best >= 0.95, `${cell} best validation accuracy ${best} (per epoch: ${evaluations.map((a) => a.toFixed(2)).join(' ')})`);
    } finally {
      cleanup();
    }
  });
}

test('bidirectional doubles the recurrent parameters', () => {
  for (const cell of ['lstm', 'gru', 'rnn'] as const) {
    const one = ModelConfigSchema.parse({ cell, layers: 2, units: 32, embedding: 8 });
    const two = { ...one, bidirectional: true };
    const recurrent = (specs: ReturnType<typeof paramSpecs>) =>
      specs.filter((s) => s.name.startsWith('layer')).reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1), 0);
    // The first layer's inputs are the embedding either way; the second reads both directions (2H).
    const H = 32;
    const G = GATES[cell];
    const layer = (inDim: number) => inDim * G * H + H * G * H + G * H;
    assert.equal(recurrent(paramSpecs(20, one, 3)), layer(8) + layer(H));
    assert.equal(recurrent(paramSpecs(20, two, 3)), 2 * layer(8) + 2 * layer(2 * H));
    const sameInputs = { ...one, layers: 1 };
    assert.equal(recurrent(paramSpecs(20, { ...sameInputs, bidirectional: true }, 3)), 2 * recurrent(paramSpecs(20, sameInputs, 3)));
    assert.equal(countParameters(20, two, 3) - countParameters(20, one, 3), recurrent(paramSpecs(20, two, 3)) - recurrent(paramSpecs(20, one, 3)) + 32 * 3);
  }
});

test('masking: the same text padded to two different lengths gets the same probabilities', () => {
  const vocab = new Vocabulary([...'abcdefgh ']);
  for (const pooling of ['last', 'mean', 'max'] as const) {
    const cfg = ModelConfigSchema.parse({ cell: 'lstm', layers: 2, units: 16, embedding: 8, bidirectional: true, pooling });
    const model = new CharClassifier(vocab.size, 3, cfg, initialWeights(vocab.size, cfg, new Rng(11), 3), engineOps());
    const probs = (texts: string[]) =>
      tf.tidy(() => {
        const b = padBatch(texts.map((t) => vocab.encode(t)));
        return tf.softmax(model.forward(tf.tensor2d(b.ids, [b.batch, b.steps], 'int32'), tf.tensor2d(b.mask, [b.batch, b.steps]), null)).arraySync() as number[][];
      });
    const alone = probs(['bad cafe'])[0];
    const padded = probs(['bad cafe', 'a bad cafe had a faded bag'])[0];
    alone.forEach((p, i) => assert.ok(Math.abs(p - padded[i]) < 1e-5, `${pooling}: ${alone} vs ${padded}`));
    model.dispose();
  }
});

test('the classification report: accuracy, macro-F1, per-class precision and recall, confusion', () => {
  const r = classificationReport(['a', 'b', 'c'], [0, 0, 1, 1, 2, 2], [0, 1, 1, 1, 2, 0]);
  assert.equal(r.accuracy, 4 / 6);
  assert.deepEqual(r.confusion, [[1, 1, 0], [0, 2, 0], [1, 0, 1]]);
  assert.deepEqual(r.perClass.map((p) => [p.label, p.precision, p.recall, p.support]), [['a', 0.5, 0.5, 2], ['b', 2 / 3, 1, 2], ['c', 1, 0.5, 2]]);
  const f1 = [0.5, 0.8, 2 / 3];
  assert.ok(Math.abs(r.macroF1 - f1.reduce((a, b) => a + b) / 3) < 1e-12);
});
