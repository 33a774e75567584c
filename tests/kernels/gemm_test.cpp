// f32 GEMM (kernels/f32-gemm) against the reference GEMM (kernels/ref/gemm.hpp),
// for every ISA this machine has.
//
// The last tests run the Gemm and MatMul ops through a session, with B as an
// initializer (packed once in prepare()) and as an input, on every ISA and on
// one and two threads (bitwise equal).
//
// Tolerance: the optimized kernels accumulate with FMAs and the reference with
// separate multiplies and adds, so an element may differ by a few ulps of the
// sum of |a·b| terms: |got - want| <= 1e-5 · (|scale|·Σ|a_k·b_k| + |bias| +
// |residual|) + 1e-6, after the epilogue (whose activations all have slope
// <= 1.1). Every operand sits in a buffer that ends at a PROT_NONE page.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "kernels/dispatch.hpp"
#include "kernels/f32-gemm/gemm_driver.hpp"
#include "kernels/ref/gemm.hpp"
#include "tests/kernels/guard_buffer.hpp"
#include "tests/unit/onnx_builder.hpp"
#include "vireo/vireo.hpp"

namespace vireo::test {
namespace {

using kernels::GemmActivation;
using kernels::GemmArgs;
using kernels::GemmBias;
using kernels::GemmEpilogue;
using kernels::GemmKernels;
using kernels::Isa;
using vireo::DType;
using vireo::Shape;
using vireo::Tensor;

std::vector<Isa> available_isas() {
    std::vector<Isa> isas{Isa::Scalar};
    for (Isa isa : {Isa::Avx2, Isa::Avx512})
        if (int(isa) <= int(kernels::detected_isa())) isas.push_back(isa);
    return isas;
}

const GemmKernels& gemm_kernels(Isa isa) { return kernels::kernel_table(isa).gemm; }

std::vector<float> random_floats(size_t n, uint32_t seed, float lo = -1.0f, float hi = 1.0f) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> u(lo, hi);
    std::vector<float> v(n);
    for (auto& x : v) x = u(rng);
    return v;
}

double activate(double v, const GemmEpilogue& ep) {
    switch (ep.activation) {
        case GemmActivation::None: return v;
        case GemmActivation::Relu: return std::max(v, 0.0);
        case GemmActivation::Clip: return std::min(std::max(v, double(ep.alpha)), double(ep.beta));
        case GemmActivation::LeakyRelu: return v >= 0 ? v : ep.alpha * v;
        case GemmActivation::Sigmoid: return 1.0 / (1.0 + std::exp(-v));
        case GemmActivation::SiLU: return v / (1.0 + std::exp(-v));
        case GemmActivation::HardSigmoid: return std::clamp(ep.alpha * v + ep.beta, 0.0, 1.0);
        case GemmActivation::HardSwish: return v * std::clamp(v / 6.0 + 0.5, 0.0, 1.0);
    }
    return v;
}

const char* activation_name(GemmActivation a) {
    static const char* names[] = {"None", "Relu", "Clip", "LeakyRelu", "Sigmoid", "SiLU", "HardSigmoid", "HardSwish"};
    return names[int(a)];
}

// One product to check: shapes, layouts and how B and A are supplied.
struct Case {
    size_t M = 1, N = 1, K = 1;
    bool trans_a = false, trans_b = false;
    size_t pad_a = 0, pad_b = 0, pad_c = 0;  // extra leading-dimension elements
    enum class BMode { Prepacked, PerCall } b_mode = BMode::PerCall;
    bool a_callback = false;
    GemmEpilogue ep;                      // bias/residual pointers filled in by run_case
    bool residual = false;

