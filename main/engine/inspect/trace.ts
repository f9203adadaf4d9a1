// A network read on one text, kept whole: every layer's state and gates at every step (what units track),
// and the backward pass from one prediction to every earlier state and input (gradient flow,
// connectivity). Batch 1, no dropout, the same arithmetic as training (Keras' layouts and gate order:
// LSTM i f c o; GRU z r h with the reset gate before the recurrent product; params.ts), computed on the
// engine's own matrix products (ops.ts: native kernels when they loaded): the input projection of all
// steps as one product, then one row-times-matrix product per step. Checked against TensorFlow.js
// autodiff on an unrolled graph in test/engine/inspect-trace.test.ts.
//
// Shapes: T = steps read, In = a layer's input width, H = units, G = gates, D = directions.
import type { CellType, ModelConfig } from '../../../shared/config.ts';
import { UNIT_KINDS, type UnitKind } from '../../../shared/inspect.ts';
import type { EngineOps, RowMatrix } from '../model/ops.ts';
import { GATES, directions } from '../model/params.ts';

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** One layer in one direction, its weights ready for products both ways. */
interface Direction {
  cell: CellType;
  H: number;
  In: number;
  reverse: boolean;
  /** kernel [In, G·H] and its transpose [G·H, In] (host arrays, for whole-sequence products). */
  W: Float32Array;
  Wt: Float32Array;
  bias: Float32Array;
  /** recurrentKernel [H, G·H] and its transpose, as row-times-matrix products. */
  U: RowMatrix;
  Ut: RowMatrix;
}

/** What one direction of one layer did over the text: every state kind, [T·H] each (step-major). */
export interface DirectionTrace {
  /** The layer's outputs h, and its other states and gates by kind (UNIT_KINDS[cell]). */
  kinds: Partial<Record<UnitKind, Float32Array>>;
  /** LSTM: the candidate g; GRU: the candidate h̃ — needed by the backward pass. */
  candidate: Float32Array | null;
  /** The layer's input at every step [T·In]. */
  input: Float32Array;
}

export interface Trace {
  T: number;
  /** layers[l][d]: bottom layer first; d = 0 reads left to right, d = 1 right to left. */
  layers: DirectionTrace[][];
  /** Generators: logits at every step [T·V]; classifiers: the class logits [C]. */
  logits: Float32Array;
}

/** The network a checkpoint holds, ready to trace texts. */
export class TracedNetwork {
  readonly cell: CellType;
  readonly H: number;
  readonly D: number;
  readonly kinds: readonly UnitKind[];
  private readonly dirs: Direction[][];
  private readonly embedding: Float32Array;
  readonly E: number;
  private readonly outW: Float32Array; // [D·H, V or C]
  private readonly outWt: Float32Array; // [V or C, D·H]
  private readonly outB: Float32Array;
  readonly outputs: number;

  constructor(
    readonly config: ModelConfig,
    readonly task: 'generate' | 'classify',
    weights: Map<string, Float32Array>,
    private readonly ops: EngineOps,
  ) {
    const { cell, units: H, layers, embedding: E } = config;
    this.cell = cell;
    this.H = H;
    this.E = E;
    this.kinds = UNIT_KINDS[cell];
    const names = directions(config);
    this.D = names.length;
    const G = GATES[cell] * H;
    const w = (name: string) => {
      const data = weights.get(name);
      if (!data) throw new Error(`the checkpoint has no ${name}`);
      return data;
    };
    this.embedding = w('embedding');
    this.dirs = Array.from({ length: layers }, (_, l) =>
      names.map((d, i) => {
        const In = l === 0 ? E : H * this.D;
        const U = w(`layer${l}.${d}recurrentKernel`);
        const W = w(`layer${l}.${d}kernel`);
        return { cell, H, In, reverse: i === 1, W, Wt: transpose(W, In, G), bias: w(`layer${l}.${d}bias`), U: ops.matrix(U, H, G), Ut: ops.matrix(transpose(U, H, G), G, H) };
      }),
    );
    this.outW = w('output.kernel');
    this.outB = w('output.bias');
    this.outputs = this.outB.length;
    this.outWt = transpose(this.outW, H * this.D, this.outputs);
  }

