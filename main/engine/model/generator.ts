// The character model: embedding → 1–4 recurrent layers (SimpleRNN, LSTM or GRU) → dense softmax.
// Written with TensorFlow.js core ops and custom gradients rather than tf.layers so that every backend
// can train it, fast (ops.ts: native-ops.ts, or tfjs-ops.ts and recurrence.ts):
//  - the embedding's gradient is a scatter-add (wasm has no UnsortedSegmentSum, which tf.gather's uses);
//  - every matmul's gradient multiplies explicitly transposed operands (wasm's transposed BatchMatMul
//    leaves its fast XNNPACK path and runs 10–50× slower);
//  - the input projection of all timesteps is one large matmul before the recurrence, and each cell's
//    gates come from one matmul (4 for LSTM, 3 for GRU), as cuDNN does;
//  - with the native kernels (native-ops.ts), each recurrent layer forward and backward, the large
//    products and the loss run natively on all cores.
// Which set of operations (ops.ts) a model uses is chosen when it is built, and fixed for its life.
// Weight layout and gate order follow Keras/tf.layers (LSTM: i f c o; GRU: z r h with
// the reset gate applied before the recurrent matmul) so results can be compared with tf.layers.
// Shapes: B = batch, T = timesteps, E = embedding, H = units, G = gates, V = vocabulary.
import { tf } from './backend.ts';
import type { ModelConfig } from '../../../shared/config.ts';
import { Rng } from '../corpus/rng.ts';
import { type EngineOps, type RecurrentWeights } from './ops.ts';
import { countParameters, paramSpecs } from './params.ts';
import { nativeStatus, type GemmArgs } from '../native/addon.ts';

function glorotUniform(rng: Rng, fanIn: number, fanOut: number, size: number): Float32Array {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = (rng.next() * 2 - 1) * limit;
  return out;
}

/** Vectors orthogonalised together, in double precision, before the next block is made orthogonal to them with matrix products. */
const ORTHOGONAL_BLOCK = 32;

/**
 * An orthogonal [rows, cols] matrix (orthonormal rows when rows ≤ cols): Gram–Schmidt on standard-normal
 * vectors, the Q of their QR factorisation (tf's own orthogonal initializer takes minutes on the cpu
 * backend). Done one vector at a time in JavaScript, it cost n²·len multiply-adds at ~1 GFLOP/s: 0.16 s for
 * a 256-unit LSTM's recurrent kernel, 7.5 s for 1,024 units, minutes beyond, all of it before step 1. With
 * the native kernels, blocks of 32 vectors are orthogonalised in double precision and made orthogonal to
 * the earlier blocks with the kernels' matrix products, twice (block classical Gram–Schmidt with
 * reorthogonalisation, "twice is enough"); without them, one vector at a time as before. Either way the
 * vectors are drawn in the same order, so up to 32 of them give the same matrix bit for bit, and more give
 * the same matrix up to single-precision rounding.
 */
export function orthogonal(rng: Rng, rows: number, cols: number, gemm: ((a: GemmArgs) => void) | null = nativeGemm()): Float32Array {
  const n = Math.min(rows, cols);
  const len = Math.max(rows, cols);
  const size = gemm ? Math.min(ORTHOGONAL_BLOCK, n) : n;
  const q = new Float32Array(n * len); // vector k is q[k·len, (k+1)·len)
  const block = new Float64Array(size * len);
  const x = gemm ? new Float32Array(size * len) : null;
  const c = gemm ? new Float32Array(size * n) : null;
  for (let first = 0; first < n; first += size) {
    const b = Math.min(size, n - first);
    for (let i = 0; i < b * len; i++) block[i] = rng.normal();
    if (first === 0) gramSchmidt(block, b, len);
    // Against the earlier blocks: x −= (x·Qᵀ)·Q, then within the block; twice.
    for (let pass = 0; pass < 2 && first > 0; pass++) {
      for (let i = 0; i < b * len; i++) x![i] = block[i];
      gemm!({ M: b, N: first, K: len, A: x!, lda: len, transA: false, B: q, ldb: len, transB: true, C: c!, ldc: first, beta: 0, threads: nativeStatus().threads });
      for (let i = 0; i < b * first; i++) c![i] = -c![i];
      gemm!({ M: b, N: len, K: first, A: c!, lda: first, transA: false, B: q, ldb: len, transB: false, C: x!, ldc: len, beta: 1, threads: nativeStatus().threads });
      for (let i = 0; i < b * len; i++) block[i] = x![i];
      gramSchmidt(block, b, len);
    }
    for (let i = 0; i < b * len; i++) q[first * len + i] = block[i];
  }
  if (rows <= cols) return q;
  const out = new Float32Array(rows * cols); // vector k is column k
  for (let k = 0; k < n; k++) for (let i = 0; i < len; i++) out[i * cols + k] = q[k * len + i];
  return out;
}

