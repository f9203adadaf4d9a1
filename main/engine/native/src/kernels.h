// The native kernels' entry points, one set per instruction set (kernels_avx2.cc, kernels_generic.cc).
#pragma once
#include <cstddef>

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
  void (*cell_forward)(int cell, int T, int B, int H, int b0, int b1, const float* xp, const float* pu, const float* mask, bool reverse,
                       float* hs, float* saved, float* scratch);
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
