// The inside of a network (main/engine/inspect/trace.ts), checked against an independent computation:
// the same network unrolled one character at a time in plain TensorFlow.js ops, its gates computed
// there, and every gradient taken by TensorFlow.js autodiff (tf.grads) on that graph — the gradient with
// respect to a state h_t by adding a zero "probe" to it. Every cell, stacked layers, generators and
// bidirectional classifiers (last and mean pooling), on the native kernels and on TensorFlow.js ops.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend, tf } from '../../main/engine/model/backend.ts';
import { initialWeights } from '../../main/engine/model/generator.ts';
import { engineOps, type OpsKind } from '../../main/engine/model/ops.ts';
import { nativeStatus } from '../../main/engine/native/addon.ts';
import { Rng } from '../../main/engine/corpus/rng.ts';
import { TracedNetwork } from '../../main/engine/inspect/trace.ts';
import { gradientFlow } from '../../main/engine/inspect/gradients.ts';
import { correlation, featuresOf } from '../../main/engine/inspect/units.ts';
import { CELL_TYPES, ModelConfigSchema, type CellType, type ModelConfig, type Pooling } from '../../shared/config.ts';

const V = 7;
const IDS = [3, 1, 4, 1, 5, 2, 6, 0, 2, 3];
const KINDS: OpsKind[] = nativeStatus().kernels ? ['native', 'tfjs'] : ['tfjs'];

before(async () => {
  await initBackend();
});

/** Weights drawn larger than the initializers' so gates saturate differently per unit. */
function weightsOf(cfg: ModelConfig, outputs: number, seed: number): Map<string, Float32Array> {
  const w = initialWeights(V, cfg, new Rng(seed), outputs);
  const rng = new Rng(seed + 1);
  for (const [name, data] of w) if (!name.startsWith('embedding')) for (let i = 0; i < data.length; i++) data[i] += (rng.next() - 0.5) * 0.6;
  return w;
}

interface Unrolled {
  /** [layer][direction][kind] → [T][H] */
  states: Record<string, number[][]>[][];
  loss: tf.Scalar;
}

/**
 * The network unrolled in tf ops. xs: one [1, E] tensor per step (the embeddings, so gradients reach
 * them); probes: one zero [1, H] tensor per layer, direction and step added to that step's h.
 */
