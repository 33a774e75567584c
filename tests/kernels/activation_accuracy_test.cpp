// vireo tests — accuracy of the vectorized transcendental kernels over the
// float range, for every ISA this machine runs.
//
// Each function is compared with a double-precision libm formula. The error
// is counted in ULPs of the exact result (so a correctly rounded result is
// <= 0.5; subnormal results use the subnormal spacing), and also as relative
// error for results in the normal range. Inputs whose exact result is an
// infinity must give that infinity, NaN inputs NaN.
//
// By default every 509th float bit pattern is tested, plus every float near the
// points where an algorithm switches branch, which runs in a few seconds.
// VIREO_EXHAUSTIVE_ACCURACY=1 tests all 2^32 bit patterns (minutes); the table
// in README.md is the output of that run:
//   VIREO_EXHAUSTIVE_ACCURACY=1 ./vireo_tests --gtest_filter='ActivationAccuracy.*'
//
// The bounds asserted below are the exhaustive run's maxima over all ISAs,
// rounded up (exhaustive, GCC 12, this commit; ULPs of the exact result):
//
//   function  scalar  avx2   avx512   max rel err (normal results)
//   exp       1.18    0.91   0.91     9.9e-8
//   log       1.01    1.01   1.01     9.0e-8
//   sigmoid   2.40    2.40   2.40     1.9e-7
//   tanh      1.57    1.51   1.51     1.6e-7
//   erf       3.13    2.15   2.15     2.3e-7
//   gelu      7.04    6.21   6.21     4.5e-7
//   silu      3.44    3.34   3.34     2.4e-7
//   softplus  2.84    2.80   2.80     2.3e-7
//   elu       1.44    1.38   1.38     1.3e-7   (expm1 for x < 0; Selu/Celu share it)
//
// The scalar column lacks fused multiply-adds, hence its extra fraction of an ULP.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "kernels/cpu.hpp"
#include "kernels/dispatch.hpp"

namespace vireo::kernels {
namespace {

std::vector<Isa> isas_to_test() {
    std::vector<Isa> out{Isa::Scalar};
    const Isa best = detected_isa();
    for (Isa isa : {Isa::Neon, Isa::Avx2, Isa::Avx512})
        if (int(isa) <= int(best) && (isa != Isa::Neon) == (best != Isa::Neon)) out.push_back(isa);
    return out;
}

float from_bits(uint32_t b) {
    float f;
    std::memcpy(&f, &b, sizeof f);
    return f;
}

// Spacing of floats at the magnitude of the exact value v (2^-149 for subnormals).
double ulp_at(double v) {
    const double a = std::fabs(v);
    if (a < 0x1p-126) return 0x1p-149;
    int e;
    std::frexp(a, &e);  // a = m * 2^e, m in [0.5, 1)
    if (e > 128) e = 128;
    return std::ldexp(1.0, e - 24);
}

double sigmoid_ref(double x) { return x >= 0 ? 1 / (1 + std::exp(-x)) : std::exp(x) / (1 + std::exp(x)); }

struct Function {
    const char* name;
    UnaryKernel VectorKernels::*entry;
    double (*reference)(double);
    double max_ulp;  // asserted bound
    UnaryParams params{};
};

// The reference formulas; infinite inputs are given their limits where the
// plain formula would produce inf * 0.
const Function kFunctions[] = {
    {"exp", &VectorKernels::exp, [](double x) { return std::exp(x); }, 1.25},
    {"log", &VectorKernels::log, [](double x) { return std::log(x); }, 1.25},
    {"sigmoid", &VectorKernels::sigmoid, sigmoid_ref, 2.5},
    {"tanh", &VectorKernels::tanh, [](double x) { return std::tanh(x); }, 2.0},
    {"erf", &VectorKernels::erf, [](double x) { return std::erf(x); }, 3.5},
    {"gelu", &VectorKernels::gelu,
     [](double x) {
         if (std::isinf(x)) return x > 0 ? x : -0.0;
         return x >= 0 ? 0.5 * x * (1 + std::erf(x / std::sqrt(2.0))) : 0.5 * x * std::erfc(-x / std::sqrt(2.0));
     },
     7.5},
    {"silu", &VectorKernels::silu, [](double x) { return std::isinf(x) ? (x > 0 ? x : -0.0) : x * sigmoid_ref(x); },
     3.5},
    {"softplus", &VectorKernels::softplus,
     [](double x) { return x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x)); }, 3.0},
    {"elu", &VectorKernels::elu, [](double x) { return x < 0 ? std::expm1(x) : x; }, 1.5, {1.0f, 0.0f}},
};

struct Stats {
    double max_ulp = 0, max_rel = 0;
    float worst_input = 0;
    uint64_t tested = 0, special_failures = 0;
    float first_special_failure = 0;
};

