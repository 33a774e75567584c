// vireo — NHWC drivers for the f32 convolution and pooling kernels (2-D).
//
// Activations are [N, H, W, C]; weights keep ONNX's [OC, IC/group, KH, KW] and
// are packed once per session. Three convolution algorithms and the pools:
//   * depthwise and pools: split by output row (n, oh). A row is cut into
//     interior runs, whose window taps all lie inside the image and advance
//     by stride·C per pixel (one kernel call), and edge pixels (one call
//     each), whose padded taps read a zero row (convolution) or are left out
//     (pooling);
//   * everything else: a GEMM per group whose A panels are gathered from the
//     input (implicit im2col), split by the GEMM's own tasks;
//   * 3×3 stride-1 without groups, when it pays: Winograd F(4×4, 3×3);
//   * few input channels (stems): a direct kernel reading the input in place.
// No task shares a reduction with another and every split is a function of
// the shapes, so results are bitwise identical for any thread count.
//
// Baseline-compiled only: never include this from an ISA file.
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "kernels/f32-conv/conv.hpp"
#include "kernels/f32-conv/epilogue.hpp"
#include "kernels/f32-gemm/gemm_driver.hpp"
#include "kernels/ref/conv_geometry.hpp"
#include "kernels/ref/pool.hpp"

namespace vireo::kernels {

// A 2-D window operation over NHWC activations.
struct Conv2d {
    size_t batch = 0, in_h = 0, in_w = 0, in_c = 0, out_h = 0, out_w = 0, out_c = 0, group = 1;
    size_t kernel_h = 0, kernel_w = 0, stride_h = 1, stride_w = 1, dilation_h = 1, dilation_w = 1;
    size_t pad_top = 0, pad_left = 0;  // the end pads follow from the output extent

