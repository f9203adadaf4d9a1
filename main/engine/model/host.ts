// Host memory for the native kernels' arguments and results, without the copies TensorFlow.js would make.
//  - hostView: a tensor's values as a Float32Array. On the wasm backend, a view of its memory in the wasm
//    heap instead of dataSync's copy (≈ 3.5 ms of a P1 step went to those copies). A view is only good
//    until the next TensorFlow.js allocation (the heap may grow and move), so take it right before the
//    native call that reads it; and a tensor a custom gradient reads must be kept by its `save`.
//  - Staging: the arrays results are written into before they become tensors. Where the backend copies
//    a new tensor's values into its own memory (wasm, tfjs-node), one array per use is enough, reused from
//    step to step: a fresh 2 MB array costs ~500 page faults when first written. On the cpu backend the
//    tensor keeps the array, so each result gets a new one.
import { tf } from './backend.ts';

interface WasmInternals {
  wasm?: { HEAPU8?: Uint8Array };
  dataIdMap?: { has(id: object): boolean; get(id: object): { memoryOffset?: number | null } | undefined };
}

function wasmBackend(): WasmInternals | null {
  if (tf.getBackend() !== 'wasm') return null;
  const b = tf.backend() as unknown as WasmInternals;
  return b.wasm?.HEAPU8 && b.dataIdMap ? b : null;
}

/** t's float32 values: a view of the wasm heap when possible (read it before any other TensorFlow.js call), else a copy. */
export function hostView(t: tf.Tensor): Float32Array {
  const b = t.dtype === 'float32' ? wasmBackend() : null;
  const entry = b?.dataIdMap!.has(t.dataId) ? b.dataIdMap!.get(t.dataId) : undefined;
  if (b && entry && typeof entry.memoryOffset === 'number') return new Float32Array(b.wasm!.HEAPU8!.buffer, entry.memoryOffset, t.size);
  return t.dataSync() as Float32Array;
}

/** Arrays for results that become tensors at once, one per use (a name) and size. */
export class Staging {
  private readonly arrays = new Map<string, Float32Array>();

  /**
   * A zeroed array of n floats for `use`, handed out again once it has become a tensor: one per use,
   * grown to the largest n asked for (a classifier's batches differ in length).
   */
  take(use: string, n: number): Float32Array {
    if (!copiesOnWrite()) return new Float32Array(n);
    const a = this.arrays.get(use);
    if (!a || a.length < n) {
      const fresh = new Float32Array(n);
      this.arrays.set(use, fresh);
      return fresh;
    }
    return a.subarray(0, n).fill(0);
  }

  /** Makes `use`'s array at least n long now, its pages written, so the first step does not pay for them. */
  reserve(use: string, n: number): void {
    if (!copiesOnWrite()) return;
    const a = this.arrays.get(use);
    if (!a || a.length < n) this.arrays.set(use, new Float32Array(n).fill(0));
  }
}

/** Whether a new tensor's values are copied into the backend's own memory (so the array can be reused). */
function copiesOnWrite(): boolean {
  const name = tf.getBackend();
  return name === 'wasm' || name === 'tensorflow';
}
