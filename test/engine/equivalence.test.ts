// The fast recurrent path against TensorFlow.js's own tf.layers on random inputs and weights: same
// outputs and same gradients, within float tolerance, for each cell, 1 and 2 layers, and bidirectional.
// Runs on the cpu backend (tf.layers' embedding gradient needs a kernel wasm lacks), once through the
// native kernels and once through TensorFlow.js ops alone.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend, tf } from '../../main/engine/model/backend.ts';
import { CharRnn, initialWeights } from '../../main/engine/model/generator.ts';
import { CharClassifier } from '../../main/engine/model/classifier.ts';
import { paramSpecs } from '../../main/engine/model/params.ts';
import { ModelConfigSchema, type CellType } from '../../shared/config.ts';
import { Rng } from '../../main/engine/corpus/rng.ts';
import { engineOps } from '../../main/engine/model/ops.ts';
import { ENGINE_PATHS } from '../helpers.ts';

before(async () => {
  await initBackend('cpu');
});

const V = 11;
const B = 3;
const T = 7;

function recurrent(cell: CellType, units: number, returnSequences: boolean): tf.layers.Layer {
  const common = { units, returnSequences, recurrentInitializer: 'zeros' as const, kernelInitializer: 'zeros' as const };
  if (cell === 'lstm') return tf.layers.lstm({ ...common, recurrentActivation: 'sigmoid' });
  if (cell === 'gru') return tf.layers.gru({ ...common, recurrentActivation: 'sigmoid' });
  return tf.layers.simpleRNN(common);
}

function maxDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

/** Gradients of sum(output · R) with respect to each weight, in the order given. */
function gradients(f: () => tf.Tensor, weights: tf.Variable[], R: tf.Tensor): tf.Tensor[] {
  const { grads } = tf.variableGrads(() => tf.sum(tf.mul(f(), R)) as tf.Scalar, weights);
  return weights.map((w) => grads[w.name]);
}

for (const path of ENGINE_PATHS) {
for (const cell of ['lstm', 'gru', 'rnn'] as CellType[]) {
  for (const layers of [1, 2]) {
    test(`generator, ${cell}, ${layers} layer(s), ${path.name}: same logits and gradients as tf.layers`, { skip: path.skip }, () => {
      const cfg = ModelConfigSchema.parse({ cell, layers, units: 6, embedding: 5 });
      const weights = initialWeights(V, cfg, new Rng(3 + layers));
      // Random biases too, so every term is exercised.
      for (const [name, w] of weights) if (name.endsWith('bias')) w.forEach((_, i) => (w[i] = Math.sin(i + name.length)));
      const ours = new CharRnn(V, cfg, weights, engineOps(path.ops));
      const ref = tf.sequential();
      ref.add(tf.layers.embedding({ inputDim: V, outputDim: 5, inputLength: T }));
      for (let l = 0; l < layers; l++) ref.add(recurrent(cell, 6, true));
      ref.add(tf.layers.dense({ units: V }));
      ref.setWeights(paramSpecs(V, cfg).map((s) => tf.tensor(weights.get(s.name)!, s.shape)));

      const ids = tf.tensor2d(Array.from({ length: B * T }, (_, i) => (i * 7 + 3) % V), [B, T], 'int32');
      const mine = tf.transpose(tf.reshape(ours.forward(ids, null), [T, B, V]), [1, 0, 2]); // ours is time-major
      const theirs = ref.apply(ids) as tf.Tensor;
      assert.ok(maxDiff(mine, theirs) < 1e-5, `logits differ by ${maxDiff(mine, theirs)}`);

      const R = tf.randomNormal([B, T, V], 0, 1, 'float32', 9);
      const ourVars = paramSpecs(V, cfg).map((s) => ours.variables.get(s.name)!);
      const refVars = ref.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val);
      const g1 = gradients(() => tf.transpose(tf.reshape(ours.forward(ids, null), [T, B, V]), [1, 0, 2]), ourVars, R);
      const g2 = gradients(() => ref.apply(ids) as tf.Tensor, refVars, R);
      g1.forEach((g, i) => {
        const d = maxDiff(g, g2[i]);
        assert.ok(d < 1e-4, `gradient of ${paramSpecs(V, cfg)[i].name} differs by ${d}`);
      });
      ours.dispose();
    });
  }
}

for (const cell of ['lstm', 'gru'] as CellType[]) {
  test(`classifier, bidirectional ${cell}, 2 layers, ${path.name}: same probabilities and gradients as tf.layers.bidirectional`, { skip: path.skip }, () => {
    const C = 4;
    const cfg = ModelConfigSchema.parse({ cell, layers: 2, units: 6, embedding: 5, bidirectional: true, pooling: 'last' });
    const weights = initialWeights(V, cfg, new Rng(17), C);
    for (const [name, w] of weights) if (name.endsWith('bias')) w.forEach((_, i) => (w[i] = Math.cos(i + name.length)));
    const ours = new CharClassifier(V, C, cfg, weights, engineOps(path.ops));
    const ref = tf.sequential();
    ref.add(tf.layers.embedding({ inputDim: V, outputDim: 5, inputLength: T }));
    ref.add(tf.layers.bidirectional({ layer: recurrent(cell, 6, true) as tf.RNN, mergeMode: 'concat' }));
    ref.add(tf.layers.bidirectional({ layer: recurrent(cell, 6, false) as tf.RNN, mergeMode: 'concat' }));
    ref.add(tf.layers.dense({ units: C }));
    ref.setWeights(paramSpecs(V, cfg, C).map((s) => tf.tensor(weights.get(s.name)!, s.shape)));

    const ids = tf.tensor2d(Array.from({ length: B * T }, (_, i) => (i * 5 + 1) % V), [B, T], 'int32');
    const mask = tf.ones([B, T]) as tf.Tensor2D;
    const mine = ours.forward(ids, mask, null);
    const theirs = ref.apply(ids) as tf.Tensor;
    assert.ok(maxDiff(mine, theirs) < 1e-5, `logits differ by ${maxDiff(mine, theirs)}`);

    const R = tf.randomNormal([B, C], 0, 1, 'float32', 4);
    const specs = paramSpecs(V, cfg, C);
    const g1 = gradients(() => ours.forward(ids, mask, null), specs.map((s) => ours.variables.get(s.name)!), R);
    const g2 = gradients(() => ref.apply(ids) as tf.Tensor, ref.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val), R);
    g1.forEach((g, i) => {
      const d = maxDiff(g, g2[i]);
      assert.ok(d < 1e-4, `gradient of ${specs[i].name} differs by ${d}`);
    });
    ours.dispose();
  });
}
}
