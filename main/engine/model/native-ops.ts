// The model's operations on RNN Studio's native kernels (native/addon.ts): each recurrent layer forward and
// backward in one native call on all cores, x·w + b and its gradients, the softmax cross-entropy, Adam on
// moments kept in host memory, and the sampler's row-times-matrix products. TensorFlow.js only carries
// the tensors between them and does the autodiff bookkeeping.
import { tf } from './backend.ts';
import type { CellType } from '../../../shared/config.ts';
import type { NativeKernels } from '../native/addon.ts';
import type { EngineOps, RecurrentWeights, RowMatrix } from './ops.ts';
import { Adam, type Moment } from '../training/optimizer.ts';

type CustomGradientFunc = Parameters<typeof tf.customGrad>[0];

const f32 = (t: tf.Tensor) => t.dataSync() as Float32Array;

// What a native forward pass saves for its backward pass (≈ 15 MB per P1 layer) is taken from, and given
// back to, a small pool: a fresh buffer at every step costs more in page faults and collection than the
// arithmetic that fills it.
// The pool keeps at most POOL_BYTES, so a long-lived worker does not hold a large model's buffers forever.
const savedPool: Float32Array[] = [];
const POOL_BYTES = 256 * 2 ** 20;
let pooledBytes = 0;
function takeSaved(n: number): Float32Array {
  const i = savedPool.findIndex((a) => a.length === n);
  if (i < 0) return new Float32Array(n);
  const [a] = savedPool.splice(i, 1);
  pooledBytes -= a.byteLength;
  return a;
}
function giveSaved(a: Float32Array): void {
  if (pooledBytes + a.byteLength > POOL_BYTES) return;
  savedPool.push(a);
  pooledBytes += a.byteLength;
}

/** Adam with its moments in host memory: one native pass per parameter (TensorFlow.js spent ~6 ms per P1 step on ~60 small kernels). */
class NativeAdam extends Adam {
  private readonly m = new Map<string, Float32Array>();
  private readonly v = new Map<string, Float32Array>();

  constructor(private readonly k: NativeKernels, params: Map<string, tf.Variable>, lr: number) {
    super(params, lr);
    for (const [name, p] of params) {
      this.m.set(name, new Float32Array(p.size));
      this.v.set(name, new Float32Array(p.size));
    }
  }

  protected update(params: Map<string, tf.Variable>, grads: Map<string, tf.Tensor>, clip: number, step: number, bc2: number): void {
    const host = new Map([...grads].map(([name, g]) => [name, f32(g)]));
    let scale = 1;
    if (clip > 0) {
      let sum = 0;
      for (const x of host.values()) sum += this.k.sumSquares({ x });
      scale = clip / Math.max(Math.sqrt(sum), clip);
    }
    const { beta1, beta2, epsilon } = this;
    for (const [name, p] of params) {
      const g = host.get(name);
      if (!g) continue;
      const values = f32(p).slice();
      this.k.adamUpdate({ p: values, g, m: this.m.get(name)!, v: this.v.get(name)!, scale, beta1, beta2, epsilon, step, bc2 });
      p.assign(tf.tensor(values, p.shape));
    }
  }

  protected async read(kind: 'm' | 'v', name: string): Promise<Float32Array> {
    return this[kind].get(name)!.slice();
  }

  protected write(kind: 'm' | 'v', name: string, moment: Moment): void {
    this[kind].get(name)!.set(moment.data);
  }

  dispose(): void {}
}

