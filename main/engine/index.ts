// What the rest of the app may use of the engine without loading TensorFlow.js: the worker's location,
// what the native kernels are (or why they are missing),
// and the pure data helpers (decoding, charset). Training and sampling happen inside the worker.

/** Set by the desktop build (scripts/build.mjs), which bundles the worker next to the main process. */
declare const __RNN_STUDIO_ENGINE_WORKER__: string | undefined;

export const ENGINE_WORKER_URL = new URL(
  typeof __RNN_STUDIO_ENGINE_WORKER__ === 'string' ? __RNN_STUDIO_ENGINE_WORKER__ : './worker-entry.mjs',
  import.meta.url,
);
export { nativeStatus } from './native/addon.ts';
export { decodeText } from './corpus/decode.ts';
export { countChars, buildCharset, UNKNOWN, UNKNOWN_DISPLAY } from './corpus/charset.ts';
export { CorpusError } from './corpus/read.ts';
export { countParameters } from './model/params.ts';
export { BUDGET_TOLERANCE, unitsForBudget } from './model/params.ts';
