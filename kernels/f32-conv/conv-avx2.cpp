#include "kernels/f32-conv/conv.hpp"

namespace vireo::kernels {

void init_conv_avx2(ConvKernels& t) { (void)t; }

}  // namespace vireo::kernels
