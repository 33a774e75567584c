#include "kernels/f32-gemm/gemm.hpp"

namespace vireo::kernels {

void init_gemm_avx2(GemmKernels& t) { (void)t; }

}  // namespace vireo::kernels
