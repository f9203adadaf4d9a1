// The operations the models are made of, each differentiable (tf.customGrad) so that every backend can
// train it. They come in two sets that give the same results within float tolerance: the native kernels'
// (native-ops.ts) and TensorFlow.js ops alone (tfjs-ops.ts, the fallback). A model, its optimizer and its
// sampler use the one set they were built with: `engineOps()` picks it, once, from what native/addon.ts loaded.
// The embedding lookup is the same on both: rows copied in JavaScript, gradient by scatter-add.
import { tf } from './backend.ts';
import type { CellType } from '../../../shared/config.ts';
import { nativeStatus } from '../native/addon.ts';
import { nativeOps } from './native-ops.ts';
import { tfjsOps } from './tfjs-ops.ts';
import type { Adam } from '../training/optimizer.ts';

type CustomGradientFunc = Parameters<typeof tf.customGrad>[0];

/** The weights of one layer in one direction: x·kernel + bias feeds the recurrence through U. */
export interface RecurrentWeights {
  kernel: tf.Tensor2D; // [In, G·H]
  recurrentKernel: tf.Tensor2D; // [H, G·H]
  bias: tf.Tensor1D; // [G·H]
}

/** A [rows, cols] matrix held where its path computes, multiplied by row vectors (sampling at batch 1). */
export interface RowMatrix {
  readonly rows: number;
  readonly cols: number;
  /** x [rows] · this → [cols]. */
  times(x: Float32Array): Float32Array;
  dispose(): void;
}

export type OpsKind = 'native' | 'tfjs';

export interface EngineOps {
  readonly kind: OpsKind;
  /** x·w + b, the dense layer. x: [N, K], w: [K, M], b: [M] → [N, M]. */
  dense(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D): tf.Tensor2D;
  /**
   * One recurrent layer (one direction) over time, input projection included. x: [T·B, In] (time-major
   * rows) → [T, B, H]. mask: [T, B, 1] or null. `reverse` reads the sequence from its end; the outputs
   * stay in time order.
   */
  layerOverTime(cell: CellType, x: tf.Tensor2D, T: number, w: RecurrentWeights, mask: tf.Tensor3D | null, reverse?: boolean): tf.Tensor3D;
  /** Mean softmax cross-entropy of logits [N, V] against integer targets [N]. */
  meanCrossEntropy(logits: tf.Tensor2D, targets: tf.Tensor1D): tf.Scalar;
  adam(params: Map<string, tf.Variable>, lr: number): Adam;
  /** out[M, N] += a[M, K] · b[K, N], on host arrays. */
  gemm(M: number, N: number, K: number, a: Float32Array, b: Float32Array, out: Float32Array): void;
  /** `data` [rows, cols] as a matrix to multiply by. */
  matrix(data: Float32Array, rows: number, cols: number): RowMatrix;
}

let native: EngineOps | null = null;

/**
 * The operations to build a model with: `kind`'s, or without it the native kernels' when they loaded
 * (native/addon.ts says why not), else TensorFlow.js's. Asking for the native set without the kernels is an error.
 */
export function engineOps(kind?: OpsKind): EngineOps {
  const { kernels, threads, note } = nativeStatus();
  if (kind === 'tfjs' || (!kind && !kernels)) return tfjsOps;
  if (!kernels) throw new Error(`the native kernels were asked for, but: ${note}`);
  return (native ??= nativeOps(kernels, threads));
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
