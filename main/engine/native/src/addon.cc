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
#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <algorithm>
#include <vector>
#include "kernels.h"
#if !defined(_WIN32)
#include <sys/mman.h>
#endif
#include "napi_args.h"

namespace {

const KernelSet* K = &generic::kernels;

// Threads that stay between calls, one set per calling thread (each engine worker calls on its own): a
// thread started for every multiply cost more than the multiply at P1's output layer (~1 ms of ~1.4). An
// idle thread spins briefly, since the next call usually follows within microseconds, then sleeps.
class Pool {
 public:
  ~Pool() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
      generation_.fetch_add(1, std::memory_order_release);
    }
    wake_.notify_all();
    for (auto& t : threads_) t.join();
  }

  // Runs fn(0 .. n-1) with fn(0) on this thread; returns when every part has finished. Part k > 0 runs on
  // this pool's thread k−1; a pool that cannot start a thread runs that part here instead.
  void run(int n, const std::function<void(int)>& fn) {
    while ((int)threads_.size() < n - 1) {
      try {
        const int id = (int)threads_.size() + 1;
        threads_.emplace_back([this, id] { loop(id); });
      } catch (...) {
        break;
      }
    }
    const int helpers = std::min(n - 1, (int)threads_.size());
    {
      std::lock_guard<std::mutex> lock(mutex_);
      job_ = &fn;
      parts_ = helpers + 1;
      pending_.store(helpers, std::memory_order_relaxed);
      generation_.fetch_add(1, std::memory_order_release);
    }
    wake_.notify_all();
    fn(0);
    for (int k = helpers + 1; k < n; k++) fn(k);
    for (int spins = 0; pending_.load(std::memory_order_acquire) != 0; spins++) {
      if (spins < 100000) _mm_pause_portable();
      else std::this_thread::yield();
    }
  }

 private:
  static void _mm_pause_portable() {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
  }

  void loop(int id) {
    unsigned seen = 0;
    for (;;) {
      // Spin ~50 µs for the next job, then sleep until one comes.
      unsigned g = generation_.load(std::memory_order_acquire);
      for (int spins = 0; g == seen && spins < 20000; spins++) {
        _mm_pause_portable();
        g = generation_.load(std::memory_order_acquire);
      }
      if (g == seen) {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [&] { return generation_.load(std::memory_order_acquire) != seen; });
      }
      // The generation and its job are read together, under the lock they are written under. Read apart, a
      // thread woken by a job it had no part in could find the next job already posted, run its part, then
      // see that job's generation as new and run the part again: the count of parts pending went below
      // zero, and the caller returned (its job's memory gone) or waited for ever.
      const std::function<void(int)>* job;
      int parts;
      bool stop;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        seen = generation_.load(std::memory_order_acquire);
        job = job_;
        parts = parts_;
        stop = stop_;
      }
      if (stop) return;
      if (id < parts) {
        (*job)(id);
        pending_.fetch_sub(1, std::memory_order_acq_rel);
      }
    }
  }

  std::vector<std::thread> threads_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::atomic<unsigned> generation_{0};
  std::atomic<int> pending_{0};
  const std::function<void(int)>* job_ = nullptr;
  int parts_ = 0;
  bool stop_ = false;
};

thread_local Pool pool;

// Runs fn(0 .. n-1) on the pool. An exception in any part (out of memory, say) is carried back to this
// thread and rethrown once every part has finished, so it becomes a JavaScript error instead of
// terminating the process.
template <typename F>
void parallel(int n, F fn) {
  std::vector<std::exception_ptr> errors(n);
  const std::function<void(int)> run = [&](int k) {
    try {
      fn(k);
    } catch (...) {
      errors[k] = std::current_exception();
    }
  };
  pool.run(n, run);
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
}

int clampThreads(int threads) {
  const int hw = (int)std::thread::hardware_concurrency();
  if (threads < 1) threads = 1;
  if (hw > 0 && threads > hw) threads = hw;
  return threads > 8 ? 8 : threads;
}

// Scratch memory whose contents are not kept when it grows. A large block is 2 MB-aligned and advised as
// huge pages where the system allows it (Linux's "madvise" mode): touching a fresh 15 MB then costs 8 page
// faults instead of ~3,800, which took ~1 ms per MB in a virtual machine — most of a first step's extra time.
class Scratch {
 public:
  Scratch() = default;
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  Scratch(Scratch&& o) noexcept : p_(o.p_), n_(o.n_) { o.p_ = nullptr, o.n_ = 0; }
  Scratch& operator=(Scratch&& o) noexcept {
    if (this != &o) release(), p_ = o.p_, n_ = o.n_, o.p_ = nullptr, o.n_ = 0;
    return *this;
  }
  ~Scratch() { release(); }

