// Files that ship with RNN Studio, as `datasets:import` takes them (the first launch offers both).
import { fileURLToPath } from 'node:url';
import type { BundledDataset } from '../../shared/api.ts';

const corpus = (file: string) => fileURLToPath(new URL(`../../resources/corpora/${file}`, import.meta.url));

/** A text corpus for generators. */
export const SAMPLE_CORPUS = {
  path: corpus('state-of-the-union.txt'),
  name: 'State of the Union (sample)',
} satisfies BundledDataset;

/** A labelled table for classifiers: first names and their gender (resources/corpora/README.md). */
export const SAMPLE_NAMES = {
  path: corpus('first-names.csv'),
  name: 'Names → female/male (sample)',
  format: 'csv',
  textColumn: 'text',
  labelColumn: 'label',
} satisfies BundledDataset;

/** The training script a PyTorch export ships (main/engine/export/pytorch.ts). */
export const PYTORCH_TRAIN_SCRIPT = fileURLToPath(new URL('../../resources/pytorch/train.py', import.meta.url));
