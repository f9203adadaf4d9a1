// Node-API glue of RNN Studio's native kernels (Node-API, so one build serves Node and Electron alike).
// Synchronous functions on Float32Arrays the caller owns, each taking one object of named arguments
// (main/engine/native/addon.ts types each one: gemm, recurrentForward, recurrentBackward, softmaxCrossEntropy,
// matvec, adamUpdate, sumSquares), and info() → { kernels: 'avx512' | 'avx2' | 'generic', cells: CELLS }.
// The recurrent functions include the layer's input projection (x·W + b) so the large matrices never cross
// into JavaScript. Work is split between `threads` threads: the recurrence by batch rows, the matrix
// multiplies by row or column panels.
#include <node_api.h>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <cstring>
#include <string>
#include <thread>
#include <vector>
#include "kernels.h"
#include "napi_args.h"

namespace {

const KernelSet* K = &generic::kernels;

// Runs fn(0 .. n-1), fn(0) on this thread. An exception in any part (out of memory, say) is carried
// back to this thread and rethrown once every thread has finished, so it becomes a JavaScript error
// instead of terminating the process; a thread that cannot be started runs its part here instead.
template <typename F>
void parallel(int n, F fn) {
  std::vector<std::exception_ptr> errors(n);
  auto run = [&](int k) {
    try {
      fn(k);
    } catch (...) {
      errors[k] = std::current_exception();
    }
  };
  std::vector<std::thread> pool;
  std::vector<int> here;
  for (int k = 1; k < n; k++) {
    try {
      pool.emplace_back(run, k);
    } catch (...) {
      here.push_back(k);
    }
  }
  run(0);
  for (int k : here) run(k);
  for (auto& t : pool) t.join();
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
}

int clampThreads(int threads) {
  const int hw = (int)std::thread::hardware_concurrency();
  if (threads < 1) threads = 1;
  if (hw > 0 && threads > hw) threads = hw;
  return threads > 8 ? 8 : threads;
}

// Buffers reused from call to call, one set per calling thread (each engine worker calls on its own):
// fresh multi-megabyte allocations at every step cost more in page faults than the arithmetic they hold.
struct Buffers {
  std::vector<float> xp, dz, pu;
  std::vector<std::vector<float>> work; // one per thread of a split
};
thread_local Buffers buffers;

float* grow(std::vector<float>& v, size_t n) {
  if (v.size() < n) v.resize(n);
  return v.data();
}

// Keeps at most ~256 MB between calls, so a long-lived worker does not hold a large model's scratch.
void trimBuffers() {
  size_t total = buffers.xp.capacity() + buffers.dz.capacity() + buffers.pu.capacity();
  for (auto& w : buffers.work) total += w.capacity();
  if (total * sizeof(float) <= (size_t(256) << 20)) return;
  buffers = Buffers();
}

std::vector<std::vector<float>>& workFor(int threads) {
  if ((int)buffers.work.size() < threads) buffers.work.resize(threads);
  return buffers.work;
}

// C = op(A)·op(B) + beta·C on `threads` threads, splitting the longer side in whole panels.
void parGemm(int M, int N, int Kd, const float* A, int lda, bool tA, const float* B, int ldb, bool tB, float* C, int ldc, float beta,
             int threads) {
  const int mPanels = (M + K->mr - 1) / K->mr, nPanels = (N + K->nr - 1) / K->nr;
  const bool byN = nPanels >= mPanels;
  const int panels = byN ? nPanels : mPanels;
  const int n = panels < threads ? (panels < 1 ? 1 : panels) : threads;
  auto& work = workFor(n);
  parallel(n, [&](int k) {
    const int p0 = panels * k / n, p1 = panels * (k + 1) / n;
    int lo = p0 * (byN ? K->nr : K->mr), hi = p1 * (byN ? K->nr : K->mr);
    const int total = byN ? N : M;
    if (hi > total) hi = total;
    if (lo >= hi) return;
    const int m = byN ? M : hi - lo, nn = byN ? hi - lo : N;
    const float* a = byN ? A : (tA ? A + lo : A + (size_t)lo * lda);
    const float* b = byN ? (tB ? B + (size_t)lo * ldb : B + lo) : B;
    float* c = byN ? C + lo : C + (size_t)lo * ldc;
    float* w = grow(work[k], K->packed_a_size(m, Kd) + K->packed_b_size(Kd, nn));
    K->gemm(m, nn, Kd, a, lda, tA, b, ldb, tB, c, ldc, beta, w);
  });
}

napi_value Info(napi_env env, napi_callback_info) {
  napi_value obj, name, cells;
  napi_create_object(env, &obj);
  napi_create_string_utf8(env, K->name, NAPI_AUTO_LENGTH, &name);
  napi_set_named_property(env, obj, "kernels", name);
  napi_create_object(env, &cells);
  for (const CellShape& c : CELLS) {
    napi_value row, gates, saved;
    napi_create_object(env, &row);
    napi_create_int32(env, c.gates, &gates);
    napi_create_int32(env, c.saved, &saved);
    napi_set_named_property(env, row, "gates", gates);
    napi_set_named_property(env, row, "saved", saved);
    napi_set_named_property(env, cells, c.name, row);
  }
  napi_set_named_property(env, obj, "cells", cells);
  return obj;
}

napi_value Gemm(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args a(env, info, "gemm");
    const int M = a.i32("M"), N = a.i32("N"), Kd = a.i32("K");
    const int lda = a.i32("lda");
    const bool tA = a.flag("transA");
    const int ldb = a.i32("ldb");
    const bool tB = a.flag("transB");
    const int ldc = a.i32("ldc");
    const float beta = (float)a.f64("beta");
    const int threads = clampThreads(a.i32("threads"));
    if (M == 0 || N == 0) return;
    // Nothing of A or B is read when K is 0.
    const float* A = a.floats("A", Kd == 0 ? 0 : tA ? (size_t)(Kd - 1) * lda + M : (size_t)(M - 1) * lda + Kd);
    const float* B = a.floats("B", Kd == 0 ? 0 : tB ? (size_t)(N - 1) * ldb + Kd : (size_t)(Kd - 1) * ldb + N);
    float* C = a.floats("C", (size_t)(M - 1) * ldc + N);
    parGemm(M, N, Kd, A, lda, tA, B, ldb, tB, C, ldc, beta, threads);
    trimBuffers();
  });
}

