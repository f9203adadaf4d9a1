// The operations the models are made of, each differentiable (tf.customGrad) so that every backend can
// train it. They come in two sets that give the same results within float tolerance: the native kernels'
// (native-ops.ts) and TensorFlow.js ops alone (tfjs-ops.ts, the fallback). A model, its optimizer and its
// sampler use the one set they were built with: `engineOps()` picks it, once, from what native/addon.ts loaded.
// The embedding lookup (embed.ts) is the same on both.
import { tf } from './backend.ts';
import type { CellType } from '../../../shared/config.ts';
import { nativeStatus } from '../native/addon.ts';
import { nativeOps } from './native-ops.ts';
import { tfjsOps } from './tfjs-ops.ts';
export { embed } from './embed.ts';
import type { Adam } from '../training/optimizer.ts';

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

/** What one training step computes, for EngineOps.prepare. */
export interface PreparedShapes {
  /** Each recurrent layer and direction; V: rows of the table a first layer reads, else 0. */
  layers: Array<{ cell: CellType; T: number; B: number; H: number; In: number; V: number }>;
  /** The output layer: N rows of K inputs to M outputs. */
  output: { N: number; K: number; M: number };
}

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
  /**
   * layerOverTime on the rows of an embedding table [V, In] that ids [T·B] pick: a first layer, with the
   * lookup folded in (the native kernels project the V table rows, not the T·B positions).
   */
  embeddedLayerOverTime(cell: CellType, table: tf.Tensor2D, ids: tf.Tensor1D, T: number, w: RecurrentWeights, mask: tf.Tensor3D | null, reverse?: boolean): tf.Tensor3D;
  /**
   * Readies memory for layers of these shapes (V: rows of the table a first layer reads, else 0), so a
   * run's first step costs what the others do: untouched memory costs a page fault per 4 KB when first
   * written (~1 ms per MB here), and a first step writes ~35 MB it has never written.
   */
  prepare(shapes: PreparedShapes): void;
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