/** Modified Gram–Schmidt on the first `count` vectors of `v` (each `len` long, in place): orthonormal, in order. */
function gramSchmidt(v: Float64Array, count: number, len: number): void {
  for (let k = 0; k < count; k++) {
    const vk = k * len;
    for (let j = 0; j < k; j++) {
      const uj = j * len;
      let dot = 0;
      for (let i = 0; i < len; i++) dot += v[uj + i] * v[vk + i];
      for (let i = 0; i < len; i++) v[vk + i] -= dot * v[uj + i];
    }
    let norm = 0;
    for (let i = 0; i < len; i++) norm += v[vk + i] * v[vk + i];
    norm = Math.sqrt(norm);
    for (let i = 0; i < len; i++) v[vk + i] /= norm;
  }
}

/** The native kernels' matrix product, or null when they are not loaded. */
function nativeGemm(): ((a: GemmArgs) => void) | null {
  const { kernels } = nativeStatus();
  return kernels ? (a) => kernels.gemm(a) : null;
}

/**
 * Fresh weights, drawn from `rng` so a seed fixes them. Only new runs draw them: a resumed run, an imported
 * model and a fine-tuned one start from stored weights.
 * Chosen by validation loss after 600 steps of a 1 × 256 model on real English (issue 13; `npm run bench --
 * --quality` compares with PyTorch):
 *  - the embedding is standard normal, as PyTorch's nn.Embedding. With Keras' U(±0.05) the first layer's
 *    inputs are ~20× smaller and learn slowly: an LSTM ended 0.27 nats/char higher, a GRU 0.18, a SimpleRNN 0.17;
 *  - every bias starts at zero, the LSTM's forget gate's too: Keras' unit forget bias cost 0.03–0.07 nats/char
 *    at 600 steps on both corpora measured;
 *  - Glorot-uniform input and output kernels and orthogonal recurrent kernels stay (Keras'): PyTorch's
 *    U(±1/√units) for them did no better, and for the output layer worse.
 */
export function initialWeights(vocabSize: number, cfg: ModelConfig, rng: Rng, outputSize = vocabSize): Map<string, Float32Array> {
  const values = new Map<string, Float32Array>();
  for (const spec of paramSpecs(vocabSize, cfg, outputSize)) {
    const size = spec.shape.reduce((a, b) => a * b, 1);
    const [rows, cols] = spec.shape;
    let data: Float32Array;
    if (spec.name === 'embedding') {
      data = new Float32Array(size);
      for (let i = 0; i < size; i++) data[i] = rng.normal();
    } else if (spec.name.endsWith('.recurrentKernel')) {
      data = orthogonal(rng, rows, cols);
    } else if (spec.name.endsWith('.kernel')) {
      data = glorotUniform(rng, rows, cols, size);
    } else {
      data = new Float32Array(size); // biases, the LSTM forget gate's included (see above)
    }
    values.set(spec.name, data);
  }
  return values;
}

