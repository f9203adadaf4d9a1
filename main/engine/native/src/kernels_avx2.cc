// The kernels for x86-64 CPUs with AVX2 and FMA (Intel since 2013, AMD since 2015), chosen at run time:
// the rest of the addon is built for the baseline instruction set, so it loads everywhere.
#include <cstddef>
#include <cstring>
#include <cmath>
#include "kernels.h"

#ifdef RS_HAVE_AVX2_BUILD
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx2,fma")
#endif
#include <immintrin.h>
#define RS_AVX2 1

namespace avx2 {
#include "kernels.inc"
RS_KERNEL_SET(avx2, "avx2")
}  // namespace avx2

#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif
#endif
