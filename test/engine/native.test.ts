// The native kernels (main/engine/native/): they are built and load, their matrix multiply is right for
// every transpose, edge and thread count, and a recurrent layer through them — outputs and gradients,
// padded and reversed — equals the same layer run with TensorFlow.js ops; so does each kernel set
// (generic, AVX2, AVX-512), in child processes; the native Adam equals TensorFlow.js's; the addon's table of
// cells agrees with the TypeScript one.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { initBackend, tf } from '../../main/engine/model/backend.ts';
import { nativeStatus, type NativeKernels } from '../../main/engine/native/addon.ts';
import { embed, engineOps, type EngineOps } from '../../main/engine/model/ops.ts';
import { Rng } from '../../main/engine/corpus/rng.ts';
import { GATES } from '../../main/engine/model/params.ts';
import type { CellType } from '../../shared/config.ts';

before(async () => {
  await initBackend('cpu');
});

/** The kernels, which every test here but the first needs. */
const kernels = (): NativeKernels => {
  const k = nativeStatus().kernels;
  assert.ok(k, nativeStatus().note);
  return k;
};

const random = (rng: Rng, n: number, scale = 1) => Float32Array.from({ length: n }, () => (rng.next() * 2 - 1) * scale);

test('the native kernels are built and load (RNN_STUDIO_NATIVE=0 is the only way to run without them here)', { skip: process.env.RNN_STUDIO_NATIVE === '0' }, () => {
  const status = nativeStatus();
  assert.ok(status.kernels, status.note);
  assert.match(status.note, /native (avx512|avx2|generic) kernels on \d+ threads?/);
});

test('the addon\'s table of cells (C++) has the same gate counts as the TypeScript one', () => {
  const { cells } = kernels().info();
  assert.deepEqual(Object.fromEntries(Object.entries(cells).map(([cell, c]) => [cell, c.gates])), GATES);
});

test('gemm matches a plain triple loop for every transpose, odd sizes and 1–3 threads', () => {
  const k = kernels();
  const rng = new Rng(5);
  for (const [M, N, K] of [[1, 1, 1], [7, 19, 33], [16, 1024, 256], [65, 3, 300], [13, 37, 600]]) {
    for (const tA of [false, true]) {
      for (const tB of [false, true]) {
        for (const threads of [1, 2, 3]) {
          const A = random(rng, M * K);
          const B = random(rng, K * N);
          const C = random(rng, M * N);
          const C0 = C.slice();
          const lda = tA ? M : K;
          const ldb = tB ? K : N;
          k.gemm({ M, N, K, A, lda, transA: tA, B, ldb, transB: tB, C, ldc: N, beta: 0.5, threads });
          let worst = 0;
          for (let i = 0; i < M; i++) {
            for (let j = 0; j < N; j++) {
              let s = 0;
              for (let p = 0; p < K; p++) s += (tA ? A[p * lda + i] : A[i * lda + p]) * (tB ? B[j * ldb + p] : B[p * ldb + j]);
              worst = Math.max(worst, Math.abs(C[i * N + j] - (s + 0.5 * C0[i * N + j])));
            }
          }
          assert.ok(worst < 1e-3, `gemm ${M}×${N}×${K} transA=${tA} transB=${tB} threads=${threads} is off by ${worst}`);
        }
      }
    }
  }
});