// Accumulates the error of `got` against the exact value `ref` for input x.
void record(Stats& s, float x, double ref, float got) {
    ++s.tested;
    const float ref_f = float(ref);
    auto special_failure = [&] {
        if (s.special_failures++ == 0) s.first_special_failure = x;
    };
    if (std::isnan(ref)) {
        if (!std::isnan(got)) special_failure();
        return;
    }
    if (std::isinf(ref_f) || std::isinf(got) || std::isnan(got)) {
        if (got != ref_f) special_failure();
        return;
    }
    const double err = std::fabs(double(got) - ref);
    const double ulps = err / ulp_at(ref);
    if (ulps > s.max_ulp) {
        s.max_ulp = ulps;
        s.worst_input = x;
    }
    if (std::fabs(ref) >= 0x1p-126) s.max_rel = std::max(s.max_rel, err / std::fabs(ref));
}

// Inputs: bit patterns [begin, end) with `stride`, in blocks, evaluated by
// every ISA against one reference evaluation.
class Sweep {
public:
    explicit Sweep(const Function& f) : f_(f), isas_(isas_to_test()), stats_(isas_.size()) {}

    void run(uint64_t begin, uint64_t end, uint64_t stride) {
        constexpr size_t kBlock = 4096;
        std::vector<float> x(kBlock), y(kBlock);
        std::vector<double> ref(kBlock);
        uint64_t b = begin;
        while (b < end) {
            size_t n = 0;
            for (; n < kBlock && b < end; ++n, b += stride) x[n] = from_bits(uint32_t(b));
            for (size_t i = 0; i < n; ++i) ref[i] = f_.reference(double(x[i]));
            for (size_t k = 0; k < isas_.size(); ++k) {
                (kernel_table(isas_[k]).vector.*f_.entry)(n, x.data(), y.data(), f_.params);
                for (size_t i = 0; i < n; ++i) record(stats_[k], x[i], ref[i], y[i]);
            }
        }
    }
    // Every float within `radius` ULPs of v (both signs of v are the caller's business).
    void around(float v, uint32_t radius) {
        uint32_t bits;
        std::memcpy(&bits, &v, sizeof bits);
        const uint64_t lo = bits >= radius ? bits - radius : 0;
        run(lo, uint64_t(bits) + radius, 1);
    }

    void report_and_check() const {
        for (size_t k = 0; k < isas_.size(); ++k) {
            const Stats& s = stats_[k];
            std::printf(
                "[accuracy] %-9s %-7s max %.3f ulp (at x = %.9g), max rel err %.3g over normal results, "
                "%llu inputs\n",
                f_.name, isa_name(isas_[k]), s.max_ulp, double(s.worst_input), s.max_rel, (unsigned long long)s.tested);
            EXPECT_EQ(s.special_failures, 0u) << f_.name << " on " << isa_name(isas_[k])
                                              << ": wrong inf/NaN result, first at x = " << s.first_special_failure;
            EXPECT_LE(s.max_ulp, f_.max_ulp)
                << f_.name << " on " << isa_name(isas_[k]) << ", worst at x = " << s.worst_input;
        }
    }

private:
    const Function& f_;
    std::vector<Isa> isas_;
    std::vector<Stats> stats_;
};

bool exhaustive() {
    const char* e = std::getenv("VIREO_EXHAUSTIVE_ACCURACY");
    return e && std::string(e) == "1";
}

void PrintTo(const Function& f, std::ostream* os) { *os << f.name; }

class ActivationAccuracy : public ::testing::TestWithParam<Function> {};

TEST_P(ActivationAccuracy, WholeFloatRange) {
    const Function& f = GetParam();
    Sweep sweep(f);
    sweep.run(0, uint64_t(1) << 32, exhaustive() ? 1 : 509);
    if (!exhaustive()) {
        // The special values themselves: ±0, ±inf, NaNs, the smallest and largest floats.
        for (uint32_t bits : {0x00000000u, 0x80000000u, 0x7f800000u, 0xff800000u, 0x7fc00000u, 0xffc00000u, 0x7f800001u,
                              0x00000001u, 0x80000001u, 0x00800000u, 0x80800000u, 0x7f7fffffu, 0xff7fffffu})
            sweep.run(bits, uint64_t(bits) + 1, 1);
        // Dense neighbourhoods of the branch points, range limits and the
        // subnormal boundary, where a strided sweep could step over the worst case.
        const float points[] = {0.5f,  0.625f, 0.7071068f, 1.0f,      1.4142135f, 3.92f,  4.0f,      9.0f,
                                14.5f, 20.0f,  87.33655f,  88.72284f, 103.97208f, 104.0f, 0x1p-126f, 1.0e-4f};
        for (float p : points) {
            sweep.around(p, 1 << 14);
            sweep.around(-p, 1 << 14);
        }
    }
    sweep.report_and_check();
}

INSTANTIATE_TEST_SUITE_P(Functions, ActivationAccuracy, ::testing::ValuesIn(kFunctions),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace vireo::kernels
