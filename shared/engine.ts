// How the engine a run trains on is described to people: "fast engine · 2 cores" when RNN Studio's
// native kernels do the arithmetic, "slower engine" when TensorFlow.js ops do it alone (or "fast engine"
// on tfjs-node's native TensorFlow), with the technical details kept for a tooltip or `--verbose`. One
// wording for the studio's footer, the CLI and run notes.
import type { BackendName } from './types.ts';

/** What the engine runs on. */
export interface EngineFacts {
  /** The native kernels' instruction set ('avx512', 'avx2', 'generic'), or null without them. */
  kernels: string | null;
  /** Threads the native kernels split work between. */
  threads: number;
}

export function describeEngine(facts: EngineFacts, backend: BackendName | null): { label: string; details: string } {
  const tensors = backend ? `TensorFlow.js ${backend} backend` : 'TensorFlow.js backend chosen when training starts';
  if (facts.kernels) {
    const cores = `${facts.threads} core${facts.threads === 1 ? '' : 's'}`;
    return { label: `fast engine · ${cores}`, details: `native ${facts.kernels} kernels on ${facts.threads} thread${facts.threads === 1 ? '' : 's'}; ${tensors}` };
  }
  if (backend === 'node') return { label: 'fast engine', details: `${tensors} (native TensorFlow); RNN Studio's native kernels are not built` };
  return { label: 'slower engine', details: `${tensors} alone: RNN Studio's native kernels are not built (npm run build:native builds them; it needs a C++ compiler)` };
}
