// Adam with gradient clipping by global norm, written out so that its whole state (moments and step
// count) is ours to checkpoint and restore, and the learning rate can change mid-run.
// Same update as PyTorch's torch.optim.Adam: p -= lr/(1-β1ᵗ) · m / (√v/√(1-β2ᵗ) + ε).
// With the native kernels the moments live in host memory and each step is one native pass per
// parameter (TensorFlow.js spent ~6 ms per P1 step on ~60 small kernels); without them, TensorFlow.js ops
// update moments kept as variables on the backend.
import { tf } from './backend.ts';
import { native } from './native.ts';

export interface Moment {
  shape: number[];
  data: Float32Array;
}

export class Adam {
  private readonly nat = native();
  /** Moments by parameter: host arrays with the native kernels, else backend variables. */
  private readonly hostM = new Map<string, Float32Array>();
  private readonly hostV = new Map<string, Float32Array>();
  private readonly m = new Map<string, tf.Variable>();
  private readonly v = new Map<string, tf.Variable>();
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
    for (const [name, p] of params) {
      this.shapes.set(name, p.shape);
      if (this.nat) {
        this.hostM.set(name, new Float32Array(p.size));
        this.hostV.set(name, new Float32Array(p.size));
      } else {
        this.m.set(name, tf.tidy(() => tf.variable(tf.zerosLike(p), false)));
        this.v.set(name, tf.tidy(() => tf.variable(tf.zerosLike(p), false)));
      }
    }
  }

  /** The moments, by parameter name, for a checkpoint. */
  async moments(): Promise<{ m: Map<string, Moment>; v: Map<string, Moment> }> {
    const read = async (host: Map<string, Float32Array>, vars: Map<string, tf.Variable>) => {
      const out = new Map<string, Moment>();
      for (const [name, shape] of this.shapes) {
        out.set(name, { shape, data: this.nat ? host.get(name)!.slice() : ((await vars.get(name)!.data()) as Float32Array) });
      }
      return out;
    };
    return { m: await read(this.hostM, this.m), v: await read(this.hostV, this.v) };
  }

  /** Restores the moments of a checkpoint (`get` returns a parameter's saved m or v). */
  restore(get: (kind: 'm' | 'v', name: string) => Float32Array, step: number): void {
    for (const name of this.shapes.keys()) {
      if (this.nat) {
        this.hostM.get(name)!.set(get('m', name));
        this.hostV.get(name)!.set(get('v', name));
      } else {
        tf.tidy(() => {
          this.m.get(name)!.assign(tf.tensor(get('m', name), this.shapes.get(name)));
          this.v.get(name)!.assign(tf.tensor(get('v', name), this.shapes.get(name)));
        });
      }
    }
    this.step = step;
  }

  /**
   * Scales `grads` so their global L2 norm is at most `clip` (0 = no clipping), then updates `params`.
   * Call inside tf.tidy.
   */
  apply(params: Map<string, tf.Variable>, grads: Map<string, tf.Tensor>, clip: number): void {
    this.step += 1;
    const bc1 = 1 - Math.pow(this.beta1, this.step);
    const bc2Sqrt = Math.sqrt(1 - Math.pow(this.beta2, this.step));
    if (this.nat) {
      const host = new Map([...grads].map(([name, g]) => [name, g.dataSync() as Float32Array]));
      let scale = 1;
      if (clip > 0) {
        let sum = 0;
        for (const g of host.values()) sum += this.nat.k.sumSquares(g);
        scale = clip / Math.max(Math.sqrt(sum), clip);
      }
      for (const [name, p] of params) {
        const g = host.get(name);
        if (!g) continue;
        const values = (p.dataSync() as Float32Array).slice();
        this.nat.k.adamUpdate(values, g, this.hostM.get(name)!, this.hostV.get(name)!, scale, this.beta1, this.beta2, this.epsilon, this.lr / bc1, bc2Sqrt);
        p.assign(tf.tensor(values, p.shape));
      }
      return;
    }
    let scale: tf.Scalar | null = null;
    if (clip > 0) {
      const squares = [...grads.values()].map((g) => tf.sum(tf.square(g)));
      const norm = tf.sqrt(tf.addN(squares));
      scale = tf.div(clip, tf.maximum(norm, clip)) as tf.Scalar;
    }
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
