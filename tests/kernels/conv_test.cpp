// f32 NHWC convolution (depthwise kernels and GEMM-based) against the
// reference convolution kernels (kernels/ref/conv.hpp) run in double, for every
// ISA this machine has, with inputs and outputs ending at a guard page.
//
// Tolerance: |got − ref| ≤ 1e-5 · Σ|x·w| + |b| (the reference run on absolute
// values), i.e. a relative 1e-5 of the terms' magnitude. fp32 accumulation over
// K terms in any order stays well inside it for the K used here (≤ 1200).
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "kernels/dispatch.hpp"
#include "kernels/f32-conv/conv_nhwc.hpp"
#include "kernels/ref/conv.hpp"
#include "kernels/ref/transpose.hpp"
#include "runtime/ops/util.hpp"
#include "tests/kernels/guard_buffer.hpp"
#include "tests/ops/op_harness.hpp"

namespace vireo::test {
namespace {

using kernels::ConvActivation;
using kernels::ConvEpilogue;
using kernels::Isa;

std::vector<Isa> isas() {
    std::vector<Isa> r{Isa::Scalar};
    if (int(kernels::detected_isa()) >= int(Isa::Avx2) && kernels::detected_isa() != Isa::Neon)
        r.push_back(Isa::Avx2);
    if (kernels::detected_isa() == Isa::Avx512) r.push_back(Isa::Avx512);
    return r;
}

// Runs the whole range as one chunk: the single-thread schedule.
struct Serial {
    template <class F>
    void operator()(int64_t n, int64_t, const F& fn) const {
        if (n > 0) fn(int64_t(0), n);
    }
};

// Irregular chunks (1, 2, 3, 1, ...) run in reverse order: a result that
// depended on the split or on the order of chunks would differ from Serial's.
struct Chunked {
    template <class F>
    void operator()(int64_t n, int64_t, const F& fn) const {
        std::vector<std::pair<int64_t, int64_t>> chunks;
        for (int64_t b = 0, k = 0; b < n; ++k) {
            const int64_t e = std::min(n, b + 1 + k % 3);
            chunks.emplace_back(b, e);
            b = e;
        }
        for (size_t i = chunks.size(); i-- > 0;) fn(chunks[i].first, chunks[i].second);
    }
};

std::vector<float> random_floats(size_t n, uint32_t seed) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> u(-1, 1);
    std::vector<float> v(n);
    for (auto& x : v) x = u(rng);
    return v;
}

struct Case {
    size_t n, c, h, w, oc, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr, group;
    std::string name() const {
        auto s = [](size_t v) { return std::to_string(v); };
        return "n" + s(n) + "c" + s(c) + "_" + s(h) + "x" + s(w) + "_oc" + s(oc) + "_k" + s(kh) +
               "x" + s(kw) + "_s" + s(sh) + s(sw) + "_d" + s(dh) + s(dw) + "_p" + s(pt) + s(pl) +
               s(pb) + s(pr) + "_g" + s(group);
    }
    ref::WindowGeometry geometry() const {
        ref::WindowGeometry g;
        g.image = {int64_t(h), int64_t(w)};
        g.kernel = {int64_t(kh), int64_t(kw)};
        g.stride = {int64_t(sh), int64_t(sw)};
        g.dilation = {int64_t(dh), int64_t(dw)};
        g.pad_begin = {int64_t(pt), int64_t(pl)};
        g.pad_end = {int64_t(pb), int64_t(pr)};
        ref::resolve_forward_window(g, ref::AutoPad::NotSet, false, "test");
        return g;
    }
};

template <class T>
std::vector<T> transpose(const std::vector<T>& v, const std::vector<int64_t>& shape,
                         const std::vector<int64_t>& perm) {
    std::vector<T> r(v.size());
    kernels::ref::transpose<T>(v.data(), r.data(), shape, perm);
    return r;
}

// The reference on NHWC data, in double: y (NHWC) and the magnitude bound.
struct Expected {
    std::vector<double> y, scale;
};

Expected reference(const Case& k, const ref::WindowGeometry& g, const std::vector<float>& x_nhwc,
                   const std::vector<float>& w, const std::vector<float>& b,
                   const ConvEpilogue& e, const std::vector<float>& residual) {
    const std::vector<int64_t> xs{int64_t(k.n), int64_t(k.h), int64_t(k.w), int64_t(k.c)};
    const std::vector<float> x = transpose(x_nhwc, xs, kernels::nhwc_to_nchw_perm(4));
    auto to_d = [](const std::vector<float>& v, bool abs) {
        std::vector<double> r(v.size());
        for (size_t i = 0; i < v.size(); ++i) r[i] = abs ? std::fabs(double(v[i])) : double(v[i]);
        return r;
    };
    const size_t oh = size_t(g.grid[0]), ow = size_t(g.grid[1]);
    Expected out;
    std::vector<double> y(k.n * k.oc * oh * ow), s(y.size());
    ref::conv_forward<double>(g, int64_t(k.n), int64_t(k.c), int64_t(k.oc), int64_t(k.group),
                              to_d(x, false).data(), to_d(w, false).data(),
                              b.empty() ? nullptr : to_d(b, false).data(), y.data());
    ref::conv_forward<double>(g, int64_t(k.n), int64_t(k.c), int64_t(k.oc), int64_t(k.group),
                              to_d(x, true).data(), to_d(w, true).data(),
                              b.empty() ? nullptr : to_d(b, true).data(), s.data());
    const std::vector<int64_t> ys{int64_t(k.n), int64_t(k.oc), int64_t(oh), int64_t(ow)};
    out.y = transpose(y, ys, kernels::nchw_to_nhwc_perm(4));
    out.scale = transpose(s, ys, kernels::nchw_to_nhwc_perm(4));
    std::vector<double> r(residual.begin(), residual.end());
    kernels::apply_epilogue<double>(e, out.y.data(), e.has_residual ? r.data() : nullptr,
                                    out.y.size(), false);
    // An activation and a residual widen the magnitude by at most their size.
    for (size_t i = 0; i < out.scale.size(); ++i)
        out.scale[i] += 1.0 + (e.has_residual ? std::fabs(r[i]) : 0.0);
    return out;
}

enum class Path { Depthwise, Gemm, Winograd, Direct };

// Runs the NHWC driver for one ISA; output in a guard buffer.
template <class Exec>
std::vector<float> run_nhwc(Path path, const kernels::KernelTable& kt, const Case& k,
                            const ref::WindowGeometry& g, const GuardBuffer<float>& x,
                            const std::vector<float>& w, const std::vector<float>& b,
                            const ConvEpilogue& epilogue, const GuardBuffer<float>* residual,
                            Exec exec) {
    const kernels::Conv2d s = kernels::Conv2d::from(g, int64_t(k.n), int64_t(k.c), int64_t(k.oc),
                                                    int64_t(k.group));
    GuardBuffer<float> y(s.batch * s.out_h * s.out_w * s.out_c, std::nanf(""));
    const float* bias = b.empty() ? nullptr : b.data();
    ConvEpilogue e = epilogue;  // the activation pass on this ISA's vector kernels, as the op runs it
    e.vector = &kt.vector;
    const float* res = residual ? residual->data() : nullptr;
    if (path == Path::Depthwise) {
        const auto packed = kernels::pack_dwconv_weights(w.data(), bias, k.oc, k.kh * k.kw);
        kernels::dwconv_nhwc(kt.conv, s, x.data(), packed.data(), y.data(), e, res, exec);
    } else if (path == Path::Direct) {
        const auto packed = kernels::pack_direct_weights(kt.conv, w.data(), bias, k.oc, k.c, k.kh, k.kw);
        kernels::conv_direct_nhwc(kt.conv, s, x.data(), packed, y.data(), e, res, exec);
    } else if (path == Path::Winograd) {
        const auto packed = kernels::pack_winograd_weights(kt.gemm, w.data(), k.oc, k.c);
        kernels::conv_winograd_nhwc(kt.conv, kt.gemm, s, x.data(), packed, bias, y.data(), e, res, exec);
    } else {
        const auto packed =
            kernels::pack_conv_weights(kt.gemm, w.data(), k.oc, k.c / k.group, k.kh * k.kw, k.group);
        kernels::conv_gemm_nhwc(kt.gemm, s, x.data(), packed, bias, y.data(), e, res, exec);
    }
    return y.to_vector();
}

// Returns the largest |got − ref| / Σ|x·w| seen.
double check_case(Path path, const Case& k, const ConvEpilogue& e = {}, bool with_bias = true,
                  double tolerance = 1e-5) {
    double worst = 0;
    const ref::WindowGeometry g = k.geometry();
    const size_t oh = size_t(g.grid[0]), ow = size_t(g.grid[1]);
    const uint32_t seed = uint32_t(k.c * 131 + k.kh * 7 + k.h);
    const GuardBuffer<float> x(random_floats(k.n * k.h * k.w * k.c, seed));
    const auto w = random_floats(k.oc * (k.c / k.group) * k.kh * k.kw, seed + 1);
    const auto b = with_bias ? random_floats(k.oc, seed + 2) : std::vector<float>{};
    const auto r = random_floats(e.has_residual ? k.n * oh * ow * k.oc : 0, seed + 3);
    const GuardBuffer<float> residual(r);
    const Expected want = reference(k, g, x.to_vector(), w, b, e, r);
    for (Isa isa : isas()) {
        SCOPED_TRACE(std::string(kernels::isa_name(isa)) + " " + k.name());
        const auto& kt = kernels::kernel_table(isa);
        if (path == Path::Direct && !kt.conv.conv_direct) continue;  // AVX-512 only
        const auto got =
            run_nhwc(path, kt, k, g, x, w, b, e, e.has_residual ? &residual : nullptr, Serial{});
        EXPECT_EQ(got.size(), want.y.size());
        if (got.size() != want.y.size()) return worst;
        for (size_t i = 0; i < got.size(); ++i) {
            const double err = std::fabs(double(got[i]) - want.y[i]);
            worst = std::max(worst, err / want.scale[i]);
            EXPECT_LE(err, tolerance * want.scale[i])
                << "at " << i << ": got " << got[i] << ", want " << want.y[i];
            if (!(err <= tolerance * want.scale[i])) return worst;
        }
        const auto split =
            run_nhwc(path, kt, k, g, x, w, b, e, e.has_residual ? &residual : nullptr, Chunked{});
        EXPECT_EQ(0, std::memcmp(got.data(), split.data(), got.size() * sizeof(float)))
            << "result depends on the task split";
    }
    return worst;
}

// ---------------------------------------------------------------- depthwise

// {n, c, h, w, oc, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr, group}
TEST(ConvNhwc, DepthwiseMatchesReference) {
    const Case cases[] = {
        {1, 13, 9, 11, 13, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 13},      // odd channels, tail everywhere
        {1, 32, 12, 12, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 32},
        {2, 17, 10, 9, 17, 3, 3, 2, 2, 1, 1, 0, 1, 1, 0, 17},      // stride 2, asymmetric pads, batch
        {1, 16, 7, 8, 16, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 16},
        {1, 24, 11, 13, 24, 5, 5, 1, 1, 1, 1, 2, 2, 2, 2, 24},     // 5x5
        {1, 9, 12, 10, 9, 5, 5, 2, 2, 1, 1, 2, 1, 1, 2, 9},        // 5x5 stride 2
        {1, 33, 9, 9, 33, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2, 33},       // dilation 2
        {1, 8, 15, 15, 8, 7, 7, 3, 3, 1, 1, 3, 3, 3, 3, 8},        // generic taps, stride 3
        {1, 5, 2, 3, 5, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 5},          // tiny: every pixel an edge
        {1, 7, 1, 1, 7, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 7},          // one pixel, all padding around
        {1, 3, 6, 5, 3, 1, 3, 1, 2, 1, 1, 0, 1, 0, 1, 3},          // 1x3 window
        {1, 48, 30, 31, 48, 3, 3, 1, 1, 1, 1, 0, 0, 0, 0, 48},     // no padding, long interior rows
        {2, 6, 9, 8, 12, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 6},         // channel multiplier 2
        {1, 5, 11, 10, 15, 5, 5, 2, 2, 1, 1, 2, 2, 2, 2, 5},       // multiplier 3, 5x5 stride 2
    };
    for (const Case& k : cases) check_case(Path::Depthwise, k);
}

TEST(ConvNhwc, DepthwiseFusedEpilogues) {
    const Case k{1, 19, 8, 9, 19, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 19};
    ConvEpilogue relu6;
    relu6.act = ConvActivation::Clip;
    relu6.alpha = 0.0f;
    relu6.beta = 0.6f;
    check_case(Path::Depthwise, k, relu6);
    ConvEpilogue res_relu;  // relu(conv + residual): the kernel must not clamp first
    res_relu.act = ConvActivation::Relu;
    res_relu.has_residual = true;
    check_case(Path::Depthwise, k, res_relu);
    ConvEpilogue swish_then_add;
    swish_then_add.act = ConvActivation::SiLU;
    swish_then_add.has_residual = true;
    swish_then_add.residual_before_act = false;
    check_case(Path::Depthwise, k, swish_then_add, false);
}

// ---------------------------------------------------------------- GEMM

TEST(ConvNhwc, GemmMatchesReference) {
    const Case cases[] = {
        {1, 13, 7, 9, 17, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1},        // pointwise: A is the input
        {2, 16, 6, 6, 33, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1},        // pointwise, batch
        {1, 13, 9, 8, 11, 1, 1, 2, 2, 1, 1, 0, 0, 0, 0, 1},        // strided 1x1 through the packer
        {1, 13, 9, 11, 13, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1},
        {1, 8, 14, 14, 24, 3, 3, 2, 2, 1, 1, 1, 1, 0, 0, 1},       // stride 2, asymmetric pads
        {1, 3, 23, 23, 16, 7, 7, 2, 2, 1, 1, 3, 3, 3, 3, 1},       // the stem's shape, small
        {1, 6, 10, 12, 7, 5, 5, 1, 1, 1, 1, 2, 2, 2, 2, 1},
        {1, 5, 13, 13, 9, 3, 3, 3, 3, 1, 1, 0, 2, 1, 0, 1},        // stride 3
        {1, 7, 11, 11, 5, 3, 3, 1, 1, 2, 3, 2, 3, 2, 3, 1},        // dilations
        {3, 12, 5, 7, 18, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 3},        // groups, batch
        {1, 26, 6, 6, 26, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 2},        // 2 groups of 13
        {1, 130, 5, 5, 20, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1},       // K = 1170 > kc
        {1, 4, 1, 1, 3, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1},          // a single pixel
        {1, 4, 2, 2, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1},          // tiny: all padding
        {1, 8, 40, 40, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1},       // large spatial
        {1, 32, 4, 3, 64, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1},        // M = 12 = MR (AVX-512)
        {1, 32, 13, 1, 64, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1},       // M = 13
        {1, 32, 11, 1, 31, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1},       // M = 11, N = 31
    };
    for (const Case& k : cases) check_case(Path::Gemm, k);
}

TEST(ConvNhwc, GemmFusedEpilogues) {
    const Case k{1, 10, 7, 8, 21, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    const ConvActivation acts[] = {ConvActivation::Relu,      ConvActivation::Clip,
                                   ConvActivation::LeakyRelu, ConvActivation::Sigmoid,
                                   ConvActivation::SiLU,      ConvActivation::HardSigmoid,
                                   ConvActivation::HardSwish, ConvActivation::Gelu};
    for (ConvActivation a : acts)
        for (int residual = 0; residual < 3; ++residual) {
            ConvEpilogue e;
            e.act = a;
            e.alpha = a == ConvActivation::Clip ? -0.5f : 0.2f;
            e.beta = a == ConvActivation::Clip ? 0.5f : 0.5f;
            e.has_residual = residual > 0;
            e.residual_before_act = residual == 1;
            SCOPED_TRACE("activation " + std::to_string(int(a)) + " residual " + std::to_string(residual));
            check_case(Path::Gemm, k, e);
        }
}

// ---------------------------------------------------------------- Winograd

// F(4×4, 3×3) against the reference: |err| ≤ 2e-5 · (Σ|x·w| + |b| + 1), twice the
// 1e-5 of direct convolution. The worst seen on these shapes is printed.
TEST(ConvNhwc, WinogradErrorIsBounded) {
    const Case cases[] = {
        {1, 13, 9, 11, 17, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1},      // partial tiles on both axes
        {2, 16, 8, 8, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1},       // whole tiles, batch
        {1, 64, 14, 14, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1},
        {1, 256, 7, 7, 40, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1},      // K = C = 256
        {1, 5, 10, 7, 3, 3, 3, 1, 1, 1, 1, 0, 2, 1, 0, 1},        // asymmetric pads
        {1, 4, 3, 3, 2, 3, 3, 1, 1, 1, 1, 0, 0, 0, 0, 1},         // one output pixel
        {1, 8, 33, 29, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1},       // several tile blocks
    };
    double worst = 0;
    for (const Case& k : cases) worst = std::max(worst, check_case(Path::Winograd, k, {}, true, 2e-5));
    ConvEpilogue relu6;
    relu6.act = ConvActivation::Clip;
    relu6.beta = 0.25f;
    worst = std::max(worst, check_case(Path::Winograd, cases[0], relu6, true, 2e-5));
    ConvEpilogue res;
    res.act = ConvActivation::Relu;
    res.has_residual = true;
    worst = std::max(worst, check_case(Path::Winograd, cases[1], res, false, 2e-5));
    std::printf("[          ] Winograd F(4x4,3x3): worst |err| / sum|x*w| = %.2e\n", worst);
}

// ---------------------------------------------------------------- direct

TEST(ConvNhwc, DirectMatchesReference) {
    // Tile rows MR (12 on AVX-512, 6 on AVX2) ± 1 along the output width;
    // out_c below, at and above the two-vector tile; vertical padding rows
    // dropped from the sum; strides, asymmetric pads, batch.
    const Case cases[] = {
        {1, 3, 29, 29, 64, 7, 7, 2, 2, 1, 1, 3, 3, 3, 3, 1},       // the stem, small
        {2, 3, 13, 25, 32, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1},       // MobileNetV2's stem, OW = 13
        {1, 1, 9, 12, 5, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1},         // OW = 12, OC = 5
        {1, 4, 8, 11, 33, 5, 5, 1, 1, 1, 1, 2, 0, 1, 2, 1},        // OW = 9 + tail, OC = 33
        {1, 8, 7, 7, 17, 3, 3, 1, 3, 2, 1, 2, 1, 2, 1, 1},         // vertical dilation, stride 3
        {1, 2, 5, 6, 48, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1},         // 1x1
        {1, 3, 3, 4, 16, 3, 3, 1, 1, 1, 1, 2, 2, 2, 2, 1},         // more padding than image
    };
    for (const Case& k : cases) check_case(Path::Direct, k);
    ConvEpilogue res;
    res.act = ConvActivation::HardSwish;
    res.has_residual = true;
    check_case(Path::Direct, cases[1], res);
}

// ---------------------------------------------------------------- the op

// Conv with layout NHWC (as the layout pass sets it) against the NCHW op:
// depthwise, direct, GEMM and Winograd algorithms, picked by the op from the weights.
TEST(ConvNhwc, OpMatchesNchwOp) {
    struct OpCase {
        Shape x, w;
        std::vector<int64_t> strides, pads, dilations;
        int64_t group;
    };
    const OpCase cases[] = {
        {{2, 13, 9, 10}, {13, 1, 3, 3}, {1, 1}, {1, 1, 1, 1}, {1, 1}, 13},
        {{1, 16, 9, 9}, {16, 1, 5, 5}, {2, 2}, {2, 2, 2, 2}, {1, 1}, 16},
        {{1, 7, 8, 9}, {21, 1, 3, 3}, {1, 1}, {1, 1, 1, 1}, {1, 1}, 7},  // depthwise, multiplier 3
        {{1, 13, 9, 10}, {20, 13, 3, 3}, {1, 1}, {0, 1, 1, 0}, {1, 1}, 1},
        {{1, 12, 8, 8}, {8, 3, 3, 3}, {2, 1}, {1, 1, 1, 1}, {2, 1}, 4},
        {{1, 24, 6, 6}, {12, 24, 1, 1}, {1, 1}, {0, 0, 0, 0}, {1, 1}, 1},
        {{2, 16, 9, 10}, {24, 16, 3, 3}, {1, 1}, {1, 1, 1, 1}, {1, 1}, 1},  // Winograd
        {{1, 3, 17, 17}, {40, 3, 7, 7}, {2, 2}, {3, 3, 3, 3}, {1, 1}, 1},   // direct (stem)
    };
    for (const OpCase& c : cases) {
        const Tensor x = Tensor::from_vector<float>(c.x, random_floats(size_t(checked_numel(c.x)), 5));
        const Tensor w = Tensor::from_vector<float>(c.w, random_floats(size_t(checked_numel(c.w)), 6));
        const Tensor b = Tensor::from_vector<float>({c.w[0]}, random_floats(size_t(c.w[0]), 7));
        const std::vector<rt::Attribute> attrs{attr_ints("strides", c.strides), attr_ints("pads", c.pads),
                                               attr_ints("dilations", c.dilations), attr_int("group", c.group)};
        const Tensor want = run_op(node("Conv", 11, 1, attrs), {x, w, b}).at(0);
        const Shape xh = kernels::permuted_shape(c.x, kernels::nchw_to_nhwc_perm(4));
        std::vector<float> xv(x.data<float>(), x.data<float>() + x.numel());
        const Tensor x_nhwc = Tensor::from_vector<float>(xh, transpose(xv, c.x, kernels::nchw_to_nhwc_perm(4)));
        rt::NodeDef n = node("Conv", 11, 1, attrs);
        n.layout = rt::Layout::NHWC;
        const Tensor got = run_op(n, {x_nhwc, w, b}).at(0);
        const Shape ys = kernels::permuted_shape(want.shape(), kernels::nchw_to_nhwc_perm(4));
        ASSERT_EQ(got.shape(), ys);
        std::vector<float> wv(want.data<float>(), want.data<float>() + want.numel());
        const auto want_nhwc = transpose(wv, want.shape(), kernels::nchw_to_nhwc_perm(4));
        // The kernel tests' bound, 2e-5 · Σ|x·w|, with Σ|x·w| ≈ K/4 for uniform [-1, 1] data.
        const double terms = double(c.w[1] * c.w[2] * c.w[3]);
        for (size_t i = 0; i < want_nhwc.size(); ++i)
            ASSERT_NEAR(got.data<float>()[i], want_nhwc[i], 2e-5 * (1 + terms / 4))
                << shape_str(c.x) << " at " << i;
    }
}

// Double and 1-D/3-D convolutions in NHWC take the reference path; a fused
// residual + Relu works in both layouts.
TEST(ConvNhwc, OpFallbacksAndFusedResidual) {
    const Shape xs{1, 7, 5, 6};
    const Tensor x = Tensor::from_vector<double>(xs, std::vector<double>(210, 0.5));
    const Tensor w = Tensor::from_vector<double>({3, 7, 3, 3}, std::vector<double>(189, 0.25));
    rt::NodeDef n = node("Conv", 11, 1, {attr_ints("pads", {1, 1, 1, 1})});
    const Tensor want = run_op(n, {x, w}).at(0);
    n.layout = rt::Layout::NHWC;
    const Tensor xh = Tensor::from_vector<double>({1, 5, 6, 7}, std::vector<double>(210, 0.5));
    const Tensor got = run_op(n, {xh, w}).at(0);
    ASSERT_EQ(got.shape(), (Shape{1, 5, 6, 3}));
    EXPECT_DOUBLE_EQ(got.data<double>()[0], want.data<double>()[0]);  // corner: 4 taps · 7 ch

    // relu(conv + r) with residual -1 everywhere, NCHW and NHWC.
    const Tensor xf = Tensor::from_vector<float>({1, 2, 3, 3}, std::vector<float>(18, 1.0f));
    const Tensor wf = Tensor::from_vector<float>({2, 2, 1, 1}, {1, 0, 0, -1});
    const Tensor rf = Tensor::from_vector<float>({1, 2, 3, 3}, std::vector<float>(18, -0.5f));
    rt::NodeDef f = node("Conv", 11);
    f.fused.act = rt::FusedActivation::Relu;
    f.fused.has_residual = true;
    const Tensor yf = run_op(f, {xf, wf, rf}).at(0);
    for (int i = 0; i < 9; ++i) EXPECT_EQ(yf.data<float>()[i], 0.5f);
    for (int i = 9; i < 18; ++i) EXPECT_EQ(yf.data<float>()[i], 0.0f);
    f.layout = rt::Layout::NHWC;
    const Tensor rh = Tensor::from_vector<float>({1, 3, 3, 2}, std::vector<float>(18, -0.5f));
    const Tensor yh = run_op(f, {Tensor::from_vector<float>({1, 3, 3, 2}, std::vector<float>(18, 1.0f)), wf, rh}).at(0);
    for (int i = 0; i < 18; ++i) EXPECT_EQ(yh.data<float>()[i], i % 2 ? 0.0f : 0.5f);
}

}  // namespace
}  // namespace vireo::test
