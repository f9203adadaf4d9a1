// Adam with gradient clipping by global norm, written out so that its whole state (moments and step
// count) is ours to checkpoint and restore, and the learning rate can change mid-run.
// Same update as PyTorch's torch.optim.Adam: p -= lr/(1-β1ᵗ) · m / (√v/√(1-β2ᵗ) + ε).
// Where the moments live and what computes the update is the engine's path: host memory and one native
// pass per parameter (native-ops.ts), or backend variables and TensorFlow.js ops (tfjs-ops.ts); each is
// a small subclass of the class below, which keeps the step count and the bias corrections.
import type { tf } from '../model/backend.ts';

export interface Moment {
  shape: number[];
  data: Float32Array;
}

export abstract class Adam {
  private readonly shapes = new Map<string, number[]>();
  /** Updates applied so far (t in the formula). */
  step = 0;

  constructor(
    params: Map<string, tf.Variable>,
    public lr: number,
    readonly beta1 = 0.9,
    readonly beta2 = 0.999,
    readonly epsilon = 1e-8,
  ) {
    for (const [name, p] of params) this.shapes.set(name, p.shape);
  }

  /**
   * Scales `grads` so their global L2 norm is at most `clip` (0 = no clipping), then updates `params`.
   * Call inside tf.tidy.
   */
  apply(params: Map<string, tf.Variable>, grads: Map<string, tf.Tensor>, clip: number): void {
    this.step += 1;
    const bc1 = 1 - Math.pow(this.beta1, this.step);
    this.update(params, grads, clip, this.lr / bc1, Math.sqrt(1 - Math.pow(this.beta2, this.step)));
  }

  /** One update: p -= step · m / (√v / bc2 + ε), after the moments take the (clipped) gradient. */
  protected abstract update(params: Map<string, tf.Variable>, grads: Map<string, tf.Tensor>, clip: number, step: number, bc2: number): void;
  protected abstract read(kind: 'm' | 'v', name: string): Promise<Float32Array>;
  protected abstract write(kind: 'm' | 'v', name: string, moment: Moment): void;
  abstract dispose(): void;

  /** The moments, by parameter name, for a checkpoint. */
  async moments(): Promise<{ m: Map<string, Moment>; v: Map<string, Moment> }> {
    const out = { m: new Map<string, Moment>(), v: new Map<string, Moment>() };
    for (const kind of ['m', 'v'] as const) {
      for (const [name, shape] of this.shapes) out[kind].set(name, { shape, data: await this.read(kind, name) });
    }
    return out;
  }

  /** Restores the moments of a checkpoint (`get` returns a parameter's saved m or v). */
  restore(get: (kind: 'm' | 'v', name: string) => Float32Array, step: number): void {
    for (const [name, shape] of this.shapes) {
      for (const kind of ['m', 'v'] as const) this.write(kind, name, { shape, data: get(kind, name) });
    }
    this.step = step;
  }
}