/** The operations on the kernels `k`, splitting work between `threads` threads. */
export function nativeOps(k: NativeKernels, threads: number): EngineOps {
  const cells = k.info().cells;

  /** x·w + b, with the bias folded into the product and its gradient summed here. x: [N, K], w: [K, M], b: [M] → [N, M]. */
  function dense(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D): tf.Tensor2D {
    const f = tf.customGrad(((xIn: tf.Tensor, wIn: tf.Tensor, bIn: tf.Tensor) => {
      const [N, K] = xIn.shape as [number, number];
      const M = wIn.shape[1] as number;
      const xd = f32(xIn);
      const wd = f32(wIn);
      const out = new Float32Array(N * M);
      const bias = f32(bIn);
      for (let r = 0; r < N; r++) out.set(bias, r * M);
      k.gemm({ M: N, N: M, K, A: xd, lda: K, transA: false, B: wd, ldb: M, transB: false, C: out, ldc: M, beta: 1, threads });
      return {
        value: tf.tensor2d(out, [N, M]),
        gradFunc: (dy: tf.Tensor) => {
          const dyd = f32(dy);
          const dx = new Float32Array(N * K);
          const dw = new Float32Array(K * M);
          const db = new Float32Array(M);
          k.gemm({ M: N, N: K, K: M, A: dyd, lda: M, transA: false, B: wd, ldb: M, transB: true, C: dx, ldc: K, beta: 0, threads }); // dy·wᵀ
          k.gemm({ M: K, N: M, K: N, A: xd, lda: K, transA: true, B: dyd, ldb: M, transB: false, C: dw, ldc: M, beta: 0, threads }); // xᵀ·dy
          for (let r = 0; r < N; r++) for (let j = 0; j < M; j++) db[j] += dyd[r * M + j];
          return [tf.tensor2d(dx, [N, K]), tf.tensor2d(dw, [K, M]), tf.tensor1d(db)];
        },
      };
    }) as unknown as CustomGradientFunc);
    return f(x, w, b) as tf.Tensor2D;
  }

  function layerOverTime(cell: CellType, x: tf.Tensor2D, T: number, w: RecurrentWeights, mask: tf.Tensor3D | null, reverse = false): tf.Tensor3D {
    const [H, G] = w.recurrentKernel.shape;
    const [rows, In] = x.shape;
    const B = rows / T;
    if (!Number.isInteger(B)) throw new Error(`a recurrent layer over ${T} steps was given ${rows} rows, not a multiple of ${T}`);
    const shape = { cell, T, B, H, In };
    const maskData = mask ? f32(mask) : null;
    const f = tf.customGrad(((xIn: tf.Tensor, wIn: tf.Tensor, bIn: tf.Tensor, uIn: tf.Tensor) => {
      const [xd, W, U] = [f32(xIn), f32(wIn), f32(uIn)];
      const hs = new Float32Array(rows * H);
      let saved: Float32Array | null = takeSaved(rows * H * cells[cell].saved);
      k.recurrentForward({ ...shape, x: xd, W, bias: f32(bIn), U, mask: maskData, reverse, hs, saved, threads });
      return {
        value: tf.tensor3d(hs, [T, B, H]),
        gradFunc: (dy: tf.Tensor) => {
          if (!saved) throw new Error('a native recurrent layer was differentiated twice');
          const grads = { dx: new Float32Array(rows * In), dW: new Float32Array(In * G), db: new Float32Array(G), dU: new Float32Array(H * G) };
          k.recurrentBackward({ ...shape, x: xd, W, U, mask: maskData, reverse, saved, dy: f32(dy), ...grads, threads });
          giveSaved(saved);
          saved = null;
          return [tf.tensor2d(grads.dx, [rows, In]), tf.tensor2d(grads.dW, [In, G]), tf.tensor1d(grads.db), tf.tensor2d(grads.dU, [H, G])];
        },
      };
    }) as unknown as CustomGradientFunc);
    return f(x, w.kernel, w.bias, w.recurrentKernel) as tf.Tensor3D;
  }

  /** One pass over the logits, its gradient computed on the way. */
  function meanCrossEntropy(logits: tf.Tensor2D, targets: tf.Tensor1D): tf.Scalar {
    const [N, V] = logits.shape;
    const f = tf.customGrad(((l: tf.Tensor) => {
      const dlogits = new Float32Array(N * V);
      const loss = k.softmaxCrossEntropy({ N, V, logits: f32(l), targets: targets.dataSync() as Int32Array, dlogits, threads });
      return {
        value: tf.scalar(loss),
        gradFunc: (dy: tf.Tensor) => tf.mul(tf.tensor2d(dlogits, [N, V]), dy),
      };
    }) as unknown as CustomGradientFunc);
    return f(logits) as tf.Scalar;
  }

  return {
    kind: 'native',
    dense,
    layerOverTime,
    meanCrossEntropy,
    adam: (params, lr) => new NativeAdam(k, params, lr),
    gemm: (M, N, K, a, b, out) => k.gemm({ M, N, K, A: a, lda: K, transA: false, B: b, ldb: N, transB: false, C: out, ldc: N, beta: 1, threads }),
    matrix(data: Float32Array, rows: number, cols: number): RowMatrix {
      return {
        rows,
        cols,
        times(x) {
          const out = new Float32Array(cols);
          k.matvec({ K: rows, N: cols, x, M: data, out });
          return out;
        },
        dispose() {},
      };
    },
  };
}