  /** Reads `ids` [T] (and, for generators, predicts after each); keeps every state for units and gradients. */
  forward(ids: ArrayLike<number>): Trace {
    const T = ids.length;
    const { E, H, D } = this;
    let x: Float32Array = new Float32Array(T * E); // [T, E]
    for (let t = 0; t < T; t++) x.set(this.embedding.subarray(ids[t] * E, ids[t] * E + E), t * E);
    const layers: DirectionTrace[][] = [];
    for (const layer of this.dirs) {
      const traces = layer.map((dir) => this.runDirection(dir, x, T));
      layers.push(traces);
      x = joinDirections(traces.map((tr) => tr.kinds.hidden!), T, H);
    }
    const width = H * D;
    let logits: Float32Array;
    if (this.task === 'generate') {
      logits = new Float32Array(T * this.outputs);
      for (let t = 0; t < T; t++) logits.set(this.outB, t * this.outputs);
      this.ops.gemm(T, this.outputs, width, x, this.outW, logits);
    } else {
      logits = this.outB.slice();
      this.ops.gemm(1, this.outputs, width, this.pooled(x, T), this.outW, logits);
    }
    return { T, layers, logits };
  }

  /** Classifiers: what of the top layer feeds the output [D·H] (the config's pooling). */
  private pooled(top: Float32Array, T: number): Float32Array {
    const W = this.H * this.D;
    const out = new Float32Array(W);
    const { pooling } = this.config;
    if (pooling === 'last') {
      // Forward: the state after the last character; backward: after reading back to the first.
      out.set(top.subarray((T - 1) * W, (T - 1) * W + this.H), 0);
      if (this.D === 2) out.set(top.subarray(this.H, 2 * this.H), this.H);
    } else if (pooling === 'mean') {
      for (let t = 0; t < T; t++) for (let j = 0; j < W; j++) out[j] += top[t * W + j] / T;
    } else {
      out.fill(-Infinity);
      for (let t = 0; t < T; t++) for (let j = 0; j < W; j++) out[j] = Math.max(out[j], top[t * W + j]);
    }
    return out;
  }

  private runDirection(dir: Direction, x: Float32Array, T: number): DirectionTrace {
    const { cell, H, In } = dir;
    const G = GATES[cell] * H;
    const xp = new Float32Array(T * G); // [T, G·H]: x·W + b for every step at once
    for (let t = 0; t < T; t++) xp.set(dir.bias, t * G);
    this.ops.gemm(T, G, In, x, dir.W, xp);
    const kinds: Partial<Record<UnitKind, Float32Array>> = {};
    for (const k of UNIT_KINDS[cell]) kinds[k] = new Float32Array(T * H);
    const candidate = cell === 'rnn' ? null : new Float32Array(T * H);
    let h: Float32Array = new Float32Array(H);
    let c: Float32Array = new Float32Array(H);
    for (let s = 0; s < T; s++) {
      const t = dir.reverse ? T - 1 - s : s;
      const o = t * H;
      const base = t * G;
      if (cell === 'lstm') {
        const z = dir.U.times(h); // [4H]
        const hid = kinds.hidden!;
        const cs = kinds.cell!;
        const [ig, fg, og] = [kinds.input!, kinds.forget!, kinds.output!];
        for (let u = 0; u < H; u++) {
          const i = sigmoid(xp[base + u] + z[u]);
          const f = sigmoid(xp[base + H + u] + z[H + u]);
          const g = Math.tanh(xp[base + 2 * H + u] + z[2 * H + u]);
          const og_ = sigmoid(xp[base + 3 * H + u] + z[3 * H + u]);
          const cNew = f * c[u] + i * g;
          ig[o + u] = i;
          fg[o + u] = f;
          og[o + u] = og_;
          candidate![o + u] = g;
          cs[o + u] = cNew;
          hid[o + u] = og_ * Math.tanh(cNew);
        }
        c = cs.subarray(o, o + H);
      } else if (cell === 'gru') {
        const zr = dir.U.times(h); // [3H]; the last H are not used (the candidate reads r·h)
        const [zg, rg, hid] = [kinds.update!, kinds.reset!, kinds.hidden!];
        const rh = new Float32Array(H);
        for (let u = 0; u < H; u++) {
          zg[o + u] = sigmoid(xp[base + u] + zr[u]);
          rg[o + u] = sigmoid(xp[base + H + u] + zr[H + u]);
          rh[u] = rg[o + u] * h[u];
        }
        const hcPre = dir.U.times(rh);
        for (let u = 0; u < H; u++) {
          const hc = Math.tanh(xp[base + 2 * H + u] + hcPre[2 * H + u]);
          candidate![o + u] = hc;
          hid[o + u] = zg[o + u] * h[u] + (1 - zg[o + u]) * hc;
        }
      } else {
        const z = dir.U.times(h);
        const hid = kinds.hidden!;
        for (let u = 0; u < H; u++) hid[o + u] = Math.tanh(xp[base + u] + z[u]);
      }
      h = kinds.hidden!.subarray(o, o + H);
    }
    return { kinds, candidate, input: x };
  }

