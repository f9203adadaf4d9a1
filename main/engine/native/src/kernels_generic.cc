// The kernels for any CPU: plain C++ that the compiler vectorises for the baseline instruction set.
#include <cstddef>
#include <cstring>
#include <cmath>
#include "kernels.h"

namespace generic {
#include "kernels.inc"
RS_KERNEL_SET(generic, "generic")
}  // namespace generic