struct Layer {
  int cell, T, B, H, In, G;
  size_t rows() const { return (size_t)T * B; }
};

// The cell by its name in CELLS.
int cellArg(Args& a) {
  char name[8] = "";
  size_t length = 0;
  if (napi_get_value_string_utf8(a.env, a.get("cell"), name, sizeof name, &length) == napi_ok)
    for (int c = 0; c < (int)(sizeof CELLS / sizeof CELLS[0]); c++)
      if (std::strcmp(name, CELLS[c].name) == 0) return c;
  throw a.bad("cell", "'rnn', 'lstm' or 'gru'");
}

Layer layerArgs(Args& a) {
  Layer l;
  l.cell = cellArg(a);
  l.T = a.i32("T");
  l.B = a.i32("B");
  l.H = a.i32("H");
  l.In = a.i32("In");
  if (!l.T || !l.B || !l.H || !l.In) throw ArgError{std::string(a.fn) + ": T, B, H and In must be positive"};
  l.G = cell_gates(l.cell) * l.H;
  return l;
}

// Splits the batch between threads and runs `fn(b0, b1, scratch)` on each part.
template <typename F>
void byRows(const Layer& l, int threads, F fn) {
  const int n = l.B < threads ? l.B : threads;
  auto& work = workFor(n);
  parallel(n, [&](int k) {
    const int b0 = l.B * k / n, b1 = l.B * (k + 1) / n;
    fn(b0, b1, grow(work[k], K->cell_scratch_size(l.cell, l.H, b1 - b0)));
  });
}

napi_value RecurrentForward(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args a(env, info, "recurrentForward");
    const Layer l = layerArgs(a);
    const size_t R = l.rows();
    const float* x = a.floats("x", R * l.In);
    const float* W = a.floats("W", (size_t)l.In * l.G);
    const float* bias = a.floats("bias", l.G);
    const float* U = a.floats("U", (size_t)l.H * l.G);
    const float* mask = a.floats("mask", R, true);
    const bool reverse = a.flag("reverse");
    float* hs = a.floats("hs", R * l.H);
    float* saved = a.floats("saved", R * l.H * cell_saved(l.cell));
    const int threads = clampThreads(a.i32("threads"));

    float* xp = grow(buffers.xp, R * l.G);
    for (size_t r = 0; r < R; r++) std::memcpy(xp + r * l.G, bias, sizeof(float) * l.G);
    parGemm((int)R, l.G, l.In, x, l.In, false, W, l.G, false, xp, l.G, 1.f, threads);
    float* pu = grow(buffers.pu, K->packed_u_size(l.cell, l.H, false));
    K->pack_u(l.cell, l.H, U, false, pu);
    byRows(l, threads, [&](int b0, int b1, float* scratch) {
      K->cell_forward(l.cell, l.T, l.B, l.H, b0, b1, xp, pu, mask, reverse, hs, saved, scratch);
    });
    trimBuffers();
  });
}