function unrolled(cfg: ModelConfig, task: 'generate' | 'classify', w: Map<string, Float32Array>, xs: tf.Tensor2D[], probes: tf.Tensor2D[][][], lossAt: { step: number; target: number }): Unrolled {
  const H = cfg.units;
  const T = xs.length;
  const D = cfg.bidirectional ? 2 : 1;
  const dirNames = cfg.bidirectional ? ['fwd.', 'bwd.'] : [''];
  const t2 = (name: string, rows: number, cols: number) => tf.tensor2d(w.get(name)!, [rows, cols]);
  let inputs = xs;
  const states: Unrolled['states'] = [];
  for (let l = 0; l < cfg.layers; l++) {
    const In = l === 0 ? cfg.embedding : H * D;
    const G = { lstm: 4, gru: 3, rnn: 1 }[cfg.cell] * H;
    const outs: tf.Tensor2D[][] = [];
    states.push([]);
    dirNames.forEach((d, di) => {
      const W = t2(`layer${l}.${d}kernel`, In, G);
      const U = t2(`layer${l}.${d}recurrentKernel`, H, G);
      const b = tf.tensor1d(w.get(`layer${l}.${d}bias`)!);
      const rec: Record<string, number[][]> = {};
      const put = (k: string, t: number, v: tf.Tensor) => ((rec[k] ??= [])[t] = Array.from(v.dataSync()));
      let h = tf.zeros([1, H]) as tf.Tensor2D;
      let c = tf.zeros([1, H]) as tf.Tensor2D;
      const hs: tf.Tensor2D[] = new Array(T);
      for (let s = 0; s < T; s++) {
        const t = di === 1 ? T - 1 - s : s;
        const xp = tf.add(tf.matMul(inputs[t], W), b) as tf.Tensor2D;
        if (cfg.cell === 'lstm') {
          const [zi, zf, zg, zo] = tf.split(tf.add(xp, tf.matMul(h, U)), 4, 1);
          const [i, f, g, o] = [tf.sigmoid(zi), tf.sigmoid(zf), tf.tanh(zg), tf.sigmoid(zo)];
          c = tf.add(tf.mul(f, c), tf.mul(i, g)) as tf.Tensor2D;
          h = tf.mul(o, tf.tanh(c)) as tf.Tensor2D;
          put('input', t, i), put('forget', t, f), put('output', t, o), put('cell', t, c);
        } else if (cfg.cell === 'gru') {
          const [Uzr, Uh] = tf.split(U, [2 * H, H], 1);
          const [xz, xr, xh] = tf.split(xp, 3, 1);
          const [hz, hr] = tf.split(tf.matMul(h, Uzr), 2, 1);
          const z = tf.sigmoid(tf.add(xz, hz));
          const r = tf.sigmoid(tf.add(xr, hr));
          const cand = tf.tanh(tf.add(xh, tf.matMul(tf.mul(r, h), Uh)));
          h = tf.add(tf.mul(z, h), tf.mul(tf.sub(1, z), cand)) as tf.Tensor2D;
          put('update', t, z), put('reset', t, r);
        } else {
          h = tf.tanh(tf.add(xp, tf.matMul(h, U))) as tf.Tensor2D;
        }
        h = tf.add(h, probes[l][di][t]) as tf.Tensor2D; // zero: its gradient is the loss's with respect to h_t
        put('hidden', t, h);
        hs[t] = h;
      }
      states[l].push(rec);
      outs.push(hs);
    });
    inputs = Array.from({ length: T }, (_, t) => (D === 1 ? outs[0][t] : (tf.concat([outs[0][t], outs[1][t]], 1) as tf.Tensor2D)));
  }
  const outW = t2('output.kernel', H * D, w.get('output.bias')!.length);
  const outB = tf.tensor1d(w.get('output.bias')!);
  let feature: tf.Tensor2D;
  if (task === 'generate') feature = inputs[lossAt.step];
  else if (cfg.pooling === 'mean') feature = tf.div(tf.addN(inputs), T) as tf.Tensor2D;
  else {
    const last = outs2(inputs, H, D, T);
    feature = last;
  }
  const logits = tf.add(tf.matMul(feature, outW), outB);
  const onehot = tf.oneHot(tf.tensor1d([lossAt.target], 'int32'), logits.shape[1]!).toFloat(); // tf.gather's gradient has no wasm kernel
  // Plus 0 × every output, so that steps after the scored one are in the graph (their gradient is 0).
  const loss = tf.add(tf.neg(tf.sum(tf.mul(tf.logSoftmax(logits), onehot))), tf.mul(0, tf.sum(tf.addN(inputs)))) as tf.Scalar;
  return { states, loss };
}

/** 'last' pooling: the forward direction at the end, the backward one at the start. */
function outs2(inputs: tf.Tensor2D[], H: number, D: number, T: number): tf.Tensor2D {
  if (D === 1) return inputs[T - 1];
  return tf.concat([tf.slice(inputs[T - 1], [0, 0], [1, H]), tf.slice(inputs[0], [0, H], [1, H])], 1) as tf.Tensor2D;
}

function close(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string, tol = 2e-4): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const err = Math.abs(actual[i] - expected[i]);
    assert.ok(err <= tol * (1 + Math.abs(expected[i])), `${what}[${i}]: ${actual[i]} vs autodiff ${expected[i]}`);
  }
}

const norm = (a: ArrayLike<number>) => Math.sqrt(Array.from(a).reduce((s, v) => s + v * v, 0));