/** Variables for every parameter of `specs`, from `weights`. */
export function createVariables(specs: Array<{ name: string; shape: number[] }>, weights: Map<string, Float32Array>): Map<string, tf.Variable> {
  const variables = new Map<string, tf.Variable>();
  for (const spec of specs) {
    const data = weights.get(spec.name);
    if (!data) throw new Error(`missing weights for ${spec.name}`);
    // Unnamed: tf names variables globally, and a thread may hold several models (training, sampling).
    variables.set(spec.name, tf.tidy(() => tf.variable(tf.tensor(data, spec.shape, 'float32'), true)));
  }
  return variables;
}

export class CharRnn {
  readonly variables: Map<string, tf.Variable>;

  constructor(
    readonly vocabSize: number,
    readonly config: ModelConfig,
    weights: Map<string, Float32Array>,
    readonly ops: EngineOps,
  ) {
    this.variables = createVariables(paramSpecs(vocabSize, config), weights);
  }

  get parameterCount(): number {
    return countParameters(this.vocabSize, this.config);
  }

  private v<T extends tf.Tensor>(name: string): T {
    return this.variables.get(name)! as unknown as T;
  }

  private layer(l: number): RecurrentWeights {
    return {
      kernel: this.v(`layer${l}.kernel`),
      recurrentKernel: this.v(`layer${l}.recurrentKernel`),
      bias: this.v(`layer${l}.bias`),
    };
  }

  /**
   * Logits for every position of a batch of windows. inputs: int32 [B, T] → [B·T, V].
   * dropoutSeed: null at evaluation; during training, a seed that fixes this step's dropout masks.
   */
  forward(inputs: tf.Tensor2D, dropoutSeed: number | null): tf.Tensor2D {
    const [B, T] = inputs.shape;
    const { units: H, layers, dropout, cell } = this.config;
    const { ops } = this;
    const drop = (x: tf.Tensor2D, k: number): tf.Tensor2D =>
      dropoutSeed !== null && dropout > 0 ? (tf.dropout(x, dropout, undefined, dropoutSeed + k) as tf.Tensor2D) : x;

    // Time-major from here on: each step's slice of a [T, B, ·] tensor is contiguous.
    // The first layer looks its inputs up in the embedding itself (ops.embeddedLayerOverTime).
    const ids = tf.reshape(tf.transpose(inputs), [-1]) as tf.Tensor1D; // [T·B]
    let x: tf.Tensor2D | null = null; // [T·B, H], the layer below's outputs
    for (let l = 0; l < layers; l++) {
      const w = this.layer(l);
      const hs = x ? ops.layerOverTime(cell, x, T, w, null) : ops.embeddedLayerOverTime(cell, this.v('embedding'), ids, T, w, null); // [T, B, H]
      x = drop(tf.reshape(hs, [T * B, H]) as tf.Tensor2D, l); // [T·B, H]
    }
    return ops.dense(x!, this.v('output.kernel'), this.v('output.bias')); // [T·B, V]
  }

  /** Readies the operations' memory for training batches of B windows of T characters (ops.prepare). */
  prepare(B: number, T: number): void {
    const { cell, units: H, layers, embedding: E } = this.config;
    this.ops.prepare({
      layers: Array.from({ length: layers }, (_, l) => ({ cell, T, B, H, In: l === 0 ? E : H, V: l === 0 ? this.vocabSize : 0 })),
      output: { N: T * B, K: H, M: this.vocabSize },
    });
  }

  /** Mean cross-entropy (nats per character). targets: int32 [B, T]. */
  loss(inputs: tf.Tensor2D, targets: tf.Tensor2D, dropoutSeed: number | null): tf.Scalar {
    const logits = this.forward(inputs, dropoutSeed); // time-major rows
    return this.ops.meanCrossEntropy(logits, tf.reshape(tf.transpose(targets), [-1]) as tf.Tensor1D);
  }

  dispose(): void {
    for (const v of this.variables.values()) v.dispose();
  }
}
