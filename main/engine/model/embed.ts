// The embedding lookup both sets of operations (ops.ts) share: rows copied in JavaScript, the gradient a
// scatter-add.
import { tf } from './backend.ts';

type CustomGradientFunc = Parameters<typeof tf.customGrad>[0];

/**
 * Embedding lookup: table [V, E], ids [N] int32 → [N, E]. Rows are copied in JavaScript (the table is
 * small, and wasm's GatherV2 took ~4 ms for P1's 2,048 rows); the gradient is a scatter-add the same way
 * (wasm has no UnsortedSegmentSum, which tf.gather's gradient uses).
 */
export function embed(table: tf.Tensor2D, ids: tf.Tensor1D): tf.Tensor2D {
  const f = tf.customGrad(((t: tf.Tensor) => {
    const [V, E] = t.shape as [number, number];
    const idData = ids.dataSync() as Int32Array;
    const tableData = t.dataSync() as Float32Array;
    const N = idData.length;
    const out = new Float32Array(N * E);
    for (let n = 0; n < N; n++) {
      const id = idData[n];
      if (id < 0 || id >= V) throw new Error(`embedding id ${id} is outside 0..${V - 1}`);
      out.set(tableData.subarray(id * E, id * E + E), n * E);
    }
    return {
      value: tf.tensor2d(out, [N, E]),
      gradFunc: (dy: tf.Tensor) => {
        const g = dy.dataSync() as Float32Array;
        const grad = new Float32Array(V * E);
        for (let n = 0; n < N; n++) {
          const o = idData[n] * E;
          for (let e = 0; e < E; e++) grad[o + e] += g[n * E + e];
        }
        return tf.tensor2d(grad, [V, E]);
      },
    };
  }) as unknown as CustomGradientFunc);
  return f(table) as tf.Tensor2D;
}