    // g must be resolved (grid filled) and of rank 2.
    static Conv2d from(const ref::WindowGeometry& g, int64_t batch, int64_t in_c, int64_t out_c,
                       int64_t group) {
        Conv2d s;
        s.batch = size_t(batch);
        s.in_c = size_t(in_c);
        s.out_c = size_t(out_c);
        s.group = size_t(group);
        s.in_h = size_t(g.image[0]);
        s.in_w = size_t(g.image[1]);
        s.out_h = size_t(g.grid[0]);
        s.out_w = size_t(g.grid[1]);
        s.kernel_h = size_t(g.kernel[0]);
        s.kernel_w = size_t(g.kernel[1]);
        s.stride_h = size_t(g.stride[0]);
        s.stride_w = size_t(g.stride[1]);
        s.dilation_h = size_t(g.dilation[0]);
        s.dilation_w = size_t(g.dilation[1]);
        s.pad_top = size_t(g.pad_begin[0]);
        s.pad_left = size_t(g.pad_begin[1]);
        return s;
    }
    size_t taps() const { return kernel_h * kernel_w; }
    size_t rows() const { return batch * out_h; }
    // Input row of kernel row i for output row oh, or -1 in the padding.
    ptrdiff_t input_row(size_t oh, size_t i) const {
        const ptrdiff_t ih = ptrdiff_t(oh * stride_h + i * dilation_h) - ptrdiff_t(pad_top);
        return ih >= 0 && ih < ptrdiff_t(in_h) ? ih : -1;
    }
    // Input column of kernel column j for output column ow (may be outside [0, in_w)).
    ptrdiff_t input_col(size_t ow, size_t j) const {
        return ptrdiff_t(ow * stride_w + j * dilation_w) - ptrdiff_t(pad_left);
    }
    // Output columns [lo, hi) whose kernel columns all fall inside the image.
    void interior_cols(size_t& lo, size_t& hi) const {
        lo = (pad_left + stride_w - 1) / stride_w;
        const ptrdiff_t last = ptrdiff_t(in_w) - 1 - ptrdiff_t((kernel_w - 1) * dilation_w) +
                               ptrdiff_t(pad_left);
        hi = last >= 0 ? std::min(out_w, size_t(last) / stride_w + 1) : 0;
        lo = std::min(lo, out_w);
        hi = std::max(hi, lo);
    }
};

// Output rows per parallel chunk for rows of `row_work` multiply-adds each, so
// a chunk is worth scheduling. A function of the shape only.
inline int64_t row_grain(size_t row_work) {
    return int64_t(std::max<size_t>(1, (size_t(1) << 16) / std::max<size_t>(row_work, 1)));
}

// ---------------------------------------------------------------------------
// Depthwise convolution (group == in_c, out_c = multiplier · in_c)

inline bool is_depthwise(const Conv2d& s) {
    return s.group == s.in_c && s.group > 1 && s.out_c % s.in_c == 0;
}

// Weights [OC, 1, KH, KW] (ONNX) and bias [OC] (may be null) into the kernels'
// layout (conv.hpp): [1 + taps][dw_padded_channels(OC)].
inline std::vector<float> pack_dwconv_weights(const float* w, const float* bias, size_t channels,
                                              size_t taps) {
    const size_t ld = dw_padded_channels(channels);
    std::vector<float> packed((1 + taps) * ld, 0.0f);
    for (size_t c = 0; c < channels; ++c) {
        packed[c] = bias ? bias[c] : 0.0f;
        for (size_t t = 0; t < taps; ++t) packed[(1 + t) * ld + c] = w[c * taps + t];
    }
    return packed;
}

inline DwConvFn select_dwconv(const ConvKernels& k, size_t taps) {
    if (taps == 9) return k.dwconv_3x3;
    if (taps == 25) return k.dwconv_5x5;
    return k.dwconv_any;
}

// y = epilogue(depthwise(x) + bias). residual (may be null) is NHWC like y.
template <class ParallelFor>
void dwconv_nhwc(const ConvKernels& k, const Conv2d& s, const float* x, const float* packed,
                 float* y, const ConvEpilogue& e, const float* residual,
                 ParallelFor&& parallel_for) {
    if (s.rows() == 0 || s.in_c == 0) return;
    if (s.out_c != s.in_c) {
        // Channel multiplier M: output channel o reads input channel o / M. A
        // copy of the input with each channel repeated M times makes that a
        // plain depthwise convolution over out_c channels (one cheap pass,
        // instead of in_c GEMMs with M columns each).
        const size_t M = s.out_c / s.in_c, pixels = s.batch * s.in_h * s.in_w;
        std::vector<float> wide(pixels * s.out_c);
        parallel_for(int64_t(pixels), row_grain(s.out_c), [&](int64_t p0, int64_t p1) {
            for (size_t p = size_t(p0); p < size_t(p1); ++p)
                for (size_t c = 0; c < s.in_c; ++c)
                    std::fill_n(wide.data() + p * s.out_c + c * M, M, x[p * s.in_c + c]);
        });
        Conv2d plain = s;
        plain.in_c = plain.group = s.out_c;
        dwconv_nhwc(k, plain, wide.data(), packed, y, e, residual, parallel_for);
        return;
    }
    const size_t C = s.in_c, taps = s.taps();
    const DwConvFn fn = select_dwconv(k, taps);
    // A whole zero input row: interior runs over a padded kernel row then stay
    // inside it as they advance by stride·C.
    const std::vector<float> zero(s.in_w * C, 0.0f);
    size_t lo, hi;
    s.interior_cols(lo, hi);
    const float out_min = e.clamp_min(), out_max = e.clamp_max();
    const size_t row_out = s.out_w * C;
    parallel_for(int64_t(s.rows()), row_grain(row_out * taps), [&](int64_t r0, int64_t r1) {
        std::vector<const float*> tap(taps), row(s.kernel_h);
        for (size_t r = size_t(r0); r < size_t(r1); ++r) {
            const size_t n = r / s.out_h, oh = r % s.out_h;
            for (size_t i = 0; i < s.kernel_h; ++i) {
                const ptrdiff_t ih = s.input_row(oh, i);
                row[i] = ih < 0 ? nullptr : x + (n * s.in_h + size_t(ih)) * s.in_w * C;
            }
            float* yrow = y + r * row_out;
            auto edge = [&](size_t ow) {
                for (size_t i = 0; i < s.kernel_h; ++i)
                    for (size_t j = 0; j < s.kernel_w; ++j) {
                        const ptrdiff_t iw = s.input_col(ow, j);
                        const bool inside = row[i] && iw >= 0 && iw < ptrdiff_t(s.in_w);
                        tap[i * s.kernel_w + j] = inside ? row[i] + size_t(iw) * C : zero.data();
                    }
                fn(C, 1, taps, tap.data(), 0, packed, yrow + ow * C, out_min, out_max);
            };
            for (size_t ow = 0; ow < lo; ++ow) edge(ow);
            if (hi > lo) {
                for (size_t i = 0; i < s.kernel_h; ++i)
                    for (size_t j = 0; j < s.kernel_w; ++j)
                        tap[i * s.kernel_w + j] =
                            (row[i] ? row[i] : zero.data()) + size_t(s.input_col(lo, j)) * C;
                fn(C, hi - lo, taps, tap.data(), s.stride_w * C, packed, yrow + lo * C, out_min,
                   out_max);
            }
            for (size_t ow = hi; ow < s.out_w; ++ow) edge(ow);
            if (e.needs_pass())
                apply_epilogue(e, yrow, residual ? residual + r * row_out : nullptr, row_out, true);
        }
    });
}

// ---------------------------------------------------------------------------
// Convolution as GEMM (any group, kernel, stride, dilation, padding)
//
// Per group g, with Cg = in_c / group input and OCg = out_c / group output
// channels:  Y_g[pixels × OCg] = A_g[pixels × taps·Cg] · B_g[taps·Cg × OCg],
// where row m of A_g is output pixel m's receptive field, tap-major
// (column t·Cg + c is channel g·Cg + c of tap t's input pixel, or 0 in the
// padding), and B_g[t·Cg + c][oc] = W[g·OCg + oc][c][t]. A is never built: the
// GEMM asks for one MR-row panel at a time and im2col_pack_a() gathers it
// straight from the NHWC input, with the GEMM's own SIMD transpose for each
// run of pixels that read consecutive input pixels. A 1×1 stride-1 unpadded
// convolution's A is the input itself.

// B_g of every group, packed once for the GEMM kernels.
inline std::vector<PackedB> pack_conv_weights(const GemmKernels& gk, const float* w, size_t out_c,
                                              size_t in_c_per_group, size_t taps, size_t group) {
    const size_t ocg = out_c / group, cg = in_c_per_group, K = taps * cg;
    std::vector<PackedB> packed;
    std::vector<float> b(K * ocg);
    for (size_t g = 0; g < group; ++g) {
        for (size_t oc = 0; oc < ocg; ++oc)
            for (size_t c = 0; c < cg; ++c)
                for (size_t t = 0; t < taps; ++t)
                    b[(t * cg + c) * ocg + oc] = w[((g * ocg + oc) * cg + c) * taps + t];
        packed.push_back(pack_b(gk, b.data(), ocg, false, K, ocg));
    }
    return packed;
}

// The GEMM epilogue's activation for a conv one (Gelu: none, see conv_gemm_nhwc).
inline GemmActivation gemm_activation(ConvActivation a) {
    switch (a) {
        case ConvActivation::Relu: return GemmActivation::Relu;
        case ConvActivation::Clip: return GemmActivation::Clip;
        case ConvActivation::LeakyRelu: return GemmActivation::LeakyRelu;
        case ConvActivation::Sigmoid: return GemmActivation::Sigmoid;
        case ConvActivation::SiLU: return GemmActivation::SiLU;
        case ConvActivation::HardSigmoid: return GemmActivation::HardSigmoid;
        case ConvActivation::HardSwish: return GemmActivation::HardSwish;
        case ConvActivation::None:
        case ConvActivation::Gelu: return GemmActivation::None;
    }
    return GemmActivation::None;
}

inline bool is_pointwise(const Conv2d& s) {
    return s.kernel_h == 1 && s.kernel_w == 1 && s.stride_h == 1 && s.stride_w == 1 &&
           s.pad_top == 0 && s.pad_left == 0 && s.out_h == s.in_h && s.out_w == s.in_w;
}

struct Im2colA {
    const Conv2d* s;
    const GemmKernels* gk;
    const float* x;   // the input, already offset to the group's first channel
    size_t cg;        // channels per group (columns per tap)
};

// GemmPackA for Im2colA: rows [m0, m0 + rows) × columns [k0, k0 + kc) of A_g.
//
// Without groups and horizontal dilation, the KW taps of one kernel row are
// KW consecutive input pixels, i.e. one contiguous run of KW·C floats, so
// interior pixels take one SIMD transpose per kernel row rather than per tap
// (for the 7×7 stem, with C = 3, that is 21 columns at a time instead of 3).
inline void im2col_pack_a(const void* ctx, size_t m0, size_t rows, size_t k0, size_t kc,
                          float* dst) {
    const Im2colA& a = *static_cast<const Im2colA*>(ctx);
    const Conv2d& s = *a.s;
    const size_t mr = a.gk->mr, C = s.in_c, cg = a.cg, row_k = s.kernel_w * cg;
    const bool row_runs = cg == C && s.dilation_w == 1;
    size_t lo, hi;
    s.interior_cols(lo, hi);
    auto zero = [&](size_t r0, size_t r1, size_t ka, size_t kb) {
        if (r0 < r1)
            for (size_t k = ka; k < kb; ++k)
                std::fill(dst + (k - k0) * mr + r0, dst + (k - k0) * mr + r1, 0.0f);
    };
    // Pixels [ow0, ow0 + count) (panel rows from r0), columns [ka, kb) within
    // kernel row kh, whose input row ih is inside the image: tap by tap.
    auto by_tap = [&](const float* in_row, size_t r0, size_t ow0, size_t count, size_t kh,
                      size_t ka, size_t kb) {
        if (count == 0) return;
        for (size_t t = ka / cg; t * cg < kb; ++t) {
            const size_t ta = std::max(ka, t * cg), tb = std::min(kb, (t + 1) * cg);
            const size_t kw = t - kh * s.kernel_w;
            // Output columns [v0, v1) read inside the image.
            size_t v0 = ow0, v1 = ow0 + count;
            while (v0 < v1 && s.input_col(v0, kw) < 0) ++v0;
            while (v1 > v0 && s.input_col(v1 - 1, kw) >= ptrdiff_t(s.in_w)) --v1;
            const size_t rv0 = r0 + (v0 - ow0), rv1 = r0 + (v1 - ow0);
            zero(r0, rv0, ta, tb);
            if (v1 > v0)
                a.gk->pack_a(in_row + size_t(s.input_col(v0, kw)) * C + (ta - t * cg),
                             s.stride_w * C, v1 - v0, tb - ta, dst + (ta - k0) * mr + rv0);
            zero(rv1, r0 + count, ta, tb);
        }
    };
    // Pixels of one output row form a segment; a panel spans one or a few.
    for (size_t r = 0; r < rows;) {
        const size_t m = m0 + r;
        const size_t ow0 = m % s.out_w, row = m / s.out_w;
        const size_t n = row / s.out_h, oh = row % s.out_h;
        const size_t seg = std::min(rows - r, s.out_w - ow0), ow1 = ow0 + seg;
        const float* image = a.x + n * s.in_h * s.in_w * C;
        for (size_t kh = k0 / row_k; kh * row_k < k0 + kc; ++kh) {
            const size_t ka = std::max(k0, kh * row_k), kb = std::min(k0 + kc, (kh + 1) * row_k);
            const ptrdiff_t ih = s.input_row(oh, kh);
            if (ih < 0) {
                zero(r, r + seg, ka, kb);
                continue;
            }
            const float* in_row = image + size_t(ih) * s.in_w * C;
            const size_t i0 = std::clamp(lo, ow0, ow1), i1 = std::clamp(hi, i0, ow1);
            if (!row_runs || i0 == i1) {
                by_tap(in_row, r, ow0, seg, kh, ka, kb);
                continue;
            }
            by_tap(in_row, r, ow0, i0 - ow0, kh, ka, kb);
            a.gk->pack_a(in_row + size_t(s.input_col(i0, 0)) * C + (ka - kh * row_k),
                         s.stride_w * C, i1 - i0, kb - ka, dst + (ka - k0) * mr + r + (i0 - ow0));
            by_tap(in_row, r + (i1 - ow0), i1, ow1 - i1, kh, ka, kb);
        }
        r += seg;
    }
}

// y = epilogue(conv(x) + bias); bias may be null; residual (may be null) is NHWC like y.
template <class ParallelFor>
void conv_gemm_nhwc(const GemmKernels& gk, const Conv2d& s, const float* x,
                    const std::vector<PackedB>& packed, const float* bias, float* y,
                    const ConvEpilogue& e, const float* residual, ParallelFor&& parallel_for) {
    const size_t pixels = s.batch * s.out_h * s.out_w;
    if (pixels == 0 || s.out_c == 0) return;
    const size_t cg = s.in_c / s.group, ocg = s.out_c / s.group, K = s.taps() * cg;
    // Gelu is not a GEMM epilogue: the GEMM stops before it and a pass finishes.
    const bool gelu = e.act == ConvActivation::Gelu;
    GemmEpilogue ge;
    ge.activation = gemm_activation(e.act);
    ge.alpha = e.alpha;
    ge.beta = e.beta;
    ge.residual_before_activation = e.residual_before_act;
    const bool residual_in_gemm = e.has_residual && (!gelu || e.residual_before_act);
    for (size_t g = 0; g < s.group; ++g) {
        GemmArgs args;
        args.M = pixels;
        args.N = ocg;
        args.K = K;
        Im2colA im2col{&s, &gk, x + g * cg, cg};
        args.a = is_pointwise(s) ? GemmA::matrix(x + g * cg, s.in_c)
                                 : GemmA::packer(&im2col_pack_a, &im2col);
        args.b_packed = packed[g].data();
        args.c = y + g * ocg;
        args.ldc = s.out_c;
        args.epilogue = ge;
        if (bias) {
            args.epilogue.bias_kind = GemmBias::PerColumn;
            args.epilogue.bias = bias + g * ocg;
        }
        if (residual_in_gemm) {
            args.epilogue.residual = residual + g * ocg;
            args.epilogue.ld_residual = s.out_c;
        }
        gemm(gk, args, parallel_for);
    }
    if (gelu) {
        ConvEpilogue rest = e;
        rest.has_residual = e.has_residual && !e.residual_before_act;
        const size_t n = pixels * s.out_c;
        parallel_for(int64_t(n), int64_t(16384), [&](int64_t i0, int64_t i1) {
            apply_epilogue(rest, y + i0, rest.has_residual ? residual + i0 : nullptr,
                           size_t(i1 - i0), false);
        });
    }
}

// ---------------------------------------------------------------------------
// Direct convolution for few input channels (network stems)
//
// With C = 3 the GEMM's K is a few hundred and an MR-row A panel is a
// transpose of short overlapping rows: packing it costs about half as much as
// the product (7×7/2 stem). The direct kernel reads A in place instead. Each
// output row copies the input rows its kernel rows read into zero-padded
// buffers, so every output pixel is an interior one: the KW taps of a kernel
// row are then KW·C consecutive floats, and a kernel row in the vertical
// padding is simply left out of the sum.

// Where the direct kernel beats GEMM + im2col (measured on AVX-512): few input
// channels, and kernel rows long enough to amortize a tile's loads and stores
// (the 7×7 stem's 21 floats: 17% faster; MobileNetV2's 3×3 stem's 9: 8% slower).
constexpr size_t kDirectMaxChannels = 8;
constexpr size_t kDirectMinRow = 16;

inline bool direct_applies(const ConvKernels& k, size_t in_c, size_t group, size_t kernel_w,
                           size_t dilation_w) {
    return k.conv_direct && group == 1 && dilation_w == 1 && in_c <= kDirectMaxChannels &&
           kernel_w * in_c >= kDirectMinRow;
}

// Weights as NR-column panels, [panel][kernel row i][(j, c)][NR], zero past
// out_c, and the bias padded the same way.
struct DirectWeights {
    std::vector<float> b, bias;
    size_t nr = 0, panels = 0, row_len = 0, kernel_h = 0;
};

inline DirectWeights pack_direct_weights(const ConvKernels& k, const float* w, const float* bias,
                                         size_t out_c, size_t in_c, size_t kernel_h,
                                         size_t kernel_w) {
    DirectWeights d;
    d.nr = k.conv_direct_nr;
    d.panels = (out_c + d.nr - 1) / d.nr;
    d.row_len = kernel_w * in_c;
    d.kernel_h = kernel_h;
    const size_t K = kernel_h * d.row_len;
    d.b.assign(d.panels * K * d.nr, 0.0f);
    d.bias.assign(d.panels * d.nr, 0.0f);
    for (size_t oc = 0; oc < out_c; ++oc) {
        const size_t p = oc / d.nr, j = oc % d.nr;
        d.bias[oc] = bias ? bias[oc] : 0.0f;
        for (size_t i = 0; i < kernel_h; ++i)
            for (size_t kw = 0; kw < kernel_w; ++kw)
                for (size_t c = 0; c < in_c; ++c)
                    d.b[(p * K + i * d.row_len + kw * in_c + c) * d.nr + j] =
                        w[((oc * in_c + c) * kernel_h + i) * kernel_w + kw];
    }
    return d;
}

template <class ParallelFor>
void conv_direct_nhwc(const ConvKernels& k, const Conv2d& s, const float* x,
                      const DirectWeights& d, float* y, const ConvEpilogue& e,
                      const float* residual, ParallelFor&& parallel_for) {
    check(k.conv_direct && s.group == 1 && s.dilation_w == 1 && d.kernel_h == s.kernel_h &&
              d.row_len == s.kernel_w * s.in_c,
          "f32 conv: the direct kernel does not apply to this convolution");
    if (s.rows() == 0 || s.out_c == 0) return;
    const size_t C = s.in_c, OC = s.out_c, mr = k.conv_direct_mr, K = s.kernel_h * d.row_len;
    // Padded row: the image at [pad_left, pad_left + in_w), zeros around it.
    const size_t padded_w = std::max(s.pad_left + s.in_w, (s.out_w - 1) * s.stride_w + s.kernel_w);
    const float out_min = e.clamp_min(), out_max = e.clamp_max();
    const size_t row_out = s.out_w * OC;
    parallel_for(int64_t(s.rows()), row_grain(row_out * K), [&](int64_t r0, int64_t r1) {
        std::vector<float> rows(s.kernel_h * padded_w * C, 0.0f);
        std::vector<const float*> a(s.kernel_h), a_at(s.kernel_h), b_at(s.kernel_h);
        std::vector<size_t> used(s.kernel_h);  // kernel rows inside the image
        for (size_t r = size_t(r0); r < size_t(r1); ++r) {
            const size_t n = r / s.out_h, oh = r % s.out_h;
            size_t valid = 0;
            for (size_t i = 0; i < s.kernel_h; ++i) {
                const ptrdiff_t ih = s.input_row(oh, i);
                if (ih < 0) continue;
                float* slot = rows.data() + i * padded_w * C;
                std::memcpy(slot + s.pad_left * C, x + ((n * s.in_h + size_t(ih)) * s.in_w) * C,
                            s.in_w * C * sizeof(float));
                a[valid] = slot;
                used[valid++] = i;
            }
            float* yrow = y + r * row_out;
            for (size_t ow = 0; ow < s.out_w; ow += mr) {
                const size_t m = std::min(mr, s.out_w - ow);
                for (size_t v = 0; v < valid; ++v) a_at[v] = a[v] + ow * s.stride_w * C;
                for (size_t p = 0; p < d.panels; ++p) {
                    for (size_t v = 0; v < valid; ++v)
                        b_at[v] = d.b.data() + (p * K + used[v] * d.row_len) * d.nr;
                    k.conv_direct(valid, a_at.data(), b_at.data(), d.row_len, s.stride_w * C, m,
                                  std::min(d.nr, OC - p * d.nr), d.bias.data() + p * d.nr,
                                  yrow + ow * OC + p * d.nr, OC, out_min, out_max);
                }
            }
            if (e.needs_pass())
                apply_epilogue(e, yrow, residual ? residual + r * row_out : nullptr, row_out, true);
        }
    });
}

// ---------------------------------------------------------------------------
// Winograd F(4×4, 3×3) for 3×3 stride-1 dilation-1 convolutions without groups
//
// Output tiles of 4×4 pixels are processed in blocks of a fixed number of
// tiles: the input transform writes, per block, 36 matrices V_ξ [tiles × C];
// 36 GEMMs M_ξ = V_ξ · U_ξ with U_ξ [C × OC] the transformed weights (packed
// once); the output transform turns the 36 M_ξ back into pixels, adding bias
// and clamping. Tasks split tiles or ξ, never a reduction, so the result does
// not depend on threads.
//
// Against the direct convolution each output carries an extra rounding error
// of a few 1e-6 of Σ|x·w| (the transforms' constants reach 8 and 1/24);
// tests/kernels/conv_test.cpp bounds it.

inline bool winograd_applies(const Conv2d& s) {
    return s.kernel_h == 3 && s.kernel_w == 3 && s.stride_h == 1 && s.stride_w == 1 &&
           s.dilation_h == 1 && s.dilation_w == 1 && s.group == 1;
}

// U_ξ = (G·g·Gᵀ)[ξ] for every (c, oc), computed in double, packed per ξ.
inline std::vector<PackedB> pack_winograd_weights(const GemmKernels& gk, const float* w,
                                                  size_t out_c, size_t in_c) {
    static constexpr double G[6][3] = {{1.0 / 4, 0, 0},
                                       {-1.0 / 6, -1.0 / 6, -1.0 / 6},
                                       {-1.0 / 6, 1.0 / 6, -1.0 / 6},
                                       {1.0 / 24, 1.0 / 12, 1.0 / 6},
                                       {1.0 / 24, -1.0 / 12, 1.0 / 6},
                                       {0, 0, 1}};
    std::vector<float> u(36 * in_c * out_c);  // [ξ][c][oc]
    for (size_t oc = 0; oc < out_c; ++oc)
        for (size_t c = 0; c < in_c; ++c) {
            const float* g = w + (oc * in_c + c) * 9;
            double t[6][3];  // G·g
            for (size_t i = 0; i < 6; ++i)
                for (size_t j = 0; j < 3; ++j)
                    t[i][j] = G[i][0] * g[j] + G[i][1] * g[3 + j] + G[i][2] * g[6 + j];
            for (size_t i = 0; i < 6; ++i)
                for (size_t k = 0; k < 6; ++k)
                    u[((i * 6 + k) * in_c + c) * out_c + oc] =
                        float(t[i][0] * G[k][0] + t[i][1] * G[k][1] + t[i][2] * G[k][2]);
        }
    std::vector<PackedB> packed;
    for (size_t xi = 0; xi < 36; ++xi)
        packed.push_back(pack_b(gk, u.data() + xi * in_c * out_c, out_c, false, in_c, out_c));
    return packed;
}

// Tiles per block: the block's V and M (36·tiles·(C + OC) floats) within
// about 1.5 MiB, so they stay in L2 between the transforms and the GEMMs, and
// the whole image's tiles when they fit (each block streams all 36 U_ξ, so
// fewer, taller blocks read the weights fewer times). Else a multiple of the
// GEMM's MR, at least one MR and at most 8.
inline size_t winograd_block_tiles(const GemmKernels& gk, size_t tiles, size_t in_c, size_t out_c) {
    const size_t per_tile = 36 * (in_c + out_c) * sizeof(float);
    const size_t fit = (size_t(3) << 19) / per_tile;
    if (tiles <= std::max(fit, gk.mr)) return std::max<size_t>(tiles, 1);
    return std::clamp<size_t>(fit / gk.mr * gk.mr, gk.mr, 8 * gk.mr);
}

// Whether Winograd pays for a 3×3 stride-1 convolution, judged from the
// weights alone (Op::prepare() sees no activation shapes): measured on
// ResNet-50's layers it is 2.2–2.5× faster at 64 and 128 channels, 1.3–1.8×
// at 256, and slower at 512 (7×7 images: too few tiles per transformed weight).
inline bool winograd_preferred(size_t in_c, size_t out_c) {
    return in_c >= 16 && out_c >= 16 && in_c * out_c <= 256 * 256;
}

template <class ParallelFor>
void conv_winograd_nhwc(const ConvKernels& k, const GemmKernels& gk, const Conv2d& s,
                        const float* x, const std::vector<PackedB>& u, const float* bias,
                        float* y, const ConvEpilogue& e, const float* residual,
                        ParallelFor&& parallel_for) {
    check(winograd_applies(s), "f32 conv: Winograd F(4x4,3x3) needs a 3x3 stride-1 dilation-1 "
                               "convolution without groups");
    const size_t C = s.in_c, OC = s.out_c;
    const size_t tiles_h = (s.out_h + 3) / 4, tiles_w = (s.out_w + 3) / 4;
    const size_t tiles = s.batch * tiles_h * tiles_w;
    if (tiles == 0 || OC == 0) return;
    const size_t block = winograd_block_tiles(gk, tiles, C, OC);
    const size_t blocks = (tiles + block - 1) / block;
    const std::vector<float> zero(C, 0.0f), no_bias(bias ? 0 : OC, 0.0f);
    const float* b = bias ? bias : no_bias.data();
    const float out_min = e.clamp_min(), out_max = e.clamp_max();
    // Blocks run one after another, each in three parallel phases (tiles, ξ,
    // tiles), so even a one-block image keeps every thread busy. The calling
    // thread keeps its V/M scratch between calls: a fresh megabyte-sized
    // buffer per call cost a zero fill and page faults (~10% of a 3×3 layer).
    thread_local std::vector<float> scratch;
    if (scratch.size() < 36 * block * (C + OC)) scratch.resize(36 * block * (C + OC));
    float* const v = scratch.data();
    float* const m = v + 36 * block * C;
    const size_t tile_work = 36 * (C + OC);
    for (size_t blk = 0; blk < blocks; ++blk) {
        const size_t t0 = blk * block, nt = std::min(block, tiles - t0);
        parallel_for(int64_t(nt), row_grain(tile_work), [&](int64_t i0, int64_t i1) {
            const float* in[36];
            for (size_t i = size_t(i0); i < size_t(i1); ++i) {
                const size_t t = t0 + i, n = t / (tiles_h * tiles_w);
                const size_t th = t / tiles_w % tiles_h, tw = t % tiles_w;
                const ptrdiff_t ih0 = ptrdiff_t(th * 4) - ptrdiff_t(s.pad_top);
                const ptrdiff_t iw0 = ptrdiff_t(tw * 4) - ptrdiff_t(s.pad_left);
                for (ptrdiff_t r = 0; r < 6; ++r)
                    for (ptrdiff_t c = 0; c < 6; ++c) {
                        const ptrdiff_t ih = ih0 + r, iw = iw0 + c;
                        const bool inside = ih >= 0 && ih < ptrdiff_t(s.in_h) && iw >= 0 &&
                                            iw < ptrdiff_t(s.in_w);
                        in[r * 6 + c] = inside ? x + ((n * s.in_h + size_t(ih)) * s.in_w + size_t(iw)) * C
                                               : zero.data();
                    }
                k.winograd_f43_input(C, in, v + i * C, block * C);
            }
        });
        const GemmPlan plan = plan_gemm(gk, nt, OC, C);
        parallel_for(36, 1, [&](int64_t x0, int64_t x1) {
            for (size_t xi = size_t(x0); xi < size_t(x1); ++xi) {
                GemmArgs args;
                args.M = nt;
                args.N = OC;
                args.K = C;
                args.a = GemmA::matrix(v + xi * block * C, C);
                args.b_packed = u[xi].data();
                args.c = m + xi * block * OC;
                args.ldc = OC;
                gemm_tasks(gk, args, plan, 0, plan.tasks());
            }
        });
        parallel_for(int64_t(nt), row_grain(tile_work), [&](int64_t i0, int64_t i1) {
            float* out[16];
            for (size_t i = size_t(i0); i < size_t(i1); ++i) {
                const size_t t = t0 + i, n = t / (tiles_h * tiles_w);
                const size_t th = t / tiles_w % tiles_h, tw = t % tiles_w;
                const size_t rows = std::min<size_t>(4, s.out_h - th * 4);
                const size_t cols = std::min<size_t>(4, s.out_w - tw * 4);
                for (size_t r = 0; r < rows; ++r)
                    for (size_t c = 0; c < cols; ++c)
                        out[r * 4 + c] = y + ((n * s.out_h + th * 4 + r) * s.out_w + tw * 4 + c) * OC;
                k.winograd_f43_output(OC, m + i * OC, block * OC, b, out, rows, cols,
                                      out_min, out_max);
            }
        });
    }
    if (e.needs_pass()) {
        const size_t n = s.batch * s.out_h * s.out_w * OC;
        parallel_for(int64_t(n), int64_t(16384), [&](int64_t i0, int64_t i1) {
            apply_epilogue(e, y + i0, residual ? residual + i0 : nullptr, size_t(i1 - i0), true);
        });
    }
}

// ---------------------------------------------------------------------------
// Max and average pooling

// The per-axis windows of a pool: ref::pool_detail's description, which
// already resolves pads, dilation, ceil_mode and count_include_pad counts.
struct Pool2d {
    Conv2d shape;
    std::vector<ref::pool_detail::AxisWindows> axes;  // [0] rows, [1] columns

