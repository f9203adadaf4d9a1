// The kernels for x86-64 CPUs with AVX-512 (F and DQ), chosen at run time: an 8 × 32 micro-kernel in
// zmm registers, and the AVX2 activations.
#include <cmath>
#include <cstddef>
#include <cstring>
#include "kernels.h"

#ifdef RS_HAVE_AVX2_BUILD
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx512f,avx512dq,avx2,fma"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx512f,avx512dq,avx2,fma")
#endif
#include <immintrin.h>
#define RS_AVX2 1
#define RS_AVX512 1

namespace avx512 {
#include "kernels.inc"
RS_KERNEL_SET(avx512, "avx512")
}  // namespace avx512

#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif
#endif
