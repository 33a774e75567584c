// vireo — f32 vector kernels: the table entries and their contract.
#pragma once
#include <cstddef>
#include <cstdint>

namespace vireo::kernels {

struct VectorKernels {
};

void init_vector_scalar(VectorKernels& t);
void init_vector_avx2(VectorKernels& t);
void init_vector_avx512(VectorKernels& t);
void init_vector_neon(VectorKernels& t);

}  // namespace vireo::kernels