  /**
   * The backward pass from one quantity at the top: `dTop` [T·D·H] is its gradient with respect to the
   * top layer's outputs. Returns, for every layer and direction, the total gradient with respect to its
   * output h at every step [T·H] (through every later step and layer), and with respect to the inputs
   * (the characters' embeddings) [T·E]. `upTo`: the last step dTop is non-zero at, when known — a
   * left-to-right direction then starts its backward pass there (nothing later has a gradient).
   */
  backward(trace: Trace, dTop: Float32Array, upTo = trace.T - 1): { dh: Float32Array[][]; dInput: Float32Array } {
    const { T } = trace;
    const { H, D } = this;
    const dh: Float32Array[][] = new Array(this.dirs.length);
    let dOut = dTop; // gradient with respect to the current layer's joined outputs [T, D·H]
    for (let l = this.dirs.length - 1; l >= 0; l--) {
      const In = this.dirs[l][0].In;
      const dIn = new Float32Array(T * In);
      dh[l] = this.dirs[l].map((dir, d) => {
        const dy = new Float32Array(T * H);
        for (let t = 0; t < T; t++) dy.set(dOut.subarray(t * D * H + d * H, t * D * H + d * H + H), t * H);
        return this.backDirection(dir, trace.layers[l][d], dy, T, dIn, dir.reverse ? T - 1 : upTo);
      });
      dOut = dIn;
    }
    return { dh, dInput: dOut };
  }

  /** Backward through one direction: dy [T·H] in; returns dh total [T·H], adds the input gradient to dIn. */
  private backDirection(dir: Direction, tr: DirectionTrace, dy: Float32Array, T: number, dIn: Float32Array, last: number): Float32Array {
    const { cell, H, In } = dir;
    const G = GATES[cell] * H;
    const hid = tr.kinds.hidden!;
    const dhTotal = new Float32Array(T * H);
    const dz = new Float32Array(T * G); // gradient of every step's pre-activations (= of x·W + b)
    let dhNext: Float32Array = new Float32Array(H);
    let dcNext: Float32Array = new Float32Array(H);
    const zeros = new Float32Array(H);
    for (let s = last; s >= 0; s--) {
      const t = dir.reverse ? T - 1 - s : s;
      const prev = s === 0 ? -1 : dir.reverse ? t + 1 : t - 1; // the step before, in reading order
      const o = t * H;
      const hPrev = prev < 0 ? zeros : hid.subarray(prev * H, prev * H + H);
      const dh = dhTotal.subarray(o, o + H);
      for (let u = 0; u < H; u++) dh[u] = dy[o + u] + dhNext[u];
      const g0 = t * G;
      if (cell === 'lstm') {
        const [i, f, og, cs, g] = [tr.kinds.input!, tr.kinds.forget!, tr.kinds.output!, tr.kinds.cell!, tr.candidate!];
        const cPrev = prev < 0 ? zeros : cs.subarray(prev * H, prev * H + H);
        const dcPrev = new Float32Array(H);
        for (let u = 0; u < H; u++) {
          const tc = Math.tanh(cs[o + u]);
          const dc = dcNext[u] + dh[u] * og[o + u] * (1 - tc * tc);
          dz[g0 + u] = dc * g[o + u] * i[o + u] * (1 - i[o + u]);
          dz[g0 + H + u] = dc * cPrev[u] * f[o + u] * (1 - f[o + u]);
          dz[g0 + 2 * H + u] = dc * i[o + u] * (1 - g[o + u] * g[o + u]);
          dz[g0 + 3 * H + u] = dh[u] * tc * og[o + u] * (1 - og[o + u]);
          dcPrev[u] = dc * f[o + u];
        }
        dhNext = dir.Ut.times(dz.subarray(g0, g0 + G));
        dcNext = dcPrev;
      } else if (cell === 'gru') {
        const [z, r, hc] = [tr.kinds.update!, tr.kinds.reset!, tr.candidate!];
        const dCand = new Float32Array(G); // [0, 0, d h̃ pre-activation]
        for (let u = 0; u < H; u++) {
          dz[g0 + u] = dh[u] * (hPrev[u] - hc[o + u]) * z[o + u] * (1 - z[o + u]);
          dCand[2 * H + u] = dh[u] * (1 - z[o + u]) * (1 - hc[o + u] * hc[o + u]);
          dz[g0 + 2 * H + u] = dCand[2 * H + u];
        }
        const drh = dir.Ut.times(dCand); // [H]: gradient of r·h_prev
        for (let u = 0; u < H; u++) dz[g0 + H + u] = drh[u] * hPrev[u] * r[o + u] * (1 - r[o + u]);
        const zr = dz.slice(g0, g0 + G);
        zr.fill(0, 2 * H);
        const back = dir.Ut.times(zr);
        dhNext = new Float32Array(H);
        for (let u = 0; u < H; u++) dhNext[u] = dh[u] * z[o + u] + drh[u] * r[o + u] + back[u];
      } else {
        for (let u = 0; u < H; u++) dz[g0 + u] = dh[u] * (1 - hid[o + u] * hid[o + u]);
        dhNext = dir.Ut.times(dz.subarray(g0, g0 + G));
      }
    }
    const rows = dir.reverse ? T : last + 1; // steps after `last` have no gradient
    this.ops.gemm(rows, In, G, dz.subarray(0, rows * G), dir.Wt, dIn.subarray(0, rows * In)); // dIn += dz · Wᵀ
    return dhTotal;
  }

