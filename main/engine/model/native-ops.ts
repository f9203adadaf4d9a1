// The model's operations on RNN Studio's native kernels (native/addon.ts): each recurrent layer forward and
// backward in one native call on all cores, x·w + b and its gradients, the softmax cross-entropy, Adam on
// moments kept in host memory, and the sampler's row-times-matrix products. TensorFlow.js only carries
// the tensors between them and does the autodiff bookkeeping.
import { tf } from './backend.ts';
import type { CellType } from '../../../shared/config.ts';
import type { NativeKernels } from '../native/addon.ts';
import type { EngineOps, PreparedShapes, RecurrentWeights, RowMatrix } from './ops.ts';
import { Adam, type Moment } from '../training/optimizer.ts';
import { hostView, Staging } from './host.ts';

type CustomGradientFunc = Parameters<typeof tf.customGrad>[0];

// What a native forward pass saves for its backward pass (≈ 15 MB per P1 layer) is taken from, and given
// back to, a small pool: a fresh buffer at every step costs more in page faults and collection than the
// arithmetic that fills it.
// The pool keeps at most POOL_BYTES, so a long-lived worker does not hold a large model's buffers forever.
const savedPool: Float32Array[] = [];
const POOL_BYTES = 256 * 2 ** 20;
let pooledBytes = 0;
function takeSaved(n: number): Float32Array {
  // The smallest pooled buffer that holds n (a classifier's batches differ in length): a view of its first n.
  let best = -1;
  savedPool.forEach((a, i) => {
    if (a.length >= n && (best < 0 || a.length < savedPool[best].length)) best = i;
  });
  if (best < 0) return new Float32Array(n);
  const [a] = savedPool.splice(best, 1);
  pooledBytes -= a.byteLength;
  return a.length === n ? a : a.subarray(0, n);
}
function giveSaved(view: Float32Array): void {
  const a = view.length * 4 === view.buffer.byteLength ? view : new Float32Array(view.buffer); // the whole buffer again
  if (pooledBytes + a.byteLength > POOL_BYTES) return;
  savedPool.push(a);
  pooledBytes += a.byteLength;
}

/** Adam with its moments in host memory: one native pass per parameter (TensorFlow.js spent ~6 ms per P1 step on ~60 small kernels). */
class NativeAdam extends Adam {
  private readonly m = new Map<string, Float32Array>();
  private readonly v = new Map<string, Float32Array>();
  private readonly staging = new Staging();

  constructor(private readonly k: NativeKernels, params: Map<string, tf.Variable>, lr: number) {
    super(params, lr);
    // Written now (fill), so that the first step does not fault their pages in.
    for (const [name, p] of params) {
      this.m.set(name, new Float32Array(p.size).fill(0));
      this.v.set(name, new Float32Array(p.size).fill(0));
      this.staging.reserve(name, p.size);
    }
  }

