// The character classifier: embedding → 1–4 recurrent layers, each optionally bidirectional → the last
// state (or the mean or max over time) → dense softmax over the classes. Texts are right-padded to the
// batch's longest and a mask keeps padding from touching the result: a padded step leaves the state as it
// was, so the forward direction ends on the last real character and the backward direction starts from
// zeros at it; mean and max pooling skip padded steps.
// Shapes: B = batch, T = timesteps, E = embedding, H = units, D = directions (1 or 2), C = classes.
import { tf } from './backend.ts';
import type { ModelConfig } from '../../shared/config.ts';
import { directions, GATES, paramSpecs } from './params.ts';
import { cellStep, createVariables, embed, linear, recurrentParts, zeroLayerState, type LayerState, type LayerWeights } from './model.ts';

export class CharClassifier {
  readonly variables: Map<string, tf.Variable>;

  constructor(
    readonly vocabSize: number,
    readonly classes: number,
    readonly config: ModelConfig,
    weights: Map<string, Float32Array>,
  ) {
    this.variables = createVariables(paramSpecs(vocabSize, config, classes), weights);
  }

  get parameterCount(): number {
    return [...this.variables.values()].reduce((n, v) => n + v.size, 0);
  }

  private v<T extends tf.Tensor>(name: string): T {
    return this.variables.get(name)! as unknown as T;
  }

  private weights(l: number, dir: string): LayerWeights {
    return { kernel: this.v(`layer${l}.${dir}kernel`), recurrentKernel: this.v(`layer${l}.${dir}recurrentKernel`), bias: this.v(`layer${l}.${dir}bias`) };
  }

  /**
   * One direction of one layer over time. x: [B·T, in]; masks: T × [B, 1].
   * Returns the per-step outputs (T × [B, H]) and the final state.
   */
  private run(x: tf.Tensor2D, B: number, T: number, masks: tf.Tensor2D[], w: LayerWeights, backward: boolean): { outputs: tf.Tensor2D[]; last: LayerState } {
    const { cell, units: H } = this.config;
    const projected = tf.add(linear(x, w.kernel), w.bias); // [B·T, G·H]
    const perStep = tf.unstack(tf.reshape(projected, [B, T, GATES[cell] * H]), 1) as tf.Tensor2D[];
    const U = recurrentParts(cell, w, H);
    let state = zeroLayerState(cell, B, H);
    const outputs: tf.Tensor2D[] = new Array(T);
    for (let k = 0; k < T; k++) {
      const t = backward ? T - 1 - k : k;
      const next = cellStep(cell, perStep[t], state, U, H);
      const m = masks[t];
      const keep = tf.sub(1, m);
      // Padded steps (m = 0) carry the previous state through unchanged.
      state = {
        h: tf.add(tf.mul(m, next.h), tf.mul(keep, state.h)) as tf.Tensor2D,
        c: next.c ? (tf.add(tf.mul(m, next.c), tf.mul(keep, state.c!)) as tf.Tensor2D) : undefined,
      };
      outputs[t] = state.h;
    }
    return { outputs, last: state };
  }

  /** Class logits. ids: int32 [B, T]; mask: float32 [B, T] (1 = character, 0 = padding) → [B, C]. */
  forward(ids: tf.Tensor2D, mask: tf.Tensor2D, dropoutSeed: number | null): tf.Tensor2D {
    const [B, T] = ids.shape;
    const { units: H, layers, dropout, pooling } = this.config;
    const dirs = directions(this.config);
    const drop = <R extends tf.Tensor>(x: R, k: number): R =>
      dropoutSeed !== null && dropout > 0 ? (tf.dropout(x, dropout, undefined, dropoutSeed + k) as R) : x;
    const masks = tf.unstack(tf.expandDims(mask, 2), 1) as tf.Tensor2D[]; // T × [B, 1]

    let x = embed(this.v('embedding'), tf.reshape(ids, [-1])); // [B·T, E]
    let top: { outputs: tf.Tensor2D[]; last: LayerState }[] = [];
    for (let l = 0; l < layers; l++) {
      top = dirs.map((d, i) => this.run(x, B, T, masks, this.weights(l, d), i === 1));
      const perDirection = top.map((r) => tf.stack(r.outputs, 1)); // D × [B, T, H]
      const joined = perDirection.length === 1 ? perDirection[0] : tf.concat(perDirection, 2); // [B, T, D·H]
      const flat = tf.reshape(joined, [B * T, dirs.length * H]) as tf.Tensor2D;
      x = l < layers - 1 ? drop(flat, l) : flat; // the top layer is dropped after pooling

    }

    let pooled: tf.Tensor2D;
    if (pooling === 'last') {
      // Forward: the state after the last real character; backward: after reading back to the first.
      pooled = dirs.length === 1 ? top[0].last.h : (tf.concat([top[0].last.h, top[1].last.h], 1) as tf.Tensor2D);
    } else {
      const seq = tf.reshape(x, [B, T, dirs.length * H]);
      const m3 = tf.expandDims(mask, 2); // [B, T, 1]
      pooled =
        pooling === 'mean'
          ? (tf.div(tf.sum(tf.mul(seq, m3), 1), tf.maximum(tf.sum(m3, 1), 1)) as tf.Tensor2D)
          : (tf.max(tf.add(seq, tf.mul(tf.sub(m3, 1), 1e9)), 1) as tf.Tensor2D);
    }
    return tf.add(linear(drop(pooled, layers), this.v('output.kernel')), this.v('output.bias')) as tf.Tensor2D;
  }

  async readWeights(): Promise<Map<string, Float32Array>> {
    const out = new Map<string, Float32Array>();
    for (const [name, v] of this.variables) out.set(name, (await v.data()) as Float32Array);
    return out;
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