    std::string str() const {
        std::string s = std::to_string(M) + "x" + std::to_string(N) + "x" + std::to_string(K);
        if (trans_a) s += " transA";
        if (trans_b) s += " transB";
        if (pad_a || pad_b || pad_c) s += " padded";
        s += b_mode == BMode::Prepacked ? " prepacked" : " per-call";
        if (a_callback) s += " a-callback";
        s += std::string(" ") + activation_name(ep.activation);
        if (ep.bias_kind == GemmBias::PerColumn) s += " bias/col";
        if (ep.bias_kind == GemmBias::PerRow) s += " bias/row";
        if (residual) s += ep.residual_before_activation ? " residual-before" : " residual-after";
        if (ep.scale != 1.0f) s += " scale";
        return s;
    }
};

// A stored row-major M×K (lda) read through the pack callback.
struct CallbackA {
    const float* a;
    size_t lda, mr;
};

void pack_a_callback(const void* ctx, size_t m0, size_t rows, size_t k0, size_t kc, float* dst) {
    const auto& c = *static_cast<const CallbackA*>(ctx);
    for (size_t k = 0; k < kc; ++k)
        for (size_t r = 0; r < rows; ++r) dst[k * c.mr + r] = c.a[(m0 + r) * c.lda + k0 + k];
}

struct Operands {
    size_t lda, ldb, ldc;
    GuardBuffer<float> a, b, bias, residual;
    std::vector<float> a_host, b_host, bias_host, res_host;

