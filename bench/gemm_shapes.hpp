// vireo bench — the GEMM shapes every GEMM benchmark runs (vireo's kernels and
// the peers alike), taken from real models as M×N×K of C[M×N] = A[M×K]·B[K×N].
#pragma once
#include <cstdint>

namespace vireo::bench {

struct GemmShape {
    std::int64_t m, n, k;
    const char* origin;
};

inline constexpr GemmShape kGemmShapes[] = {
    {1024, 1024, 1024, "square 1024^3"},
    {3136, 64, 576, "ResNet-50 conv2_x 3x3 (56x56, 64->64) as implicit GEMM"},
    {196, 256, 2304, "ResNet-50 conv4_x 3x3 (14x14, 256->256) as implicit GEMM"},
    {49, 512, 4608, "ResNet-50 conv5_x 3x3 (7x7, 512->512) as implicit GEMM"},
    {12544, 32, 27, "MobileNetV2 stem 3x3/2 (112x112, 3->32) as implicit GEMM"},
    {1, 1000, 2048, "ResNet-50 classifier (batch 1)"},
};

}  // namespace vireo::bench
