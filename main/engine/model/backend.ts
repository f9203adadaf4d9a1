// Picks the fastest TensorFlow.js backend present and says which: tfjs-node (native TensorFlow), then
// WebAssembly (XNNPACK kernels, one thread under Node), then the pure-JavaScript cpu backend.
// RNN_STUDIO_BACKEND=node|wasm|cpu forces one; a forced backend that cannot load is an error, never a
// silent fallback. Only the engine imports TensorFlow.js.
import * as tf from '@tensorflow/tfjs';
import { FASTER_BACKEND_HINT, type BackendName } from '../../../shared/types.ts';
import { nativeStatus } from '../native/addon.ts';

export { tf };

export const BACKEND_ORDER: BackendName[] = ['node', 'wasm', 'cpu'];

export interface BackendChoice {
  name: BackendName;
  /** Why a faster backend was not used, for the user. */
  notes: string[];
}

/** The one initialisation of this thread: requests that arrive together all wait for the same one. */
let choosing: Promise<BackendChoice> | null = null;

async function tryBackend(name: BackendName): Promise<void> {
  switch (name) {
    case 'node':
      // tfjs-node registers the 'tensorflow' backend when imported. It is an optional dependency.
      await import('@tensorflow/tfjs-node' as string);
      if (!(await tf.setBackend('tensorflow'))) throw new Error('the tensorflow backend did not initialise');
      return;
    case 'wasm':
      await import('@tensorflow/tfjs-backend-wasm');
      if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend did not initialise');
      return;
    case 'cpu':
      if (!(await tf.setBackend('cpu'))) throw new Error('the cpu backend did not initialise');
      // The cpu backend prints an advert for tfjs-node on first use; we say it ourselves, once.
      (tf.backend() as unknown as { firstUse: boolean }).firstUse = false;
      return;
  }
}

function parseForced(value: string | undefined): BackendName | null {
  if (value === undefined || value === '') return null;
  if ((BACKEND_ORDER as string[]).includes(value)) return value as BackendName;
  throw new Error(`RNN_STUDIO_BACKEND must be one of ${BACKEND_ORDER.join(', ')} (got "${value}")`);
}

/**
 * Initialises the backend once per thread. Concurrent callers share one attempt (two attempts at once
 * would each switch backends under the other); a failed attempt is forgotten so a later call retries.
 */
export function initBackend(forcedValue = process.env.RNN_STUDIO_BACKEND): Promise<BackendChoice> {
  choosing ??= choose(forcedValue).catch((err: unknown) => {
    choosing = null;
    throw err;
  });
  return choosing;
}

async function choose(forcedValue: string | undefined): Promise<BackendChoice> {
  const forced = parseForced(forcedValue);
  tf.env().set('PROD', true);
  if (forced) {
    try {
      await tryBackend(forced);
    } catch (err) {
      throw new Error(`RNN_STUDIO_BACKEND=${forced} was asked for but cannot be used: ${(err as Error).message}`);
    }
    return { name: forced, notes: [`backend forced by RNN_STUDIO_BACKEND=${forced}`] };
  }
  const notes: string[] = [];
  // Read before the backends are tried, so a bad RNN_STUDIO_NATIVE is reported as itself.
  const kernels = nativeStatus().kernels;
  for (const name of BACKEND_ORDER) {
    try {
      await tryBackend(name);
      // With the native kernels the heavy arithmetic is native already: tfjs-node would add little.
      if (name !== 'node' && !kernels) notes.push(FASTER_BACKEND_HINT);
      return { name, notes };
    } catch (err) {
      const message = (err as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' ? 'not installed' : (err as Error).message;
      notes.push(`${name} backend unavailable: ${message.split('\n')[0]}`);
    }
  }
  throw new Error(`no TensorFlow.js backend could be loaded: ${notes.join('; ')}`);
}
