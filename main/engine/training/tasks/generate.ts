// Training a generator: next-character prediction over windows of the corpus.
import { tf } from '../../model/backend.ts';
import type { RunConfig } from '../../../../shared/config.ts';
import { Vocabulary } from '../../corpus/charset.ts';
import { BatchPlan, type Batch } from '../../corpus/batches.ts';
import { CharRnn } from '../../model/generator.ts';
import { generate } from '../../sampling/sample.ts';
import type { EngineOps } from '../../model/ops.ts';
import type { Evaluation, TrainingTask, TrainingSample } from './task.ts';

export class GeneratorTask implements TrainingTask {
  readonly model: CharRnn;
  readonly plan: BatchPlan;
  readonly evalCadence = 'steps' as const;
  private readonly validation: Batch[];
  private readonly vocab: Vocabulary;

  constructor(
    private readonly config: RunConfig,
    vocab: string[],
    corpus: Uint16Array,
    private readonly startChar: string,
    seed: number,
    weights: Map<string, Float32Array>,
    ops: EngineOps,
  ) {
    const t = config.train;
    this.vocab = new Vocabulary(vocab);
    this.plan = new BatchPlan(corpus, t.valSplit, t.seqLen, t.batch, seed);
    this.validation = this.plan.validationBatches(t.evalBatches);
    this.model = new CharRnn(this.vocab.size, config.model, weights, ops);
    this.model.prepare(t.batch, t.seqLen);
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
  get stepsPerEpoch() {
    return this.plan.stepsPerEpoch;
  }

  batchLoss(epoch: number, index: number, dropoutSeed: number): tf.Scalar {
    const b = this.plan.batchAt(epoch, index);
    const rows = (a: Int32Array) => tf.tensor2d(a, [b.batch, b.seqLen], 'int32');
    return this.model.loss(rows(b.inputs), rows(b.targets), dropoutSeed);
  }

  /** Mean loss over the fixed validation windows. */
  evaluate(): Evaluation | null {
    if (this.validation.length === 0) return null;
    let total = 0;
    let count = 0;
    for (const b of this.validation) {
      const loss = tf.tidy(() =>
        this.model.loss(tf.tensor2d(b.inputs, [b.batch, b.seqLen], 'int32'), tf.tensor2d(b.targets, [b.batch, b.seqLen], 'int32'), null),
      );
      total += loss.dataSync()[0] * b.batch * b.seqLen;
      count += b.batch * b.seqLen;
      loss.dispose();
    }
    return { loss: total / count, accuracy: null, macroF1: null, report: null };
  }

  async sample(seed: number): Promise<TrainingSample> {
    const t = this.config.train;
    const prime = t.samplePrime ?? '';
    const params = { length: t.sampleLength, temperature: 0.8, topK: 0, topP: 1, prime, seed };
    return { prompt: prime, params, text: await generate(this.model, this.vocab, this.startChar, params) };
  }

  dispose(): void {
    this.model.dispose();
  }
}
