// How the engine a run trains on is described to people: "fast engine · 2 cores" when RNN Studio's
// native kernels do the arithmetic, "slower engine" when TensorFlow.js ops do it alone (or "fast engine"
// on tfjs-node's native TensorFlow), with the technical details kept for a tooltip or `--verbose`. One
// wording for the studio's footer, the CLI and run notes.
import type { BackendName } from './types.ts';
import { translate, type Key, type Locale, type Params } from './i18n/index.ts';

/** What the engine runs on. */
export interface EngineFacts {
  /** The native kernels' instruction set ('avx512', 'avx2', 'generic'), or null without them. */
  kernels: string | null;
  /** Threads the native kernels split work between. */
  threads: number;
}

/** The engine in `locale`'s words (the CLI's are English): a short label, and details for a tooltip or --verbose. */
export function describeEngine(facts: EngineFacts, backend: BackendName | null, locale: Locale = 'en'): { label: string; details: string } {
  const say = (key: Key, params?: Params) => translate(locale, key, params);
  const tensors = backend ? say('app.engine.tensors', { backend }) : say('app.engine.tensorsLater');
  if (facts.kernels) {
    return {
      label: say('app.engine.fastCores', { count: facts.threads }),
      details: say('app.engine.nativeDetails', { kernels: facts.kernels, count: facts.threads, tensors }),
    };
  }
  if (backend === 'node') return { label: say('app.engine.fast'), details: say('app.engine.nodeDetails', { tensors }) };
  return { label: say('app.engine.slower'), details: say('app.engine.slowerDetails', { tensors }) };
}
