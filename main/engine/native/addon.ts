// RNN Studio's native kernels (main/engine/native/, C++ through Node-API): the recurrent layers'
// forward and backward passes and large matrix multiplies, on all cores, at native speed. Built at
// install time by scripts/build-native.mjs; when they are missing (no compiler on the machine) the engine
// runs the same math with TensorFlow.js ops instead (tfjs-ops.ts) and says so. native-ops.ts calls them.
// RNN_STUDIO_NATIVE=0 turns them off; =1 makes their absence an error rather than a fallback.
// RNN_STUDIO_TRAIN_THREADS sets how many threads they use (default: the cores, at most 4).
// The addon picks the widest instruction set the CPU has (AVX-512, AVX2 + FMA, or generic C++);
// RNN_STUDIO_NATIVE_ISA=generic|avx2 asks for a narrower one.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { availableParallelism } from 'node:os';
import type { CellType } from '../../../shared/config.ts';

/** Set by the desktop build (scripts/build.mjs), which copies the addon next to the bundles. */
declare const __RNN_STUDIO_NATIVE_KERNELS__: string | undefined;

/** A recurrent layer's shape, as the kernels read it (time-major rows: T·B). */
export interface LayerShape {
  cell: CellType;
  T: number;
  B: number;
  H: number;
  /** Input features per row. */
  In: number;
}

/** C[M, N] = op(A)·op(B) + beta·C, on `threads` threads (op = transposed when trans*). */
export interface GemmArgs {
  M: number;
  N: number;
  K: number;
  A: Float32Array;
  lda: number;
  transA: boolean;
  B: Float32Array;
  ldb: number;
  transB: boolean;
  C: Float32Array;
  ldc: number;
  beta: number;
  threads: number;
}

/**
 * One layer over time, input projection included: x [T·B, In] → hs [T, B, H]; `saved` keeps what the
 * backward pass needs. With `ids` [T·B], x is an embedding table [V, In] and row r of the input is its row
 * ids[r]: the projection is computed once per table row instead of once per position.
 */
export interface RecurrentForwardArgs extends LayerShape {
  x: Float32Array;
  ids?: Int32Array | null;
  W: Float32Array;
  bias: Float32Array;
  U: Float32Array;
  /** [T, B]: 0 carries the state through a padded step; null = no padding. */
  mask: Float32Array | null;
  reverse: boolean;
  hs: Float32Array;
  /** cells[cell].saved regions of [T, B, H]. */
  saved: Float32Array;
  threads: number;
}

/** The gradients of one layer from what its forward pass saved and dy [T, B, H]. */
export interface RecurrentBackwardArgs extends LayerShape {
  x: Float32Array;
  /** As in the forward pass; then dx receives the table's gradient [V, In]. */
  ids?: Int32Array | null;
  W: Float32Array;
  U: Float32Array;
  mask: Float32Array | null;
  reverse: boolean;
  saved: Float32Array;
  dy: Float32Array;
  dx: Float32Array;
  dW: Float32Array;
  db: Float32Array;
  dU: Float32Array;
  threads: number;
}

/** Mean softmax cross-entropy of logits [N, V] against targets [N]; dlogits receives its gradient. */
export interface SoftmaxCrossEntropyArgs {
  N: number;
  V: number;
  logits: Float32Array;
  targets: Int32Array;
  dlogits: Float32Array;
  threads: number;
}

/** out[N] = x[K] · M[K, N], on this thread (sampling at batch 1). */
export interface MatvecArgs {
  K: number;
  N: number;
  x: Float32Array;
  M: Float32Array;
  out: Float32Array;
}

/** One Adam step in place: g·scale updates m and v, then p -= step · m / (√v / bc2 + epsilon). */
export interface AdamUpdateArgs {
  p: Float32Array;
  g: Float32Array;
  m: Float32Array;
  v: Float32Array;
  scale: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  step: number;
  bc2: number;
}

/** The addon's functions: each takes one object of named arguments, and refuses a bad one by its name. */
export interface NativeKernels {
  info(): {
    kernels: 'avx512' | 'avx2' | 'generic';
    /** The C++ table of cells (kernels.h): gates, and [T, B, H] regions a forward pass saves. */
    cells: Record<CellType, { gates: number; saved: number }>;
  };
  gemm(a: GemmArgs): void;
  recurrentForward(a: RecurrentForwardArgs): void;
  recurrentBackward(a: RecurrentBackwardArgs): void;
  /**
   * Readies this thread's scratch for a layer of this shape (V: rows of the table it reads, or 0) and
   * starts the helper threads, so that a run's first step does not pay for either.
   */
  prepare(a: LayerShape & { V: number; threads: number }): void;
  /** The mean loss. */
  softmaxCrossEntropy(a: SoftmaxCrossEntropyArgs): number;
  matvec(a: MatvecArgs): void;
  adamUpdate(a: AdamUpdateArgs): void;
  /** Σ x², accumulated in double. */
  sumSquares(a: { x: Float32Array }): number;
}

export const NATIVE_ADDON = 'rnn_kernels.node';

/** Where the addon may be: beside the desktop bundles, or in the source tree's build folder. */
export function nativeCandidates(): string[] {
  const out: string[] = [];
  if (process.env.RNN_STUDIO_NATIVE_PATH) out.push(process.env.RNN_STUDIO_NATIVE_PATH);
  if (typeof __RNN_STUDIO_NATIVE_KERNELS__ === 'string') out.push(fileURLToPath(new URL(__RNN_STUDIO_NATIVE_KERNELS__, import.meta.url)));
  out.push(fileURLToPath(new URL(`./build/Release/${NATIVE_ADDON}`, import.meta.url)));
  return out;
}

export interface NativeStatus {
  kernels: NativeKernels | null;
  /** For the user: which kernels run, or why none do. */
  note: string;
  threads: number;
}

let status: NativeStatus | null = null;

function threadCount(): number {
  const asked = Number(process.env.RNN_STUDIO_TRAIN_THREADS);
  if (Number.isInteger(asked) && asked >= 1 && asked <= 8) return asked;
  return Math.max(1, Math.min(4, availableParallelism()));
}

/** Loads the kernels once per thread (each worker thread loads its own instance). */
export function nativeStatus(): NativeStatus {
  if (status) return status;
  const mode = process.env.RNN_STUDIO_NATIVE ?? '';
  if (!['', '0', '1'].includes(mode)) throw new Error(`RNN_STUDIO_NATIVE must be 0 or 1 (got "${mode}")`);
  const threads = threadCount();
  if (mode === '0') return (status = { kernels: null, note: 'native kernels off (RNN_STUDIO_NATIVE=0)', threads });
  const path = nativeCandidates().find((p) => existsSync(p));
  let failure = 'not built (npm run build:native builds them; it needs a C++ compiler)';
  if (path) {
    try {
      const kernels = createRequire(import.meta.url)(path) as NativeKernels;
      return (status = { kernels, note: `native ${kernels.info().kernels} kernels on ${threads} thread${threads === 1 ? '' : 's'}`, threads });
    } catch (err) {
      failure = `cannot be loaded: ${(err as Error).message.split('\n')[0]}`;
    }
  }
  if (mode === '1') throw new Error(`RNN_STUDIO_NATIVE=1 was asked for but the native kernels are ${failure}`);
  return (status = { kernels: null, note: `native kernels ${failure}; the recurrent layers run on TensorFlow.js ops`, threads });
}
