// What the training loop needs of a task — generator or classifier — and nothing else.
import type { tf } from '../backend.ts';
import type { SampleParams } from '../../../shared/config.ts';
import type { Misclassified } from '../../../shared/types.ts';
import type { ClassificationReport } from '../metrics.ts';

export interface Evaluation {
  /** Mean cross-entropy on the validation part. */
  loss: number;
  accuracy: number | null;
  macroF1: number | null;
  /** Classifiers: confusion matrix, per-class figures and the most confident mistakes. */
  report: (ClassificationReport & { misclassified: Misclassified[]; examples: number }) | null;
}

export interface TrainingSample {
  prompt: string;
  params: SampleParams & { seed: number };
  text: string;
}

/** What is being trained: its weights, the loss of a batch, and how it is measured. */
export interface TrainingTask {
  readonly variables: Map<string, tf.Variable>;
  readonly parameterCount: number;
  readonly stepsPerEpoch: number;
  /** Generators validate every evalEvery steps; classifiers at the end of each epoch. */
  readonly evalCadence: 'steps' | 'epochs';
  /**
   * Loss of the batch at data position (epoch, index), with this step's dropout; with `part`, of that
   * share of its rows only (part k of n, for training on several threads). Called inside variableGrads.
   */
  batchLoss(epoch: number, index: number, dropoutSeed: number, part?: Part): tf.Scalar;
  /** Rows (windows or examples) in the batch at (epoch, index). */
  batchRows(epoch: number, index: number): number;
  evaluate(): Evaluation | null;
  sample?(seed: number): Promise<TrainingSample>;
  dispose(): void;
}

/** Part k of n of a batch: rows [⌊k·rows/n⌋, ⌊(k+1)·rows/n⌋). */
export interface Part {
  k: number;
  of: number;
}

export function partRows(rows: number, part: Part | undefined): [number, number] {
  return part ? [Math.floor((part.k * rows) / part.of), Math.floor(((part.k + 1) * rows) / part.of)] : [0, rows];
}
