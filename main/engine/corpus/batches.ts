// Training batches from an encoded corpus: the split into training and validation text, and every
// epoch's windows planned from (seed, epoch) alone.
import { CorpusError } from './read.ts';
import { Rng, mixSeed } from './rng.ts';

/** One batch: B windows of T characters; targets are the inputs shifted by one. Both int32 [B·T]. */
export interface Batch {
  inputs: Int32Array;
  targets: Int32Array;
  batch: number;
  seqLen: number;
}

function windows(ids: Uint16Array, starts: number[], seqLen: number): Batch {
  const B = starts.length;
  const inputs = new Int32Array(B * seqLen);
  const targets = new Int32Array(B * seqLen);
  starts.forEach((s, b) => {
    for (let t = 0; t < seqLen; t++) {
      inputs[b * seqLen + t] = ids[s + t];
      targets[b * seqLen + t] = ids[s + t + 1];
    }
  });
  return { inputs, targets, batch: B, seqLen };
}

/**
 * Splits an encoded corpus into training and validation parts (validation is the end of the text) and
 * plans every epoch's batches from (seed, epoch) alone, so a data position is just (epoch, batch index)
 * and a resumed run sees exactly the batches the uninterrupted run would have seen.
 */
export class BatchPlan {
  readonly train: Uint16Array;
  readonly val: Uint16Array;
  readonly stepsPerEpoch: number;
  private readonly overlapping: boolean;
  private cachedEpoch = -1;
  private cachedStarts: number[] = [];

  constructor(ids: Uint16Array, valSplit: number, readonly seqLen: number, readonly batch: number, readonly seed: number) {
    const valLen = valSplit > 0 ? Math.floor(ids.length * valSplit) : 0;
    this.train = ids.subarray(0, ids.length - valLen);
    this.val = valLen >= 2 ? ids.subarray(ids.length - valLen) : new Uint16Array(0);
    if (this.train.length < seqLen + 1) {
      throw new CorpusError(
        `the training part of the corpus has ${this.train.length} characters, fewer than one window of --seq-len ${seqLen} + 1; use a smaller --seq-len or --val-split, or a larger corpus`,
      );
    }
    // Non-overlapping windows at a random offset each epoch; a corpus too small for one batch of them
    // gets B random (overlapping) windows per epoch instead.
    const fewestWindows = Math.floor((this.train.length - seqLen) / seqLen);
    this.overlapping = fewestWindows < batch;
    this.stepsPerEpoch = this.overlapping ? 1 : Math.floor(fewestWindows / batch);
    this.epochStarts(0); // planned with the task, not in the run's first step (~5 ms on a 400 kB corpus)
  }

  private epochStarts(epoch: number): number[] {
    if (epoch === this.cachedEpoch) return this.cachedStarts;
    const rng = new Rng(mixSeed(this.seed, 0x0e90c4, epoch));
    const T = this.seqLen;
    let starts: number[];
    if (this.overlapping) {
      const maxStart = this.train.length - T - 1;
      starts = Array.from({ length: this.batch }, () => rng.int(maxStart + 1));
    } else {
      const offset = rng.int(T);
      const n = Math.floor((this.train.length - 1 - offset) / T);
      starts = rng.shuffle(Array.from({ length: n }, (_, k) => offset + k * T));
    }
    this.cachedEpoch = epoch;
    this.cachedStarts = starts;
    return starts;
  }

  /** The batch at data position (epoch, index), index < stepsPerEpoch. */
  batchAt(epoch: number, index: number): Batch {
    const starts = this.epochStarts(epoch).slice(index * this.batch, (index + 1) * this.batch);
    return windows(this.train, starts, this.seqLen);
  }

  /** Fixed validation batches (the same every time, so the curve compares like with like). */
  validationBatches(maxBatches: number): Batch[] {
    if (this.val.length < 2) return [];
    const T = Math.min(this.seqLen, this.val.length - 1);
    const count = Math.floor((this.val.length - 1) / T);
    const starts = Array.from({ length: Math.min(count, maxBatches * this.batch) }, (_, k) => k * T);
    const out: Batch[] = [];
    for (let i = 0; i < starts.length; i += this.batch) out.push(windows(this.val, starts.slice(i, i + this.batch), T));
    return out;
  }
}
