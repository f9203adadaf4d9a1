// The model's operations on TensorFlow.js ops alone: the fallback when the native kernels are not built
// (or RNN_STUDIO_NATIVE=0), 4–6× slower on wasm. Every matmul's gradient multiplies explicitly transposed
// operands (wasm's transposed matmul leaves its fast path), the input projection of all timesteps is one
// matmul before the recurrence (recurrence.ts), and Adam's moments are variables on the backend.
import { tf } from './backend.ts';
import type { CellType } from '../../../shared/config.ts';
import type { EngineOps, RecurrentWeights, RowMatrix } from './ops.ts';
import { recurrentLayer } from './recurrence.ts';
import { embed } from './embed.ts';
import { Adam, type Moment } from '../training/optimizer.ts';

type CustomGradientFunc = Parameters<typeof tf.customGrad>[0];

/** x·w whose gradient never uses a transposed matmul. x: [N, K], w: [K, M] → [N, M]. */
function linear(x: tf.Tensor2D, w: tf.Tensor2D): tf.Tensor2D {
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

/** x·w + b. x: [N, K], w: [K, M], b: [M] → [N, M]. */
function dense(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D): tf.Tensor2D {
  return tf.add(linear(x, w), b) as tf.Tensor2D;
}

function layerOverTime(cell: CellType, x: tf.Tensor2D, T: number, w: RecurrentWeights, mask: tf.Tensor3D | null, reverse = false): tf.Tensor3D {
  const rows = x.shape[0];
  const B = rows / T;
  if (!Number.isInteger(B)) throw new Error(`a recurrent layer over ${T} steps was given ${rows} rows, not a multiple of ${T}`);
  const projected = tf.reshape(dense(x, w.kernel, w.bias), [T, B, w.kernel.shape[1]]) as tf.Tensor3D; // [T, B, G·H]
  return recurrentLayer(cell, projected, w.recurrentKernel, mask, reverse);
}

function meanCrossEntropy(logits: tf.Tensor2D, targets: tf.Tensor1D): tf.Scalar {
  return tf.losses.softmaxCrossEntropy(tf.oneHot(targets, logits.shape[1]), logits) as tf.Scalar;
}

/** Adam with its moments as variables on the backend, updated by TensorFlow.js ops. */
class TfAdam extends Adam {
  private readonly m = new Map<string, tf.Variable>();
  private readonly v = new Map<string, tf.Variable>();

  constructor(params: Map<string, tf.Variable>, lr: number) {
    super(params, lr);
    for (const [name, p] of params) {
      this.m.set(name, tf.tidy(() => tf.variable(tf.zerosLike(p), false)));
      this.v.set(name, tf.tidy(() => tf.variable(tf.zerosLike(p), false)));
    }
  }

  protected update(params: Map<string, tf.Variable>, grads: Map<string, tf.Tensor>, clip: number, step: number, bc2: number): void {
    let scale: tf.Scalar | null = null;
    if (clip > 0) {
      const norm = tf.sqrt(tf.addN([...grads.values()].map((g) => tf.sum(tf.square(g)))));
      scale = tf.div(clip, tf.maximum(norm, clip)) as tf.Scalar;
    }
    for (const [name, p] of params) {
      let g = grads.get(name);
      if (!g) continue;
      if (scale) g = tf.mul(g, scale);
      const m = this.m.get(name)!;
      const v = this.v.get(name)!;
      m.assign(tf.add(tf.mul(m, this.beta1), tf.mul(g, 1 - this.beta1)));
      v.assign(tf.add(tf.mul(v, this.beta2), tf.mul(tf.square(g), 1 - this.beta2)));
      const denom = tf.add(tf.div(tf.sqrt(v), bc2), this.epsilon);
      p.assign(tf.sub(p, tf.mul(tf.div(m, denom), step)));
    }
  }

  protected async read(kind: 'm' | 'v', name: string): Promise<Float32Array> {
    return (await this[kind].get(name)!.data()) as Float32Array;
  }

  protected write(kind: 'm' | 'v', name: string, moment: Moment): void {
    tf.tidy(() => this[kind].get(name)!.assign(tf.tensor(moment.data, moment.shape)));
  }

  dispose(): void {
    for (const t of [...this.m.values(), ...this.v.values()]) t.dispose();
  }
}

export const tfjsOps: EngineOps = {
  kind: 'tfjs',
  dense,
  layerOverTime,
  embeddedLayerOverTime: (cell, table, ids, T, w, mask, reverse = false) => layerOverTime(cell, embed(table, ids), T, w, mask, reverse),
  // TensorFlow.js holds its own memory: nothing to ready here.
  prepare: () => {},
  meanCrossEntropy,
  adam: (params, lr) => new TfAdam(params, lr),
  gemm(M, N, K, a, b, out) {
    // Read outside tf.tidy: tidy walks what it returns, and walking a typed array visits every element.
    const product = tf.tidy(() => tf.matMul(tf.tensor2d(a, [M, K]), tf.tensor2d(b, [K, N])));
    const values = product.dataSync() as Float32Array;
    product.dispose();
    for (let i = 0; i < values.length; i++) out[i] += values[i];
  },
  matrix(data: Float32Array, rows: number, cols: number): RowMatrix {
    const m = tf.tensor2d(data, [rows, cols]);
    return {
      rows,
      cols,
      times(x) {
        const product = tf.tidy(() => tf.matMul(tf.tensor2d(x, [1, rows]), m));
        const values = product.dataSync() as Float32Array;
        product.dispose();
        return values;
      },
      dispose: () => m.dispose(),
    };
  },
};
