// f32 NHWC pooling kernels against the reference pools (kernels/ref/pool.hpp)
// for every ISA this machine has, with inputs and outputs ending at a guard page.
//
// Max pooling must match exactly. Average pooling sums in the reference's tap
// order and divides like it, so it is held to a relative 1e-6 (it is bitwise
// equal on every shape here; the bound leaves room for a compiler contracting
// differently). Global average sums in double, as the reference does.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "kernels/dispatch.hpp"
#include "kernels/f32-conv/conv_nhwc.hpp"
#include "kernels/ref/pool.hpp"
#include "kernels/ref/transpose.hpp"
#include "runtime/ops/util.hpp"
#include "tests/kernels/guard_buffer.hpp"
#include "tests/ops/op_harness.hpp"

namespace vireo::test {
namespace {

using kernels::Isa;

std::vector<Isa> isas() {
    std::vector<Isa> r{Isa::Scalar};
    if (int(kernels::detected_isa()) >= int(Isa::Avx2) && kernels::detected_isa() != Isa::Neon)
        r.push_back(Isa::Avx2);
    if (kernels::detected_isa() == Isa::Avx512) r.push_back(Isa::Avx512);
    return r;
}

struct Serial {
    template <class F>
    void operator()(int64_t n, int64_t, const F& fn) const {
        if (n > 0) fn(int64_t(0), n);
    }
};

// Irregular chunks in reverse order (see conv_test.cpp).
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

std::vector<float> transpose(const std::vector<float>& v, const std::vector<int64_t>& shape,
                             const std::vector<int64_t>& perm) {
    std::vector<float> r(v.size());
    kernels::ref::transpose<float>(v.data(), r.data(), shape, perm);
    return r;
}

struct PoolCase {
    size_t n, c, h, w, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr;
    bool ceil_mode;
    std::string name() const {
        auto s = [](size_t v) { return std::to_string(v); };
        return "n" + s(n) + "c" + s(c) + "_" + s(h) + "x" + s(w) + "_k" + s(kh) + s(kw) + "_s" +
               s(sh) + s(sw) + "_d" + s(dh) + s(dw) + "_p" + s(pt) + s(pl) + s(pb) + s(pr) +
               (ceil_mode ? "_ceil" : "");
    }
    ref::WindowGeometry geometry() const {
        ref::WindowGeometry g;
        g.image = {int64_t(h), int64_t(w)};
        g.kernel = {int64_t(kh), int64_t(kw)};
        g.stride = {int64_t(sh), int64_t(sw)};
        g.dilation = {int64_t(dh), int64_t(dw)};
        g.pad_begin = {int64_t(pt), int64_t(pl)};
        g.pad_end = {int64_t(pb), int64_t(pr)};
        ref::resolve_forward_window(g, ref::AutoPad::NotSet, ceil_mode, "test");
        return g;
    }
};

// {n, c, h, w, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr, ceil_mode}
const PoolCase kCases[] = {
    {1, 13, 9, 11, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, false},
    {2, 64, 12, 12, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, false},   // the ResNet stem pool, batch 2
    {1, 17, 10, 9, 2, 2, 2, 2, 1, 1, 0, 0, 0, 0, true},     // ceil_mode, odd extent
    {1, 5, 11, 12, 3, 2, 3, 2, 1, 1, 0, 1, 2, 0, true},     // asymmetric pads, stride 3
    {1, 24, 13, 13, 5, 5, 1, 1, 1, 1, 2, 2, 2, 2, false},
    {1, 9, 12, 10, 3, 3, 2, 2, 2, 2, 2, 1, 1, 2, false},    // dilations
    {1, 31, 2, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, false},     // tiny: every pixel an edge
    {1, 33, 7, 7, 7, 7, 1, 1, 1, 1, 0, 0, 0, 0, false},     // one window covering the image
    {3, 3, 20, 21, 1, 1, 2, 2, 1, 1, 0, 0, 0, 0, false},    // 1x1 subsampling
};

template <bool kMax, class Exec>
std::vector<float> run_pool(const kernels::KernelTable& kt, const PoolCase& k,
                            const ref::WindowGeometry& g, const GuardBuffer<float>& x,
                            bool include_pad, Exec exec) {
    const auto p = kernels::Pool2d::from(g, int64_t(k.n), int64_t(k.c));
    GuardBuffer<float> y(k.n * size_t(g.grid_size()) * k.c, std::nanf(""));
    kernels::pool_nhwc<kMax>(kt.conv, p, x.data(), y.data(), include_pad, exec);
    return y.to_vector();
}

template <bool kMax>
void check_pool(const PoolCase& k, bool include_pad, std::vector<float> xv) {
    const ref::WindowGeometry g = k.geometry();
    const std::vector<int64_t> xs{int64_t(k.n), int64_t(k.h), int64_t(k.w), int64_t(k.c)};
    const std::vector<float> x_nchw = transpose(xv, xs, kernels::nhwc_to_nchw_perm(4));
    std::vector<float> want_nchw(k.n * k.c * size_t(g.grid_size()));
    if constexpr (kMax)
        ref::max_pool<float>(g, int64_t(k.n * k.c), x_nchw.data(), want_nchw.data());
    else
        ref::avg_pool<float>(g, int64_t(k.n * k.c), x_nchw.data(), want_nchw.data(), include_pad);
    const std::vector<int64_t> ys{int64_t(k.n), int64_t(k.c), g.grid[0], g.grid[1]};
    const std::vector<float> want = transpose(want_nchw, ys, kernels::nchw_to_nhwc_perm(4));
    const GuardBuffer<float> x(xv);
    for (Isa isa : isas()) {
        SCOPED_TRACE(std::string(kernels::isa_name(isa)) + " " + k.name() +
                     (include_pad ? " count_include_pad" : ""));
        const auto& kt = kernels::kernel_table(isa);
        const auto got = run_pool<kMax>(kt, k, g, x, include_pad, Serial{});
        ASSERT_EQ(got.size(), want.size());
        for (size_t i = 0; i < got.size(); ++i) {
            if (std::isnan(want[i])) {
                ASSERT_TRUE(std::isnan(got[i])) << "at " << i;
            } else if (kMax) {
                ASSERT_EQ(got[i], want[i]) << "at " << i;
            } else {
                ASSERT_NEAR(got[i], want[i], 1e-6 * std::fabs(want[i])) << "at " << i;
            }
        }
        const auto split = run_pool<kMax>(kt, k, g, x, include_pad, Chunked{});
        ASSERT_EQ(0, std::memcmp(got.data(), split.data(), got.size() * sizeof(float)))
            << "result depends on the task split";
    }
}

TEST(PoolNhwc, MaxMatchesReference) {
    for (const PoolCase& k : kCases)
        check_pool<true>(k, false, random_floats(k.n * k.h * k.w * k.c, uint32_t(k.c + k.h)));
}

TEST(PoolNhwc, MaxPropagatesNaN) {
    const PoolCase k{1, 19, 6, 7, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, false};
    auto x = random_floats(k.n * k.h * k.w * k.c, 3);
    // NaN in a corner (edge windows), mid-image (interior runs) and in the channel tail.
    for (size_t i : {size_t(0), size_t((3 * 7 + 3) * 19 + 5), size_t((2 * 7 + 4) * 19 + 18)})
        x[i] = std::nanf("");
    x[(1 * 7 + 1) * 19 + 2] = std::numeric_limits<float>::infinity();
    check_pool<true>(k, false, x);
}

TEST(PoolNhwc, AverageMatchesReference) {
    for (const PoolCase& k : kCases)
        for (bool include_pad : {false, true})
            check_pool<false>(k, include_pad, random_floats(k.n * k.h * k.w * k.c, uint32_t(k.c + k.w)));
}

TEST(PoolNhwc, GlobalPoolsMatchReference) {
    struct G {
        size_t n, pixels, c;
    };
    for (const G& k : {G{1, 49, 13}, G{2, 3136, 64}, G{1, 1, 200}, G{3, 7, 1}, G{1, 49, 2048}}) {
        auto xv = random_floats(k.n * k.pixels * k.c, uint32_t(k.c));
        if (k.c == 13) xv[5 * 13 + 12] = std::nanf("");  // tail lane
        const std::vector<int64_t> xs{int64_t(k.n), int64_t(k.pixels), int64_t(k.c)};
        const auto x_nchw = transpose(xv, xs, {0, 2, 1});
        std::vector<float> want_avg(k.n * k.c), want_max(k.n * k.c);
        ref::global_avg_pool<float>(int64_t(k.n * k.c), int64_t(k.pixels), x_nchw.data(), want_avg.data());
        ref::global_max_pool<float>(int64_t(k.n * k.c), int64_t(k.pixels), x_nchw.data(), want_max.data());
        const GuardBuffer<float> x(xv);
        for (Isa isa : isas()) {
            SCOPED_TRACE(std::string(kernels::isa_name(isa)) + " c=" + std::to_string(k.c));
            const auto& kt = kernels::kernel_table(isa);
            GuardBuffer<float> avg(k.n * k.c), mx(k.n * k.c);
            kernels::global_pool_nhwc<false>(kt.conv, k.n, k.pixels, k.c, x.data(), avg.data(), Chunked{});
            kernels::global_pool_nhwc<true>(kt.conv, k.n, k.pixels, k.c, x.data(), mx.data(), Chunked{});
            for (size_t i = 0; i < k.n * k.c; ++i) {
                if (std::isnan(want_avg[i])) ASSERT_TRUE(std::isnan(avg[i])) << i;
                else ASSERT_EQ(avg[i], want_avg[i]) << i;  // the same double sums
                if (std::isnan(want_max[i])) ASSERT_TRUE(std::isnan(mx[i])) << i;
                else ASSERT_EQ(mx[i], want_max[i]) << i;
            }
        }
    }
}

// The pool ops with layout NHWC (as the layout pass sets it) against NCHW.
TEST(PoolNhwc, OpsMatchNchwOps) {
    const Shape xs{2, 13, 9, 10};
    const auto xv = random_floats(size_t(checked_numel(xs)), 11);
    const Tensor x = Tensor::from_vector<float>(xs, xv);
    const Shape xhs = kernels::permuted_shape(xs, kernels::nchw_to_nhwc_perm(4));
    const Tensor xh = Tensor::from_vector<float>(xhs, transpose(xv, xs, kernels::nchw_to_nhwc_perm(4)));
    const std::vector<std::pair<std::string, std::vector<rt::Attribute>>> ops = {
        {"MaxPool", {attr_ints("kernel_shape", {3, 3}), attr_ints("strides", {2, 2}), attr_ints("pads", {1, 1, 1, 1})}},
        {"MaxPool", {attr_ints("kernel_shape", {2, 3}), attr_int("ceil_mode", 1), attr_ints("strides", {2, 2})}},
        {"AveragePool", {attr_ints("kernel_shape", {3, 3}), attr_ints("pads", {1, 0, 0, 1}), attr_int("count_include_pad", 1)}},
        {"AveragePool", {attr_ints("kernel_shape", {3, 2}), attr_ints("pads", {1, 1, 1, 1})}},
        {"GlobalAveragePool", {}},
        {"GlobalMaxPool", {}},
    };
    for (const auto& [op, attrs] : ops) {
        SCOPED_TRACE(op);
        const Tensor want = run_op(node(op, 12, 1, attrs), {x}).at(0);
        rt::NodeDef n = node(op, 12, 1, attrs);
        n.layout = rt::Layout::NHWC;
        const Tensor got = run_op(n, {xh}).at(0);
        ASSERT_EQ(got.shape(), kernels::permuted_shape(want.shape(), kernels::nchw_to_nhwc_perm(4)));
        std::vector<float> wv(want.data<float>(), want.data<float>() + want.numel());
        const auto want_nhwc = transpose(wv, want.shape(), kernels::nchw_to_nhwc_perm(4));
        for (size_t i = 0; i < want_nhwc.size(); ++i)
            ASSERT_NEAR(got.data<float>()[i], want_nhwc[i], 1e-6 * std::fabs(want_nhwc[i])) << i;
    }
    // MaxPool with Indices in NHWC keeps the NCHW index meaning (reference path).
    rt::NodeDef n = node("MaxPool", 12, 2, {attr_ints("kernel_shape", {2, 2})});
    const auto want = run_op(n, {x});
    n.layout = rt::Layout::NHWC;
    const auto got = run_op(n, {xh});
    const Shape ys = want[1].shape();
    const int64_t C = ys[1], P = ys[2] * ys[3];
    for (int64_t b = 0; b < ys[0]; ++b)
        for (int64_t c = 0; c < C; ++c)
            for (int64_t i = 0; i < P; ++i)
                ASSERT_EQ(got[1].data<int64_t>()[(b * P + i) * C + c],
                          want[1].data<int64_t>()[(b * C + c) * P + i]);
}

}  // namespace
}  // namespace vireo::test
