// A new run's initial weights: orthogonal recurrent kernels, however large the model, drawn from the seed.
// Orthogonalising one vector at a time took 7.5 s for a 1,024-unit LSTM before step 1; blocks of vectors
// made orthogonal to each other with the native kernels' products take a fraction of that.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { orthogonal, initialWeights } from '../../main/engine/model/generator.ts';
import { Rng } from '../../main/engine/corpus/rng.ts';
import { RunConfigSchema } from '../../shared/config.ts';

/** The largest |Q·Qᵀ − I| over the matrix's orthonormal vectors (its rows when rows ≤ cols, else its columns). */
function orthogonalityError(q: Float32Array, rows: number, cols: number): number {
  const n = Math.min(rows, cols);
  const len = Math.max(rows, cols);
  const at = (k: number, i: number) => (rows <= cols ? q[k * cols + i] : q[i * cols + k]);
  let worst = 0;
  for (let a = 0; a < n; a++) {
    for (let b = a; b < n; b++) {
      let dot = 0;
      for (let i = 0; i < len; i++) dot += at(a, i) * at(b, i);
      worst = Math.max(worst, Math.abs(dot - (a === b ? 1 : 0)));
    }
  }
  return worst;
}

test('recurrent kernels are orthogonal at every shape: wide (LSTM, GRU), square (SimpleRNN) and tall', () => {
  for (const [rows, cols] of [[200, 800], [200, 600], [200, 200], [150, 40], [7, 28]]) {
    const q = orthogonal(new Rng(3), rows, cols);
    assert.ok(orthogonalityError(q, rows, cols) < 1e-5, `${rows}×${cols}: ${orthogonalityError(q, rows, cols)}`);
  }
});

test('blocks of vectors give the matrix one vector at a time gives, up to single-precision rounding', () => {
  for (const [rows, cols] of [[200, 800], [200, 200], [20, 80]]) {
    const blocked = orthogonal(new Rng(9), rows, cols);
    const one = orthogonal(new Rng(9), rows, cols, null);
    let diff = 0;
    for (let i = 0; i < one.length; i++) diff = Math.max(diff, Math.abs(one[i] - blocked[i]));
    // Up to one block (32 vectors) the two are the same computation, bit for bit.
    if (rows <= 32) assert.equal(diff, 0);
    else assert.ok(diff < 1e-4, `${rows}×${cols}: ${diff}`);
  }
});

test('a seed fixes the initial weights; another seed changes them', () => {
  const model = RunConfigSchema.parse({ model: { cell: 'lstm', layers: 2, units: 96 } }).model;
  const a = initialWeights(40, model, new Rng(1));
  const b = initialWeights(40, model, new Rng(1));
  const c = initialWeights(40, model, new Rng(2));
  for (const [name, values] of a) assert.deepEqual(b.get(name), values, name);
  assert.notDeepEqual(c.get('layer0.recurrentKernel'), a.get('layer0.recurrentKernel'));
});
