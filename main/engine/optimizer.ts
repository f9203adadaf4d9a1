// Adam with gradient clipping by global norm, written out so that its whole state (moments and step
// count) is ours to checkpoint and restore, and the learning rate can change mid-run.
// Same update as PyTorch's torch.optim.Adam: p -= lr/(1-β1ᵗ) · m / (√v/√(1-β2ᵗ) + ε).
import { tf } from './backend.ts';

export class Adam {
  readonly m = new Map<string, tf.Variable>();
  readonly v = new Map<string, tf.Variable>();
  /** Updates applied so far (t in the formula). */
  step = 0;

  constructor(
    params: Map<string, tf.Variable>,
    public lr: number,
    readonly beta1 = 0.9,
    readonly beta2 = 0.999,
    readonly epsilon = 1e-8,
  ) {
    for (const [name, p] of params) {
      this.m.set(name, tf.tidy(() => tf.variable(tf.zerosLike(p), false)));
      this.v.set(name, tf.tidy(() => tf.variable(tf.zerosLike(p), false)));
    }
  }

  /**
   * Scales `grads` so their global L2 norm is at most `clip` (0 = no clipping), then updates `params`.
   * Call inside tf.tidy.
   */
  apply(params: Map<string, tf.Variable>, grads: Map<string, tf.Tensor>, clip: number): void {
    let scale: tf.Scalar | null = null;
    if (clip > 0) {
      const squares = [...grads.values()].map((g) => tf.sum(tf.square(g)));
      const norm = tf.sqrt(tf.addN(squares));
      scale = tf.div(clip, tf.maximum(norm, clip)) as tf.Scalar;
    }
    this.step += 1;
    const bc1 = 1 - Math.pow(this.beta1, this.step);
    const bc2Sqrt = Math.sqrt(1 - Math.pow(this.beta2, this.step));
    for (const [name, p] of params) {
      let g = grads.get(name);
      if (!g) continue;
      if (scale) g = tf.mul(g, scale);
      const m = this.m.get(name)!;
      const v = this.v.get(name)!;
      m.assign(tf.add(tf.mul(m, this.beta1), tf.mul(g, 1 - this.beta1)));
      v.assign(tf.add(tf.mul(v, this.beta2), tf.mul(tf.square(g), 1 - this.beta2)));
      const denom = tf.add(tf.div(tf.sqrt(v), bc2Sqrt), this.epsilon);
      p.assign(tf.sub(p, tf.mul(tf.div(m, denom), this.lr / bc1)));
    }
  }

  dispose(): void {
    for (const t of [...this.m.values(), ...this.v.values()]) t.dispose();
  }
}