function check(cell: CellType, task: 'generate' | 'classify', kind: OpsKind, pooling: Pooling = 'last'): void {
  const cfg = ModelConfigSchema.parse({ cell, layers: 2, units: 6, embedding: 5, bidirectional: task === 'classify', pooling });
  const outputs = task === 'generate' ? V : 3;
  const w = weightsOf(cfg, outputs, 11 + CELL_TYPES.indexOf(cell));
  const net = new TracedNetwork(cfg, task, w, engineOps(kind));
  const trace = net.forward(IDS);
  const T = IDS.length;
  const D = cfg.bidirectional ? 2 : 1;
  const H = cfg.units;
  const step = task === 'generate' ? 6 : T - 1;
  const target = task === 'generate' ? IDS[step + 1] : 2;

  const emb = w.get('embedding')!;
  const xs = IDS.map((id) => tf.tensor2d(emb.slice(id * cfg.embedding, (id + 1) * cfg.embedding), [1, cfg.embedding]));
  const probes = Array.from({ length: cfg.layers }, () => Array.from({ length: D }, () => Array.from({ length: T }, () => tf.zeros([1, H]) as tf.Tensor2D)));
  let ref!: Unrolled;
  const flatProbes = probes.flat(2);
  const grads = tf.grads((...args: tf.Tensor[]) => {
    ref = unrolled(cfg, task, w, args.slice(0, T) as tf.Tensor2D[], unflatten(args.slice(T) as tf.Tensor2D[], cfg.layers, D, T), { step, target });
    return ref.loss;
  })([...xs, ...flatProbes]);

  // States and gates, every layer, direction and kind.
  for (let l = 0; l < cfg.layers; l++) {
    for (let d = 0; d < D; d++) {
      for (const k of net.kinds) {
        close(trace.layers[l][d].kinds[k]!, ref.states[l][d][k].flat(), `${cell} ${task} ${kind} layer ${l} dir ${d} ${k}`);
      }
    }
  }
  // Gradients: of log p(target) (the loss is its negative — norms and |values| agree).
  const dTop = task === 'generate' ? net.dTopOfStep(trace, step, target) : net.dTopOfClass(trace, target);
  const { dh, dInput } = net.backward(trace, dTop, task === 'generate' ? step : T - 1);
  const gradData = grads.map((g) => Array.from(g.dataSync(), (v) => -v));
  close(dInput, gradData.slice(0, T).flat(), `${cell} ${task} ${kind} d input`);
  for (let l = 0; l < cfg.layers; l++) {
    for (let d = 0; d < D; d++) {
      const at = T + (l * D + d) * T;
      close(dh[l][d], gradData.slice(at, at + T).flat(), `${cell} ${task} ${kind} layer ${l} dir ${d} dh`);
    }
  }
  tf.dispose([...xs, ...flatProbes, ...grads]);
  net.dispose();
}

function unflatten(flat: tf.Tensor2D[], L: number, D: number, T: number): tf.Tensor2D[][][] {
  return Array.from({ length: L }, (_, l) => Array.from({ length: D }, (_, d) => flat.slice((l * D + d) * T, (l * D + d + 1) * T)));
}

for (const kind of KINDS) {
  for (const cell of CELL_TYPES) {
    test(`${cell} generator (${kind}): states, gates and gradients equal TensorFlow.js autodiff on the unrolled network`, () => check(cell, 'generate', kind));
    test(`${cell} bidirectional classifier (${kind}): states, gates and gradients equal autodiff, last and mean pooling`, () => {
      check(cell, 'classify', kind, 'last');
      check(cell, 'classify', kind, 'mean');
    });
  }
}

test('gradient flow is the norm of autodiff’s ∂loss_T/∂h_(T−k), averaged over windows', () => {
  const cfg = ModelConfigSchema.parse({ cell: 'rnn', layers: 1, units: 6, embedding: 5 });
  const w = weightsOf(cfg, V, 5);
  const net = new TracedNetwork(cfg, 'generate', w, engineOps('tfjs'));
  const windows = [
    { ids: IDS.slice(0, 8), target: IDS[8] },
    { ids: IDS.slice(2, 10), target: 1 },
  ];
  const flow = gradientFlow(net, windows);
  assert.equal(flow.norms.length, 8);
  const expected = new Array(8).fill(0);
  for (const win of windows) {
    const T = win.ids.length;
    const emb = w.get('embedding')!;
    const xs = Array.from(win.ids, (id) => tf.tensor2d(emb.slice(id * 5, id * 5 + 5), [1, 5]));
    const probes = Array.from({ length: T }, () => tf.zeros([1, 6]) as tf.Tensor2D);
    const g = tf.grads((...args: tf.Tensor[]) => unrolled(cfg, 'generate', w, xs, [[args as tf.Tensor2D[]]], { step: T - 1, target: win.target }).loss)(probes);
    g.forEach((t, k) => (expected[T - 1 - k] += norm(t.dataSync()) / windows.length));
  }
  close(flow.norms, expected, 'norms');
  assert.equal(flow.relative[0], 1);
  net.dispose();
});

test('features of the text: quotes, brackets, line position, newlines, words, digits and a pattern', () => {
  const chars = [...'a "b" (c)\n12 x'];
  const f = featuresOf(chars, '\\d+');
  assert.deepEqual(Array.from(f.get('inside-quotes')!), [0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual(Array.from(f.get('inside-brackets')!), [0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual(Array.from(f.get('line-position')!), [1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4]);
  assert.deepEqual(Array.from(f.get('after-newline')!), [0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0]);
  assert.deepEqual(Array.from(f.get('digit')!), [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0]);
  assert.deepEqual(Array.from(f.get('pattern')!), [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0]);
  assert.equal(f.get('in-word')![0], 1);
  assert.equal(correlation([1, 2, 3], [2, 4, 6]), 1);
  assert.equal(correlation([1, 1, 1], [2, 4, 6]), null);
});