test('bad arguments are refused with a message that names them; K = 0 is not one', () => {
  const k = kernels();
  const gemm = { M: 1, N: 1, K: 1, A: new Float32Array(4), lda: 1, transA: false, B: new Float32Array(4), ldb: 1, transB: false, C: new Float32Array(4), ldc: 1, beta: 0, threads: 1 };
  assert.throws(() => k.gemm({ ...gemm, M: 1.5 }), /gemm: M must be a whole number/);
  assert.throws(() => k.gemm({ ...gemm, M: 2 ** 32 + 1 }), /gemm: M must be a whole number/);
  const { threads: _, ...noThreads } = gemm;
  assert.throws(() => k.gemm(noThreads as typeof gemm), /gemm: threads must be a whole number/);
  assert.throws(() => k.gemm({ ...gemm, transB: 1 as unknown as boolean }), /gemm: transB must be a boolean/);
  assert.throws(() => k.gemm({ ...gemm, B: [1, 2] as unknown as Float32Array }), /gemm: B must be a Float32Array/);
  assert.throws(() => (k.gemm as (...a: unknown[]) => void)(1, 1, 1), /gemm: expected one object of named arguments/);
  const C = Float32Array.of(1, 2);
  k.gemm({ ...gemm, N: 2, K: 0, A: new Float32Array(0), lda: 0, B: new Float32Array(0), ldb: 2, C, ldc: 2, beta: 0.5 });
  assert.deepEqual([...C], [0.5, 1]);
  assert.throws(() => k.gemm({ ...gemm, M: 2, N: 2, K: 2, A: new Float32Array(3), lda: 2, ldb: 2, ldc: 2 }), /A holds 3 floats, needs 4/);
  const xent = { N: 1, V: 3, logits: new Float32Array(3), targets: Int32Array.of(3), dlogits: new Float32Array(3), threads: 1 };
  assert.throws(() => k.softmaxCrossEntropy(xent), /target 3 is outside 0..2/);
  assert.throws(() => k.softmaxCrossEntropy({ ...xent, targets: Float32Array.of(0) as unknown as Int32Array }), /targets must be an Int32Array/);
  const layer = { cell: 'lstm', T: 1, B: 1, H: 1, In: 1, x: new Float32Array(1), W: new Float32Array(4), bias: new Float32Array(4), U: new Float32Array(4), mask: null, reverse: false, hs: new Float32Array(1), saved: new Float32Array(7), threads: 1 } as const;
  assert.throws(() => k.recurrentForward({ ...layer, cell: 'lstmx' as CellType }), /recurrentForward: cell must be 'rnn', 'lstm' or 'gru'/);
  assert.throws(() => k.recurrentForward({ ...layer, saved: new Float32Array(6) }), /saved holds 6 floats, needs 7/);
  assert.throws(() => k.recurrentForward({ ...layer, ids: Int32Array.of(1) }), /recurrentForward: id 1 is outside 0..0/);
  assert.throws(() => k.recurrentForward({ ...layer, ids: Float32Array.of(0) as unknown as Int32Array }), /ids must be an Int32Array/);
});

/** Outputs and gradients (x, W, b, U) of one layer, through one set of operations. */
// With `V`, the layer reads rows of a table [V, In] picked by ids (a first layer: embeddedLayerOverTime),
// and the x gradient is the table's.
function runLayer(ops: EngineOps, cell: CellType, T: number, B: number, In: number, H: number, maskData: Float32Array | null, reverse: boolean, V = 0) {
  const G = GATES[cell] * H;
  const rng = new Rng(11);
  const x = tf.variable(tf.tensor2d(random(rng, (V || T * B) * In), [V || T * B, In]));
  const ids = V ? tf.tensor1d(Int32Array.from({ length: T * B }, () => rng.int(V)), 'int32') : null;
  const kernel = tf.variable(tf.tensor2d(random(rng, In * G, 0.5), [In, G]));
  const bias = tf.variable(tf.tensor1d(random(rng, G, 0.5)));
  const recurrentKernel = tf.variable(tf.tensor2d(random(rng, H * G, 0.5), [H, G]));
  const R = tf.tensor3d(random(rng, T * B * H), [T, B, H]);
  const mask = maskData ? tf.tensor3d(maskData, [T, B, 1]) : null;
  const vars = [x, kernel, bias, recurrentKernel];
  let out: Float32Array = new Float32Array();
  const { grads } = tf.variableGrads(() => {
    const w = { kernel, bias, recurrentKernel };
    const hs = ids ? ops.embeddedLayerOverTime(cell, x, ids, T, w, mask, reverse) : ops.layerOverTime(cell, x, T, w, mask, reverse);
    out = hs.dataSync() as Float32Array;
    return tf.sum(tf.mul(hs, R)) as tf.Scalar;
  }, vars);
  const result = { out, grads: vars.map((v) => grads[v.name].dataSync() as Float32Array) };
  tf.dispose([...vars, R, ...(mask ? [mask] : []), ...(ids ? [ids] : []), ...Object.values(grads)]);
  return result;
}

const worst = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

