// The native kernels' entry points, one set per instruction set (kernels_avx512.cc, kernels_avx2.cc,
// kernels_generic.cc), and the recurrent cells they compute.
#pragma once
#include <cstddef>

// The cells, one row each: the C++ copy of main/engine/model/params.ts' GATES (the addon exports this table
// through info(), and a test holds the two equal). `saved`: the regions [T, B, H] a forward pass keeps
// for the backward pass, one after the other —
//   LSTM: i, f, g, o, c entering the step, tanh(c after the step), h entering the step
//   GRU:  z, r, r·h, candidate, h entering the step
//   RNN:  tanh output, h entering the step
// The last region is always h entering the step (the recurrent weights' gradient is hprevᵀ · dz).
enum Cell { CELL_RNN = 0, CELL_LSTM = 1, CELL_GRU = 2 };
struct CellShape {
  const char* name;
  int gates, saved;
};
constexpr CellShape CELLS[] = {{"rnn", 1, 2}, {"lstm", 4, 7}, {"gru", 3, 5}};
inline int cell_gates(int cell) { return CELLS[cell].gates; }
inline int cell_saved(int cell) { return CELLS[cell].saved; }

struct KernelSet {
  const char* name;
  int mr, nr; // the micro-kernel's tile: matrix multiplies are split between threads in whole tiles
  size_t (*packed_a_size)(int M, int K);
  size_t (*packed_b_size)(int K, int N);
  void (*gemm)(int M, int N, int K, const float* A, int lda, bool transA, const float* B, int ldb, bool transB, float* C, int ldc,
               float beta, float* work);
  size_t (*packed_u_size)(int cell, int H, bool backward);
  void (*pack_u)(int cell, int H, const float* U, bool backward, float* out);
  size_t (*cell_scratch_size)(int cell, int H, int rows);
  void (*cell_forward)(int cell, int T, int B, int H, int b0, int b1, const float* xp, const int* ids, const float* pu, const float* mask,
                       bool reverse, float* hs, float* saved, float* scratch);
  void (*cell_backward)(int cell, int T, int B, int H, int b0, int b1, const float* dy, const float* pu, const float* mask, bool reverse,
                        const float* saved, float* dz, float* scratch);
  double (*softmax_xent)(int N, int V, int r0, int r1, const float* logits, const int* targets, float* dlogits);
  void (*matvec)(int K, int N, const float* x, const float* M, float* out);
  void (*adam_update)(int n, float* p, const float* g, float* m, float* v, float scale, float beta1, float beta2, float eps, float step,
                      float bc2);
  double (*sum_squares)(int n, const float* x);
};

#define RS_KERNEL_SET(ns, label)                                                                                          \
  const KernelSet kernels = {label, ns::MR, ns::NR, ns::packed_a_size,     ns::packed_b_size, ns::gemm,         ns::packed_u_size, \
                             ns::pack_u,     ns::cell_scratch_size, ns::cell_forward,  ns::cell_backward, ns::softmax_xent, ns::matvec, ns::adam_update, ns::sum_squares};

namespace generic { extern const KernelSet kernels; }
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define RS_HAVE_AVX2_BUILD 1
namespace avx2 { extern const KernelSet kernels; }
namespace avx512 { extern const KernelSet kernels; }
#endif
