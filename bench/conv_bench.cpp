// vireo bench — the NHWC f32 convolutions (kernels/f32-conv) single-threaded,
// per ISA, on the convolution layers of ResNet-50 and MobileNetV2, and the
// NHWC pools.
//
// Names: BM_VireoConv/<isa>/<layer> (depthwise kernels, the direct kernel for
// few input channels, or GEMM + im2col), BM_VireoConvGemm/<isa>/<layer> (the
// GEMM path where the direct kernel would be chosen),
// BM_VireoConvWinograd/<isa>/<layer> (3×3 stride-1 layers through Winograd
// F(4×4, 3×3)), BM_VireoPool/<isa>/<layer>. Weights are
// packed outside the timed loop (as Op::prepare() does once per session);
// activations are NHWC, so the boundary transposes of a whole model are not
// included (compare.py's single-op models measure those).
// Counters: GFLOP/s and pct_peak against the FMA peak of the same ISA measured
// in this run (bench/peak.hpp); pools report bytes/s.
#include <random>
#include <string>
#include <vector>

#include "bench/peak.hpp"
#include "kernels/dispatch.hpp"
#include "kernels/f32-conv/conv_nhwc.hpp"

namespace vireo::bench {
namespace {

struct ConvLayer {
    const char* name;
    int64_t in_c, out_c, hw, kernel, stride, pad, group;
};

// Issue 3's targets first, then the rest of the two networks' distinct layers.
const ConvLayer kLayers[] = {
    {"resnet50_3x3_64ch_56", 64, 64, 56, 3, 1, 1, 1},
    {"resnet50_3x3_256ch_14", 256, 256, 14, 3, 1, 1, 1},
    {"resnet50_1x1_1024to256_14", 1024, 256, 14, 1, 1, 0, 1},
    {"resnet50_stem_7x7s2_224", 3, 64, 224, 7, 2, 3, 1},
    {"mnv2_dw3x3_32ch_112_s1", 32, 32, 112, 3, 1, 1, 32},
    {"mnv2_dw3x3_144ch_56_s2", 144, 144, 56, 3, 2, 1, 144},
    {"resnet50_1x1_64to64_56", 64, 64, 56, 1, 1, 0, 1},
    {"resnet50_1x1_64to256_56", 64, 256, 56, 1, 1, 0, 1},
    {"resnet50_1x1_256to64_56", 256, 64, 56, 1, 1, 0, 1},
    {"resnet50_3x3_128ch_28", 128, 128, 28, 3, 1, 1, 1},
    {"resnet50_1x1_128to512_28", 128, 512, 28, 1, 1, 0, 1},
    {"resnet50_1x1_512to128_28", 512, 128, 28, 1, 1, 0, 1},
    {"resnet50_1x1_256to1024_14", 256, 1024, 14, 1, 1, 0, 1},
    {"resnet50_3x3_512ch_7", 512, 512, 7, 3, 1, 1, 1},
    {"resnet50_1x1_512to2048_7", 512, 2048, 7, 1, 1, 0, 1},
    {"resnet50_1x1_2048to512_7", 2048, 512, 7, 1, 1, 0, 1},
    {"resnet50_3x3s2_128ch_56", 128, 128, 56, 3, 2, 1, 1},
    {"mnv2_stem_3x3s2_224", 3, 32, 224, 3, 2, 1, 1},
    {"mnv2_pw_32to16_112", 32, 16, 112, 1, 1, 0, 1},
    {"mnv2_pw_16to96_112", 16, 96, 112, 1, 1, 0, 1},
    {"mnv2_pw_24to144_56", 24, 144, 56, 1, 1, 0, 1},
    {"mnv2_pw_144to24_56", 144, 24, 56, 1, 1, 0, 1},
    {"mnv2_pw_960to160_7", 960, 160, 7, 1, 1, 0, 1},
    {"mnv2_dw3x3_96ch_112_s2", 96, 96, 112, 3, 2, 1, 96},
    {"mnv2_dw3x3_144ch_56_s1", 144, 144, 56, 3, 1, 1, 144},
    {"mnv2_dw3x3_192ch_28_s1", 192, 192, 28, 3, 1, 1, 192},
    {"mnv2_dw3x3_576ch_14_s1", 576, 576, 14, 3, 1, 1, 576},
    {"mnv2_dw3x3_960ch_7_s1", 960, 960, 7, 3, 1, 1, 960},
};

std::vector<float> random_floats(size_t n, unsigned seed) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> u(-1.f, 1.f);
    std::vector<float> v(n);
    for (auto& x : v) x = u(rng);
    return v;
}

struct Serial {
    template <class F>
    void operator()(int64_t n, int64_t, const F& fn) const {
        if (n > 0) fn(int64_t(0), n);
    }
};

ref::WindowGeometry geometry(int64_t hw, int64_t kernel, int64_t stride, int64_t pad) {
    ref::WindowGeometry g;
    g.image = {hw, hw};
    g.kernel = {kernel, kernel};
    g.stride = {stride, stride};
    g.dilation = {1, 1};
    g.pad_begin = {pad, pad};
    g.pad_end = {pad, pad};
    ref::resolve_forward_window(g, ref::AutoPad::NotSet, false, "bench");
    return g;
}

enum class Algo { Auto, Winograd, Gemm };

void run_conv(benchmark::State& state, Isa isa, ConvLayer l, Algo algo) {
    const auto& kt = kernels::kernel_table(isa);
    const ref::WindowGeometry g = geometry(l.hw, l.kernel, l.stride, l.pad);
    const kernels::Conv2d s = kernels::Conv2d::from(g, 1, l.in_c, l.out_c, l.group);
    const size_t taps = s.taps(), cg = s.in_c / s.group;
    const auto x = random_floats(s.in_h * s.in_w * s.in_c, 1);
    const auto w = random_floats(s.out_c * cg * taps, 2);
    const auto b = random_floats(s.out_c, 3);
    std::vector<float> y(s.out_h * s.out_w * s.out_c);
    kernels::ConvEpilogue relu;  // as the networks run them: bias + ReLU fused
    relu.act = kernels::ConvActivation::Relu;
    if (algo == Algo::Auto && kernels::direct_applies(kt.conv, s.in_c, s.group, s.kernel_w, s.dilation_w)) {
        const auto packed = kernels::pack_direct_weights(kt.conv, w.data(), b.data(), s.out_c, s.in_c,
                                                         s.kernel_h, s.kernel_w);
        for (auto _ : state) {
            kernels::conv_direct_nhwc(kt.conv, s, x.data(), packed, y.data(), relu, nullptr, Serial{});
            benchmark::ClobberMemory();
        }
        state.SetLabel("direct");
    } else if (algo == Algo::Winograd) {
        const auto packed = kernels::pack_winograd_weights(kt.gemm, w.data(), s.out_c, s.in_c);
        for (auto _ : state) {
            kernels::conv_winograd_nhwc(kt.conv, kt.gemm, s, x.data(), packed, b.data(), y.data(),
                                        relu, nullptr, Serial{});
            benchmark::ClobberMemory();
        }
        state.SetLabel("winograd F(4x4,3x3), direct-conv flops");
    } else if (kernels::is_depthwise(s)) {
        const auto packed = kernels::pack_dwconv_weights(w.data(), b.data(), s.in_c, taps);
        for (auto _ : state) {
            kernels::dwconv_nhwc(kt.conv, s, x.data(), packed.data(), y.data(), relu, nullptr, Serial{});
            benchmark::ClobberMemory();
        }
        state.SetLabel("depthwise");
    } else {
        const auto packed = kernels::pack_conv_weights(kt.gemm, w.data(), s.out_c, cg, taps, s.group);
        for (auto _ : state) {
            kernels::conv_gemm_nhwc(kt.gemm, s, x.data(), packed, b.data(), y.data(), relu, nullptr,
                                    Serial{});
            benchmark::ClobberMemory();
        }
        state.SetLabel(kernels::is_pointwise(s) ? "gemm" : "gemm+im2col");
    }
    set_flop_counters(state, 2.0 * double(s.out_h * s.out_w * s.out_c) * double(cg * taps), isa);
}

struct PoolLayer {
    const char* name;
    int64_t channels, hw, kernel, stride, pad;
    bool max;
};

const PoolLayer kPools[] = {
    {"resnet50_maxpool3x3s2_64ch_112", 64, 112, 3, 2, 1, true},
    {"avgpool3x3s1_256ch_28", 256, 28, 3, 1, 1, false},
};

void run_pool(benchmark::State& state, Isa isa, PoolLayer l) {
    const auto& kt = kernels::kernel_table(isa);
    const ref::WindowGeometry g = geometry(l.hw, l.kernel, l.stride, l.pad);
    const auto p = kernels::Pool2d::from(g, 1, l.channels);
    const auto x = random_floats(size_t(l.hw * l.hw * l.channels), 1);
    std::vector<float> y(size_t(g.grid_size() * l.channels));
    for (auto _ : state) {
        if (l.max) kernels::pool_nhwc<true>(kt.conv, p, x.data(), y.data(), false, Serial{});
        else kernels::pool_nhwc<false>(kt.conv, p, x.data(), y.data(), false, Serial{});
        benchmark::ClobberMemory();
    }
    state.SetBytesProcessed(int64_t(state.iterations()) * int64_t((x.size() + y.size()) * sizeof(float)));
}

void run_global_pool(benchmark::State& state, Isa isa, bool max) {
    const auto& kt = kernels::kernel_table(isa);
    const size_t pixels = 49, channels = 2048;
    const auto x = random_floats(pixels * channels, 1);
    std::vector<float> y(channels);
    for (auto _ : state) {
        if (max) kernels::global_pool_nhwc<true>(kt.conv, 1, pixels, channels, x.data(), y.data(), Serial{});
        else kernels::global_pool_nhwc<false>(kt.conv, 1, pixels, channels, x.data(), y.data(), Serial{});
        benchmark::ClobberMemory();
    }
    state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(x.size() * sizeof(float)));
}

