// The native kernels (main/engine/native/): they are built and load, their matrix multiply is right for
// every transpose, edge and thread count, and a recurrent layer through them — outputs and gradients,
// padded and reversed — equals the same layer run with TensorFlow.js ops; so does each kernel set
// (generic, AVX2, AVX-512), in child processes; the native Adam equals TensorFlow.js's.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { initBackend, tf } from '../../main/engine/backend.ts';
import { disableNativeKernels, native, nativeStatus } from '../../main/engine/native.ts';
import { layerOverTime } from '../../main/engine/recurrence.ts';
import { meanCrossEntropy, embed } from '../../main/engine/ops.ts';
import { Rng } from '../../main/engine/rng.ts';
import { GATES } from '../../main/engine/params.ts';
import type { CellType } from '../../shared/config.ts';

before(async () => {
  await initBackend('cpu');
});

const random = (rng: Rng, n: number, scale = 1) => Float32Array.from({ length: n }, () => (rng.next() * 2 - 1) * scale);

test('the native kernels are built and load (RNN_STUDIO_NATIVE=0 is the only way to run without them here)', { skip: process.env.RNN_STUDIO_NATIVE === '0' }, () => {
  const status = nativeStatus();
  assert.ok(status.kernels, status.note);
  assert.match(status.note, /native (avx512|avx2|generic) kernels on \d+ threads?/);
});

test('gemm matches a plain triple loop for every transpose, odd sizes and 1–3 threads', () => {
  const nat = native();
  assert.ok(nat);
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
          nat.k.gemm(M, N, K, A, lda, tA, B, ldb, tB, C, N, 0.5, threads);
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
  const nat = native()!;
  assert.throws(() => nat.k.gemm(1.5, 1, 1, new Float32Array(4), 1, false, new Float32Array(4), 1, false, new Float32Array(4), 1, 0, 1), /M must be a whole number/);
  assert.throws(() => nat.k.gemm(2 ** 32 + 1, 1, 1, new Float32Array(4), 1, false, new Float32Array(4), 1, false, new Float32Array(4), 1, 0, 1), /M must be a whole number/);
  const C = Float32Array.of(1, 2);
  nat.k.gemm(1, 2, 0, new Float32Array(0), 0, false, new Float32Array(0), 2, false, C, 2, 0.5, 1);
  assert.deepEqual([...C], [0.5, 1]);
  assert.throws(() => nat.k.gemm(2, 2, 2, new Float32Array(3), 2, false, new Float32Array(4), 2, false, new Float32Array(4), 2, 0, 1), /A holds 3 floats, needs 4/);
  assert.throws(() => nat.k.softmaxCrossEntropy(1, 3, new Float32Array(3), Int32Array.of(3), new Float32Array(3), 1), /target 3 is outside 0..2/);
});

/** Outputs and gradients (x, W, b, U) of one layer, through the native kernels or not. */
function runLayer(useNative: boolean, cell: CellType, T: number, B: number, In: number, H: number, maskData: Float32Array | null, reverse: boolean) {
  disableNativeKernels(!useNative);
  try {
    const G = GATES[cell] * H;
    const rng = new Rng(11);
    const x = tf.variable(tf.tensor2d(random(rng, T * B * In), [T * B, In]));
    const kernel = tf.variable(tf.tensor2d(random(rng, In * G, 0.5), [In, G]));
    const bias = tf.variable(tf.tensor1d(random(rng, G, 0.5)));
    const recurrentKernel = tf.variable(tf.tensor2d(random(rng, H * G, 0.5), [H, G]));
    const R = tf.tensor3d(random(rng, T * B * H), [T, B, H]);
    const mask = maskData ? tf.tensor3d(maskData, [T, B, 1]) : null;
    const vars = [x, kernel, bias, recurrentKernel];
    let out: Float32Array = new Float32Array();
    const { grads } = tf.variableGrads(() => {
      const hs = layerOverTime(cell, x, T, { kernel, bias, recurrentKernel }, mask, reverse);
      out = hs.dataSync() as Float32Array;
      return tf.sum(tf.mul(hs, R)) as tf.Scalar;
    }, vars);
    const result = { out, grads: vars.map((v) => grads[v.name].dataSync() as Float32Array) };
    tf.dispose([...vars, R, ...(mask ? [mask] : []), ...Object.values(grads)]);
    return result;
  } finally {
    disableNativeKernels(false);
  }
}

const worst = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

