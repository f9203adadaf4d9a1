// The differentiable primitives both models are built from, each a tf.customGrad so that every
// backend can train it, and fast: x·w and x·w + b (natively when the kernels are there, else matmuls
// whose gradients never use wasm's slow transposed path), the embedding lookup (rows copied in JavaScript, gradient by
// scatter-add: wasm lacks UnsortedSegmentSum) and the mean softmax cross-entropy.
import { tf } from './backend.ts';
import { native } from './native.ts';

type CustomGradientFunc = Parameters<typeof tf.customGrad>[0];

/**
 * x·w whose gradient never uses a transposed matmul (see the header); with the native kernels, all three
 * products run natively. x: [N, K], w: [K, M] → [N, M].
 */
export function linear(x: tf.Tensor2D, w: tf.Tensor2D): tf.Tensor2D {
  const nat = native();
  if (nat) return nativeDense(nat, x, w, null);
  const f = tf.customGrad(((a: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
    save([a, b]);
    return {
      value: tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sa, sb] = saved as tf.Tensor2D[];
        return [tf.matMul(dy as tf.Tensor2D, tf.transpose(sb)), tf.matMul(tf.transpose(sa), dy as tf.Tensor2D)];
      },
    };
  }) as unknown as CustomGradientFunc);
  return f(x, w) as tf.Tensor2D;
}

/**
 * x·w + b, the dense layer. With the native kernels the bias is folded into the product and its
 * gradient summed in JavaScript (wasm's broadcasting Add and its gradient's Sum took ~3.7 ms per P1
 * step on the output layer). x: [N, K], w: [K, M], b: [M] → [N, M].
 */
export function dense(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D): tf.Tensor2D {
  const nat = native();
  return nat ? nativeDense(nat, x, w, b) : (tf.add(linear(x, w), b) as tf.Tensor2D);
}

/** x·w (+ b) and its gradients, all products native. */
function nativeDense(nat: NonNullable<ReturnType<typeof native>>, x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D | null): tf.Tensor2D {
  // customGrad passes its save function after the inputs: which inputs there are is known from `b`.
  const f = tf.customGrad(((xIn: tf.Tensor, wIn: tf.Tensor, third: unknown) => {
    const bIn = b ? (third as tf.Tensor) : null;
    const [N, K] = xIn.shape as [number, number];
    const M = wIn.shape[1] as number;
    const xd = xIn.dataSync() as Float32Array;
    const wd = wIn.dataSync() as Float32Array;
    const out = new Float32Array(N * M);
    if (bIn) {
      const bias = bIn.dataSync() as Float32Array;
      for (let r = 0; r < N; r++) out.set(bias, r * M);
    }
    nat.k.gemm(N, M, K, xd, K, false, wd, M, false, out, M, bIn ? 1 : 0, nat.threads);
    return {
      value: tf.tensor2d(out, [N, M]),
      gradFunc: (dy: tf.Tensor) => {
        const dyd = dy.dataSync() as Float32Array;
        const dx = new Float32Array(N * K);
        const dw = new Float32Array(K * M);
        nat.k.gemm(N, K, M, dyd, M, false, wd, M, true, dx, K, 0, nat.threads); // dy·wᵀ
        nat.k.gemm(K, M, N, xd, K, true, dyd, M, false, dw, M, 0, nat.threads); // xᵀ·dy
        const grads = [tf.tensor2d(dx, [N, K]), tf.tensor2d(dw, [K, M])];
        if (!bIn) return grads;
        const db = new Float32Array(M);
        for (let r = 0; r < N; r++) for (let j = 0; j < M; j++) db[j] += dyd[r * M + j];
        return [...grads, tf.tensor1d(db)];
      },
    };
  }) as unknown as CustomGradientFunc);
  return (b ? f(x, w, b) : f(x, w)) as tf.Tensor2D;
}

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

/**
 * Mean softmax cross-entropy of logits [N, V] against integer targets [N]: natively (one pass, its
 * gradient computed on the way) when the kernels are there, else with TensorFlow.js ops.
 */
export function meanCrossEntropy(logits: tf.Tensor2D, targets: tf.Tensor1D): tf.Scalar {
  const nat = native();
  const [N, V] = logits.shape;
  if (!nat) return tf.losses.softmaxCrossEntropy(tf.oneHot(targets, V), logits) as tf.Scalar;
  const f = tf.customGrad(((l: tf.Tensor) => {
    const d = new Float32Array(N * V);
    const loss = nat.k.softmaxCrossEntropy(N, V, l.dataSync() as Float32Array, targets.dataSync() as Int32Array, d, nat.threads);
    return {
      value: tf.scalar(loss),
      gradFunc: (dy: tf.Tensor) => tf.mul(tf.tensor2d(d, [N, V]), dy),
    };
  }) as unknown as CustomGradientFunc);
  return f(logits) as tf.Scalar;
}
