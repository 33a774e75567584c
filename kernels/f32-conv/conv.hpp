// vireo — f32 conv kernels: the table entries and their contract.
#pragma once
#include <cstddef>
#include <cstdint>

namespace vireo::kernels {

struct ConvKernels {
};

void init_conv_scalar(ConvKernels& t);
void init_conv_avx2(ConvKernels& t);
void init_conv_avx512(ConvKernels& t);
void init_conv_neon(ConvKernels& t);

}  // namespace vireo::kernels
