// Training a classifier: a stratified train/validation split, shuffled batches planned from (seed, epoch),
// optional class weights, and a full report (accuracy, macro-F1, confusion, mistakes) on validation.
import { tf } from '../../model/backend.ts';
import type { RunConfig } from '../../../../shared/config.ts';
import type { Misclassified } from '../../../../shared/types.ts';
import { CharClassifier, padBatch } from '../../model/classifier.ts';
import { classificationReport } from '../metrics.ts';
import type { EngineOps } from '../../model/ops.ts';
import { Rng, mixSeed } from '../../corpus/rng.ts';
import { stratifiedSplit, type EncodedExample } from '../../corpus/examples.ts';
import type { Evaluation, TrainingTask } from './task.ts';

export class ClassifierTask implements TrainingTask {
  readonly model: CharClassifier;
  readonly evalCadence = 'epochs' as const;
  readonly stepsPerEpoch: number;
  private readonly train: number[];
  private readonly val: number[];
  /** Loss weight per class (1 without class weights). */
  private readonly classWeights: Float32Array;
  private cachedEpoch = -1;
  private order: number[] = [];

  constructor(
    private readonly config: RunConfig,
    vocabSize: number,
    private readonly labels: string[],
    private readonly examples: EncodedExample[],
    private readonly seed: number,
    weights: Map<string, Float32Array>,
    ops: EngineOps,
  ) {
    const t = config.train;
    ({ train: this.train, val: this.val } = stratifiedSplit(examples.map((e) => e.label), t.valSplit, seed));
    if (this.train.length === 0) throw new Error('no training examples are left after the validation split');
    this.stepsPerEpoch = Math.ceil(this.train.length / t.batch);
    this.classWeights = new Float32Array(labels.length).fill(1);
    if (t.classWeights === 'balanced') {
      const counts = new Array<number>(labels.length).fill(0);
      for (const i of this.train) counts[examples[i].label]++;
      counts.forEach((n, c) => (this.classWeights[c] = n ? this.train.length / (labels.length * n) : 0));
    }
    this.model = new CharClassifier(vocabSize, labels.length, config.model, weights, ops);
    this.model.prepare(t.batch, this.train.reduce((m, i) => Math.max(m, examples[i].ids.length), 1));
  }

  get variables() {
    return this.model.variables;
  }
  get ops() {
    return this.model.ops;
  }
  get parameterCount() {
    return this.model.parameterCount;
  }
  get validationSize() {
    return this.val.length;
  }

  private epochOrder(epoch: number): number[] {
    if (epoch !== this.cachedEpoch) {
      this.order = new Rng(mixSeed(this.seed, 0xc1a5, epoch)).shuffle(this.train.slice());
      this.cachedEpoch = epoch;
    }
    return this.order;
  }

  /** Class logits for examples by index: [n, C]. */
  private logits(indices: number[], dropoutSeed: number | null): tf.Tensor2D {
    const b = padBatch(indices.map((i) => this.examples[i].ids));
    return this.model.forward(tf.tensor2d(b.ids, [b.batch, b.steps], 'int32'), tf.tensor2d(b.mask, [b.batch, b.steps]), dropoutSeed);
  }

  private batchIndices(epoch: number, index: number): number[] {
    const B = this.config.train.batch;
    return this.epochOrder(epoch).slice(index * B, (index + 1) * B);
  }

  batchLoss(epoch: number, index: number, dropoutSeed: number): tf.Scalar {
    const indices = this.batchIndices(epoch, index);
    const logits = this.logits(indices, dropoutSeed);
    const labels = indices.map((i) => this.examples[i].label);
    const perExample = tf.neg(tf.sum(tf.mul(tf.oneHot(tf.tensor1d(labels, 'int32'), this.labels.length), tf.logSoftmax(logits)), 1)); // [n]
    const w = tf.tensor1d(labels.map((l) => this.classWeights[l]));
    return tf.div(tf.sum(tf.mul(perExample, w)), tf.maximum(tf.sum(w), 1e-8)) as tf.Scalar;
  }

  /** Probabilities [n][C] for the examples by index, in batches. */
  private probabilities(indices: number[]): Float32Array[] {
    const out: Float32Array[] = [];
    const B = Math.max(this.config.train.batch, 64);
    for (let s = 0; s < indices.length; s += B) {
      const probs = tf.tidy(() => tf.softmax(this.logits(indices.slice(s, s + B), null)));
      const data = probs.dataSync() as Float32Array;
      probs.dispose();
      const C = this.labels.length;
      for (let i = 0; i < data.length / C; i++) out.push(data.slice(i * C, (i + 1) * C));
    }
    return out;
  }

  evaluate(): Evaluation | null {
    if (this.val.length === 0) return null;
    const probs = this.probabilities(this.val);
    const truth = this.val.map((i) => this.examples[i].label);
    const predicted = probs.map((p) => p.indexOf(Math.max(...p)));
    const loss = -probs.reduce((s, p, k) => s + Math.log(Math.max(p[truth[k]], 1e-12)), 0) / probs.length;
    const report = classificationReport(this.labels, truth, predicted);
    const misclassified: Misclassified[] = this.val
      .map((i, k) => ({ text: this.examples[i].text, label: this.labels[truth[k]], predicted: this.labels[predicted[k]], confidence: probs[k][predicted[k]] }))
      .filter((m) => m.label !== m.predicted)
      .sort((a, b) => b.confidence - a.confidence)
      .slice(0, 100);
    return { loss, accuracy: report.accuracy, macroF1: report.macroF1, report: { ...report, misclassified, examples: this.val.length } };
  }

  dispose(): void {
    this.model.dispose();
  }
}