for (const cell of ['lstm', 'gru', 'rnn'] as CellType[]) {
  for (const [label, padded, reverse] of [['plain', false, false], ['padded', true, false], ['padded, reversed', true, true]] as const) {
    test(`${cell} layer, ${label}: native outputs and gradients equal TensorFlow.js ops`, () => {
      const [T, B, In, H] = [9, 13, 5, 19]; // sizes that leave partial tiles everywhere
      // Right-padded texts of different lengths, as the classifier feeds them (time-major mask).
      const mask = padded ? Float32Array.from({ length: T * B }, (_, i) => (Math.floor(i / B) < 3 + (i % B) % 7 ? 1 : 0)) : null;
      const a = runLayer(true, cell, T, B, In, H, mask, reverse);
      const b = runLayer(false, cell, T, B, In, H, mask, reverse);
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
  const run = (useNative: boolean) => {
    disableNativeKernels(!useNative);
    try {
      const table = tf.variable(tf.tensor2d(random(new Rng(9), V * E), [V, E]));
      const logits = tf.variable(tf.tensor2d(logitsData, [N, V]));
      const W = tf.tensor2d(random(new Rng(2), E * V), [E, V]);
      const { value, grads } = tf.variableGrads(
        () => tf.add(meanCrossEntropy(logits, tf.tensor1d(ids, 'int32')), meanCrossEntropy(tf.matMul(embed(table, tf.tensor1d(ids, 'int32')), W), tf.tensor1d(ids, 'int32'))) as tf.Scalar,
        [table, logits],
      );
      return { loss: value.dataSync()[0], dTable: grads[table.name].dataSync() as Float32Array, dLogits: grads[logits.name].dataSync() as Float32Array };
    } finally {
      disableNativeKernels(false);
    }
  };
  const a = run(true);
  const b = run(false);
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
  const { Adam } = await import('../../main/engine/optimizer.ts');
  const run = (useNative: boolean) => {
    disableNativeKernels(!useNative);
    try {
      const rng = new Rng(21);
      const params = new Map<string, tf.Variable>([
        ['a', tf.variable(tf.tensor2d(random(rng, 6 * 7), [6, 7]))],
        ['b', tf.variable(tf.tensor1d(random(rng, 5)))],
      ]);
      const adam = new Adam(params, 0.01);
      for (let step = 0; step < 4; step++) {
        // Large gradients on even steps, so clipping at 1 both bites and doesn't.
        const size = step % 2 ? 0.01 : 10;
        const grads = new Map([...params].map(([name, p]) => [name, tf.tensor(random(rng, p.size, size), p.shape)]));
        tf.tidy(() => adam.apply(params, grads, 1));
        tf.dispose([...grads.values()]);
      }
      return [...params.values()].flatMap((p) => [...(p.dataSync() as Float32Array)]);
    } finally {
      disableNativeKernels(false);
    }
  };
  const a = Float32Array.from(run(true));
  const b = Float32Array.from(run(false));
  assert.ok(worst(a, b) < 1e-6, `parameters differ by ${worst(a, b)}`);
});

test('results do not depend on the thread count: the same seed trains the same weights on any number of cores', () => {
  const nat = native()!;
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
    nat.k.recurrentForward(1, T, B, H, In, x, W, b, U, null, false, hs, saved, threads);
    const grads = [new Float32Array(T * B * In), new Float32Array(In * G), new Float32Array(G), new Float32Array(H * G)] as const;
    nat.k.recurrentBackward(1, T, B, H, In, x, W, U, null, false, saved, dy, ...grads, threads);
    return [hs, ...grads];
  };
  const one = run(1);
  for (const threads of [2, 3]) run(threads).forEach((a, i) => assert.deepEqual(a, one[i], `output ${i} with ${threads} threads`));
});

test('a NaN stays a NaN: a diverged model shows a NaN loss rather than training on', () => {
  const nat = native()!;
  const logits = new Float32Array(16).fill(0.5);
  logits[3] = NaN;
  assert.ok(Number.isNaN(nat.k.softmaxCrossEntropy(1, 16, logits, Int32Array.of(0), new Float32Array(16), 1)));
  const [T, B, H, In] = [2, 1, 8, 1]; // H = 8: the vectorised activations, not the scalar tail
  const U = new Float32Array(H * H).fill(NaN);
  const hs = new Float32Array(T * B * H);
  nat.k.recurrentForward(0, T, B, H, In, new Float32Array(T * B * In).fill(1), new Float32Array(In * H).fill(0.1), new Float32Array(H), U, null, false, hs, new Float32Array(T * B * H * 2), 1);
  assert.ok(hs.subarray(H).every(Number.isNaN), `second step: ${[...hs.subarray(H)]}`);
});

test('running out of memory is a JavaScript error, not a crash of the app', { skip: process.platform !== 'linux' || process.env.RNN_STUDIO_NATIVE === '0' }, () => {
  // A child under a 4 GB address-space limit asks for a product whose packing needs more.
  const addon = fileURLToPath(new URL('../../main/engine/native/build/Release/rnn_kernels.node', import.meta.url));
  const child = `const k = require(${JSON.stringify(addon)}); const [M, N, K] = [8, 110000, 4096];
    try { k.gemm(M, N, K, new Float32Array(M * K), K, false, new Float32Array(K * N), N, false, new Float32Array(M * N), N, 0, 2); console.log('no error'); }
    catch (e) { console.log(e.message); }`;
  const r = spawnSync('bash', ['-c', `ulimit -v 4000000 && exec "${process.execPath}" -e '${child.replace(/'/g, "'\\''")}'`], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /native kernels: out of memory/);
});