    explicit Operands(const Case& c)
        : lda((c.trans_a ? c.M : c.K) + c.pad_a),
          ldb((c.trans_b ? c.K : c.N) + c.pad_b),
          ldc(c.N + c.pad_c),
          a(rows_a(c) ? (rows_a(c) - 1) * lda + (c.trans_a ? c.M : c.K) : 0),
          b(rows_b(c) ? (rows_b(c) - 1) * ldb + (c.trans_b ? c.K : c.N) : 0),
          bias(c.ep.bias_kind == GemmBias::PerRow ? c.M : c.ep.bias_kind == GemmBias::PerColumn ? c.N : 0),
          residual(c.residual ? c.M * c.N : 0) {
        a_host = random_floats(a.size(), 11 + uint32_t(c.M * 7 + c.K));
        b_host = random_floats(b.size(), 23 + uint32_t(c.N * 5 + c.K));
        bias_host = random_floats(bias.size(), 37);
        res_host = random_floats(residual.size(), 41, -2.0f, 2.0f);
        std::copy(a_host.begin(), a_host.end(), a.data());
        std::copy(b_host.begin(), b_host.end(), b.data());
        std::copy(bias_host.begin(), bias_host.end(), bias.data());
        std::copy(res_host.begin(), res_host.end(), residual.data());
    }
    static size_t rows_a(const Case& c) { return c.trans_a ? c.K : c.M; }
    static size_t rows_b(const Case& c) { return c.trans_b ? c.N : c.K; }
};

// Runs the case on `gk` into a guarded C (ldc-strided, the gaps poisoned) and
// returns C.
std::vector<float> run_gemm(const GemmKernels& gk, const Case& c, Operands& o,
                            const std::vector<std::pair<size_t, size_t>>* task_chunks = nullptr) {
    GuardBuffer<float> out(c.M ? (c.M - 1) * o.ldc + c.N : 0, std::nanf(""));
    GemmArgs args;
    args.M = c.M;
    args.N = c.N;
    args.K = c.K;
    CallbackA cb{o.a.data(), o.lda, gk.mr};
    if (c.a_callback) args.a = kernels::GemmA::packer(&pack_a_callback, &cb);
    else args.a = kernels::GemmA::matrix(o.a.data(), o.lda, c.trans_a);
    args.c = out.data();
    args.ldc = o.ldc;
    args.epilogue = c.ep;
    if (c.ep.bias_kind != GemmBias::None) args.epilogue.bias = o.bias.data();
    if (c.residual) {
        args.epilogue.residual = o.residual.data();
        args.epilogue.ld_residual = c.N;
    }
    kernels::PackedB packed;
    if (c.b_mode == Case::BMode::Prepacked) {
        packed = kernels::pack_b(gk, o.b.data(), o.ldb, c.trans_b, c.K, c.N);
        args.b_packed = packed.data();
    } else {
        args.b = o.b.data();
        args.ldb = o.ldb;
        args.b_transposed = c.trans_b;
    }
    if (task_chunks) {
        // A caller-chosen split of the task range, in a scrambled order.
        const auto plan = kernels::plan_gemm(gk, c.M, c.N, c.K);
        for (auto [t0, t1] : *task_chunks) kernels::gemm_tasks(gk, args, plan, std::min(t0, plan.tasks()), std::min(t1, plan.tasks()));
    } else {
        kernels::gemm(gk, args);
    }
    std::vector<float> dense(c.M * c.N);
    for (size_t i = 0; i < c.M; ++i)
        for (size_t j = 0; j < c.N; ++j) dense[i * c.N + j] = out[i * o.ldc + j];
    return dense;
}

void check_case(Isa isa, const Case& c) {
    SCOPED_TRACE(std::string(kernels::isa_name(isa)) + " " + c.str());
    const GemmKernels& gk = gemm_kernels(isa);
    Operands o(c);
    const std::vector<float> got = run_gemm(gk, c, o);

    std::vector<float> prod(c.M * c.N, 0.0f);
    if (c.M && c.N)
        ref::gemm_f32(int64_t(c.M), int64_t(c.N), int64_t(c.K), o.a_host.data(), int64_t(o.lda),
                      o.b_host.data(), int64_t(o.ldb), prod.data(), int64_t(c.N), 1.0f, 0.0f,
                      c.trans_a, c.trans_b);
    size_t bad = 0;
    for (size_t i = 0; i < c.M; ++i) {
        for (size_t j = 0; j < c.N; ++j) {
            double mag = 0;
            for (size_t k = 0; k < c.K; ++k) {
                const double a = c.trans_a ? o.a_host[k * o.lda + i] : o.a_host[i * o.lda + k];
                const double b = c.trans_b ? o.b_host[j * o.ldb + k] : o.b_host[k * o.ldb + j];
                mag += std::fabs(a * b);
            }
            double v = double(c.ep.scale) * prod[i * c.N + j];
            mag *= std::fabs(c.ep.scale);
            if (c.ep.bias_kind == GemmBias::PerColumn) v += o.bias_host[j];
            if (c.ep.bias_kind == GemmBias::PerRow) v += o.bias_host[i];
            if (c.ep.bias_kind != GemmBias::None) mag += 1;
            const double r = c.residual ? o.res_host[i * c.N + j] : 0.0;
            mag += std::fabs(r);
            if (c.residual && c.ep.residual_before_activation) v += r;
            v = activate(v, c.ep);
            if (c.residual && !c.ep.residual_before_activation) v += r;
            const double tol = 1e-5 * mag + 1e-6;
            const float g = got[i * c.N + j];
            if (!(std::fabs(g - v) <= tol)) {
                if (++bad <= 5)
                    ADD_FAILURE() << "C[" << i << "," << j << "] = " << g << ", want " << v << " (tol " << tol << ")";
            }
        }
    }
    EXPECT_EQ(bad, 0u);
}

// ---------------------------------------------------------------------------

TEST(F32Gemm, KernelTablesAreComplete) {
    for (Isa isa : available_isas()) {
        const GemmKernels& gk = gemm_kernels(isa);
        SCOPED_TRACE(kernels::isa_name(isa));
        ASSERT_NE(gk.name, nullptr);
        EXPECT_NE(std::string(gk.name).find(kernels::isa_name(isa)), std::string::npos) << gk.name;
        EXPECT_TRUE(gk.ukernel && gk.pack_a);
        EXPECT_EQ(gk.mc % gk.mr, 0u);
        EXPECT_EQ(gk.nc % gk.nr, 0u);
    }
}

// M, N at tile -1 / tile / tile +1 and K below / at / above the K block, for
// both ways of supplying B.
TEST(F32Gemm, AwkwardShapesEveryIsa) {
    for (Isa isa : available_isas()) {
        const GemmKernels& gk = gemm_kernels(isa);
        const size_t mr = gk.mr, nr = gk.nr, kc = gk.kc;
        for (size_t M : {size_t(1), mr - 1, mr, mr + 1, 3 * mr + 2})
            for (size_t N : {size_t(1), nr - 1, nr, nr + 1, 2 * nr + 5})
                for (size_t K : {size_t(1), size_t(13), kc - 1, kc, kc + 1, 2 * kc + 3}) {
                    if (M == 0 || N == 0) continue;
                    Case c;
                    c.M = M;
                    c.N = N;
                    c.K = K;
                    c.b_mode = (M + N + K) % 2 ? Case::BMode::Prepacked : Case::BMode::PerCall;
                    check_case(isa, c);
                    if (HasFailure()) return;
                }
    }
}

// Task blocks: several M and N blocks, the edges partial.
TEST(F32Gemm, AcrossTaskBlocks) {
    for (Isa isa : available_isas()) {
        const GemmKernels& gk = gemm_kernels(isa);
        for (auto mode : {Case::BMode::Prepacked, Case::BMode::PerCall}) {
            Case c;
            c.M = 2 * gk.mc + gk.mr + 1;
            c.N = gk.nc + gk.nr + 3;
            c.K = gk.kc + 5;
            c.b_mode = mode;
            check_case(isa, c);
        }
    }
}

TEST(F32Gemm, TransposesAndStrides) {
    for (Isa isa : available_isas()) {
        const GemmKernels& gk = gemm_kernels(isa);
        for (bool ta : {false, true})
            for (bool tb : {false, true})
                for (auto mode : {Case::BMode::Prepacked, Case::BMode::PerCall})
                    for (size_t M : {size_t(1), gk.mr + 1, 4 * gk.mr + 3}) {
                        Case c;
                        c.M = M;
                        c.N = 2 * gk.nr + 3;
                        c.K = gk.kc + 7;
                        c.trans_a = ta;
                        c.trans_b = tb;
                        c.pad_a = 3;
                        c.pad_b = 5;
                        c.pad_c = 2;
                        c.b_mode = mode;
                        check_case(isa, c);
                    }
    }
}

TEST(F32Gemm, EmptyReductionAppliesTheEpilogue) {
    for (Isa isa : available_isas()) {
        Case c;
        c.M = 5;
        c.N = 19;
        c.K = 0;
        c.ep.bias_kind = GemmBias::PerColumn;
        c.ep.activation = GemmActivation::Sigmoid;
        check_case(isa, c);
    }
}

TEST(F32Gemm, EveryEpilogue) {
    const std::vector<std::tuple<GemmActivation, float, float>> acts = {
        {GemmActivation::None, 0.f, 0.f},          {GemmActivation::Relu, 0.f, 0.f},
        {GemmActivation::Clip, -0.5f, 0.75f},      {GemmActivation::LeakyRelu, 0.1f, 0.f},
        {GemmActivation::Sigmoid, 0.f, 0.f},       {GemmActivation::SiLU, 0.f, 0.f},
        {GemmActivation::HardSigmoid, 0.2f, 0.5f}, {GemmActivation::HardSwish, 0.f, 0.f},
    };
    for (Isa isa : available_isas()) {
        const GemmKernels& gk = gemm_kernels(isa);
        for (auto [act, alpha, beta] : acts)
            for (GemmBias bias : {GemmBias::None, GemmBias::PerColumn, GemmBias::PerRow})
                for (int residual : {0, 1, 2}) {
                    Case c;
                    c.M = 2 * gk.mr + 1;
                    c.N = 2 * gk.nr + 3;
                    // K above the block: the epilogue must run once, on the last one.
                    c.K = gk.kc + 9;
                    c.ep.activation = act;
                    c.ep.alpha = alpha;
                    c.ep.beta = beta;
                    c.ep.bias_kind = bias;
                    c.ep.scale = residual == 2 ? 0.5f : 1.0f;
                    c.residual = residual != 0;
                    c.ep.residual_before_activation = residual == 1;
                    c.b_mode = residual == 1 ? Case::BMode::Prepacked : Case::BMode::PerCall;
                    check_case(isa, c);
                    if (HasFailure()) return;
                }
    }
}

TEST(F32Gemm, PackCallbackSuppliesA) {
    for (Isa isa : available_isas()) {
        const GemmKernels& gk = gemm_kernels(isa);
        for (size_t M : {size_t(1), gk.mr - 1, 3 * gk.mr + 1, gk.mc + 1}) {
            Case c;
            c.M = M;
            c.N = gk.nr + 1;
            c.K = 2 * gk.kc + 1;
            c.a_callback = true;
            c.pad_a = 4;
            c.ep.bias_kind = GemmBias::PerColumn;
            c.ep.activation = GemmActivation::Relu;
            c.b_mode = Case::BMode::Prepacked;
            check_case(isa, c);
        }
    }
}

// Any split of the task range, in any order, gives the bits of one call; so do
// a different K blocking and a B read in place instead of packed.
TEST(F32Gemm, BitwiseIndependentOfSplitAndBlocking) {
    for (Isa isa : available_isas()) {
        SCOPED_TRACE(kernels::isa_name(isa));
        const GemmKernels& gk = gemm_kernels(isa);
        Case c;
        c.M = 2 * gk.mc + 5;
        c.N = gk.nc + 2 * gk.nr + 1;
        c.K = 2 * gk.kc + 17;
        c.ep.bias_kind = GemmBias::PerColumn;
        c.ep.activation = GemmActivation::SiLU;
        c.b_mode = Case::BMode::Prepacked;
        Operands o(c);
        const std::vector<float> whole = run_gemm(gk, c, o);

        const size_t tasks = kernels::plan_gemm(gk, c.M, c.N, c.K).tasks();
        ASSERT_GT(tasks, 3u);
        std::vector<std::pair<size_t, size_t>> chunks;
        for (size_t t = tasks; t-- > 0;) chunks.push_back({t, t + 1});  // one task each, reversed
        EXPECT_EQ(run_gemm(gk, c, o, &chunks), whole);
        chunks = {{2, tasks}, {0, 1}, {1, 2}};
        EXPECT_EQ(run_gemm(gk, c, o, &chunks), whole);

        GemmKernels small_blocks = gk;
        small_blocks.kc = 37;
        small_blocks.mc = gk.mr;
        small_blocks.nc = gk.nr;
        EXPECT_EQ(run_gemm(small_blocks, c, o), whole);

        c.b_mode = Case::BMode::PerCall;  // packed per call
        EXPECT_EQ(run_gemm(gk, c, o), whole);
    }
}

TEST(F32Gemm, UnpackedBMatchesPackedBitwise) {
    for (Isa isa : available_isas()) {
        SCOPED_TRACE(kernels::isa_name(isa));
        const GemmKernels& gk = gemm_kernels(isa);
        for (size_t N : {gk.nr - 1, 3 * gk.nr + 5}) {
            Case c;
            c.M = gk.mr + 3;  // small enough that gemm() reads B in place
            c.N = N;
            c.K = gk.kc + 3;
            c.pad_b = 1;
            ASSERT_TRUE(kernels::gemm_prefers_unpacked_b(gk, c.M, c.N, c.K, c.N + c.pad_b));
            Operands o(c);
            const auto in_place = run_gemm(gk, c, o);
            c.b_mode = Case::BMode::Prepacked;
            EXPECT_EQ(run_gemm(gk, c, o), in_place);
        }
    }
}

// The vectorized sigmoid (exp polynomial) in the epilogue, over the whole
// range where the result is a normal float: max relative error <= 1e-6 (the
// kernels document ~2e-7). Outside it the result saturates to 0 or 1.
TEST(F32Gemm, SigmoidEpilogueAccuracy) {
    const size_t n = 1 << 16;
    std::vector<float> xs(n);
    for (size_t i = 0; i < n; ++i) xs[i] = -87.0f + 174.0f * float(i) / float(n - 1);
    xs.insert(xs.end(), {-1e30f, -200.0f, -90.0f, 0.0f, -0.0f, 1e-20f, 90.0f, 200.0f, 1e30f});
    for (Isa isa : available_isas()) {
        SCOPED_TRACE(kernels::isa_name(isa));
        const GemmKernels& gk = gemm_kernels(isa);
        for (GemmActivation act : {GemmActivation::Sigmoid, GemmActivation::SiLU}) {
            // C = act(x · 1): A is the column of inputs, K = 1, B = [1].
            const float one = 1.0f;
            GuardBuffer<float> c(xs.size());
            GemmArgs args;
            args.M = xs.size();
            args.N = 1;
            args.K = 1;
            args.a = kernels::GemmA::matrix(xs.data(), 1);
            args.b = &one;
            args.ldb = 1;
            args.c = c.data();
            args.ldc = 1;
            args.epilogue.activation = act;
            kernels::gemm(gk, args);
            double worst = 0;
            for (size_t i = 0; i < xs.size(); ++i) {
                const double x = xs[i], s = 1.0 / (1.0 + std::exp(-x));
                const double want = act == GemmActivation::Sigmoid ? s : x * s;
                if (std::fabs(x) <= 87.0) {
                    if (want != 0) worst = std::max(worst, std::fabs(c[i] - want) / std::fabs(want));
                } else {
                    EXPECT_NEAR(c[i], want, 1e-30 + 1e-6 * std::fabs(want)) << "x = " << x;
                }
            }
            EXPECT_LE(worst, 1e-6) << activation_name(act);
            char text[32];
            std::snprintf(text, sizeof text, "%.3g", worst);
            RecordProperty(std::string(kernels::isa_name(isa)) + "_" + activation_name(act) + "_max_rel_error", text);
        }
    }
}

// ---------------------------------------------------------------------------
// The ops on top: Gemm / MatMul float32 with constant (pre-packed) and dynamic B.

namespace pb = vireo::test::pb;

Tensor random_tensor(const Shape& shape, uint32_t seed) {
    Tensor t = Tensor::zeros(DType::Float32, shape);
    const auto v = random_floats(size_t(t.numel()), seed);
    std::copy(v.begin(), v.end(), t.data<float>());
    return t;
}

std::string f32_initializer(const std::string& name, const Tensor& t) {
    return pb::tensor_f32(name, t.shape(), std::vector<float>(t.data<float>(), t.data<float>() + t.numel()));
}

// Runs the one-node model on every ISA with 1 and 2 threads; the results of
// one ISA must not depend on the thread count.
std::vector<std::vector<float>> run_everywhere(const std::string& model, const std::vector<std::pair<std::string, Tensor>>& inputs) {
    std::vector<std::vector<float>> results;
    for (Isa isa : available_isas()) {
        std::vector<float> first;
        for (int threads : {1, 2}) {
            vireo::Session s(vireo::Model::from_buffer(model.data(), model.size()),
                             {.threads = threads, .isa = kernels::isa_name(isa)});
            std::vector<std::pair<std::string, Tensor>> in = inputs;
            const Tensor y = s.run(in).at(0);
            std::vector<float> v(y.data<float>(), y.data<float>() + y.numel());
            if (threads == 1) first = v;
            else EXPECT_EQ(v, first) << kernels::isa_name(isa) << ": 2 threads differ from 1";
        }
        results.push_back(first);
    }
    return results;
}

void expect_close(const std::vector<float>& got, const std::vector<double>& want, double scale) {
    ASSERT_EQ(got.size(), want.size());
    for (size_t i = 0; i < got.size(); ++i)
        ASSERT_NEAR(got[i], want[i], 1e-5 * scale + 1e-6) << "at " << i;
}

TEST(F32GemmOps, GemmWithPackedOrDynamicBAndEveryCShape) {
    const int64_t M = 37, N = 45, K = 70;
    const float alpha = 0.75f, beta = -1.5f;
    for (bool trans_a : {false, true})
        for (bool trans_b : {false, true})
            for (bool b_const : {true, false})
                for (const Shape& c_shape : {Shape{}, Shape{N}, Shape{1, N}, Shape{M, 1}, Shape{M, N}, Shape{1}}) {
                    SCOPED_TRACE(std::string("transA=") + (trans_a ? "1" : "0") + " transB=" + (trans_b ? "1" : "0") +
                                 (b_const ? " B initializer" : " B input") + " C rank " + std::to_string(c_shape.size()));
                    const Tensor a = random_tensor(trans_a ? Shape{K, M} : Shape{M, K}, 1);
                    const Tensor b = random_tensor(trans_b ? Shape{N, K} : Shape{K, N}, 2);
                    const Tensor c = random_tensor(c_shape, 3);
                    pb::Graph g;
                    g.input(pb::value_info("a", 1, a.shape()));
                    if (b_const) g.initializer(f32_initializer("b", b));
                    else g.input(pb::value_info("b", 1, b.shape()));
                    g.input(pb::value_info("c", 1, c.shape()));
                    g.node("Gemm", {"a", "b", "c"}, {"y"},
                           {pb::Attr::f("alpha", alpha), pb::Attr::f("beta", beta), pb::Attr::i("transA", trans_a),
                            pb::Attr::i("transB", trans_b)});
                    g.output(pb::value_info("y", 1, {M, N}));
                    std::vector<std::pair<std::string, Tensor>> in{{"a", a}, {"c", c}};
                    if (!b_const) in.push_back({"b", b});

                    std::vector<double> want(size_t(M * N));
                    const int64_t cr = c_shape.size() == 2 ? c_shape[0] : 1, cc = c_shape.empty() ? 1 : c_shape.back();
                    for (int64_t i = 0; i < M; ++i)
                        for (int64_t j = 0; j < N; ++j) {
                            double acc = 0;
                            for (int64_t k = 0; k < K; ++k)
                                acc += double(a.data<float>()[trans_a ? k * M + i : i * K + k]) *
                                       b.data<float>()[trans_b ? j * K + k : k * N + j];
                            const double cv = c.data<float>()[(cr == 1 ? 0 : i) * cc + (cc == 1 ? 0 : j)];
                            want[size_t(i * N + j)] = alpha * acc + beta * cv;
                        }
                    for (const auto& got : run_everywhere(pb::model(g), in)) expect_close(got, want, double(K));
                    if (HasFailure()) return;
                }
}

TEST(F32GemmOps, MatMulBatchedBroadcastWithPackedOrDynamicB) {
    struct ShapeCase {
        Shape a, b;
    };
    const std::vector<ShapeCase> cases = {
        {{2, 3, 29, 40}, {3, 40, 35}},  // per-batch B, broadcast over the leading 2
        {{2, 3, 5, 40}, {1, 40, 35}},   // one B: batches of A stacked
        {{6, 40}, {40, 35}},
        {{1, 40}, {40, 1000}},          // matrix-vector shaped
        {{3, 17, 40}, {40}},            // B a vector
        {{40}, {2, 40, 9}},             // A a vector
    };
    for (const ShapeCase& sc : cases)
        for (bool b_const : {true, false}) {
            SCOPED_TRACE(shape_str(sc.a) + " x " + shape_str(sc.b) + (b_const ? " B initializer" : " B input"));
            const Tensor a = random_tensor(sc.a, 4);
            const Tensor b = random_tensor(sc.b, 5);
            pb::Graph g;
            g.input(pb::value_info("a", 1, a.shape()));
            if (b_const) g.initializer(f32_initializer("b", b));
            else g.input(pb::value_info("b", 1, b.shape()));
            g.node("MatMul", {"a", "b"}, {"y"});
            // numpy.matmul by hand: promote vectors, broadcast the batch dims.
            Shape as = sc.a, bs = sc.b;
            const bool a_vec = as.size() == 1, b_vec = bs.size() == 1;
            if (a_vec) as.insert(as.begin(), 1);
            if (b_vec) bs.push_back(1);
            const int64_t M = as[as.size() - 2], K = as.back(), N = bs.back();
            Shape ba(as.begin(), as.end() - 2), bb(bs.begin(), bs.end() - 2);
            while (ba.size() < bb.size()) ba.insert(ba.begin(), 1);
            while (bb.size() < ba.size()) bb.insert(bb.begin(), 1);
            Shape batch(ba.size());
            for (size_t d = 0; d < ba.size(); ++d) batch[d] = std::max(ba[d], bb[d]);
            Shape out = batch;
            if (!a_vec) out.push_back(M);
            if (!b_vec) out.push_back(N);
            g.output(pb::value_info("y", 1, out));
            std::vector<std::pair<std::string, Tensor>> in{{"a", a}};
            if (!b_const) in.push_back({"b", b});

            int64_t batches = 1;
            for (int64_t d : batch) batches *= d;
            std::vector<double> want;
            for (int64_t t = 0; t < batches; ++t) {
                int64_t rem = t, oa = 0, ob = 0, sa = 1, sb = 1;
                for (size_t d = batch.size(); d-- > 0;) {
                    const int64_t idx = rem % batch[d];
                    rem /= batch[d];
                    oa += (ba[d] == 1 ? 0 : idx) * sa;
                    ob += (bb[d] == 1 ? 0 : idx) * sb;
                    sa *= ba[d];
                    sb *= bb[d];
                }
                for (int64_t i = 0; i < M; ++i)
                    for (int64_t j = 0; j < N; ++j) {
                        double acc = 0;
                        for (int64_t k = 0; k < K; ++k)
                            acc += double(a.data<float>()[(oa * M + i) * K + k]) * b.data<float>()[(ob * K + k) * N + j];
                        want.push_back(acc);
                    }
            }
            for (const auto& got : run_everywhere(pb::model(g), in)) expect_close(got, want, double(K));
            if (HasFailure()) return;
        }
}

}  // namespace
}  // namespace vireo::test
