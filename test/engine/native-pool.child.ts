// Child of native.test.ts: products on one thread and on two, alternating, so the kernels' helper thread
// keeps waking to jobs it has no part in while the next job is posted. Prints how many results were wrong;
// the pool's old race made such a loop hang (or a caller return while its job still ran) within seconds.
import { nativeStatus } from '../../main/engine/native/addon.ts';

const k = nativeStatus().kernels;
if (!k) throw new Error(nativeStatus().note);
const [M, N, K] = [64, 64, 64];
const A = Float32Array.from({ length: M * K }, (_, i) => ((i * 7) % 13) / 13);
const B = Float32Array.from({ length: K * N }, (_, i) => ((i * 5) % 11) / 11);
const product = (C: Float32Array, rows: number, threads: number) => k.gemm({ M: rows, N, K, A, lda: K, transA: false, B, ldb: N, transB: false, C, ldc: N, beta: 0, threads });
const expected = new Float32Array(M * N);
product(expected, M, 1);
const C = new Float32Array(M * N);
let wrong = 0;
const rounds = Number(process.argv[2] ?? 100_000);
for (let i = 0; i < rounds; i++) {
  C.fill(0);
  // Every third product has 4 rows: one part, so the helper is woken for a job it takes no part in.
  product(C, i % 3 === 0 ? 4 : M, i % 2 ? 2 : 1);
  if (i % 3 !== 0 && C.some((v, j) => v !== expected[j])) wrong++;
}
console.log(JSON.stringify({ rounds, wrong }));
