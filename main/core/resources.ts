// Files that ship with RNN Studio.
import { fileURLToPath } from 'node:url';

export const SAMPLE_CORPUS = {
  path: fileURLToPath(new URL('../../resources/corpora/state-of-the-union.txt', import.meta.url)),
  name: 'State of the Union (sample)',
};
