#include "kernels/f32-vector/vector.hpp"

namespace vireo::kernels {

void init_vector_avx512(VectorKernels& t) { (void)t; }

}  // namespace vireo::kernels
