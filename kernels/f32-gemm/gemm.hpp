// vireo — f32 GEMM: the micro-kernel contract, its fused epilogue, and the
// per-ISA table entries.
//
// This header is included by the ISA files (gemm-avx2.cpp, gemm-avx512.cpp), so
// it holds only plain structs and declarations: nothing here may instantiate a
// template or define an inline function that a -mavx512f object could emit as a
// weak symbol. The portable driver (cache blocking, packing, task split) that
// callers use is in gemm_driver.hpp.
//
// Packed layouts (what a micro-kernel reads):
//   A panel: MR rows of A for a run of kc columns, stored k-major:
//            a[k * MR + r] = A[m0 + r, k0 + k]. Rows r >= mr of a partial panel
//            are never read, so a packer may leave them unwritten.
//   B panel: NR columns of B, k-major: b[k * b_stride + j] = B[k0 + k, n0 + j].
//            Packed panels have b_stride == NR and zero columns past N; a
//            micro-kernel may also read an unpacked row-major B in place
//            (b_stride == ldb), in which case it must not touch columns >= nr.
#pragma once
#include <cstddef>
#include <cstdint>

namespace vireo::kernels {

// Activations the epilogue can apply (the same order as rt::FusedActivation,
// without Gelu, which callers apply separately).
enum class GemmActivation : uint8_t {
    None,
    Relu,         // max(x, 0)
    Clip,         // min(max(x, alpha), beta)
    LeakyRelu,    // x >= 0 ? x : alpha·x
    Sigmoid,      // 1 / (1 + e^-x)
    SiLU,         // x · sigmoid(x)
    HardSigmoid,  // max(0, min(1, alpha·x + beta))
    HardSwish,    // x · max(0, min(1, x/6 + 1/2))
};

enum class GemmBias : uint8_t {
    None,
    PerColumn,  // bias[n]: a Gemm/MatMul bias, or conv channels when N = channels (NHWC)
    PerRow,     // bias[m]: conv channels when M = channels (NCHW conv as GEMM)
};

// Applied once per output element, after the whole K reduction:
//   v = scale · Σ_k A[m,k]·B[k,n]
//   v += bias                                 (per GemmBias)
//   v += residual[m,n]   if residual_before_activation
//   v = activation(v)
//   v += residual[m,n]   if !residual_before_activation
// The residual must not overlap C (C holds partial sums between K blocks).
struct GemmEpilogue {
    float scale = 1.0f;
    GemmBias bias_kind = GemmBias::None;
    const float* bias = nullptr;
    GemmActivation activation = GemmActivation::None;
    float alpha = 0.0f, beta = 0.0f;  // Clip: min, max; LeakyRelu: alpha; HardSigmoid: alpha, beta
    const float* residual = nullptr;  // row-major, same M×N as C
    size_t ld_residual = 0;
    bool residual_before_activation = true;  // relu(conv + shortcut), as ResNet does
};

// One micro-kernel call: where its tile of C is and what to do at the end.
struct GemmTile {
    float* c = nullptr;  // C[m0, n0]
    size_t ldc = 0;
    size_t mr = 0, nr = 0;   // valid rows / columns, 1..MR / 1..NR
    bool accumulate = false; // C already holds the partial sum of earlier K blocks
    // Non-null on the last K block only. bias and residual below are already
    // offset to this tile (bias[0] belongs to row m0 or column n0).
    const GemmEpilogue* epilogue = nullptr;
    const float* bias = nullptr;
    const float* residual = nullptr;
    // Memory the driver will read soon (the source of a later A panel): the
    // micro-kernel requests these cache lines into L2 from `prefetch` on, one
    // per k step, so that the reads overlap its arithmetic.
    const float* prefetch = nullptr;
    size_t prefetch_lines = 0;
};

// c[r, j] (+)= Σ_{k < kc} a[k·MR + r] · b[k·b_stride + j] for r < mr, j < nr.
// Each element is reduced in increasing k, starting from C when accumulating,
// so the result does not depend on how K was blocked or C was tiled.
using GemmMicroKernel = void (*)(size_t kc, const float* a, const float* b, size_t b_stride,
                                 const GemmTile& tile);

// Packs rows [0, rows) (rows <= MR) × columns [0, kc) of a row-major A into
// one A panel, dst[k·MR + r] = a[r·lda + k].
using GemmPackAKernel = void (*)(const float* a, size_t lda, size_t rows, size_t kc, float* dst);

struct GemmKernels {
    const char* name = nullptr;  // e.g. "f32-gemm-14x32-avx512"
    GemmMicroKernel ukernel = nullptr;
    GemmPackAKernel pack_a = nullptr;  // a transpose: worth its own SIMD code
    size_t mr = 0, nr = 0;  // register tile
    // Cache blocking, in elements: a K block of kc keeps an A panel (MR×kc) in
    // L1 and a task's B block (kc × nc) in L2; mc rows per task.
    size_t kc = 0, mc = 0, nc = 0;
};

void init_gemm_scalar(GemmKernels& t);
void init_gemm_avx2(GemmKernels& t);
void init_gemm_avx512(GemmKernels& t);
void init_gemm_neon(GemmKernels& t);

}  // namespace vireo::kernels
