// vireo — f32 convolution and pooling micro-kernels (NHWC): table entries and contracts.
//
// Activations are channels-last: a pixel is `channels` consecutive floats. The
// kernels below vectorize over channels and walk a run of output pixels whose
// window taps are given as pointers, in the style of XNNPACK's indirection:
//
//   input[t] is tap t's input pixel for the first output pixel of the run; for
//   output pixel p of the run, tap t reads input[t] + p·input_step (floats).
//
// The driver (conv_nhwc.hpp) passes runs of interior pixels, whose taps all lie
// in the image and advance by stride·channels, and single edge pixels, whose
// padded taps point at a zero buffer (convolution) or are left out (pooling).
// Padding thus never reaches a kernel, and the same kernel serves every stride
// and dilation.
//
// Kernels read and write exactly the channels they are given (the channel tail
// uses masked loads and stores), allocate nothing and start no threads.
#pragma once
#include <cstddef>
#include <cstdint>

namespace vireo::kernels {

// Packed depthwise weights are [1 + taps][dw_padded_channels(channels)]: row 0 the
// bias, row 1 + t the weights of tap t (taps in row-major kernel order), zeros in
// the padding so every ISA may read whole vectors of a row.
constexpr size_t kDwChannelAlign = 16;
constexpr size_t dw_padded_channels(size_t channels) {
    return (channels + kDwChannelAlign - 1) / kDwChannelAlign * kDwChannelAlign;
}

// output[p][c] = clamp(bias[c] + Σ_t w[t][c]·input[t][p·input_step + c], out_min, out_max)
// for p < pixels, c < channels; output pixels are `channels` apart. Taps are summed
// in order t = 0, 1, ... with fused multiply-adds (a bias-first chain).
using DwConvFn = void (*)(size_t channels, size_t pixels, size_t taps, const float* const* input,
                          size_t input_step, const float* packed, float* output, float out_min,
                          float out_max);

// output[p][c] = max over t < taps of input[t][p·input_step + c]; a NaN tap gives NaN.
using MaxPoolFn = void (*)(size_t channels, size_t pixels, size_t taps, const float* const* input,
                           size_t input_step, float* output);

// output[p][c] = (Σ_t input[t][p·input_step + c]) / divisor, summed in tap order.
using AvgPoolFn = void (*)(size_t channels, size_t pixels, size_t taps, const float* const* input,
                           size_t input_step, float divisor, float* output);

// Over `pixels` pixels `input_stride` floats apart, per channel c < channels:
// global average (summed in double, divided in double) or global max (NaN wins).
using GlobalPoolFn = void (*)(size_t channels, size_t pixels, const float* input,
                              size_t input_stride, float* output);

// Winograd F(4×4, 3×3) (Lavin & Gray; interpolation points 0, ±1, ±2, ∞):
//   Y = Aᵀ·[(G·g·Gᵀ) ⊙ (Bᵀ·d·B)]·A   for a 6×6 input tile d and a 3×3 filter g.
// Input transform: input[i·6 + j] is pixel (i, j) of the tile (a zero pixel in
// the padding); writes v[ξ·v_stride + c] = (Bᵀ·d·B)[ξ] for ξ = 0..35 (row-major).
using WinogradInputFn = void (*)(size_t channels, const float* const* input, float* v,
                                 size_t v_stride);
// Output transform: from m[ξ·m_stride + c], writes clamp((Aᵀ·m·A)[i][j] + bias[c])
// to output[i·4 + j] + c for i < rows, j < cols (the tile's part inside the
// image; the other pointers are not read).
using WinogradOutputFn = void (*)(size_t channels, const float* m, size_t m_stride,
                                  const float* bias, float* const* output, size_t rows,
                                  size_t cols, float out_min, float out_max);

// Direct convolution tile, for convolutions whose taps along a kernel row are
// consecutive input floats (no groups, no horizontal dilation): the implicit
// GEMM with A read in place instead of packed, for layers with few input
// channels (network stems), where packing A costs as much as the product.
//   out[r·ldc + j] = clamp(bias[j] + Σ_i Σ_{k < row_len} a[i][r·a_stride + k]·b[i][k·NR + j])
// for r < mr <= conv_direct_mr, j < nr <= NR = conv_direct_nr (columns >= nr
// are computed from zero-padded b and bias, and not stored). i runs over the
// kernel rows given; a[i] and b[i] are that row's input and packed weights.
using ConvDirectFn = void (*)(size_t kernel_rows, const float* const* a, const float* const* b,
                              size_t row_len, size_t a_stride, size_t mr, size_t nr,
                              const float* bias, float* out, size_t ldc, float out_min,
                              float out_max);

struct ConvKernels {
    // Depthwise convolution: unrolled for 3×3 (taps == 9) and 5×5 (taps == 25),
    // and any tap count.
    DwConvFn dwconv_3x3 = nullptr;
    DwConvFn dwconv_5x5 = nullptr;
    DwConvFn dwconv_any = nullptr;
    MaxPoolFn max_pool = nullptr;
    AvgPoolFn avg_pool = nullptr;
    GlobalPoolFn global_avg_pool = nullptr;
    GlobalPoolFn global_max_pool = nullptr;
    WinogradInputFn winograd_f43_input = nullptr;
    WinogradOutputFn winograd_f43_output = nullptr;
    // Null where the ISA has none (scalar): callers use the GEMM path.
    ConvDirectFn conv_direct = nullptr;
    size_t conv_direct_mr = 0, conv_direct_nr = 0;
};

void init_conv_scalar(ConvKernels& t);
void init_conv_avx2(ConvKernels& t);
void init_conv_avx512(ConvKernels& t);
void init_conv_neon(ConvKernels& t);

}  // namespace vireo::kernels
