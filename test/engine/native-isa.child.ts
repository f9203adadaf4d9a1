// Child of native.test.ts: the addon loads the kernel set RNN_STUDIO_NATIVE_ISA asks for (when the CPU
// has it); prints which kernels ran and the largest difference from TensorFlow.js ops over an LSTM and
// a GRU layer, forward and backward.
import { initBackend, tf } from '../../main/engine/model/backend.ts';
import { nativeStatus } from '../../main/engine/native/addon.ts';
import { engineOps } from '../../main/engine/model/ops.ts';
import { Rng } from '../../main/engine/corpus/rng.ts';
import { GATES } from '../../main/engine/model/params.ts';
import type { CellType } from '../../shared/config.ts';

await initBackend('cpu');
const [T, B, In, H] = [6, 19, 5, 37]; // partial tiles for every kernel set's tile sizes
let worst = 0;
for (const cell of ['lstm', 'gru'] as CellType[]) {
  const results = [engineOps('native'), engineOps('tfjs')].map((ops) => {
    const rng = new Rng(4);
    const r = (n: number) => Float32Array.from({ length: n }, () => rng.next() - 0.5);
    const G = GATES[cell] * H;
    const x = tf.variable(tf.tensor2d(r(T * B * In), [T * B, In]));
    const kernel = tf.variable(tf.tensor2d(r(In * G), [In, G]));
    const bias = tf.variable(tf.tensor1d(r(G)));
    const recurrentKernel = tf.variable(tf.tensor2d(r(H * G), [H, G]));
    const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(ops.layerOverTime(cell, x, T, { kernel, bias, recurrentKernel }, null))) as tf.Scalar, [x, kernel, recurrentKernel]);
    return [value.dataSync()[0], ...Object.values(grads).flatMap((g) => [...g.dataSync()])];
  });
  results[0].forEach((v, i) => (worst = Math.max(worst, Math.abs(v - results[1][i]))));
}
console.log(JSON.stringify({ kernels: nativeStatus().kernels?.info().kernels ?? null, worst }));