for (const cell of ['lstm', 'gru', 'rnn'] as CellType[]) {
  const cases = [['plain', false, false, 0], ['padded', true, false, 0], ['padded, reversed', true, true, 0], ['reading an embedding table, padded, reversed', true, true, 7]] as const;
  for (const [label, padded, reverse, V] of cases) {
    test(`${cell} layer, ${label}: native outputs and gradients equal TensorFlow.js ops`, () => {
      const [T, B, In, H] = [9, 13, 5, 19]; // sizes that leave partial tiles everywhere
      // Right-padded texts of different lengths, as the classifier feeds them (time-major mask).
      const mask = padded ? Float32Array.from({ length: T * B }, (_, i) => (Math.floor(i / B) < 3 + (i % B) % 7 ? 1 : 0)) : null;
      const a = runLayer(engineOps('native'), cell, T, B, In, H, mask, reverse, V);
      const b = runLayer(engineOps('tfjs'), cell, T, B, In, H, mask, reverse, V);
      assert.ok(worst(a.out, b.out) < 1e-5, `outputs differ by ${worst(a.out, b.out)}`);
      ['x', 'W', 'b', 'U'].forEach((name, i) => assert.ok(worst(a.grads[i], b.grads[i]) < 1e-4, `d${name} differs by ${worst(a.grads[i], b.grads[i])}`));
    });
  }
}

test('cross-entropy and embedding: native and TensorFlow.js ops agree on loss and gradients', () => {
  const rng = new Rng(3);
  const [N, V, E] = [37, 11, 6];
  const logitsData = random(rng, N * V, 4);
  const ids = Int32Array.from({ length: N }, (_, i) => (i * 7) % V);
  const run = (ops: EngineOps) => {
    const table = tf.variable(tf.tensor2d(random(new Rng(9), V * E), [V, E]));
    const logits = tf.variable(tf.tensor2d(logitsData, [N, V]));
    const W = tf.tensor2d(random(new Rng(2), E * V), [E, V]);
    const { value, grads } = tf.variableGrads(
      () => tf.add(ops.meanCrossEntropy(logits, tf.tensor1d(ids, 'int32')), ops.meanCrossEntropy(tf.matMul(embed(table, tf.tensor1d(ids, 'int32')), W), tf.tensor1d(ids, 'int32'))) as tf.Scalar,
      [table, logits],
    );
    return { loss: value.dataSync()[0], dTable: grads[table.name].dataSync() as Float32Array, dLogits: grads[logits.name].dataSync() as Float32Array };
  };
  const a = run(engineOps('native'));
  const b = run(engineOps('tfjs'));
  assert.ok(Math.abs(a.loss - b.loss) < 1e-5, `loss ${a.loss} vs ${b.loss}`);
  assert.ok(worst(a.dLogits, b.dLogits) < 1e-6, `dlogits differ by ${worst(a.dLogits, b.dLogits)}`);
  assert.ok(worst(a.dTable, b.dTable) < 1e-6, `dtable differs by ${worst(a.dTable, b.dTable)}`);
});

