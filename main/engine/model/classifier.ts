// The character classifier: embedding → 1–4 recurrent layers, each optionally bidirectional → the last
// state (or the mean or max over time) → dense softmax over the classes. Texts are right-padded to the
// batch's longest and a mask keeps padding from touching the result: a padded step leaves the state as it
// was, so the forward direction ends on the last real character and the backward direction starts from
// zeros at it; mean and max pooling skip padded steps.
// Shapes: B = batch, T = timesteps, E = embedding, H = units, D = directions (1 or 2), C = classes.
import { tf } from './backend.ts';
import type { ModelConfig } from '../../../shared/config.ts';
import { directions, paramSpecs } from './params.ts';
import { createVariables } from './generator.ts';
import { type EngineOps, type RecurrentWeights } from './ops.ts';

export class CharClassifier {
  readonly variables: Map<string, tf.Variable>;

  constructor(
    readonly vocabSize: number,
    readonly classes: number,
    readonly config: ModelConfig,
    weights: Map<string, Float32Array>,
    readonly ops: EngineOps,
  ) {
    this.variables = createVariables(paramSpecs(vocabSize, config, classes), weights);
  }

  get parameterCount(): number {
    return [...this.variables.values()].reduce((n, v) => n + v.size, 0);
  }

  private v<T extends tf.Tensor>(name: string): T {
    return this.variables.get(name)! as unknown as T;
  }

  private weights(l: number, dir: string): RecurrentWeights {
    return { kernel: this.v(`layer${l}.${dir}kernel`), recurrentKernel: this.v(`layer${l}.${dir}recurrentKernel`), bias: this.v(`layer${l}.${dir}bias`) };
  }

  /** Readies the operations' memory for training batches of B texts of up to T characters (ops.prepare). */
  prepare(B: number, T: number): void {
    const { cell, units: H, layers, embedding: E } = this.config;
    const D = directions(this.config).length;
    this.ops.prepare({
      layers: Array.from({ length: layers * D }, (_, i) => {
        const l = Math.floor(i / D);
        return { cell, T, B, H, In: l === 0 ? E : D * H, V: l === 0 ? this.vocabSize : 0 };
      }),
      output: { N: B, K: D * H, M: this.classes },
    });
  }

  /** Class logits. ids: int32 [B, T]; mask: float32 [B, T] (1 = character, 0 = padding) → [B, C]. */
  forward(ids: tf.Tensor2D, mask: tf.Tensor2D, dropoutSeed: number | null): tf.Tensor2D {
    const [B, T] = ids.shape;
    const { units: H, layers, dropout, pooling, cell } = this.config;
    const dirs = directions(this.config);
    const D = dirs.length;
    const drop = <R extends tf.Tensor>(x: R, k: number): R =>
      dropoutSeed !== null && dropout > 0 ? (tf.dropout(x, dropout, undefined, dropoutSeed + k) as R) : x;
    // Time-major, as the recurrent op wants: [T, B, ·].
    const maskT = tf.reshape(tf.transpose(mask), [T, B, 1]) as tf.Tensor3D;

    // The first layer looks its inputs up in the embedding itself (ops.embeddedLayerOverTime).
    const flatIds = tf.reshape(tf.transpose(ids), [-1]) as tf.Tensor1D; // [T·B]
    let x: tf.Tensor2D | null = null; // [T·B, D·H], the layer below's outputs
    let outputs: tf.Tensor3D[] = [];
    for (let l = 0; l < layers; l++) {
      outputs = dirs.map((d, i) => {
        const w = this.weights(l, d);
        return x
          ? this.ops.layerOverTime(cell, x, T, w, maskT, i === 1)
          : this.ops.embeddedLayerOverTime(cell, this.v('embedding'), flatIds, T, w, maskT, i === 1); // [T, B, H]
      });
      const joined = D === 1 ? outputs[0] : tf.concat(outputs, 2); // [T, B, D·H]
      const flat = tf.reshape(joined, [T * B, D * H]) as tf.Tensor2D;
      x = l < layers - 1 ? drop(flat, l) : flat; // the top layer is dropped after pooling
    }

    let pooled: tf.Tensor2D;
    if (pooling === 'last') {
      // Forward: the state after the last real character (padding carries it to step T−1); backward:
      // the state after reading back to the first character (step 0).
      const at = (o: tf.Tensor3D, t: number) => tf.reshape(tf.slice(tf.reshape(o, [T, B * H]), [t, 0], [1, B * H]), [B, H]) as tf.Tensor2D;
      pooled = D === 1 ? at(outputs[0], T - 1) : (tf.concat([at(outputs[0], T - 1), at(outputs[1], 0)], 1) as tf.Tensor2D);
    } else {
      const seq = tf.reshape(x!, [T, B, D * H]);
      pooled =
        pooling === 'mean'
          ? (tf.div(tf.sum(tf.mul(seq, maskT), 0), tf.maximum(tf.sum(maskT, 0), 1)) as tf.Tensor2D)
          : (tf.max(tf.add(seq, tf.mul(tf.sub(maskT, 1), 1e9)), 0) as tf.Tensor2D);
    }
    return this.ops.dense(drop(pooled, layers), this.v('output.kernel'), this.v('output.bias'));
  }

  dispose(): void {
    for (const v of this.variables.values()) v.dispose();
  }
}

/** A batch of texts as the classifier reads them: ids and mask [B, T], T = the longest text (≤ maxLen). */
export interface TextBatch {
  ids: Int32Array;
  mask: Float32Array;
  batch: number;
  steps: number;
}

/** Right-pads encoded texts to the longest one (texts are already truncated to maxLen). */
export function padBatch(texts: Uint16Array[], minSteps = 1): TextBatch {
  const T = Math.max(minSteps, ...texts.map((t) => t.length));
  const ids = new Int32Array(texts.length * T);
  const mask = new Float32Array(texts.length * T);
  texts.forEach((t, b) => {
    ids.set(t, b * T);
    mask.fill(1, b * T, b * T + t.length);
  });
  return { ids, mask, batch: texts.length, steps: T };
}