  float* grow(size_t n) {
    if (n <= n_) return p_;
    release();
    constexpr size_t huge = size_t(2) << 20;
    size_t bytes = n * sizeof(float);
    const size_t align = bytes >= huge / 2 ? huge : 64;
    bytes = (bytes + align - 1) / align * align;
#if defined(_WIN32)
    void* p = _aligned_malloc(bytes, align);
    if (!p) throw std::bad_alloc();
#else
    void* p = nullptr;
    if (posix_memalign(&p, align, bytes) != 0) throw std::bad_alloc();
#if defined(MADV_HUGEPAGE)
    if (align == huge) madvise(p, bytes, MADV_HUGEPAGE);
#endif
#endif
    p_ = static_cast<float*>(p);
    n_ = bytes / sizeof(float);
    return p_;
  }
  size_t size() const { return n_; }

 private:
  void release() {
#if defined(_WIN32)
    _aligned_free(p_);
#else
    free(p_);
#endif
    p_ = nullptr;
    n_ = 0;
  }
  float* p_ = nullptr;
  size_t n_ = 0;
};

// Buffers reused from call to call, one set per calling thread (each engine worker calls on its own):
// fresh multi-megabyte allocations at every step cost more in page faults than the arithmetic they hold.
struct Buffers {
  Scratch xp, dz, pu;
  std::vector<Scratch> work; // one per thread of a split
};
thread_local Buffers buffers;

float* grow(Scratch& s, size_t n) { return s.grow(n); }

// Keeps at most ~256 MB between calls, so a long-lived worker does not hold a large model's scratch.
void trimBuffers() {
  size_t total = buffers.xp.size() + buffers.dz.size() + buffers.pu.size();
  for (auto& w : buffers.work) total += w.size();
  if (total * sizeof(float) <= (size_t(256) << 20)) return;
  buffers = Buffers();
}

std::vector<Scratch>& workFor(int threads) {
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

// The layer's input: x [T·B, In] rows, or with `ids` (an Int32Array of T·B) the embedding table x [V, In]
// that the rows are looked up in. Then the input projection is the table's (V rows, not T·B), and the
// backward pass gives the table's gradient [V, In] in dx.
struct Input {
  const float* x;
  const int* ids; // null: x holds the rows
  int rows;       // of x: T·B, or V
};

Input inputArgs(Args& a, const Layer& l) {
  Input in{nullptr, nullptr, (int)l.rows()};
  size_t nIds = 0;
  bool present = false;
  in.ids = static_cast<const int*>(a.typed("ids", napi_int32_array, "an Int32Array of T·B ids, or null", &nIds, &present));
  if (!present) {
    in.x = a.floats("x", l.rows() * l.In);
    return in;
  }
  if (nIds < l.rows()) throw a.bad("ids", "an Int32Array of T·B ids, or null");
  size_t n = 0;
  in.x = a.floats("x", &n);
  in.rows = (int)(n / l.In);
  if (in.rows < 1) throw ArgError{std::string(a.fn) + ": x must hold the embedding table [V, In] when ids are given"};
  for (size_t r = 0; r < l.rows(); r++)
    if (in.ids[r] < 0 || in.ids[r] >= in.rows)
      throw ArgError{std::string(a.fn) + ": id " + std::to_string(in.ids[r]) + " is outside 0.." + std::to_string(in.rows - 1)};
  return in;
}

napi_value RecurrentForward(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args a(env, info, "recurrentForward");
    const Layer l = layerArgs(a);
    const size_t R = l.rows();
    const Input in = inputArgs(a, l);
    const float* W = a.floats("W", (size_t)l.In * l.G);
    const float* bias = a.floats("bias", l.G);
    const float* U = a.floats("U", (size_t)l.H * l.G);
    const float* mask = a.floats("mask", R, true);
    const bool reverse = a.flag("reverse");
    float* hs = a.floats("hs", R * l.H);
    float* saved = a.floats("saved", R * l.H * cell_saved(l.cell));
    const int threads = clampThreads(a.i32("threads"));

    // xp = x·W + b: one row per position, or per table row.
    float* xp = grow(buffers.xp, (size_t)in.rows * l.G);
    for (int r = 0; r < in.rows; r++) std::memcpy(xp + (size_t)r * l.G, bias, sizeof(float) * l.G);
    parGemm(in.rows, l.G, l.In, in.x, l.In, false, W, l.G, false, xp, l.G, 1.f, threads);
    float* pu = grow(buffers.pu, K->packed_u_size(l.cell, l.H, false));
    K->pack_u(l.cell, l.H, U, false, pu);
    byRows(l, threads, [&](int b0, int b1, float* scratch) {
      K->cell_forward(l.cell, l.T, l.B, l.H, b0, b1, xp, in.ids, pu, mask, reverse, hs, saved, scratch);
    });
    trimBuffers();
  });
}

