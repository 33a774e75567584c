// vireo — f32 gemm kernels: the table entries and their contract.
#pragma once
#include <cstddef>
#include <cstdint>

namespace vireo::kernels {

struct GemmKernels {
};

void init_gemm_scalar(GemmKernels& t);
void init_gemm_avx2(GemmKernels& t);
void init_gemm_avx512(GemmKernels& t);
void init_gemm_neon(GemmKernels& t);

}  // namespace vireo::kernels
