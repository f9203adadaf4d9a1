// What the rest of the app may use of the engine without loading TensorFlow.js: the worker's location,
// and the pure data helpers (decoding, charset). Training and sampling happen inside the worker.
export const ENGINE_WORKER_URL = new URL('./worker-entry.mjs', import.meta.url);
export { decodeText, countChars, buildCharset, CorpusError, UNKNOWN, UNKNOWN_DISPLAY } from './data.ts';
export { countParameters, GATES } from './params.ts';
