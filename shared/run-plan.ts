// A run as the studio's Basic form plans it: a named model size, defaults drawn from the dataset, and how
// long the whole run takes. Pure, so the core's estimate and the renderer compute the same figures.
import { ModelConfigSchema, TrainConfigSchema, type ModelConfig, type Task, type TrainConfig } from './config.ts';
import type { LengthStats } from './types.ts';

type Size = Pick<ModelConfig, 'layers' | 'units' | 'embedding'>;

export interface SizePreset {
  name: 'small' | 'medium' | 'large';
  label: string;
  /** What the size is good for, in a reader's words. */
  help: string;
  model: Size;
}

const defaults = ModelConfigSchema.parse({});

/** Smallest first. Medium is the schema's default model, so a fresh form is Medium. */
export const SIZE_PRESETS: readonly SizePreset[] = [
  { name: 'small', label: 'Small', help: 'quickest; enough for names, words or a short text', model: { layers: 1, units: 64, embedding: 32 } },
  {
    name: 'medium', label: 'Medium', help: 'a good start for most texts, up to a book or two',
    model: { layers: defaults.layers, units: defaults.units, embedding: defaults.embedding },
  },
  { name: 'large', label: 'Large', help: 'learns more from big texts (megabytes); slower, and needs more memory', model: { layers: 3, units: 256, embedding: 128 } },
];

/** The preset a model's size is, or null (a custom size). */
export function presetOf(model: Partial<Record<keyof Size, unknown>>): SizePreset | null {
  return SIZE_PRESETS.find((p) => p.model.layers === model.layers && p.model.units === model.units && p.model.embedding === model.embedding) ?? null;
}

/** The settings that say how long a run is: they change the run's length, not what one step costs. */
export const RUN_LENGTH_KEYS = ['epochs', 'maxSteps'] as const satisfies ReadonlyArray<keyof TrainConfig>;

export interface RunLength {
  steps: number;
  /** Passes over the training data (fractional when maxSteps ends one midway). */
  epochs: number;
  seconds: number;
}

/** The whole run, as the trainer counts it: maxSteps when set, else epochs × stepsPerEpoch. */
export function runLength(train: Pick<TrainConfig, 'epochs' | 'maxSteps'>, stepsPerEpoch: number, secondsPerStep: number): RunLength {
  const steps = train.maxSteps ?? train.epochs * stepsPerEpoch;
  return { steps, epochs: steps / Math.max(1, stepsPerEpoch), seconds: steps * secondsPerStep };
}

/** A setting's default drawn from a dataset, with what of the data it came from. */
export interface DataDefault {
  path: 'train.maxLen';
  value: number;
  /** At least `share` percent of the texts are at most `length` characters long. */
  share: number;
  length: number;
}

/** The text length at least `share`% of texts fit in: p95, or p90 in datasets imported before p95 was recorded. */
export function lengthCovering(lengths: LengthStats): { share: number; length: number } {
  return lengths.p95 !== undefined ? { share: 95, length: lengths.p95 } : { share: 90, length: lengths.p90 };
}

const maxLenLimits = TrainConfigSchema.shape.maxLen.unwrap();

/**
 * Defaults a dataset suggests for a task: a classifier reads as many characters as 95% of its texts hold
 * (not 256 for 8-character names). None for a dataset without text lengths (plain text, or a placeholder
 * of an imported model, whose lengths are all 0).
 */
export function dataDefaults(task: Task, dataset: { lengths: LengthStats | null } | null): DataDefault[] {
  if (task !== 'classify' || !dataset?.lengths || dataset.lengths.max <= 0) return [];
  const { share, length } = lengthCovering(dataset.lengths);
  const value = Math.min(maxLenLimits.maxValue ?? length, Math.max(maxLenLimits.minValue ?? 1, length));
  return [{ path: 'train.maxLen', value, share, length }];
}