    static Pool2d from(const ref::WindowGeometry& g, int64_t batch, int64_t channels) {
        Pool2d p;
        p.shape = Conv2d::from(g, batch, channels, channels, channels);
        p.axes = ref::pool_detail::axis_windows(g);
        return p;
    }
};

// kMax: y = max over each window (NaN propagates); else average, dividing by
// the taps inside the image, or with count_include_pad by those inside image
// and pads (ref::avg_pool's rule).
template <bool kMax, class ParallelFor>
void pool_nhwc(const ConvKernels& k, const Pool2d& p, const float* x, float* y,
               bool count_include_pad, ParallelFor&& parallel_for) {
    const Conv2d& s = p.shape;
    const size_t C = s.in_c;
    if (s.rows() == 0 || C == 0) return;
    const auto& rows_w = p.axes[0];
    const auto& cols_w = p.axes[1];
    size_t lo, hi;
    s.interior_cols(lo, hi);
    const size_t row_out = s.out_w * C;
    parallel_for(int64_t(s.rows()), row_grain(row_out * s.taps()), [&](int64_t r0, int64_t r1) {
        std::vector<const float*> tap(s.taps());
        for (size_t r = size_t(r0); r < size_t(r1); ++r) {
            const size_t n = r / s.out_h, oh = r % s.out_h;
            const size_t i_lo = size_t(rows_w.lo[oh]), i_hi = size_t(rows_w.hi[oh]);
            const float* image = x + n * s.in_h * s.in_w * C;
            float* yrow = y + r * row_out;
            // Taps of kernel rows [i_lo, i_hi) and columns [j_lo, j_hi) for output column ow.
            auto run = [&](size_t ow, size_t pixels, size_t j_lo, size_t j_hi, size_t padded_w) {
                size_t t = 0;
                for (size_t i = i_lo; i < i_hi; ++i) {
                    const size_t ih = size_t(rows_w.start[oh] + ptrdiff_t(i * s.dilation_h));
                    for (size_t j = j_lo; j < j_hi; ++j)
                        tap[t++] = image + (ih * s.in_w + size_t(s.input_col(ow, j))) * C;
                }
                float* out = yrow + ow * C;
                if (t == 0) {  // the window sees no input element (ref::max_pool's rule)
                    std::fill(out, out + pixels * C,
                              kMax ? std::numeric_limits<float>::lowest() : 0.0f);
                    return;
                }
                if constexpr (kMax) {
                    k.max_pool(C, pixels, t, tap.data(), s.stride_w * C, out);
                } else {
                    const size_t divisor =
                        count_include_pad ? size_t(rows_w.padded[oh]) * padded_w : t;
                    k.avg_pool(C, pixels, t, tap.data(), s.stride_w * C, float(divisor), out);
                }
            };
            for (size_t ow = 0; ow < s.out_w; ++ow) {
                if (ow == lo && hi > lo) {
                    run(lo, hi - lo, 0, s.kernel_w, s.kernel_w);
                    ow = hi - 1;
                    continue;
                }
                run(ow, 1, size_t(cols_w.lo[ow]), size_t(cols_w.hi[ow]), size_t(cols_w.padded[ow]));
            }
        }
    });
}

// Global pools: x [N, pixels, C] to y [N, C]. Split by (image, channel block).
template <bool kMax, class ParallelFor>
void global_pool_nhwc(const ConvKernels& k, size_t batch, size_t pixels, size_t channels,
                      const float* x, float* y, ParallelFor&& parallel_for) {
    if (batch == 0 || channels == 0) return;
    if (pixels == 0) {  // ref::global_*_pool's rule for an empty plane
        std::fill(y, y + batch * channels, kMax ? std::numeric_limits<float>::lowest() : 0.0f);
        return;
    }
    constexpr size_t kBlock = 64;  // channels per task, a multiple of every vector width
    const size_t blocks = (channels + kBlock - 1) / kBlock;
    const GlobalPoolFn fn = kMax ? k.global_max_pool : k.global_avg_pool;
    parallel_for(int64_t(batch * blocks), row_grain(pixels * kBlock), [&](int64_t t0, int64_t t1) {
        for (size_t t = size_t(t0); t < size_t(t1); ++t) {
            const size_t n = t / blocks, c = t % blocks * kBlock;
            fn(std::min(kBlock, channels - c), pixels, x + n * pixels * channels + c, channels,
               y + n * channels + c);
        }
    });
}

}  // namespace vireo::kernels

namespace vireo::kernels {

// ---------------------------------------------------------------------------
// Layout helpers: [N, spatial..., C] <-> [N, C, spatial...] for any rank >= 2.

inline std::vector<int64_t> nhwc_to_nchw_perm(size_t rank) {
    std::vector<int64_t> p{0, int64_t(rank) - 1};
    for (size_t d = 1; d + 1 < rank; ++d) p.push_back(int64_t(d));
    return p;
}
inline std::vector<int64_t> nchw_to_nhwc_perm(size_t rank) {
    std::vector<int64_t> p{0};
    for (size_t d = 2; d < rank; ++d) p.push_back(int64_t(d));
    p.push_back(1);
    return p;
}
inline std::vector<int64_t> permuted_shape(const std::vector<int64_t>& s,
                                           const std::vector<int64_t>& perm) {
    std::vector<int64_t> r(s.size());
    for (size_t i = 0; i < s.size(); ++i) r[i] = s[size_t(perm[i])];
    return r;
}

}  // namespace vireo::kernels