  protected update(params: Map<string, tf.Variable>, grads: Map<string, tf.Tensor>, clip: number, step: number, bc2: number): void {
    let scale = 1;
    if (clip > 0) {
      let sum = 0;
      for (const g of grads.values()) sum += this.k.sumSquares({ x: hostView(g) });
      scale = clip / Math.max(Math.sqrt(sum), clip);
    }
    const { beta1, beta2, epsilon } = this;
    for (const [name, p] of params) {
      const g = grads.get(name);
      if (!g) continue;
      // Views last until the next allocation (hostView): each is taken just before the call that reads it.
      const values = this.staging.take(name, p.size);
      values.set(hostView(p));
      this.k.adamUpdate({ p: values, g: hostView(g), m: this.m.get(name)!, v: this.v.get(name)!, scale, beta1, beta2, epsilon, step, bc2 });
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
  const staging = new Staging();

  /** x·w + b, with the bias folded into the product and its gradient summed here. x: [N, K], w: [K, M], b: [M] → [N, M]. */
  function dense(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D): tf.Tensor2D {
    const f = tf.customGrad(((xIn: tf.Tensor, wIn: tf.Tensor, bIn: tf.Tensor, save: tf.GradSaveFunc) => {
      save([xIn, wIn]); // read again by the backward pass
      const [N, K] = xIn.shape as [number, number];
      const M = wIn.shape[1] as number;
      const out = staging.take('dense.out', N * M);
      const bias = hostView(bIn);
      for (let r = 0; r < N; r++) out.set(bias, r * M);
      k.gemm({ M: N, N: M, K, A: hostView(xIn), lda: K, transA: false, B: hostView(wIn), ldb: M, transB: false, C: out, ldc: M, beta: 1, threads });
      return {
        value: tf.tensor2d(out, [N, M]),
        gradFunc: (dy: tf.Tensor, [xKept, wKept]: tf.Tensor[]) => {
          const dx = staging.take('dense.dx', N * K);
          const dw = staging.take('dense.dw', K * M);
          const db = staging.take('dense.db', M);
          const [dyd, xd, wd] = [hostView(dy), hostView(xKept), hostView(wKept)];
          k.gemm({ M: N, N: K, K: M, A: dyd, lda: M, transA: false, B: wd, ldb: M, transB: true, C: dx, ldc: K, beta: 0, threads }); // dy·wᵀ
          k.gemm({ M: K, N: M, K: N, A: xd, lda: K, transA: true, B: dyd, ldb: M, transB: false, C: dw, ldc: M, beta: 0, threads }); // xᵀ·dy
          for (let r = 0; r < N; r++) for (let j = 0; j < M; j++) db[j] += dyd[r * M + j];
          return [tf.tensor2d(dx, [N, K]), tf.tensor2d(dw, [K, M]), tf.tensor1d(db)];
        },
      };
    }) as unknown as CustomGradientFunc);
    return f(x, w, b) as tf.Tensor2D;
  }

  /**
   * One layer over time on x [T·B, In], or (`ids` given) on the rows of the table x [V, In] that ids pick:
   * then its gradient is the table's.
   */
  function overTime(cell: CellType, x: tf.Tensor2D, ids: tf.Tensor1D | null, T: number, w: RecurrentWeights, mask: tf.Tensor3D | null, reverse: boolean): tf.Tensor3D {
    const [H, G] = w.recurrentKernel.shape;
    const [xRows, In] = x.shape;
    const idData = ids ? (ids.dataSync() as Int32Array) : null;
    const rows = idData ? idData.length : xRows;
    const B = rows / T;
    if (!Number.isInteger(B)) throw new Error(`a recurrent layer over ${T} steps was given ${rows} rows, not a multiple of ${T}`);
    const shape = { cell, T, B, H, In, ids: idData };
    const f = tf.customGrad(((xIn: tf.Tensor, wIn: tf.Tensor, bIn: tf.Tensor, uIn: tf.Tensor, save: tf.GradSaveFunc) => {
      save(mask ? [xIn, wIn, uIn, mask] : [xIn, wIn, uIn]); // read again by the backward pass
      const hs = staging.take('layer.hs', rows * H);
      let saved: Float32Array | null = takeSaved(rows * H * cells[cell].saved);
      const inputs = ([x, W, U, m]: tf.Tensor[]) => ({ x: hostView(x), W: hostView(W), U: hostView(U), mask: m ? hostView(m) : null });
      k.recurrentForward({ ...shape, ...inputs([xIn, wIn, uIn, ...(mask ? [mask] : [])]), bias: hostView(bIn), reverse, hs, saved, threads });
      return {
        value: tf.tensor3d(hs, [T, B, H]),
        gradFunc: (dy: tf.Tensor, kept: tf.Tensor[]) => {
          if (!saved) throw new Error('a native recurrent layer was differentiated twice');
          const grads = { dx: staging.take('layer.dx', xRows * In), dW: staging.take('layer.dW', In * G), db: staging.take('layer.db', G), dU: staging.take('layer.dU', H * G) };
          k.recurrentBackward({ ...shape, ...inputs(kept), reverse, saved, dy: hostView(dy), ...grads, threads });
          giveSaved(saved);
          saved = null;
          return [tf.tensor2d(grads.dx, [xRows, In]), tf.tensor2d(grads.dW, [In, G]), tf.tensor1d(grads.db), tf.tensor2d(grads.dU, [H, G])];
        },
      };
    }) as unknown as CustomGradientFunc);
    return f(x, w.kernel, w.bias, w.recurrentKernel) as tf.Tensor3D;
  }

  /** One pass over the logits, its gradient computed on the way. */
  function meanCrossEntropy(logits: tf.Tensor2D, targets: tf.Tensor1D): tf.Scalar {
    const [N, V] = logits.shape;
    const f = tf.customGrad(((l: tf.Tensor) => {
      const dlogits = new Float32Array(N * V); // kept for the backward pass
      const loss = k.softmaxCrossEntropy({ N, V, logits: hostView(l), targets: targets.dataSync() as Int32Array, dlogits, threads });
      return {
        value: tf.scalar(loss),
        gradFunc: (dy: tf.Tensor) => tf.mul(tf.tensor2d(dlogits, [N, V]), dy),
      };
    }) as unknown as CustomGradientFunc);
    return f(logits) as tf.Scalar;
  }

  function prepare({ layers, output }: PreparedShapes): void {
    const wanted = new Map<number, number>(); // saved-buffer length → how many layers hold one at once
    let heap = 0; // floats the step's tensors hold in TensorFlow.js's memory at once, roughly
    for (const { cell, T, B, H, In, V } of layers) {
      const n = T * B * H * cells[cell].saved;
      const G = cells[cell].gates * H;
      wanted.set(n, (wanted.get(n) ?? 0) + 1);
      k.prepare({ cell, T, B, H, In, V, threads });
      staging.reserve('layer.hs', T * B * H);
      staging.reserve('layer.dx', (V || T * B) * In);
      staging.reserve('layer.dW', In * G);
      staging.reserve('layer.dU', H * G);
      heap += 3 * T * B * H + In * G + H * G;
    }
    for (const [n, count] of wanted) {
      for (let have = savedPool.filter((a) => a.length >= n).length; have < count; have++) giveSaved(new Float32Array(n).fill(0)); // written: its pages exist
    }
    const { N, K, M } = output;
    staging.reserve('dense.out', N * M);
    staging.reserve('dense.dx', N * K);
    staging.reserve('dense.dw', K * M);
    heap += 3 * N * M + N * K;
    // Grown once, TensorFlow.js's heap keeps its (written) pages for the tensors that follow.
    tf.tidy(() => tf.fill([heap], 0)).dispose();
  }

  return {
    kind: 'native',
    prepare,
    dense,
    layerOverTime: (cell, x, T, w, mask, reverse = false) => overTime(cell, x, null, T, w, mask, reverse),
    embeddedLayerOverTime: (cell, table, ids, T, w, mask, reverse = false) => overTime(cell, table, ids, T, w, mask, reverse),
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
