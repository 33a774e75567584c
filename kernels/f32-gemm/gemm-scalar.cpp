// vireo — f32 GEMM, portable micro-kernel (baseline flags, any CPU).
//
// A 4×8 register tile in plain C++: 32 accumulators the compiler keeps in
// registers (eight SSE vectors on x86-64), rows unrolled at compile time so
// every partial tile gets its own straight-line loop.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "kernels/f32-gemm/gemm.hpp"

namespace vireo::kernels {

namespace {

constexpr size_t kMr = 4;
constexpr size_t kNr = 8;

// The activation over a row segment, one switch per segment rather than per
// element so the loops stay simple enough to vectorize.
void activate(float* v, size_t n, const GemmEpilogue& ep) {
    switch (ep.activation) {
        case GemmActivation::None: return;
        case GemmActivation::Relu:
            for (size_t j = 0; j < n; ++j) v[j] = v[j] < 0.0f ? 0.0f : v[j];
            return;
        case GemmActivation::Clip:
            for (size_t j = 0; j < n; ++j) v[j] = std::min(std::max(v[j], ep.alpha), ep.beta);
            return;
        case GemmActivation::LeakyRelu:
            for (size_t j = 0; j < n; ++j) v[j] = v[j] >= 0.0f ? v[j] : ep.alpha * v[j];
            return;
        case GemmActivation::Sigmoid:
            for (size_t j = 0; j < n; ++j) v[j] = 1.0f / (1.0f + std::exp(-v[j]));
            return;
        case GemmActivation::SiLU:
            for (size_t j = 0; j < n; ++j) v[j] = v[j] / (1.0f + std::exp(-v[j]));
            return;
        case GemmActivation::HardSigmoid:
            for (size_t j = 0; j < n; ++j) v[j] = std::max(0.0f, std::min(1.0f, ep.alpha * v[j] + ep.beta));
            return;
        case GemmActivation::HardSwish:
            for (size_t j = 0; j < n; ++j) v[j] *= std::max(0.0f, std::min(1.0f, v[j] * (1.0f / 6.0f) + 0.5f));
            return;
    }
}

// Stores one finished row segment of the tile, applying the epilogue on the
// last K block.
void store_row(const float* acc, size_t r, size_t nr, const GemmTile& t) {
    float* c = t.c + r * t.ldc;
    const GemmEpilogue* ep = t.epilogue;
    if (!ep) {
        std::memcpy(c, acc, nr * sizeof(float));
        return;
    }
    float v[kNr];
    for (size_t j = 0; j < nr; ++j) v[j] = acc[j] * ep->scale;
    if (ep->bias_kind == GemmBias::PerColumn)
        for (size_t j = 0; j < nr; ++j) v[j] += t.bias[j];
    if (ep->bias_kind == GemmBias::PerRow)
        for (size_t j = 0; j < nr; ++j) v[j] += t.bias[r];
    const float* res = t.residual ? t.residual + r * ep->ld_residual : nullptr;
    if (res && ep->residual_before_activation)
        for (size_t j = 0; j < nr; ++j) v[j] += res[j];
    activate(v, nr, *ep);
    if (res && !ep->residual_before_activation)
        for (size_t j = 0; j < nr; ++j) v[j] += res[j];
    std::memcpy(c, v, nr * sizeof(float));
}

template <size_t ROWS>
void tile_kernel(size_t kc, const float* a, const float* b, size_t b_stride, const GemmTile& t) {
    float acc[ROWS][kNr];
    for (size_t r = 0; r < ROWS; ++r)
        for (size_t j = 0; j < kNr; ++j) acc[r][j] = 0.0f;
    if (t.accumulate)
        for (size_t r = 0; r < ROWS; ++r) std::memcpy(acc[r], t.c + r * t.ldc, t.nr * sizeof(float));

    // A row-major B read in place may end at column nr (a b_stride of NR does
    // not prove the panel is padded), so partial tiles copy each B row.
    const bool full = t.nr == kNr;
    float bpad[kNr] = {};
    for (size_t k = 0; k < kc; ++k, a += kMr, b += b_stride) {
        const float* bk = b;
        if (!full) {
            std::memcpy(bpad, b, t.nr * sizeof(float));
            bk = bpad;
        }
        for (size_t r = 0; r < ROWS; ++r) {
            const float ar = a[r];
            for (size_t j = 0; j < kNr; ++j) acc[r][j] += ar * bk[j];
        }
    }
    for (size_t r = 0; r < ROWS; ++r) store_row(acc[r], r, t.nr, t);
}

void ukernel(size_t kc, const float* a, const float* b, size_t b_stride, const GemmTile& t) {
    switch (t.mr) {
        case 1: tile_kernel<1>(kc, a, b, b_stride, t); break;
        case 2: tile_kernel<2>(kc, a, b, b_stride, t); break;
        case 3: tile_kernel<3>(kc, a, b, b_stride, t); break;
        default: tile_kernel<4>(kc, a, b, b_stride, t); break;
    }
}

void pack_a(const float* a, size_t lda, size_t rows, size_t kc, float* dst) {
    for (size_t r = 0; r < rows; ++r) {
        const float* src = a + r * lda;
        for (size_t k = 0; k < kc; ++k) dst[k * kMr + r] = src[k];
    }
}

}  // namespace

void init_gemm_scalar(GemmKernels& t) {
    t.name = "f32-gemm-4x8-scalar";
    t.ukernel = &ukernel;
    t.pack_a = &pack_a;
    t.mr = kMr;
    t.nr = kNr;
    t.kc = 256;
    t.mc = 64;
    t.nc = 256;
}

}  // namespace vireo::kernels
