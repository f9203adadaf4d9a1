// What the training loop needs of a task — generator or classifier — and nothing else.
import type { tf } from '../../model/backend.ts';
import type { SampleParams } from '../../../../shared/config.ts';
import type { Misclassified } from '../../../../shared/types.ts';
import type { ClassificationReport } from '../metrics.ts';
import type { EngineOps } from '../../model/ops.ts';

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
  /** The operations its model was built with (ops.ts): the optimizer uses the same. */
  readonly ops: EngineOps;
  readonly parameterCount: number;
  readonly stepsPerEpoch: number;
  /** Generators validate every evalEvery steps; classifiers at the end of each epoch. */
  readonly evalCadence: 'steps' | 'epochs';
  /** Loss of the batch at data position (epoch, index), with this step's dropout. Called inside variableGrads. */
  batchLoss(epoch: number, index: number, dropoutSeed: number): tf.Scalar;
  evaluate(): Evaluation | null;
  sample?(seed: number): Promise<TrainingSample>;
  dispose(): void;
}