const bool registered = [] {
    for (Isa isa : available_isas()) {
        const std::string prefix = std::string("/") + kernels::isa_name(isa) + "/";
        for (const ConvLayer& l : kLayers) {
            benchmark::RegisterBenchmark(("BM_VireoConv" + prefix + l.name).c_str(), run_conv, isa, l,
                                         Algo::Auto)
                ->Unit(benchmark::kMicrosecond);
            if (kernels::direct_applies(kernels::kernel_table(isa).conv, size_t(l.in_c), size_t(l.group),
                                        size_t(l.kernel), 1))
                benchmark::RegisterBenchmark(("BM_VireoConvGemm" + prefix + l.name).c_str(), run_conv,
                                             isa, l, Algo::Gemm)
                    ->Unit(benchmark::kMicrosecond);
            if (l.kernel == 3 && l.stride == 1 && l.group == 1)
                benchmark::RegisterBenchmark(("BM_VireoConvWinograd" + prefix + l.name).c_str(), run_conv,
                                             isa, l, Algo::Winograd)
                    ->Unit(benchmark::kMicrosecond);
        }
        for (const PoolLayer& l : kPools)
            benchmark::RegisterBenchmark(("BM_VireoPool" + prefix + l.name).c_str(), run_pool, isa, l)
                ->Unit(benchmark::kMicrosecond);
        for (bool max : {false, true})
            benchmark::RegisterBenchmark(
                ("BM_VireoPool" + prefix + (max ? "global_max_2048ch_7" : "global_avg_2048ch_7")).c_str(),
                run_global_pool, isa, max)
                ->Unit(benchmark::kMicrosecond);
    }
    return true;
}();

}  // namespace
}  // namespace vireo::bench
