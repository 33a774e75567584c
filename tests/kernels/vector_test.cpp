// vireo tests — the f32 vector kernels against their references, for every
// ISA this machine runs: awkward lengths around the vector widths (8 and 16),
// unaligned pointers, buffers that end at a guard page, in-place calls and
// special values (±0, ±inf, NaN, subnormals).
//
// Exact kernels (abs, relu, clip, add, max, ...) must match the plain C++
// expression bit for bit (NaN compared as NaN). Approximations are checked in
// ULPs against double-precision libm with the bounds the accuracy sweep
// (activation_accuracy_test.cpp) establishes; here the point is lengths,
// tails and memory safety. Row kernels (softmax, layer norm) accumulate in
// float in their own order, so they are held to a relative 1e-5 of the
// double-precision reference kernels in kernels/ref.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "kernels/cpu.hpp"
#include "kernels/dispatch.hpp"
#include "kernels/ref/reduce_norm.hpp"
#include "kernels/ref/reduce_softmax.hpp"
#include "tests/kernels/guard_buffer.hpp"

namespace vireo::kernels {
namespace {

using test::GuardBuffer;

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

std::vector<Isa> isas_to_test() {
    std::vector<Isa> out{Isa::Scalar};
    const Isa best = detected_isa();
    for (Isa isa : {Isa::Neon, Isa::Avx2, Isa::Avx512})
        if (int(isa) <= int(best) && (isa != Isa::Neon) == (best != Isa::Neon)) out.push_back(isa);
    return out;
}

// Around the AVX2 (8) and AVX-512 (16) widths and the two-vector unroll.
const size_t kLengths[] = {0, 1, 2, 7, 8, 9, 15, 16, 17, 31, 32, 33, 47, 64, 65, 1003};

uint32_t bits_of(float v) {
    uint32_t b;
    std::memcpy(&b, &v, sizeof b);
    return b;
}

bool same_value(float a, float b) {
    if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
    return bits_of(a) == bits_of(b);
}

double ulp_error(float got, double exact) {
    if (std::isnan(exact)) return std::isnan(got) ? 0 : 1e30;
    if (std::isinf(float(exact)) || std::isinf(got) || std::isnan(got)) return float(exact) == got ? 0 : 1e30;
    const double a = std::fabs(exact);
    double ulp = 0x1p-149;
    if (a >= 0x1p-126) {
        int e;
        std::frexp(a, &e);
        ulp = std::ldexp(1.0, std::min(e, 128) - 24);
    }
    return std::fabs(double(got) - exact) / ulp;
}

// Random values in [lo, hi] with the special values sprinkled in at fixed positions.
std::vector<float> test_input(size_t n, float lo, float hi, uint32_t seed, bool specials = true) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> dist(lo, hi);
    std::vector<float> v(n);
    for (auto& x : v) x = dist(rng);
    if (specials) {
        const float special[] = {0.0f, -0.0f, kInf, -kInf, kNaN, 1e-40f, -1e-40f, 1e30f, -1e30f, 1.0f, -1.0f};
        for (size_t i = 0; i < n; i += 5) v[i] = special[(i / 5) % std::size(special)];
    }
    return v;
}

std::string where(Isa isa, size_t n, size_t i, float x) {
    return std::string(isa_name(isa)) + " n=" + std::to_string(n) + " i=" + std::to_string(i) +
           " x=" + std::to_string(x);
}

// ---- unary ------------------------------------------------------------------

struct UnaryCase {
    const char* name;
    UnaryKernel VectorKernels::*entry;
    UnaryParams params;
    std::function<double(float)> reference;  // in double, rounded by the check
    double max_ulp;                          // 0: bitwise equal to float(reference)
    float lo, hi;                            // range of the random inputs
    // When nonzero, the check is |got - reference| <= x_tolerance * |x|
    // instead: for formulas that cancel (hard_swish near -3), where ULPs of
    // the tiny result say nothing about the kernel.
    double x_tolerance = 0;
};

float relu_ref(float x) { return x > 0.0f ? x : 0.0f; }

const UnaryCase kUnaryCases[] = {
    {"abs", &VectorKernels::abs, {}, [](float x) { return double(std::fabs(x)); }, 0, -10, 10},
    {"neg", &VectorKernels::neg, {}, [](float x) { return double(-x); }, 0, -10, 10},
    {"relu", &VectorKernels::relu, {}, [](float x) { return double(relu_ref(x)); }, 0, -10, 10},
    {"leaky_relu",
     &VectorKernels::leaky_relu,
     {0.1f, 0},
     [](float x) { return double(x < 0 ? 0.1f * x : x); },
     0,
     -10,
     10},
    {"clip",
     &VectorKernels::clip,
     {-1.5f, 2.5f},
     [](float x) { return double(std::min(std::max(x, -1.5f), 2.5f)); },
     0,
     -5,
     5},
    {"hard_sigmoid",
     &VectorKernels::hard_sigmoid,
     {0.2f, 0.5f},
     [](float x) { return double(std::max(0.0f, std::min(1.0f, 0.2f * x + 0.5f))); },
     0,
     -5,
     5},
    {"sqrt", &VectorKernels::sqrt, {}, [](float x) { return double(std::sqrt(x)); }, 0, 0, 100},
    {"reciprocal", &VectorKernels::reciprocal, {}, [](float x) { return double(1.0f / x); }, 0, -100, 100},
    {"floor", &VectorKernels::floor, {}, [](float x) { return double(std::floor(x)); }, 0, -100, 100},
    {"ceil", &VectorKernels::ceil, {}, [](float x) { return double(std::ceil(x)); }, 0, -100, 100},
    {"softsign", &VectorKernels::softsign, {}, [](float x) { return double(x / (1.0f + std::fabs(x))); }, 0, -10, 10},
    {"exp", &VectorKernels::exp, {}, [](float x) { return std::exp(double(x)); }, 1.25, -100, 90},
    {"log", &VectorKernels::log, {}, [](float x) { return std::log(double(x)); }, 1.25, -1, 1000},
    {"sigmoid",
     &VectorKernels::sigmoid,
     {},
     [](float x) {
         const double d = x;
         return d >= 0 ? 1 / (1 + std::exp(-d)) : std::exp(d) / (1 + std::exp(d));
     },
     2.5,
     -20,
     20},
    {"tanh", &VectorKernels::tanh, {}, [](float x) { return std::tanh(double(x)); }, 2.0, -10, 10},
    {"erf", &VectorKernels::erf, {}, [](float x) { return std::erf(double(x)); }, 3.5, -5, 5},
    {"gelu",
     &VectorKernels::gelu,
     {},
     [](float x) {
         const double d = x;
         if (std::isinf(d)) return d > 0 ? d : -0.0;
         return d >= 0 ? 0.5 * d * (1 + std::erf(d / std::sqrt(2.0))) : 0.5 * d * std::erfc(-d / std::sqrt(2.0));
     },
     7.5,
     -10,
     10},
    {"silu",
     &VectorKernels::silu,
     {},
     [](float x) {
         const double d = x;
         if (std::isinf(d)) return d > 0 ? d : -0.0;
         return d >= 0 ? d / (1 + std::exp(-d)) : d * std::exp(d) / (1 + std::exp(d));
     },
     3.5,
     -20,
     20},
    {"softplus",
     &VectorKernels::softplus,
     {},
     [](float x) {
         const double d = x;
         return d > 0 ? d + std::log1p(std::exp(-d)) : std::log1p(std::exp(d));
     },
     3.0,
     -20,
     20},
    // fma(x, 1/6, 1/2) instead of x / 6 + 1/2: both round the small
    // difference near x = -3, where ULPs of the result mean nothing.
    {"hard_swish",
     &VectorKernels::hard_swish,
     {},
     [](float x) {
         const double d = x;
         return d * std::max(0.0, std::min(1.0, d / 6 + 0.5));
     },
     0,
     -8,
     8,
     0x1p-22},
    {"elu",
     &VectorKernels::elu,
     {0.7f, 0},
     [](float x) { return x < 0 ? 0.7f * std::expm1(double(x)) : x; },
     2.0,
     -10,
     10},
    {"selu",
     &VectorKernels::selu,
     {1.67326319f, 1.05070102f},
     [](float x) {
         const double v = x > 0 ? double(x) : double(1.67326319f) * std::expm1(double(x));
         return double(1.05070102f) * v;
     },
     3.0,
     -10,
     10},
    {"celu",
     &VectorKernels::celu,
     {2.0f, 0},
     [](float x) { return x > 0 ? double(x) : 2.0 * std::expm1(double(x) / 2.0); },
     2.5,
     -10,
     10},
};

void PrintTo(const UnaryCase& c, std::ostream* os) { *os << c.name; }

class UnaryKernels : public ::testing::TestWithParam<UnaryCase> {};

void check_unary_output(const UnaryCase& c, Isa isa, const float* x, const float* y, size_t n) {
    for (size_t i = 0; i < n; ++i) {
        const double exact = c.reference(x[i]);
        if (c.x_tolerance > 0) {
            if (!std::isfinite(exact) || !std::isfinite(x[i])) {
                ASSERT_TRUE(same_value(y[i], float(exact))) << c.name << " " << where(isa, n, i, x[i]);
            } else {
                ASSERT_NEAR(y[i], exact, c.x_tolerance * std::fabs(x[i])) << c.name << " " << where(isa, n, i, x[i]);
            }
        } else if (c.max_ulp == 0) {
            // The exact kernels are held to the float expression; abs(-0) may
            // give +0 where the float formula keeps -0, so zeros compare by value.
            const float want = float(exact);
            if (want == 0.0f && y[i] == 0.0f) continue;
            ASSERT_TRUE(same_value(y[i], want))
                << c.name << " " << where(isa, n, i, x[i]) << " got " << y[i] << " want " << want;
        } else {
            ASSERT_LE(ulp_error(y[i], exact), c.max_ulp)
                << c.name << " " << where(isa, n, i, x[i]) << " got " << y[i] << " want " << exact;
        }
    }
}

TEST_P(UnaryKernels, MatchesReferenceAtEveryLength) {
    const UnaryCase& c = GetParam();
    for (Isa isa : isas_to_test()) {
        const UnaryKernel fn = kernel_table(isa).vector.*c.entry;
        ASSERT_NE(fn, nullptr) << c.name << " missing on " << isa_name(isa);
        for (size_t n : kLengths) {
            const std::vector<float> values = test_input(n, c.lo, c.hi, uint32_t(n * 7 + 1));
            // Both buffers end at a guard page: any access past n faults.
            GuardBuffer<float> x(values), y(n, -123.0f);
            fn(n, x.data(), y.data(), c.params);
            check_unary_output(c, isa, x.data(), y.data(), n);
            // In place.
            GuardBuffer<float> inout(values);
            fn(n, inout.data(), inout.data(), c.params);
            for (size_t i = 0; i < n; ++i) ASSERT_TRUE(same_value(inout[i], y[i])) << c.name << " in place";
            // Unaligned by one float.
            std::vector<float> xs(n + 1), ys(n + 1);
            std::copy(values.begin(), values.end(), xs.begin() + 1);
            fn(n, xs.data() + 1, ys.data() + 1, c.params);
            for (size_t i = 0; i < n; ++i) ASSERT_TRUE(same_value(ys[i + 1], y[i])) << c.name << " unaligned";
        }
    }
}

// An element's result must not depend on its position (full vector, unrolled
// pair or masked tail): that is what makes results independent of how work is
// split across threads.
TEST_P(UnaryKernels, ResultDoesNotDependOnPosition) {
    const UnaryCase& c = GetParam();
    const std::vector<float> x = test_input(101, c.lo, c.hi, 99);
    for (Isa isa : isas_to_test()) {
        const UnaryKernel fn = kernel_table(isa).vector.*c.entry;
        std::vector<float> whole(x.size());
        fn(x.size(), x.data(), whole.data(), c.params);
        for (size_t start = 0; start < x.size(); start += 13) {
            const size_t len = std::min<size_t>(19, x.size() - start);
            std::vector<float> part(len);
            fn(len, x.data() + start, part.data(), c.params);
            for (size_t i = 0; i < len; ++i)
                ASSERT_TRUE(same_value(part[i], whole[start + i])) << c.name << " " << where(isa, len, i, x[start + i]);
        }
    }
}

INSTANTIATE_TEST_SUITE_P(Vector, UnaryKernels, ::testing::ValuesIn(kUnaryCases),
                         [](const auto& info) { return std::string(info.param.name); });

// ---- binary -----------------------------------------------------------------

struct BinaryCase {
    const char* name;
    BinaryKernel VectorKernels::*entry;
    float (*reference)(float, float);
};

float max_ref(float a, float b) { return (a >= b || a != a) ? a : b; }
float min_ref(float a, float b) { return (a <= b || a != a) ? a : b; }

const BinaryCase kBinaryCases[] = {
    {"add", &VectorKernels::add, [](float a, float b) { return a + b; }},
    {"sub", &VectorKernels::sub, [](float a, float b) { return a - b; }},
    {"mul", &VectorKernels::mul, [](float a, float b) { return a * b; }},
    {"div", &VectorKernels::div, [](float a, float b) { return a / b; }},
    {"max", &VectorKernels::max, max_ref},
    {"min", &VectorKernels::min, min_ref},
};

void PrintTo(const BinaryCase& c, std::ostream* os) { *os << c.name; }

class BinaryKernels : public ::testing::TestWithParam<BinaryCase> {};

TEST_P(BinaryKernels, AllOperandFormsMatchScalarExpression) {
    const BinaryCase& c = GetParam();
    const float scalars[] = {2.5f, -0.0f, 0.0f, kNaN, -kInf};
    for (Isa isa : isas_to_test()) {
        const BinaryKernel k = kernel_table(isa).vector.*c.entry;
        ASSERT_TRUE(k.vv && k.vs && k.sv) << c.name << " missing on " << isa_name(isa);
        for (size_t n : kLengths) {
            GuardBuffer<float> a(test_input(n, -4, 4, uint32_t(n + 3))),
                b(test_input(n, -4, 4, uint32_t(n + 11), n > 2));
            GuardBuffer<float> y(n);
            k.vv(n, a.data(), b.data(), y.data());
            for (size_t i = 0; i < n; ++i)
                ASSERT_TRUE(same_value(y[i], c.reference(a[i], b[i])))
                    << c.name << " vv " << where(isa, n, i, a[i]) << " b=" << b[i] << " got " << y[i];
            for (float s : scalars) {
                k.vs(n, a.data(), s, y.data());
                for (size_t i = 0; i < n; ++i)
                    ASSERT_TRUE(same_value(y[i], c.reference(a[i], s)))
                        << c.name << " vs " << where(isa, n, i, a[i]) << " s=" << s;
                k.sv(n, s, b.data(), y.data());
                for (size_t i = 0; i < n; ++i)
                    ASSERT_TRUE(same_value(y[i], c.reference(s, b[i])))
                        << c.name << " sv " << where(isa, n, i, b[i]) << " s=" << s;
            }
            // In place on either operand, as the variadic ops accumulate.
            std::vector<float> acc = a.to_vector();
            k.vv(n, acc.data(), b.data(), acc.data());
            for (size_t i = 0; i < n; ++i) ASSERT_TRUE(same_value(acc[i], c.reference(a[i], b[i])));
        }
    }
}

TEST(BinaryKernels, MaxMinPropagateNaNFromEitherSideAndKeepFirstOnTies) {
    for (Isa isa : isas_to_test()) {
        const VectorKernels& t = kernel_table(isa).vector;
        const std::vector<float> a = {kNaN, 1.0f, -0.0f, 0.0f, 3.0f, kNaN, -kInf, 2.0f, 1.0f};
        const std::vector<float> b = {1.0f, kNaN, 0.0f, -0.0f, kInf, kNaN, 5.0f, 2.0f, -1.0f};
        std::vector<float> y(a.size());
        for (auto [kernel, ref] : {std::pair{t.max, &max_ref}, std::pair{t.min, &min_ref}}) {
            kernel.vv(a.size(), a.data(), b.data(), y.data());
            for (size_t i = 0; i < a.size(); ++i)
                EXPECT_TRUE(same_value(y[i], ref(a[i], b[i]))) << isa_name(isa) << " i=" << i;
        }
    }
}

INSTANTIATE_TEST_SUITE_P(Vector, BinaryKernels, ::testing::ValuesIn(kBinaryCases),
                         [](const auto& info) { return std::string(info.param.name); });

// ---- affine -------------------------------------------------------------------

// x * s + b, fused where the ISA has FMA and as multiply-then-add where not.
bool is_multiply_add(float got, float x, float s, float b) {
    volatile float product = x * s;  // volatile: no contraction into an fma here
    return same_value(got, std::fma(x, s, b)) || same_value(got, product + b);
}

TEST(VectorKernels, AffineIsOneMultiplyAddPerElement) {
    for (Isa isa : isas_to_test()) {
        const VectorKernels& t = kernel_table(isa).vector;
        for (size_t n : kLengths) {
            GuardBuffer<float> x(test_input(n, -3, 3, 5)), s(test_input(n, -2, 2, 6, false)),
                b(test_input(n, -1, 1, 7, false)), y(n);
            t.affine(n, x.data(), y.data(), 1.7f, -0.3f);
            for (size_t i = 0; i < n; ++i)
                ASSERT_TRUE(is_multiply_add(y[i], x[i], 1.7f, -0.3f)) << where(isa, n, i, x[i]) << " got " << y[i];
            t.affine_vec(n, x.data(), y.data(), s.data(), b.data());
            for (size_t i = 0; i < n; ++i)
                ASSERT_TRUE(is_multiply_add(y[i], x[i], s[i], b[i])) << where(isa, n, i, x[i]) << " got " << y[i];
        }
    }
}

// ---- softmax ------------------------------------------------------------------

// |got - want| <= rel * |want| + abs_tol.
void expect_close(const std::vector<float>& got, const std::vector<float>& want, double rel, double abs_tol,
                  const std::string& what) {
    ASSERT_EQ(got.size(), want.size());
    for (size_t i = 0; i < got.size(); ++i) {
        if (std::isnan(want[i])) {
            ASSERT_TRUE(std::isnan(got[i])) << what << " i=" << i;
            continue;
        }
        ASSERT_NEAR(got[i], want[i], rel * std::fabs(want[i]) + abs_tol) << what << " i=" << i;
    }
}

TEST(VectorKernels, SoftmaxMatchesReferenceContiguousAndStrided) {
    const size_t ns[] = {1, 2, 7, 16, 17, 33, 1003};
    const size_t inners[] = {1, 3, 8, 17, 37};
    for (Isa isa : isas_to_test()) {
        const VectorKernels& t = kernel_table(isa).vector;
        for (size_t n : ns)
            for (size_t inner : inners)
                for (bool log_softmax : {false, true}) {
                    const size_t count = n * inner;
                    GuardBuffer<float> x(test_input(count, -30, 30, uint32_t(n * 31 + inner), false)), y(count);
                    t.softmax(n, inner, x.data(), y.data(), log_softmax);
                    std::vector<float> want(count);
                    if (log_softmax)
                        ref::softmax<ref::SoftmaxKind::LogSoftmax, float>(x.data(), want.data(), int64_t(n),
                                                                          int64_t(inner), 0, 1);
                    else
                        ref::softmax<ref::SoftmaxKind::Softmax, float>(x.data(), want.data(), int64_t(n),
                                                                       int64_t(inner), 0, 1);
                    const std::string what = std::string(isa_name(isa)) + (log_softmax ? " log" : "") +
                                             " n=" + std::to_string(n) + " inner=" + std::to_string(inner);
                    expect_close(y.to_vector(), want, 1e-5, log_softmax ? 1e-5 : 1e-12, what);
                }
    }
}

TEST(VectorKernels, SoftmaxSpecialRows) {
    struct Row {
        std::vector<float> x;
        const char* what;
    };
    const Row rows[] = {
        {{1000.0f, 999.0f, -1000.0f, 1000.0f, 5.0f, 0, 0, 0, 0, 1}, "large values do not overflow"},
        {{-kInf, 0.0f, 1.0f, -kInf, 2, 3, 4, 5, 6, 7, 8}, "-inf entries give 0"},
        {{1.0f, kNaN, 2.0f, 3, 4, 5, 6, 7, 8, 9, 10}, "NaN poisons the row"},
        {{kInf, 1.0f, 2.0f}, "+inf poisons the row"},
        {std::vector<float>(19, -kInf), "all -inf is NaN"},
        {std::vector<float>(21, 0.25f), "uniform"},
    };
    for (Isa isa : isas_to_test()) {
        const VectorKernels& t = kernel_table(isa).vector;
        for (const Row& r : rows)
            for (bool log_softmax : {false, true}) {
                std::vector<float> y(r.x.size()), want(r.x.size());
                t.softmax(r.x.size(), 1, r.x.data(), y.data(), log_softmax);
                if (log_softmax)
                    ref::softmax<ref::SoftmaxKind::LogSoftmax, float>(r.x.data(), want.data(), int64_t(r.x.size()), 1,
                                                                      0, 1);
                else
                    ref::softmax<ref::SoftmaxKind::Softmax, float>(r.x.data(), want.data(), int64_t(r.x.size()), 1, 0,
                                                                   1);
                for (size_t i = 0; i < y.size(); ++i) {
                    if (std::isnan(want[i]) || std::isinf(want[i]))
                        EXPECT_TRUE(same_value(y[i], want[i])) << isa_name(isa) << " " << r.what << " i=" << i;
                    else
                        EXPECT_NEAR(y[i], want[i], 1e-6 * (1 + std::fabs(want[i]))) << isa_name(isa) << " " << r.what;
                }
            }
    }
}

// ---- layer norm ---------------------------------------------------------------

TEST(VectorKernels, LayerNormMatchesReference) {
    const size_t ds[] = {1, 5, 8, 16, 17, 33, 768, 1003};
    for (Isa isa : isas_to_test()) {
        const VectorKernels& t = kernel_table(isa).vector;
        for (size_t d : ds)
            for (bool with_bias : {false, true})
                for (float offset : {0.0f, 1000.0f}) {  // a large common offset must not cancel the variance
                    std::vector<float> values = test_input(d, -2, 2, uint32_t(d), false);
                    for (float& v : values) v += offset;
                    GuardBuffer<float> x(values), scale(test_input(d, 0.5, 1.5, 2, false)),
                        bias(test_input(d, -1, 1, 3, false)), y(d);
                    float mean = 0, inv_std = 0;
                    t.layer_norm(d, x.data(), y.data(), scale.data(), with_bias ? bias.data() : nullptr, 1e-5f, &mean,
                                 &inv_std);
                    std::vector<float> want(d);
                    float want_mean = 0, want_inv_std = 0;
                    ref::layer_norm(x.data(), want.data(), scale.data(), with_bias ? bias.data() : nullptr, int64_t(d),
                                    1e-5, &want_mean, &want_inv_std, 0, 1);
                    const std::string what =
                        std::string(isa_name(isa)) + " d=" + std::to_string(d) + " offset=" + std::to_string(offset);
                    // With a common offset of 1000 the inputs themselves carry
                    // only ~1e-4 absolute precision, which the result inherits.
                    expect_close(y.to_vector(), want, 1e-5, offset == 0 ? 1e-5 : 2e-3, what);
                    EXPECT_NEAR(mean, want_mean, 1e-5 * (1 + std::fabs(want_mean))) << what;
                    EXPECT_NEAR(inv_std, want_inv_std, 1e-4 * want_inv_std) << what;
                }
    }
}

// ---- resampling rows --------------------------------------------------------------

TEST(VectorKernels, GatherAndBlendMatchScalarLoops) {
    for (Isa isa : isas_to_test()) {
        const VectorKernels& t = kernel_table(isa).vector;
        for (size_t n : kLengths) {
            const size_t src_len = n / 2 + 3;
            GuardBuffer<float> src(test_input(src_len, -5, 5, uint32_t(n))), a(test_input(n, -5, 5, 1)),
                b(test_input(n, -5, 5, 2)), w0(test_input(n, 0, 1, 3, false)), w1(test_input(n, 0, 1, 4, false)), y(n);
            GuardBuffer<int32_t> i0(n), i1(n);
            for (size_t i = 0; i < n; ++i) {
                i0[i] = int32_t((i * 7) % src_len);
                i1[i] = int32_t(std::min(src_len - 1, size_t(i0[i]) + 1));
            }
            t.gather(n, src.data(), i0.data(), y.data());
            for (size_t i = 0; i < n; ++i)
                ASSERT_TRUE(same_value(y[i], src[size_t(i0[i])])) << isa_name(isa) << " n=" << n;
            t.blend(n, a.data(), 0.25f, b.data(), 0.75f, y.data());
            for (size_t i = 0; i < n; ++i)
                ASSERT_TRUE(is_multiply_add(y[i], b[i], 0.75f, a[i] * 0.25f))
                    << isa_name(isa) << " n=" << n << " i=" << i;
            t.gather_blend(n, src.data(), i0.data(), w0.data(), i1.data(), w1.data(), y.data());
            for (size_t i = 0; i < n; ++i)
                ASSERT_TRUE(is_multiply_add(y[i], src[size_t(i1[i])], w1[i], src[size_t(i0[i])] * w0[i]))
                    << isa_name(isa) << " n=" << n << " i=" << i;
        }
    }
}

// ---- transpose ----------------------------------------------------------------

TEST(VectorKernels, TransposeMovesEveryBitPatternToItsPlace) {
    const size_t sizes[] = {1, 3, 7, 8, 9, 16, 17, 64, 65, 70};
    for (Isa isa : isas_to_test()) {
        const VectorKernels& t = kernel_table(isa).vector;
        for (size_t rows : sizes)
            for (size_t cols : sizes) {
                // Strides wider than the block, both buffers ending at a guard
                // page, and signalling-NaN bit patterns that must survive.
                const size_t in_stride = cols + 3, out_stride = rows + 5;
                GuardBuffer<uint32_t> in(rows * in_stride), out((cols - 1) * out_stride + rows);
                for (size_t i = 0; i < in.size(); ++i) in[i] = 0x7f800001u + uint32_t(i);
                for (size_t i = 0; i < out.size(); ++i) out[i] = 0xdeadbeefu;
                t.transpose_4b(rows, cols, in.data(), in_stride, out.data(), out_stride);
                for (size_t c = 0; c < cols; ++c)
                    for (size_t r = 0; r < out_stride && c * out_stride + r < out.size(); ++r) {
                        const uint32_t want = r < rows ? in[r * in_stride + c] : 0xdeadbeefu;
                        ASSERT_EQ(out[c * out_stride + r], want)
                            << isa_name(isa) << " rows=" << rows << " cols=" << cols << " r=" << r << " c=" << c;
                    }
            }
    }
}

}  // namespace
}  // namespace vireo::kernels
