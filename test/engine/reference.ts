// Test-only reference computations, in plain TensorFlow.js ops: a generator run one character at a time,
// carrying each layer's state (what the sampler's fast stepper, main/engine/sample.ts, must equal).
// Gate order as the model's (Keras): LSTM i f c o; GRU z r h with the reset gate applied before U_h.
import { tf } from '../../main/engine/model/backend.ts';
import type { CellType } from '../../shared/config.ts';
import type { CharRnn } from '../../main/engine/model/generator.ts';

/** Recurrent state of one layer: h [B, H] and, for LSTM, c [B, H]. */
export interface LayerState {
  h: tf.Tensor2D;
  c?: tf.Tensor2D;
}

/** One timestep of one layer. xp: the input already projected, x·W + b [B, G·H]; U: [H, G·H]. */
export function cellStep(cell: CellType, xp: tf.Tensor2D, state: LayerState, U: tf.Tensor2D): LayerState {
  const H = U.shape[0];
  switch (cell) {
    case 'rnn':
      return { h: tf.tanh(tf.add(xp, tf.matMul(state.h, U))) as tf.Tensor2D };
    case 'lstm': {
      const [i, f, g, o] = tf.split(tf.add(xp, tf.matMul(state.h, U)), 4, 1); // each [B, H]
      const c = tf.add(tf.mul(tf.sigmoid(f), state.c!), tf.mul(tf.sigmoid(i), tf.tanh(g))) as tf.Tensor2D;
      return { h: tf.mul(tf.sigmoid(o), tf.tanh(c)), c };
    }
    case 'gru': {
      const [Uzr, Uh] = tf.split(U, [2 * H, H], 1);
      const [xz, xr, xh] = tf.split(xp, 3, 1); // each [B, H]
      const [hz, hr] = tf.split(tf.matMul(state.h, Uzr), 2, 1);
      const z = tf.sigmoid(tf.add(xz, hz));
      const r = tf.sigmoid(tf.add(xr, hr));
      const candidate = tf.tanh(tf.add(xh, tf.matMul(tf.mul(r, state.h), Uh)));
      return { h: tf.add(tf.mul(z, state.h), tf.mul(tf.sub(1, z), candidate)) as tf.Tensor2D };
    }
  }
}

/** A generator stepped one character at a time for `batch` streams, from zero state. */
export class ReferenceStepper {
  private state: LayerState[];

  constructor(private readonly model: CharRnn, batch = 1) {
    const { cell, units: H, layers } = model.config;
    this.state = Array.from({ length: layers }, () => (cell === 'lstm' ? { h: tf.zeros([batch, H]), c: tf.zeros([batch, H]) } : { h: tf.zeros([batch, H]) }));
  }

  /** Feeds one id per stream; returns the logits [B·V] of the next characters. */
  feed(ids: number[]): Float32Array {
    const w = (name: string) => this.model.variables.get(name)! as unknown as tf.Tensor2D;
    const dense = (x: tf.Tensor2D, prefix: string) => tf.add(tf.matMul(x, w(`${prefix}kernel`)), w(`${prefix}bias`)) as tf.Tensor2D;
    let x = tf.gather(w('embedding'), tf.tensor1d(ids, 'int32')) as tf.Tensor2D; // [B, E]
    this.state = this.state.map((s, l) => {
      const next = cellStep(this.model.config.cell, dense(x, `layer${l}.`), s, w(`layer${l}.recurrentKernel`));
      x = next.h;
      return next;
    });
    return dense(x, 'output.').dataSync() as Float32Array;
  }
}