for (const isa of ['generic', 'avx2', 'avx512']) {
  test(`the ${isa} kernel set gives the same layer results (where the CPU has it)`, { skip: process.env.RNN_STUDIO_NATIVE === '0' }, (t) => {
    // The kernel set is picked when the addon loads, so this runs in a child process.
    const script = fileURLToPath(new URL('./native-isa.child.ts', import.meta.url));
    const r = spawnSync(process.execPath, ['--import', 'tsx', script], { env: { ...process.env, RNN_STUDIO_NATIVE_ISA: isa }, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const result = JSON.parse(r.stdout.trim().split('\n').pop()!);
    if (isa === 'generic') assert.equal(result.kernels, 'generic');
    else if (result.kernels !== isa) t.diagnostic(`this CPU lacks ${isa}: ran ${result.kernels}`);
    assert.ok(result.worst < 1e-4, `${result.kernels} kernels differ from TensorFlow.js ops by ${result.worst}`);
  });
}

test('Adam with clipping: the native update equals the TensorFlow.js one over several steps', async () => {
  const run = (ops: EngineOps) => {
    const rng = new Rng(21);
    const params = new Map<string, tf.Variable>([
      ['a', tf.variable(tf.tensor2d(random(rng, 6 * 7), [6, 7]))],
      ['b', tf.variable(tf.tensor1d(random(rng, 5)))],
    ]);
    const adam = ops.adam(params, 0.01);
    for (let step = 0; step < 4; step++) {
      // Large gradients on even steps, so clipping at 1 both bites and doesn't.
      const size = step % 2 ? 0.01 : 10;
      const grads = new Map([...params].map(([name, p]) => [name, tf.tensor(random(rng, p.size, size), p.shape)]));
      tf.tidy(() => adam.apply(params, grads, 1));
      tf.dispose([...grads.values()]);
    }
    return [...params.values()].flatMap((p) => [...(p.dataSync() as Float32Array)]);
  };
  const a = Float32Array.from(run(engineOps('native')));
  const b = Float32Array.from(run(engineOps('tfjs')));
  assert.ok(worst(a, b) < 1e-6, `parameters differ by ${worst(a, b)}`);
});

test('results do not depend on the thread count: the same seed trains the same weights on any number of cores', () => {
  const k = kernels();
  const rng = new Rng(8);
  const [T, B, H, In] = [5, 13, 21, 7];
  const G = 4 * H;
  const x = random(rng, T * B * In);
  const W = random(rng, In * G, 0.5);
  const b = random(rng, G, 0.5);
  const U = random(rng, H * G, 0.5);
  const dy = random(rng, T * B * H);
  const run = (threads: number) => {
    const hs = new Float32Array(T * B * H);
    const saved = new Float32Array(T * B * H * 7);
    const shape = { cell: 'lstm', T, B, H, In, x, W, U, mask: null, reverse: false, saved, threads } as const;
    k.recurrentForward({ ...shape, bias: b, hs });
    const grads = { dx: new Float32Array(T * B * In), dW: new Float32Array(In * G), db: new Float32Array(G), dU: new Float32Array(H * G) };
    k.recurrentBackward({ ...shape, dy, ...grads });
    return [hs, ...Object.values(grads)];
  };
  const one = run(1);
  for (const threads of [2, 3]) run(threads).forEach((a, i) => assert.deepEqual(a, one[i], `output ${i} with ${threads} threads`));
});

test('products on one thread and on two, alternating fast, are all right and never hang the caller', { skip: process.env.RNN_STUDIO_NATIVE === '0' }, () => {
  // A helper thread woken by a job it had no part in could run the next job's part twice: the caller hung
  // (4 of 5 runs of 300,000 products past 2 minutes) or returned while its job still ran.
  const child = fileURLToPath(new URL('./native-pool.child.ts', import.meta.url));
  const r = spawnSync(process.execPath, ['--import', 'tsx', child, '300000'], { encoding: 'utf8', timeout: 90_000 });
  assert.equal(r.signal, null, `the products hung or crashed (${r.signal}): ${r.stderr}`);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout.trim().split('\n').pop()!), { rounds: 300000, wrong: 0 });
});

test('a NaN stays a NaN: a diverged model shows a NaN loss rather than training on', () => {
  const k = kernels();
  const logits = new Float32Array(16).fill(0.5);
  logits[3] = NaN;
  assert.ok(Number.isNaN(k.softmaxCrossEntropy({ N: 1, V: 16, logits, targets: Int32Array.of(0), dlogits: new Float32Array(16), threads: 1 })));
  const [T, B, H, In] = [2, 1, 8, 1]; // H = 8: the vectorised activations, not the scalar tail
  const U = new Float32Array(H * H).fill(NaN);
  const hs = new Float32Array(T * B * H);
  const x = new Float32Array(T * B * In).fill(1);
  k.recurrentForward({ cell: 'rnn', T, B, H, In, x, W: new Float32Array(In * H).fill(0.1), bias: new Float32Array(H), U, mask: null, reverse: false, hs, saved: new Float32Array(T * B * H * 2), threads: 1 });
  assert.ok(hs.subarray(H).every(Number.isNaN), `second step: ${[...hs.subarray(H)]}`);
});

test('running out of memory is a JavaScript error, not a crash of the app', { skip: process.platform !== 'linux' || process.env.RNN_STUDIO_NATIVE === '0' }, () => {
  // A child under a 4 GB address-space limit asks for a product whose packing needs more.
  const addon = fileURLToPath(new URL('../../main/engine/native/build/Release/rnn_kernels.node', import.meta.url));
  const child = `const k = require(${JSON.stringify(addon)}); const [M, N, K] = [8, 110000, 4096];
    try { k.gemm({ M, N, K, A: new Float32Array(M * K), lda: K, transA: false, B: new Float32Array(K * N), ldb: N, transB: false, C: new Float32Array(M * N), ldc: N, beta: 0, threads: 2 }); console.log('no error'); }
    catch (e) { console.log(e.message); }`;
  const r = spawnSync('bash', ['-c', `ulimit -v 4000000 && exec "${process.execPath}" -e '${child.replace(/'/g, "'\\''")}'`], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /native kernels: out of memory/);
});