  /** Gradient with respect to the top layer's outputs [T·D·H] of log softmax(logits)[target] at `step` (generators). */
  dTopOfStep(trace: Trace, step: number, target: number): Float32Array {
    const V = this.outputs;
    const dLogits = logSoftmaxGrad(trace.logits.subarray(step * V, step * V + V), target);
    const W = this.H * this.D;
    const d = new Float32Array(trace.T * W);
    d.set(matTimesVec(this.outWt, V, W, dLogits), step * W);
    return d;
  }

  /** Classifiers: gradient with respect to the top layer's outputs [T·D·H] of log p(class). */
  dTopOfClass(trace: Trace, target: number): Float32Array {
    const C = this.outputs;
    const W = this.H * this.D;
    const dPooled = matTimesVec(this.outWt, C, W, logSoftmaxGrad(trace.logits, target));
    const T = trace.T;
    const d = new Float32Array(T * W);
    const { pooling } = this.config;
    if (pooling === 'last') {
      for (let u = 0; u < this.H; u++) d[(T - 1) * W + u] = dPooled[u];
      if (this.D === 2) for (let u = 0; u < this.H; u++) d[this.H + u] = dPooled[this.H + u];
    } else {
      const top = joinDirections(trace.layers[trace.layers.length - 1].map((tr) => tr.kinds.hidden!), T, this.H);
      for (let j = 0; j < W; j++) {
        if (pooling === 'mean') for (let t = 0; t < T; t++) d[t * W + j] = dPooled[j] / T;
        else {
          let best = 0;
          for (let t = 1; t < T; t++) if (top[t * W + j] > top[best * W + j]) best = t;
          d[best * W + j] = dPooled[j];
        }
      }
    }
    return d;
  }

  dispose(): void {
    for (const layer of this.dirs) for (const d of layer) (d.U.dispose(), d.Ut.dispose());
  }
}

/** ∂ log softmax(logits)[target] / ∂ logits = onehot(target) − softmax(logits), in float64. */
function logSoftmaxGrad(logits: Float32Array, target: number): Float32Array {
  let max = -Infinity;
  for (const v of logits) max = Math.max(max, v);
  let sum = 0;
  for (const v of logits) sum += Math.exp(v - max);
  const out = new Float32Array(logits.length);
  for (let v = 0; v < logits.length; v++) out[v] = (v === target ? 1 : 0) - Math.exp(logits[v] - max) / sum;
  return out;
}

/** x [rows] · m [rows, cols] → [cols]. */
function matTimesVec(m: Float32Array, rows: number, cols: number, x: Float32Array): Float32Array {
  const out = new Float32Array(cols);
  for (let r = 0; r < rows; r++) {
    const xr = x[r];
    if (xr === 0) continue;
    for (let c = 0; c < cols; c++) out[c] += xr * m[r * cols + c];
  }
  return out;
}

/** The transpose of a [rows, cols] matrix. */
export function transpose(m: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = m[r * cols + c];
  return out;
}

/** The directions' outputs side by side, as the next layer reads them: [T, D·H]. */
function joinDirections(hs: Float32Array[], T: number, H: number): Float32Array {
  if (hs.length === 1) return hs[0];
  const D = hs.length;
  const out = new Float32Array(T * D * H);
  for (let t = 0; t < T; t++) hs.forEach((h, d) => out.set(h.subarray(t * H, t * H + H), t * D * H + d * H));
  return out;
}
