#include "kernels/f32-gemm/gemm.hpp"

namespace vireo::kernels {

void init_gemm_scalar(GemmKernels& t) { (void)t; }

}  // namespace vireo::kernels