napi_value RecurrentBackward(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args a(env, info, "recurrentBackward");
    const Layer l = layerArgs(a);
    const size_t R = l.rows();
    const float* x = a.floats("x", R * l.In);
    const float* W = a.floats("W", (size_t)l.In * l.G);
    const float* U = a.floats("U", (size_t)l.H * l.G);
    const float* mask = a.floats("mask", R, true);
    const bool reverse = a.flag("reverse");
    const float* saved = a.floats("saved", R * l.H * cell_saved(l.cell));
    const float* dy = a.floats("dy", R * l.H);
    float* dx = a.floats("dx", R * l.In);
    float* dW = a.floats("dW", (size_t)l.In * l.G);
    float* db = a.floats("db", l.G);
    float* dU = a.floats("dU", (size_t)l.H * l.G);
    const int threads = clampThreads(a.i32("threads"));

    float* pu = grow(buffers.pu, K->packed_u_size(l.cell, l.H, true));
    K->pack_u(l.cell, l.H, U, true, pu);
    float* dz = grow(buffers.dz, R * l.G);
    byRows(l, threads, [&](int b0, int b1, float* scratch) {
      K->cell_backward(l.cell, l.T, l.B, l.H, b0, b1, dy, pu, mask, reverse, saved, dz, scratch);
    });
    const int H = l.H, G = l.G, rows = (int)R;
    const float* hprev = saved + R * H * (cell_saved(l.cell) - 1);
    if (l.cell == CELL_GRU) {
      const float* rh = saved + R * H * 2;
      parGemm(H, 2 * H, rows, hprev, H, true, dz, G, false, dU, G, 0.f, threads);
      parGemm(H, H, rows, rh, H, true, dz + 2 * H, G, false, dU + 2 * H, G, 0.f, threads);
    } else {
      parGemm(H, G, rows, hprev, H, true, dz, G, false, dU, G, 0.f, threads);
    }
    parGemm(l.In, G, rows, x, l.In, true, dz, G, false, dW, G, 0.f, threads);
    parGemm(rows, l.In, G, dz, G, false, W, G, true, dx, l.In, 0.f, threads);
    for (int j = 0; j < G; j++) db[j] = 0.f;
    for (size_t r = 0; r < R; r++) {
      const float* d = &dz[r * G];
      for (int j = 0; j < G; j++) db[j] += d[j];
    }
    trimBuffers();
  });
}

napi_value SoftmaxCrossEntropy(napi_env env, napi_callback_info info) {
  napi_value result = nullptr;
  guarded(env, [&] {
    Args a(env, info, "softmaxCrossEntropy");
    const int N = a.i32("N"), V = a.i32("V");
    if (!N || !V) throw ArgError{"softmaxCrossEntropy: N and V must be positive"};
    const float* logits = a.floats("logits", (size_t)N * V);
    size_t length = 0;
    const int* targets = static_cast<const int*>(a.typed("targets", napi_int32_array, "an Int32Array of N ids", &length));
    if (length < (size_t)N) throw a.bad("targets", "an Int32Array of N ids");
    for (int r = 0; r < N; r++)
      if (targets[r] < 0 || targets[r] >= V) throw ArgError{"softmaxCrossEntropy: target " + std::to_string(targets[r]) + " is outside 0.." + std::to_string(V - 1)};
    float* d = a.floats("dlogits", (size_t)N * V);
    const int threads = clampThreads(a.i32("threads"));
    const int n = N < threads ? N : threads;
    std::vector<double> part(n);
    parallel(n, [&](int k) { part[k] = K->softmax_xent(N, V, N * k / n, N * (k + 1) / n, logits, targets, d); });
    double total = 0;
    for (double p : part) total += p;
    check(env, napi_create_double(env, total / N, &result));
  });
  return result;
}

napi_value Matvec(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args a(env, info, "matvec");
    const int Kd = a.i32("K"), N = a.i32("N");
    const float* x = a.floats("x", Kd);
    const float* M = a.floats("M", (size_t)Kd * N);
    float* out = a.floats("out", N);
    K->matvec(Kd, N, x, M, out);
  });
}

napi_value AdamUpdate(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args a(env, info, "adamUpdate");
    size_t n = 0;
    const float* g = a.floats("g", &n);
    float* p = a.floats("p", n);
    float* m = a.floats("m", n);
    float* v = a.floats("v", n);
    K->adam_update((int)n, p, g, m, v, (float)a.f64("scale"), (float)a.f64("beta1"), (float)a.f64("beta2"), (float)a.f64("epsilon"),
                   (float)a.f64("step"), (float)a.f64("bc2"));
  });
}

napi_value SumSquares(napi_env env, napi_callback_info info) {
  napi_value result = nullptr;
  guarded(env, [&] {
    Args a(env, info, "sumSquares");
    size_t n = 0;
    const float* x = a.floats("x", &n);
    check(env, napi_create_double(env, K->sum_squares((int)n, x), &result));
  });
  return result;
}

napi_value Init(napi_env env, napi_value exports) {
  // The widest instruction set this CPU has, or a narrower one asked for by RNN_STUDIO_NATIVE_ISA
  // (generic | avx2 | avx512; tests use it to check every kernel set).
  const char* asked = getenv("RNN_STUDIO_NATIVE_ISA");
  const std::string isa = asked ? asked : "avx512";
#ifdef RS_HAVE_AVX2_BUILD
  __builtin_cpu_init();
  const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  const bool avx512 = avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq");
  if (isa == "avx512" && avx512) K = &avx512::kernels;
  else if ((isa == "avx512" || isa == "avx2") && avx2) K = &avx2::kernels;
#endif
  napi_property_descriptor props[] = {
      {"info", nullptr, Info, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"gemm", nullptr, Gemm, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"recurrentForward", nullptr, RecurrentForward, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"recurrentBackward", nullptr, RecurrentBackward, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"softmaxCrossEntropy", nullptr, SoftmaxCrossEntropy, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"matvec", nullptr, Matvec, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"adamUpdate", nullptr, AdamUpdate, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"sumSquares", nullptr, SumSquares, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