napi_value RecurrentBackward(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args a(env, info, "recurrentBackward");
    const Layer l = layerArgs(a);
    const size_t R = l.rows();
    const Input in = inputArgs(a, l);
    const float* W = a.floats("W", (size_t)l.In * l.G);
    const float* U = a.floats("U", (size_t)l.H * l.G);
    const float* mask = a.floats("mask", R, true);
    const bool reverse = a.flag("reverse");
    const float* saved = a.floats("saved", R * l.H * cell_saved(l.cell));
    const float* dy = a.floats("dy", R * l.H);
    float* dx = a.floats("dx", (size_t)in.rows * l.In);
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
    // The input side's gradient from dxp: dz itself, or with ids dz summed into the table's rows first (in
    // row order, each thread owning whole columns, so the sums do not depend on the thread count).
    const float* dxp = dz;
    if (in.ids) {
      float* sums = grow(buffers.xp, (size_t)in.rows * G);
      const int n = threads;
      parallel(n, [&](int k) {
        const int c0 = G * k / n, c1 = G * (k + 1) / n;
        for (int v = 0; v < in.rows; v++) std::memset(sums + (size_t)v * G + c0, 0, sizeof(float) * (c1 - c0));
        for (size_t r = 0; r < R; r++) {
          float* s = sums + (size_t)in.ids[r] * G;
          const float* d = dz + r * G;
          for (int j = c0; j < c1; j++) s[j] += d[j];
        }
      });
      dxp = sums;
    }
    parGemm(l.In, G, in.rows, in.x, l.In, true, dxp, G, false, dW, G, 0.f, threads);
    parGemm(in.rows, l.In, G, dxp, G, false, W, G, true, dx, l.In, 0.f, threads);
    for (int j = 0; j < G; j++) db[j] = 0.f;
    for (int r = 0; r < in.rows; r++) {
      const float* d = &dxp[(size_t)r * G];
      for (int j = 0; j < G; j++) db[j] += d[j];
    }
    trimBuffers();
  });
}

// Makes this thread's scratch ready for a layer of this shape (what recurrentForward and recurrentBackward
// will need, touched now) and starts the helper threads, so that a run's first step does not pay for
// either. Optional `V`: the layer reads a table of V rows (ids).
napi_value Prepare(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args a(env, info, "prepare");
    const Layer l = layerArgs(a);
    const int threads = clampThreads(a.i32("threads"));
    const size_t R = l.rows();
    const size_t V = (size_t)a.i32("V");
    const size_t xpRows = V ? V : R;
    auto touch = [](float* p, size_t n) { std::memset(p, 0, n * sizeof(float)); };
    touch(grow(buffers.xp, xpRows * l.G), xpRows * l.G);
    touch(grow(buffers.dz, R * l.G), R * l.G);
    const size_t pu = std::max(K->packed_u_size(l.cell, l.H, false), K->packed_u_size(l.cell, l.H, true));
    touch(grow(buffers.pu, pu), pu);
    // Each part of the largest split product: the recurrent weights' gradient (H × G over all rows), the
    // input weights' (In × G), the input's (rows × In over G) and the projection (rows × G over In).
    const int n = threads;
    const size_t G = l.G, H = l.H, In = l.In, rows = xpRows;
    auto part = [&](size_t M, size_t N, size_t Kd) {
      const size_t mp = (M + K->mr - 1) / K->mr, np = (N + K->nr - 1) / K->nr;
      return np >= mp ? K->packed_a_size((int)M, (int)Kd) + K->packed_b_size((int)Kd, (int)((N + n - 1) / n + K->nr))
                      : K->packed_a_size((int)((M + n - 1) / n + K->mr), (int)Kd) + K->packed_b_size((int)Kd, (int)N);
    };
    size_t need = K->cell_scratch_size(l.cell, l.H, (l.B + n - 1) / n);
    for (size_t w : {part(H, G, R), part(In, G, rows), part(rows, In, G), part(rows, G, In)}) need = std::max(need, w);
    auto& work = workFor(n);
    parallel(n, [&](int k) { touch(grow(work[k], need), need); });
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
      {"prepare", nullptr, Prepare, nullptr, nullptr, nullptr, napi_default, nullptr},
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
