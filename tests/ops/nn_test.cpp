// nn family (Conv, ConvTranspose, Gemm, MatMul, pools, LRN) and its reference
// kernels: checks against naive loops, blocking invariance, integer and legacy
// forms, and the error paths the ONNX backend cases do not cover.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include "kernels/ref/conv.hpp"
#include "kernels/ref/gemm.hpp"
#include "kernels/ref/pool.hpp"
#include "runtime/ops/util.hpp"
#include "tests/ops/op_harness.hpp"

namespace vireo::test {
namespace {

template <class T>
std::vector<T> values(const Tensor& t) {
    EXPECT_EQ(t.dtype(), dtype_of<T>);
    const T* p = static_cast<const T*>(t.raw());
    return std::vector<T>(p, p + t.numel());
}

template <class T>
Tensor random_tensor(Shape shape, uint32_t seed) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<double> u(-1, 1);
    std::vector<T> v(size_t(checked_numel(shape)));
    for (auto& x : v) x = T(u(rng));
    return Tensor::from_vector<T>(std::move(shape), v);
}

template <class T>
Tensor iota(Shape shape, T start = T(0)) {
    std::vector<T> v(size_t(checked_numel(shape)));
    for (size_t i = 0; i < v.size(); ++i) v[i] = T(start + T(i));
    return Tensor::from_vector<T>(std::move(shape), v);
}

Tensor one(const std::string& op, int opset, std::vector<Tensor> in,
           std::vector<rt::Attribute> attrs = {}) {
    return run_op(node(op, opset, 1, std::move(attrs)), in).at(0);
}

void expect_near_all(const std::vector<float>& got, const std::vector<double>& want,
                     double tol = 1e-4) {
    ASSERT_EQ(got.size(), want.size());
    for (size_t i = 0; i < got.size(); ++i)
        ASSERT_NEAR(got[i], want[i], tol * (1 + std::fabs(want[i]))) << "at " << i;
}

// ------------------------------------------------------------------ naive oracles

// Direct convolution over every output element (double accumulation).
// Layout as ONNX Conv; pad_begin per axis.
std::vector<double> naive_conv(const Tensor& x, const Tensor& w, const Tensor* b, int64_t group,
                               const Shape& stride, const Shape& dil, const Shape& pad_begin,
                               const Shape& out_spatial) {
    const Shape& xs = x.shape();
    const Shape& ws = w.shape();
    const size_t r = xs.size() - 2;
    const int64_t N = xs[0], C = xs[1], M = ws[0], cg = C / group, mg = M / group;
    Shape out{N, M};
    out.insert(out.end(), out_spatial.begin(), out_spatial.end());
    Shape ksp(ws.begin() + 2, ws.end());
    std::vector<double> y(size_t(checked_numel(out)));
    const float* xp = x.data<float>();
    const float* wp = w.data<float>();
    rt::for_each_index(out, [&](int64_t flat, const std::vector<int64_t>& o) {
        const int64_t n = o[0], m = o[1], g = m / mg;
        double acc = b ? b->data<float>()[m] : 0.0;
        for (int64_t c = 0; c < cg; ++c) {
            rt::for_each_index(ksp, [&](int64_t kflat, const std::vector<int64_t>& k) {
                int64_t xi = n * C + g * cg + c;
                for (size_t d = 0; d < r; ++d) {
                    const int64_t i = o[2 + d] * stride[d] + k[d] * dil[d] - pad_begin[d];
                    if (i < 0 || i >= xs[2 + d]) return;
                    xi = xi * xs[2 + d] + i;
                }
                acc += double(xp[xi]) * wp[(m * cg + c) * checked_numel(ksp) + kflat];
            });
        }
        y[size_t(flat)] = acc;
    });
    return y;
}

// Direct transposed convolution by scattering every input element.
std::vector<double> naive_conv_transpose(const Tensor& x, const Tensor& w, const Tensor* b,
                                         int64_t group, const Shape& stride, const Shape& dil,
                                         const Shape& pad_begin, const Shape& out_spatial) {
    const Shape& xs = x.shape();
    const Shape& ws = w.shape();
    const size_t r = xs.size() - 2;
    const int64_t N = xs[0], C = xs[1], mg = ws[1], M = mg * group, cg = C / group;
    Shape out{N, M};
    out.insert(out.end(), out_spatial.begin(), out_spatial.end());
    Shape ksp(ws.begin() + 2, ws.end());
    const int64_t ksize = checked_numel(ksp);
    std::vector<double> y(size_t(checked_numel(out)), 0.0);
    const int64_t plane = checked_numel(out_spatial);
    for (int64_t i = 0; i < checked_numel(out) && b; ++i) y[size_t(i)] = b->data<float>()[(i / plane) % M];
    const float* xp = x.data<float>();
    const float* wp = w.data<float>();
    rt::for_each_index(xs, [&](int64_t xflat, const std::vector<int64_t>& xi) {
        const int64_t n = xi[0], c = xi[1], g = c / cg;
        for (int64_t m = 0; m < mg; ++m) {
            rt::for_each_index(ksp, [&](int64_t kflat, const std::vector<int64_t>& k) {
                int64_t yi = n * M + g * mg + m;
                for (size_t d = 0; d < r; ++d) {
                    const int64_t o = xi[2 + d] * stride[d] + k[d] * dil[d] - pad_begin[d];
                    if (o < 0 || o >= out_spatial[d]) return;
                    yi = yi * out_spatial[d] + o;
                }
                y[size_t(yi)] += double(xp[xflat]) * wp[(c * mg + m) * ksize + kflat];
            });
        }
    });
    return y;
}

// ------------------------------------------------------------------ reference GEMM

template <class T>
std::vector<T> naive_gemm(int64_t M, int64_t N, int64_t K, const std::vector<T>& A,
                          const std::vector<T>& B, const std::vector<T>& C, T alpha, T beta,
                          bool ta, bool tb) {
    std::vector<T> y(size_t(M * N));
    for (int64_t i = 0; i < M; ++i)
        for (int64_t j = 0; j < N; ++j) {
            double acc = 0;
            for (int64_t k = 0; k < K; ++k)
                acc += double(ta ? A[size_t(k * M + i)] : A[size_t(i * K + k)]) *
                       double(tb ? B[size_t(j * K + k)] : B[size_t(k * N + j)]);
            y[size_t(i * N + j)] = T(alpha * acc + beta * C[size_t(i * N + j)]);
        }
    return y;
}

TEST(RefGemm, MatchesNaiveForEveryTransposeAndShape) {
    std::mt19937 rng(7);
    std::uniform_real_distribution<float> u(-1, 1);
    const int64_t sizes[][3] = {{1, 1, 1},   {1, 1000, 70}, {70, 1, 33},  {3, 5, 0},
                                {17, 300, 9}, {64, 37, 260}, {2, 600, 131}, {33, 7, 5}};
    for (auto& s : sizes)
        for (int ta = 0; ta < 2; ++ta)
            for (int tb = 0; tb < 2; ++tb) {
                const int64_t M = s[0], N = s[1], K = s[2];
                std::vector<float> A(size_t(M * K)), B(size_t(K * N)), C(size_t(M * N));
                for (auto* v : {&A, &B, &C})
                    for (auto& x : *v) x = u(rng);
                auto want = naive_gemm<float>(M, N, K, A, B, C, 0.5f, -2.0f, ta, tb);
                std::vector<float> got = C;
                ref::gemm_f32(M, N, K, A.data(), ta ? M : K, B.data(), tb ? K : N, got.data(), N,
                              0.5f, -2.0f, ta, tb);
                for (size_t i = 0; i < got.size(); ++i)
                    ASSERT_NEAR(got[i], want[i], 1e-4f * (1 + std::fabs(want[i])))
                        << M << "x" << N << "x" << K << " tA=" << ta << " tB=" << tb;
            }
}

TEST(RefGemm, BetaZeroIgnoresGarbageInC) {
    std::vector<float> A{1, 2}, B{3, 4}, C{std::nanf(""), std::numeric_limits<float>::infinity()};
    ref::gemm_f32(2, 2, 1, A.data(), 1, B.data(), 2, C.data(), 2, 1.0f, 0.0f, false, false);
    EXPECT_EQ(C, (std::vector<float>{3, 4}));
}

TEST(RefGemm, BlocksAreBitIdenticalToTheWholeProduct) {
    const int64_t M = 45, N = 530, K = 300;
    for (int tb = 0; tb < 2; ++tb) {
        std::mt19937 rng(3);
        std::uniform_real_distribution<float> u(-1, 1);
        std::vector<float> A(size_t(M * K)), B(size_t(K * N));
        for (auto* v : {&A, &B})
            for (auto& x : *v) x = u(rng);
        std::vector<float> whole(size_t(M * N)), pieces(size_t(M * N));
        ref::gemm_f32(M, N, K, A.data(), K, B.data(), tb ? K : N, whole.data(), N, 1.5f, 0.0f,
                      false, tb);
        // Odd cuts, including 1-row and narrow blocks that take other code paths.
        const int64_t rows[] = {0, 1, 2, 9, 40, M}, cols[] = {0, 3, 5, 260, 529, N};
        for (size_t a = 0; a + 1 < std::size(rows); ++a)
            for (size_t b = 0; b + 1 < std::size(cols); ++b)
                ref::gemm_block<float>(rows[a], rows[a + 1], cols[b], cols[b + 1], K, A.data(), K,
                                       B.data(), tb ? K : N, pieces.data(), N, 1.5f, 0.0f, false,
                                       tb);
        EXPECT_EQ(whole, pieces) << "transB=" << tb;
    }
}

TEST(RefGemm, SignedIntegersWrapLikeNumpy) {
    std::vector<int32_t> A{std::numeric_limits<int32_t>::max(), 2}, B{2, 1}, C{0};
    ref::gemm<int32_t>(1, 1, 2, A.data(), 2, B.data(), 1, C.data(), 1, 1, 0, false, false);
    EXPECT_EQ(C[0], int32_t(uint32_t(std::numeric_limits<int32_t>::max()) * 2u + 2u));
}

// ------------------------------------------------------------------ Conv

struct ConvCase {
    Shape x, w;
    int64_t group;
    Shape stride, dil, pads;  // pads: begin..., end...
};

TEST(Conv, MatchesNaiveConvolutionIn1d2d3d) {
    const ConvCase cases[] = {
        {{2, 4, 11}, {6, 2, 3}, 2, {2}, {1}, {1, 0}},
        {{1, 3, 9, 8}, {4, 3, 3, 2}, 1, {1, 2}, {2, 1}, {2, 0, 1, 1}},
        {{1, 8, 7, 7}, {8, 1, 3, 3}, 8, {1, 1}, {1, 1}, {1, 1, 1, 1}},          // depthwise
        {{20, 2, 5, 5}, {4, 2, 1, 1}, 1, {1, 1}, {1, 1}, {0, 0, 0, 0}},        // pointwise, many jobs
        {{1, 6, 6, 5}, {9, 2, 1, 1}, 3, {1, 1}, {1, 1}, {0, 0, 0, 0}},          // grouped pointwise
        {{1, 2, 5, 6, 4}, {3, 2, 2, 3, 2}, 1, {1, 2, 1}, {1, 1, 2}, {0, 1, 1, 1, 0, 0}},
        {{1, 1, 40, 40}, {2, 1, 5, 5}, 1, {3, 3}, {1, 1}, {4, 0, 0, 4}},       // pads >= stride
    };
    uint32_t seed = 1;
    for (const auto& c : cases) {
        Tensor x = random_tensor<float>(c.x, seed++);
        Tensor w = random_tensor<float>(c.w, seed++);
        Tensor b = random_tensor<float>({c.w[0]}, seed++);
        const size_t r = c.x.size() - 2;
        Shape out;
        for (size_t d = 0; d < r; ++d) {
            const int64_t k = (c.w[2 + d] - 1) * c.dil[d] + 1;
            out.push_back((c.x[2 + d] + c.pads[d] + c.pads[r + d] - k) / c.stride[d] + 1);
        }
        Tensor y = one("Conv", 11, {x, w, b},
                       {attr_ints("strides", c.stride), attr_ints("dilations", c.dil),
                        attr_ints("pads", c.pads), attr_int("group", c.group)});
        Shape want_shape{c.x[0], c.w[0]};
        want_shape.insert(want_shape.end(), out.begin(), out.end());
        ASSERT_EQ(y.shape(), want_shape);
        Shape pb(c.pads.begin(), c.pads.begin() + long(r));
        expect_near_all(values<float>(y), naive_conv(x, w, &b, c.group, c.stride, c.dil, pb, out));
    }
}

TEST(Conv, OpIsBitIdenticalToTheSingleThreadedReference) {
    // Large enough for several column tiles and GEMM blocks.
    Tensor x = random_tensor<float>({1, 16, 70, 70}, 11);
    Tensor w = random_tensor<float>({40, 16, 3, 3}, 12);
    Tensor y = one("Conv", 11, {x, w}, {attr_ints("pads", {1, 1, 1, 1})});
    ref::WindowGeometry g;
    g.image = {70, 70};
    g.kernel = {3, 3};
    g.stride = g.dilation = {1, 1};
    g.pad_begin = g.pad_end = {1, 1};
    ref::resolve_forward_window(g, ref::AutoPad::NotSet, false, "test");
    std::vector<float> want(size_t(40 * 70 * 70));
    ref::conv_forward<float>(g, 1, 16, 40, 1, x.data<float>(), w.data<float>(), nullptr, want.data());
    EXPECT_EQ(values<float>(y), want);
}

TEST(Conv, KernelShapeInferredAndAutoPad) {
    Tensor x = random_tensor<float>({1, 1, 5, 6}, 5);
    Tensor w = random_tensor<float>({1, 1, 3, 2}, 6);
    // SAME_UPPER with stride 2: out = ceil(in/2); total pad (3-1)*2+3-5=2 on H, (3-1)*2+2-6=0 on W.
    Tensor y = one("Conv", 1, {x, w}, {attr_string("auto_pad", "SAME_UPPER"), attr_ints("strides", {2, 2})});
    EXPECT_EQ(y.shape(), (Shape{1, 1, 3, 3}));
    expect_near_all(values<float>(y), naive_conv(x, w, nullptr, 1, {2, 2}, {1, 1}, {1, 0}, {3, 3}));
    // Odd total padding: SAME_LOWER puts the extra element first.
    Tensor y2 = one("Conv", 11, {x, w}, {attr_string("auto_pad", "SAME_LOWER")});
    EXPECT_EQ(y2.shape(), (Shape{1, 1, 5, 6}));
    expect_near_all(values<float>(y2), naive_conv(x, w, nullptr, 1, {1, 1}, {1, 1}, {1, 1}, {5, 6}));
    Tensor y3 = one("Conv", 11, {x, w}, {attr_string("auto_pad", "VALID"), attr_ints("pads", {1, 1, 1, 1})});
    EXPECT_EQ(y3.shape(), (Shape{1, 1, 3, 5}));
}

TEST(Conv, DoubleAndEmptyBatch) {
    Tensor x = Tensor::from_vector<double>({1, 1, 3}, {1, 2, 3});
    Tensor w = Tensor::from_vector<double>({1, 1, 2}, {1, -1});
    EXPECT_EQ(values<double>(one("Conv", 11, {x, w})), (std::vector<double>{-1, -1}));
    Tensor empty = Tensor::zeros(DType::Float32, {0, 2, 4, 4});
    Tensor w2 = random_tensor<float>({3, 2, 3, 3}, 1);
    EXPECT_EQ(one("Conv", 11, {empty, w2}).shape(), (Shape{0, 3, 2, 2}));
}

TEST(Conv, RejectsBadAttributesAndShapes) {
    Tensor x = random_tensor<float>({1, 4, 5, 5}, 1);
    Tensor w = random_tensor<float>({2, 4, 3, 3}, 2);
    auto conv = [&](std::vector<Tensor> in, std::vector<rt::Attribute> attrs) {
        return one("Conv", 11, std::move(in), std::move(attrs));
    };
    EXPECT_THROW(conv({x, w}, {attr_ints("strides", {0, 1})}), Error);
    EXPECT_THROW(conv({x, w}, {attr_ints("strides", {1})}), Error);
    EXPECT_THROW(conv({x, w}, {attr_ints("dilations", {1, -1})}), Error);
    EXPECT_THROW(conv({x, w}, {attr_ints("pads", {0, 0, -1, 0})}), Error);
    EXPECT_THROW(conv({x, w}, {attr_ints("pads", {0, 0})}), Error);
    EXPECT_THROW(conv({x, w}, {attr_int("group", 0)}), Error);
    EXPECT_THROW(conv({x, w}, {attr_int("group", 3)}), Error);                  // 3 does not divide 4
    EXPECT_THROW(conv({x, w}, {attr_int("group", 2)}), Error);                  // W expects 4 per group
    EXPECT_THROW(conv({x, w}, {attr_ints("kernel_shape", {3, 2})}), Error);     // disagrees with W
    EXPECT_THROW(conv({x, w}, {attr_string("auto_pad", "SAME")}), Error);
    EXPECT_THROW(conv({x, w}, {attr_ints("dilations", {3, 3})}), Error);        // 7x7 window on 5x5
    EXPECT_THROW(conv({x, random_tensor<float>({2, 4, 3}, 3)}, {}), Error);    // rank mismatch
    EXPECT_THROW(conv({random_tensor<float>({4, 5}, 3), w}, {}), Error);        // no spatial dims
    EXPECT_THROW(conv({x, w, random_tensor<float>({3}, 4)}, {}), Error);        // bias size
    EXPECT_THROW(conv({x, Tensor::zeros(DType::Float64, {2, 4, 3, 3})}, {}), Error);
    EXPECT_THROW(conv({Tensor::zeros(DType::Int32, {1, 4, 5, 5}), Tensor::zeros(DType::Int32, {2, 4, 3, 3})}, {}),
                 Error);
    EXPECT_THROW(conv({x, Tensor::zeros(DType::Float32, {2, 4, 0, 3})}, {}), Error);  // empty kernel
}

// ------------------------------------------------------------------ ConvTranspose

TEST(ConvTranspose, MatchesNaiveScatter) {
    struct Case {
        Shape x, w;
        int64_t group;
        Shape stride, dil, pads, adj;
    };
    const Case cases[] = {
        {{2, 4, 5}, {4, 3, 3}, 2, {2}, {1}, {1, 0}, {1}},
        {{1, 3, 4, 5}, {3, 2, 3, 2}, 1, {2, 3}, {1, 2}, {1, 0, 0, 2}, {1, 0}},
        {{1, 6, 3, 3}, {6, 1, 2, 2}, 6, {2, 2}, {1, 1}, {0, 0, 0, 0}, {0, 0}},
        {{20, 2, 3, 3}, {2, 2, 3, 3}, 1, {1, 1}, {1, 1}, {1, 1, 1, 1}, {0, 0}},  // many jobs
        {{1, 2, 2, 3, 2}, {2, 2, 2, 2, 3}, 1, {1, 2, 2}, {2, 1, 1}, {0, 0, 1, 1, 0, 0}, {0, 1, 0}},
    };
    uint32_t seed = 100;
    for (const auto& c : cases) {
        Tensor x = random_tensor<float>(c.x, seed++);
        Tensor w = random_tensor<float>(c.w, seed++);
        Tensor b = random_tensor<float>({c.w[1] * c.group}, seed++);
        const size_t r = c.x.size() - 2;
        Shape out;
        for (size_t d = 0; d < r; ++d)
            out.push_back(c.stride[d] * (c.x[2 + d] - 1) + c.adj[d] + (c.w[2 + d] - 1) * c.dil[d] + 1 -
                          c.pads[d] - c.pads[r + d]);
        Tensor y = one("ConvTranspose", 11, {x, w, b},
                       {attr_ints("strides", c.stride), attr_ints("dilations", c.dil),
                        attr_ints("pads", c.pads), attr_ints("output_padding", c.adj),
                        attr_int("group", c.group)});
        Shape want{c.x[0], c.w[1] * c.group};
        want.insert(want.end(), out.begin(), out.end());
        ASSERT_EQ(y.shape(), want);
        Shape pb(c.pads.begin(), c.pads.begin() + long(r));
        expect_near_all(values<float>(y),
                        naive_conv_transpose(x, w, &b, c.group, c.stride, c.dil, pb, out));
    }
}

TEST(ConvTranspose, OutputShapeSplitsOddPaddingPerOpset) {
    // Natural size 3*(3-1)+3 = 9; output_shape 8 leaves one element of padding.
    Tensor x = random_tensor<float>({1, 1, 3}, 1);
    Tensor w = random_tensor<float>({1, 1, 3}, 2);
    auto run = [&](int opset, const char* auto_pad) {
        return values<float>(one("ConvTranspose", opset, {x, w},
                                 {attr_ints("strides", {3}), attr_ints("output_shape", {8}),
                                  attr_string("auto_pad", auto_pad)}));
    };
    auto crop = [&](int64_t begin) {
        auto full = naive_conv_transpose(x, w, nullptr, 1, {3}, {1}, {begin}, {8});
        return full;
    };
    expect_near_all(run(11, "NOTSET"), crop(1));      // opset 11: extra padding at the start
    expect_near_all(run(11, "SAME_UPPER"), crop(0));  // ... except SAME_UPPER
    expect_near_all(run(1, "NOTSET"), crop(0));       // opset 1 documents the opposite split
    expect_near_all(run(1, "SAME_UPPER"), crop(1));
    // A bigger output_shape appends bias-only elements.
    Tensor big = one("ConvTranspose", 11, {x, w}, {attr_ints("strides", {3}), attr_ints("output_shape", {11})});
    EXPECT_EQ(big.shape(), (Shape{1, 1, 11}));
    expect_near_all(values<float>(big), naive_conv_transpose(x, w, nullptr, 1, {3}, {1}, {0}, {11}));
    // The full-rank form of output_shape some exporters write.
    EXPECT_EQ(one("ConvTranspose", 11, {x, w}, {attr_ints("strides", {3}), attr_ints("output_shape", {1, 1, 8})}).shape(),
              (Shape{1, 1, 8}));
}

TEST(ConvTranspose, AutoPadSameGivesInputTimesStride) {
    Tensor x = random_tensor<float>({1, 2, 3, 4}, 1);
    Tensor w = random_tensor<float>({2, 1, 3, 3}, 2);
    Tensor y = one("ConvTranspose", 11, {x, w}, {attr_string("auto_pad", "SAME_LOWER"), attr_ints("strides", {2, 2})});
    EXPECT_EQ(y.shape(), (Shape{1, 1, 6, 8}));
    // Total padding 2*(n-1)+3-2n = 1: SAME_LOWER drops it at the start.
    expect_near_all(values<float>(y), naive_conv_transpose(x, w, nullptr, 1, {2, 2}, {1, 1}, {1, 1}, {6, 8}));
}

TEST(ConvTranspose, RejectsBadAttributesAndShapes) {
    Tensor x = random_tensor<float>({1, 4, 3, 3}, 1);
    Tensor w = random_tensor<float>({4, 2, 3, 3}, 2);
    auto ct = [&](std::vector<Tensor> in, std::vector<rt::Attribute> attrs) {
        return one("ConvTranspose", 11, std::move(in), std::move(attrs));
    };
    EXPECT_THROW(ct({x, w}, {attr_ints("strides", {0, 1})}), Error);
    EXPECT_THROW(ct({x, w}, {attr_ints("output_padding", {1, 1})}), Error);  // >= stride 1
    EXPECT_THROW(ct({x, w}, {attr_ints("output_padding", {-1, 0})}), Error);
    EXPECT_THROW(ct({x, w}, {attr_ints("output_padding", {0})}), Error);
    EXPECT_THROW(ct({x, w}, {attr_ints("output_shape", {5})}), Error);
    EXPECT_THROW(ct({x, w}, {attr_ints("output_shape", {5, 0})}), Error);
    EXPECT_THROW(ct({x, w}, {attr_ints("pads", {3, 3, 3, 3})}), Error);  // 5 - 6 < 1
    EXPECT_THROW(ct({x, w}, {attr_int("group", 3)}), Error);
    EXPECT_THROW(ct({x, random_tensor<float>({3, 2, 3, 3}, 3)}, {}), Error);  // W channels != C
    EXPECT_THROW(ct({x, w, random_tensor<float>({4}, 3)}, {}), Error);       // bias is 2 channels
}

// ------------------------------------------------------------------ Gemm

TEST(Gemm, BroadcastsCAndTransposes) {
    Tensor a = iota<float>({3, 2});      // used transposed: 2x3
    Tensor b = iota<float>({4, 3}, 1);   // used transposed: 3x4
    std::vector<float> A = values<float>(a), B = values<float>(b);
    for (Shape cs : {Shape{}, Shape{4}, Shape{1, 4}, Shape{2, 1}, Shape{2, 4}}) {
        Tensor c = iota<float>(cs, 10);
        Tensor y = one("Gemm", 11, {a, b, c},
                       {attr_int("transA", 1), attr_int("transB", 1), attr_float("alpha", 2), attr_float("beta", 0.5f)});
        ASSERT_EQ(y.shape(), (Shape{2, 4}));
        std::vector<float> C(8);
        const auto cv = values<float>(c);
        const int64_t cr = cs.size() == 2 ? cs[0] : 1, cc = cs.empty() ? 1 : cs.back();
        for (int64_t i = 0; i < 2; ++i)
            for (int64_t j = 0; j < 4; ++j) C[size_t(i * 4 + j)] = cv[size_t((cr == 1 ? 0 : i) * cc + (cc == 1 ? 0 : j))];
        auto want = naive_gemm<float>(2, 4, 3, A, B, C, 2.0f, 0.5f, true, true);
        EXPECT_EQ(values<float>(y), want) << shape_str(cs);
    }
    EXPECT_THROW(one("Gemm", 11, {a, b, iota<float>({3})}, {attr_int("transA", 1), attr_int("transB", 1)}), Error);
    EXPECT_THROW(one("Gemm", 11, {a, b, iota<float>({1, 2, 4})}, {attr_int("transA", 1), attr_int("transB", 1)}), Error);
}

TEST(Gemm, OptionalCAndIntegerTypes) {
    Tensor a = Tensor::from_vector<int64_t>({2, 2}, {1, 2, 3, 4});
    Tensor b = Tensor::from_vector<int64_t>({2, 2}, {5, 6, 7, 8});
    EXPECT_EQ(values<int64_t>(one("Gemm", 13, {a, b})), (std::vector<int64_t>{19, 22, 43, 50}));
    Tensor c = Tensor::from_vector<int64_t>({2}, {1, -1});
    EXPECT_EQ(values<int64_t>(one("Gemm", 13, {a, b, c}, {attr_float("alpha", 2), attr_float("beta", -3)})),
              (std::vector<int64_t>{35, 47, 83, 103}));
    Tensor ai = Tensor::from_vector<int32_t>({1, 1}, {3});
    Tensor bi = Tensor::from_vector<int32_t>({1, 1}, {-4});
    EXPECT_EQ(values<int32_t>(one("Gemm", 11, {ai, bi})), (std::vector<int32_t>{-12}));
    Tensor au = Tensor::from_vector<uint32_t>({1, 1}, {3});
    Tensor bu = Tensor::from_vector<uint32_t>({1, 1}, {4});
    Tensor cu = Tensor::from_vector<uint32_t>({1}, {20});
    EXPECT_EQ(values<uint32_t>(one("Gemm", 11, {au, bu, cu}, {attr_float("beta", -1)})), (std::vector<uint32_t>{uint32_t(12 - 20)}));
    EXPECT_THROW(one("Gemm", 11, {a, b}, {attr_float("alpha", 0.5f)}), Error);  // not a whole number
    EXPECT_THROW(one("Gemm", 11, {a, Tensor::from_vector<int32_t>({2, 2}, {1, 2, 3, 4})}), Error);
    EXPECT_THROW(one("Gemm", 11, {Tensor::zeros(DType::Int8, {2, 2}), Tensor::zeros(DType::Int8, {2, 2})}), Error);
}

TEST(Gemm, LegacyBroadcastAttribute) {
    Tensor a = iota<float>({2, 3});
    Tensor b = iota<float>({3, 2});
    Tensor c_row = Tensor::from_vector<float>({2}, {100, 200});
    // Opset 6: broadcast=1 allows a row vector C; broadcast=0 needs the full M×N.
    Tensor y = one("Gemm", 6, {a, b, c_row}, {attr_int("broadcast", 1)});
    EXPECT_EQ(values<float>(y), (std::vector<float>{110, 213, 128, 240}));
    EXPECT_THROW(one("Gemm", 6, {a, b, c_row}, {attr_int("broadcast", 0)}), Error);
    EXPECT_THROW(one("Gemm", 1, {a, b, c_row}), Error);
    Tensor c_full = Tensor::from_vector<float>({2, 2}, {1, 1, 1, 1});
    EXPECT_EQ(values<float>(one("Gemm", 1, {a, b, c_full})), (std::vector<float>{11, 14, 29, 41}));
    // Opset 7 dropped the attribute: C broadcasts unidirectionally.
    EXPECT_EQ(values<float>(one("Gemm", 7, {a, b, c_row})), (std::vector<float>{110, 213, 128, 240}));
}

TEST(Gemm, RejectsBadShapes) {
    EXPECT_THROW(one("Gemm", 11, {iota<float>({2, 3}), iota<float>({2, 3})}), Error);
    EXPECT_THROW(one("Gemm", 11, {iota<float>({6}), iota<float>({6, 1})}), Error);
    EXPECT_THROW(one("Gemm", 11, {iota<float>({1, 2, 3}), iota<float>({3, 1})}), Error);
}

// ------------------------------------------------------------------ MatMul

TEST(MatMul, VectorOperandsDropTheirUnitDimension) {
    Tensor v = Tensor::from_vector<float>({3}, {1, 2, 3});
    Tensor m = iota<float>({3, 2});  // [[0,1],[2,3],[4,5]]
    Tensor vm = one("MatMul", 13, {v, m});
    EXPECT_EQ(vm.shape(), (Shape{2}));
    EXPECT_EQ(values<float>(vm), (std::vector<float>{16, 22}));
    Tensor mt = iota<float>({2, 3});
    Tensor mv = one("MatMul", 13, {mt, v});
    EXPECT_EQ(mv.shape(), (Shape{2}));
    EXPECT_EQ(values<float>(mv), (std::vector<float>{8, 26}));
    Tensor vv = one("MatMul", 13, {v, v});
    EXPECT_EQ(vv.shape(), Shape{});
    EXPECT_EQ(values<float>(vv), (std::vector<float>{14}));
    // A batched matrix times a vector.
    Tensor bm = iota<float>({2, 2, 3});
    Tensor bmv = one("MatMul", 13, {bm, v});
    EXPECT_EQ(bmv.shape(), (Shape{2, 2}));
    EXPECT_EQ(values<float>(bmv), (std::vector<float>{8, 26, 44, 62}));
}

TEST(MatMul, BatchDimensionsBroadcast) {
    Tensor a = random_tensor<float>({2, 1, 3, 4}, 1);
    Tensor b = random_tensor<float>({5, 4, 2}, 2);
    Tensor y = one("MatMul", 13, {a, b});
    ASSERT_EQ(y.shape(), (Shape{2, 5, 3, 2}));
    const auto A = values<float>(a), B = values<float>(b), Y = values<float>(y);
    for (int64_t i = 0; i < 2; ++i)
        for (int64_t j = 0; j < 5; ++j)
            for (int64_t m = 0; m < 3; ++m)
                for (int64_t n = 0; n < 2; ++n) {
                    double acc = 0;
                    for (int64_t k = 0; k < 4; ++k)
                        acc += double(A[size_t((i * 3 + m) * 4 + k)]) * B[size_t((j * 4 + k) * 2 + n)];
                    EXPECT_NEAR(Y[size_t(((i * 5 + j) * 3 + m) * 2 + n)], acc, 1e-5);
                }
    // A shared B folds the batches of A into one product.
    Tensor shared = one("MatMul", 13, {random_tensor<float>({3, 2, 4}, 3), random_tensor<float>({1, 4, 5}, 4)});
    EXPECT_EQ(shared.shape(), (Shape{3, 2, 5}));
    EXPECT_THROW(one("MatMul", 13, {random_tensor<float>({2, 3, 4}, 1), random_tensor<float>({3, 4, 2}, 2)}), Error);
}

TEST(MatMul, IntegerTypesAndEmptyOutputs) {
    Tensor a = Tensor::from_vector<int32_t>({2, 2}, {1, -2, 3, 4});
    Tensor b = Tensor::from_vector<int32_t>({2, 1}, {5, 6});
    EXPECT_EQ(values<int32_t>(one("MatMul", 9, {a, b})), (std::vector<int32_t>{-7, 39}));
    Tensor a64 = Tensor::from_vector<int64_t>({1, 2}, {std::numeric_limits<int64_t>::max(), 1});
    Tensor b64 = Tensor::from_vector<int64_t>({2, 1}, {1, 1});
    EXPECT_EQ(values<int64_t>(one("MatMul", 13, {a64, b64})), (std::vector<int64_t>{std::numeric_limits<int64_t>::min()}));
    Tensor au = Tensor::from_vector<uint64_t>({1, 1}, {7});
    EXPECT_EQ(values<uint64_t>(one("MatMul", 13, {au, au})), (std::vector<uint64_t>{49}));
    EXPECT_EQ(one("MatMul", 13, {Tensor::zeros(DType::Float32, {0, 3}), iota<float>({3, 2})}).shape(), (Shape{0, 2}));
    // K = 0: a matrix of zeros.
    EXPECT_EQ(values<float>(one("MatMul", 13, {Tensor::zeros(DType::Float32, {2, 0}), Tensor::zeros(DType::Float32, {0, 2})})),
              (std::vector<float>(4, 0.0f)));
    EXPECT_THROW(one("MatMul", 13, {Tensor::scalar<float>(1), iota<float>({1})}), Error);
    EXPECT_THROW(one("MatMul", 13, {iota<float>({3}), iota<float>({4})}), Error);
    EXPECT_THROW(one("MatMul", 13, {Tensor::zeros(DType::Bool, {1, 1}), Tensor::zeros(DType::Bool, {1, 1})}), Error);
}

// ------------------------------------------------------------------ pools

TEST(MaxPool, IndicesInRowAndColumnMajorOrder) {
    Tensor x = Tensor::from_vector<float>({1, 2, 2, 3}, {1, 9, 3, 4, 5, 6, /**/ 7, 8, 0, 2, 1, 12});
    for (int order = 0; order < 2; ++order) {
        auto out = run_op(node("MaxPool", 12, 2, {attr_ints("kernel_shape", {2, 2}), attr_int("storage_order", order)}), {x});
        EXPECT_EQ(values<float>(out[0]), (std::vector<float>{9, 9, 8, 12}));
        // Channel 0: 9 at (0,1); channel 1: 8 at (0,1) and 12 at (1,2); plane size 6.
        const std::vector<int64_t> row{1, 1, 7, 11}, col{2, 2, 8, 11};
        EXPECT_EQ(values<int64_t>(out[1]), order ? col : row);
    }
    EXPECT_THROW(one("MaxPool", 12, {x}, {attr_ints("kernel_shape", {2, 2}), attr_int("storage_order", 2)}), Error);
}

TEST(MaxPool, SmallIntegersDilationsAndNaN) {
    Tensor u = Tensor::from_vector<uint8_t>({1, 1, 5}, {3, 250, 7, 1, 9});
    EXPECT_EQ(values<uint8_t>(one("MaxPool", 12, {u}, {attr_ints("kernel_shape", {2}), attr_ints("dilations", {2})})),
              (std::vector<uint8_t>{7, 250, 9}));
    Tensor s = Tensor::from_vector<int8_t>({1, 1, 4}, {-5, -7, -1, -128});
    EXPECT_EQ(values<int8_t>(one("MaxPool", 12, {s}, {attr_ints("kernel_shape", {2}), attr_ints("strides", {2})})),
              (std::vector<int8_t>{-5, -1}));
    const float nan = std::numeric_limits<float>::quiet_NaN();
    Tensor f = Tensor::from_vector<float>({1, 1, 4}, {1, nan, 3, 2});
    auto y = values<float>(one("MaxPool", 12, {f}, {attr_ints("kernel_shape", {2})}));
    EXPECT_TRUE(std::isnan(y[0]) && std::isnan(y[1]));
    EXPECT_EQ(y[2], 3);
}

TEST(MaxPool, CeilModeAndPadding3d) {
    Tensor x = random_tensor<float>({1, 2, 5, 4, 6}, 9);
    auto out = run_op(node("MaxPool", 10, 2, {attr_ints("kernel_shape", {2, 3, 2}), attr_ints("strides", {2, 2, 2}),
                                             attr_ints("pads", {1, 0, 1, 0, 1, 0}), attr_int("ceil_mode", 1)}),
                      {x});
    // D: (5+1-2)/2+1 = 3; H: (4+1-3)/2+1 = 2; W: (6+1-2)/2 = 2.5, ceil -> 3, +1 = 4.
    ASSERT_EQ(out[0].shape(), (Shape{1, 2, 3, 2, 4}));
    const auto X = values<float>(x), Y = values<float>(out[0]);
    const auto I = values<int64_t>(out[1]);
    for (size_t i = 0; i < Y.size(); ++i) EXPECT_EQ(Y[i], X[size_t(I[i])]);
}

TEST(MaxPool, RejectsBadAttributes) {
    Tensor x = random_tensor<float>({1, 1, 4, 4}, 1);
    auto mp = [&](std::vector<rt::Attribute> attrs) { return one("MaxPool", 12, {x}, std::move(attrs)); };
    EXPECT_THROW(mp({}), Error);                                                         // no kernel_shape
    EXPECT_THROW(mp({attr_ints("kernel_shape", {2})}), Error);                           // rank mismatch
    EXPECT_THROW(mp({attr_ints("kernel_shape", {2, 0})}), Error);
    EXPECT_THROW(mp({attr_ints("kernel_shape", {2, 2}), attr_ints("strides", {0, 1})}), Error);
    EXPECT_THROW(mp({attr_ints("kernel_shape", {2, 2}), attr_ints("pads", {2, 0, 0, 0})}), Error);
    EXPECT_THROW(mp({attr_ints("kernel_shape", {2, 2}), attr_ints("pads", {-1, 0, 0, 0})}), Error);
    EXPECT_THROW(mp({attr_ints("kernel_shape", {5, 2})}), Error);                        // larger than input
    EXPECT_THROW(mp({attr_ints("kernel_shape", {2, 2}), attr_string("auto_pad", "FOO")}), Error);
    EXPECT_THROW(one("MaxPool", 12, {Tensor::zeros(DType::Int32, {1, 1, 2, 2})}, {attr_ints("kernel_shape", {2, 2})}), Error);
}

TEST(AveragePool, PaddingCountsAndCeilMode) {
    Tensor x = iota<float>({1, 1, 3, 3}, 1);  // 1..9
    auto avg = [&](std::vector<rt::Attribute> attrs, int opset = 11) {
        attrs.push_back(attr_ints("kernel_shape", {2, 2}));
        return values<float>(one("AveragePool", opset, {x}, std::move(attrs)));
    };
    // Pads 1 at the start: the corner window holds only x[0,0].
    EXPECT_EQ(avg({attr_ints("pads", {1, 1, 0, 0}), attr_ints("strides", {2, 2})}),
              (std::vector<float>{1, 2.5f, 5.5f, 7}));
    EXPECT_EQ(avg({attr_ints("pads", {1, 1, 0, 0}), attr_ints("strides", {2, 2}), attr_int("count_include_pad", 1)}),
              (std::vector<float>{0.25f, 1.25f, 2.75f, 7}));
    // Ceil mode: the last window hangs over the end and averages what it covers.
    EXPECT_EQ(avg({attr_ints("strides", {2, 2}), attr_int("ceil_mode", 1)}), (std::vector<float>{3, 4.5f, 7.5f, 9}));
    // Opset 1 has neither count_include_pad nor ceil_mode: defaults apply.
    EXPECT_EQ(avg({}, 1), (std::vector<float>{3, 4, 6, 7}));
    EXPECT_THROW(one("AveragePool", 11, {Tensor::zeros(DType::UInt8, {1, 1, 2, 2})}, {attr_ints("kernel_shape", {2, 2})}), Error);
}

TEST(AveragePool, SameUpperAndLower1d) {
    Tensor x = Tensor::from_vector<double>({1, 1, 4}, {1, 2, 3, 4});
    auto run = [&](const char* pad) {
        return values<double>(one("AveragePool", 11, {x}, {attr_ints("kernel_shape", {2}), attr_string("auto_pad", pad)}));
    };
    EXPECT_EQ(run("SAME_UPPER"), (std::vector<double>{1.5, 2.5, 3.5, 4}));
    EXPECT_EQ(run("SAME_LOWER"), (std::vector<double>{1, 1.5, 2.5, 3.5}));
    EXPECT_EQ(run("VALID"), (std::vector<double>{1.5, 2.5, 3.5}));
}

TEST(GlobalPool, AnySpatialRank) {
    Tensor x = iota<float>({2, 3, 4});
    Tensor avg = one("GlobalAveragePool", 1, {x});
    EXPECT_EQ(avg.shape(), (Shape{2, 3, 1}));
    EXPECT_EQ(values<float>(avg), (std::vector<float>{1.5f, 5.5f, 9.5f, 13.5f, 17.5f, 21.5f}));
    Tensor x5 = iota<double>({1, 2, 2, 2, 2});
    Tensor mx = one("GlobalMaxPool", 1, {x5});
    EXPECT_EQ(mx.shape(), (Shape{1, 2, 1, 1, 1}));
    EXPECT_EQ(values<double>(mx), (std::vector<double>{7, 15}));
    EXPECT_THROW(one("GlobalAveragePool", 1, {iota<float>({2, 3})}), Error);
    EXPECT_THROW(one("GlobalMaxPool", 1, {Tensor::zeros(DType::Int64, {1, 1, 2})}), Error);
}

// ------------------------------------------------------------------ LRN

TEST(Lrn, MatchesTheFormula) {
    Tensor x = random_tensor<float>({2, 5, 3, 2}, 4);
    const int64_t size = 4;
    const float alpha = 0.02f, beta = 0.6f, bias = 1.5f;
    Tensor y = one("LRN", 13, {x}, {attr_int("size", size), attr_float("alpha", alpha), attr_float("beta", beta),
                                    attr_float("bias", bias)});
    const auto X = values<float>(x);
    std::vector<double> want(X.size());
    rt::for_each_index(x.shape(), [&](int64_t flat, const std::vector<int64_t>& i) {
        double sq = 0;
        for (int64_t c = std::max<int64_t>(0, i[1] - 1); c <= std::min<int64_t>(4, i[1] + 2); ++c) {
            const double v = X[size_t(((i[0] * 5 + c) * 3 + i[2]) * 2 + i[3])];
            sq += v * v;
        }
        want[size_t(flat)] = X[size_t(flat)] / std::pow(bias + alpha / size * sq, beta);
    });
    expect_near_all(values<float>(y), want);
    EXPECT_THROW(one("LRN", 13, {x}), Error);  // size is required
    EXPECT_THROW(one("LRN", 1, {x}, {attr_int("size", 0)}), Error);
    EXPECT_THROW(one("LRN", 1, {iota<float>({3})}, {attr_int("size", 1)}), Error);
}

}  // namespace
}  // namespace vireo::test
