// vireo tests — the ops' float32 fast paths through the vector kernels.
//
// Each op runs on float32 at every available ISA and is compared with the same
// op on float64 (which takes the scalar reference kernels), and its result
// must not depend on how parallel_for splits the work: one chunk and many
// uneven chunks give the same bits.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "kernels/cpu.hpp"
#include "kernels/dispatch.hpp"
#include "kernels/ref/transpose.hpp"
#include "tests/ops/op_harness.hpp"

namespace vireo {
namespace {

using kernels::Isa;

std::vector<Isa> isas_to_test() {
    std::vector<Isa> out{Isa::Scalar};
    const Isa best = kernels::detected_isa();
    for (Isa isa : {Isa::Neon, Isa::Avx2, Isa::Avx512})
        if (int(isa) <= int(best) && (isa != Isa::Neon) == (best != Isa::Neon)) out.push_back(isa);
    return out;
}

// A run context with a chosen kernel table, splitting parallel_for into
// chunks of `chunk` indices (0: one chunk), as a thread pool might.
struct SplitRun final : rt::RunContext {
    std::vector<Tensor> in, out;
    const kernels::KernelTable* table = nullptr;
    int64_t chunk = 0;
    size_t num_inputs() const override { return in.size(); }
    bool has_input(size_t i) const override { return i < in.size() && in[i].defined(); }
    const Tensor& input(size_t i) const override { return in.at(i); }
    size_t num_outputs() const override { return out.size(); }
    bool has_output(size_t i) const override { return i < out.size(); }
    Tensor& output(size_t i) override { return out.at(i); }
    void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn) const override {
        if (chunk == 0) {
            if (n > 0) fn(0, n);
            return;
        }
        // Uneven pieces of at least `grain`, as different thread counts produce.
        const int64_t step = std::max(grain, chunk);
        int64_t b = 0;
        for (int k = 0; b < n; ++k) {
            const int64_t e = std::min(n, b + step + (k % 3) * grain);
            fn(b, e);
            b = e;
        }
    }
    int num_threads() const override { return chunk == 0 ? 1 : 4; }
    const kernels::KernelTable& kernels() const override { return *table; }
};

struct Harness : rt::InferContext {
    std::vector<rt::TensorInfo> in;
    std::vector<rt::TensorInfo> out;
    size_t num_inputs() const override { return in.size(); }
    bool has_input(size_t i) const override { return i < in.size() && in[i].dtype != DType::Undefined; }
    const rt::TensorInfo& input(size_t i) const override { return in.at(i); }
    size_t num_outputs() const override { return out.size(); }
    bool has_output(size_t i) const override { return i < out.size(); }
    void set_output(size_t i, DType t, Shape s) override { out.at(i) = {t, std::move(s), nullptr}; }
};

std::vector<Tensor> run(rt::NodeDef n, const std::vector<Tensor>& inputs, Isa isa, int64_t chunk) {
    n.inputs.clear();
    for (size_t i = 0; i < inputs.size(); ++i) n.inputs.push_back(inputs[i].defined() ? "in" + std::to_string(i) : "");
    auto op = rt::OpRegistry::global().find(n.op_type, n.opset)(n);
    Harness h;
    for (const Tensor& t : inputs)
        h.in.push_back({t.defined() ? t.dtype() : DType::Undefined, t.defined() ? t.shape() : Shape{},
                        t.defined() ? &t : nullptr});
    h.out.resize(n.outputs.size());
    EXPECT_TRUE(op->infer(h));
    SplitRun r;
    r.in = inputs;
    for (const auto& o : h.out) r.out.push_back(Tensor::zeros(o.dtype, o.shape));
    r.table = &kernels::kernel_table(isa);
    r.chunk = chunk;
    op->run(r);
    return r.out;
}

Tensor random_tensor(const Shape& shape, float lo, float hi, uint32_t seed) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> dist(lo, hi);
    std::vector<float> v(size_t(checked_numel(shape)));
    for (auto& x : v) x = dist(rng);
    return Tensor::from_vector<float>(shape, v);
}

Tensor to_double(const Tensor& t) {
    if (!t.defined() || t.dtype() != DType::Float32) return t;
    std::vector<double> v(t.data<float>(), t.data<float>() + t.numel());
    return Tensor::from_vector<double>(t.shape(), v);
}

struct OpCase {
    std::string name;
    rt::NodeDef node;
    std::vector<Tensor> inputs;
    // Against the float64 run: |f - d| <= rel_tol * (|d| + abs_floor); 1e-7
    // is one float rounding, abs_floor covers results that cancel.
    double rel_tol;
    double abs_floor = 1e-6;
};

void check_case(const OpCase& c) {
    std::vector<Tensor> double_inputs;
    for (const Tensor& t : c.inputs) double_inputs.push_back(to_double(t));
    const std::vector<Tensor> want = run(c.node, double_inputs, Isa::Scalar, 0);
    for (Isa isa : isas_to_test()) {
        const std::vector<Tensor> whole = run(c.node, c.inputs, isa, 0);
        const std::vector<Tensor> split = run(c.node, c.inputs, isa, 5);
        ASSERT_EQ(whole.size(), want.size());
        for (size_t k = 0; k < whole.size(); ++k) {
            if (whole[k].dtype() != DType::Float32) continue;
            const float* a = whole[k].data<float>();
            const float* b = split[k].data<float>();
            ASSERT_EQ(whole[k].numel(), split[k].numel());
            for (int64_t i = 0; i < whole[k].numel(); ++i)
                ASSERT_EQ(std::memcmp(a + i, b + i, sizeof(float)), 0)
                    << c.name << " " << isa_name(isa) << ": output " << k << " element " << i
                    << " depends on the work split";
            const bool want_double = want[k].dtype() == DType::Float64;
            for (int64_t i = 0; i < whole[k].numel(); ++i) {
                const double w = want_double ? want[k].data<double>()[i] : want[k].data<float>()[i];
                if (std::isnan(w)) {
                    ASSERT_TRUE(std::isnan(a[i])) << c.name << " " << isa_name(isa) << " element " << i;
                    continue;
                }
                ASSERT_NEAR(a[i], w, c.rel_tol * (std::fabs(w) + c.abs_floor))
                    << c.name << " " << isa_name(isa) << ": output " << k << " element " << i;
            }
        }
    }
}

using test::attr_float;
using test::attr_int;
using test::attr_ints;
using test::node;

TEST(VectorOps, UnaryActivations) {
    const Tensor x = random_tensor({2, 3, 17, 13}, -8, 8, 1);
    const Tensor pos = random_tensor({1003}, 0.001f, 50, 2);
    const std::vector<OpCase> cases = {
        {"Relu", node("Relu", 14), {x}, 1e-7},
        {"LeakyRelu", node("LeakyRelu", 16, 1, {attr_float("alpha", 0.2f)}), {x}, 1e-7},
        {"Sigmoid", node("Sigmoid", 13), {x}, 4e-7},
        {"Tanh", node("Tanh", 13), {x}, 4e-7},
        {"Erf", node("Erf", 13), {x}, 4e-7},
        {"Exp", node("Exp", 13), {x}, 4e-7},
        {"Log", node("Log", 13), {pos}, 4e-7},
        {"Sqrt", node("Sqrt", 13), {pos}, 1e-7},
        {"Reciprocal", node("Reciprocal", 13), {pos}, 1e-7},
        {"Softplus", node("Softplus", 1), {x}, 4e-7},
        {"Softsign", node("Softsign", 1), {x}, 1e-7},
        // alpha * x + beta and x / 6 + 1/2 cancel near their kinks: tolerances scale with |x| <= 8.
        {"HardSigmoid", node("HardSigmoid", 6, 1, {attr_float("alpha", 0.3f), attr_float("beta", 0.4f)}), {x}, 2e-7, 8},
        {"HardSwish", node("HardSwish", 14), {x}, 4e-7, 8},
        {"Elu", node("Elu", 6, 1, {attr_float("alpha", 0.5f)}), {x}, 4e-7},
        {"Selu", node("Selu", 6), {x}, 4e-7},
        {"Celu", node("Celu", 12, 1, {attr_float("alpha", 1.5f)}), {x}, 4e-7},
        {"Abs", node("Abs", 13), {x}, 1e-7},
        {"Neg", node("Neg", 13), {x}, 1e-7},
        {"Floor", node("Floor", 13), {x}, 1e-7},
        {"Clip", node("Clip", 13), {x, Tensor::scalar(-1.5f), Tensor::scalar(6.0f)}, 1e-7},
        {"Clip-6", node("Clip", 6, 1, {attr_float("min", 0.0f), attr_float("max", 6.0f)}), {x}, 1e-7},
    };
    for (const OpCase& c : cases) check_case(c);
}

TEST(VectorOps, BinaryBroadcasts) {
    const Tensor nchw = random_tensor({2, 5, 7, 9}, -4, 4, 3);
    const Tensor nhwc = random_tensor({2, 7, 9, 13}, -4, 4, 4);
    const Tensor per_channel = random_tensor({5, 1, 1}, 0.5f, 2, 5);
    const Tensor channels_last = random_tensor({13}, 0.5f, 2, 6);
    const Tensor col = random_tensor({2, 1, 7, 1}, 0.5f, 2, 7);
    const Tensor row = random_tensor({1, 5, 1, 9}, 0.5f, 2, 8);
    const Tensor scalar = Tensor::scalar(1.75f);
    std::vector<OpCase> cases;
    for (const char* op : {"Add", "Sub", "Mul", "Div"}) {
        cases.push_back(
            {std::string(op) + " same", node(op, 14), {nchw, random_tensor({2, 5, 7, 9}, 0.5f, 2, 9)}, 1e-7, 4});
        cases.push_back({std::string(op) + " per-channel", node(op, 14), {nchw, per_channel}, 1e-7, 4});
        cases.push_back({std::string(op) + " channels-last", node(op, 14), {nhwc, channels_last}, 1e-7, 4});
        cases.push_back({std::string(op) + " scalar-tensor", node(op, 14), {scalar, nchw}, 1e-7, 4});
        cases.push_back({std::string(op) + " outer", node(op, 14), {col, row}, 1e-7, 4});
        cases.push_back({std::string(op) + " legacy axis",
                         node(op, 6, 1, {attr_int("broadcast", 1), attr_int("axis", 1)}),
                         {nchw, random_tensor({5}, 0.5f, 2, 10)},
                         1e-7,
                         4});
    }
    for (const char* op : {"Max", "Min", "Sum", "Mean"})
        cases.push_back({std::string(op) + " variadic", node(op, 13), {nchw, per_channel, row}, 2e-7, 8});
    cases.push_back({"Pow 2", node("Pow", 13), {nchw, Tensor::scalar(2.0f)}, 1e-7});
    cases.push_back({"PRelu per-channel", node("PRelu", 16), {nchw, per_channel}, 1e-7, 4});
    cases.push_back({"PRelu channels-last", node("PRelu", 16), {nhwc, channels_last}, 1e-7, 4});
    for (const OpCase& c : cases) check_case(c);
}

TEST(VectorOps, SoftmaxAlongEveryAxis) {
    const Tensor x = random_tensor({3, 17, 5, 11}, -20, 20, 11);
    // The float sum of exps carries about one rounding of 1.0, which LogSoftmax
    // outputs near 0 see as an absolute error of ~1e-7 (the reference sums in double).
    std::vector<OpCase> cases;
    for (const char* op : {"Softmax", "LogSoftmax"}) {
        for (int64_t axis : {-1, 1, 2, 0})
            cases.push_back({std::string(op) + " axis " + std::to_string(axis),
                             node(op, 13, 1, {attr_int("axis", axis)}),
                             {x},
                             2e-6,
                             0.1});
        cases.push_back({std::string(op) + " coerced 2-D", node(op, 11, 1, {attr_int("axis", 2)}), {x}, 2e-6, 0.1});
    }
    for (const OpCase& c : cases) check_case(c);
}

TEST(VectorOps, Normalizations) {
    const Tensor x = random_tensor({2, 5, 7, 9}, -3, 3, 12);
    const Tensor c5a = random_tensor({5}, 0.5f, 2, 13), c5b = random_tensor({5}, -1, 1, 14);
    const Tensor mean = random_tensor({5}, -0.5f, 0.5f, 15), var = random_tensor({5}, 0.5f, 2, 16);
    std::vector<OpCase> cases = {
        // x * a + b cancels: float a and b are each one rounding off the double ones.
        {"BatchNormalization", node("BatchNormalization", 15), {x, c5a, c5b, mean, var}, 1e-7, 4},
        {"BatchNormalization 2-D",
         node("BatchNormalization", 15),
         {random_tensor({7, 5}, -3, 3, 17), c5a, c5b, mean, var},
         1e-7,
         4},
        {"LayerNormalization",
         node("LayerNormalization", 17, 3, {attr_int("axis", -1)}),
         {x, random_tensor({9}, 0.5f, 2, 18), random_tensor({9}, -1, 1, 19)},
         2e-5,
         1e-3},
        {"LayerNormalization 2 axes",
         node("LayerNormalization", 17, 1, {attr_int("axis", 2)}),
         {x, random_tensor({7, 9}, 0.5f, 2, 20)},
         2e-5,
         1e-3},
    };
    for (const OpCase& c : cases) check_case(c);
}

TEST(VectorOps, ResizeImageFastPaths) {
    using test::attr_string;
    const Tensor x = random_tensor({2, 3, 9, 11}, -4, 4, 21);
    const Tensor none;
    auto scales = [](std::vector<float> s) { return Tensor::from_vector<float>({int64_t(s.size())}, s); };
    auto sizes = [](std::vector<int64_t> s) { return Tensor::from_vector<int64_t>({int64_t(s.size())}, s); };
    auto resize = [&](const char* mode, const char* coord, const char* nearest_mode) {
        return node("Resize", 13, 1,
                    {attr_string("mode", mode), attr_string("coordinate_transformation_mode", coord),
                     attr_string("nearest_mode", nearest_mode)});
    };
    const std::vector<OpCase> cases = {
        {"nearest x2 asymmetric floor",
         resize("nearest", "asymmetric", "floor"),
         {x, none, scales({1, 1, 2, 2})},
         0,
         1},
        {"nearest down half_pixel",
         resize("nearest", "half_pixel", "round_prefer_floor"),
         {x, none, none, sizes({2, 3, 5, 4})},
         0,
         1},
        {"nearest width only",
         resize("nearest", "half_pixel", "round_prefer_ceil"),
         {x, none, none, sizes({2, 3, 9, 23})},
         0,
         1},
        {"linear x2 half_pixel", resize("linear", "half_pixel", "floor"), {x, none, scales({1, 1, 2, 2})}, 2e-7, 4},
        {"linear align_corners odd",
         resize("linear", "align_corners", "floor"),
         {x, none, none, sizes({2, 3, 13, 7})},
         2e-7,
         4},
        {"linear pytorch down",
         resize("linear", "pytorch_half_pixel", "floor"),
         {x, none, none, sizes({2, 3, 4, 1})},
         2e-7,
         4},
        {"linear height only",
         resize("linear", "asymmetric", "floor"),
         {x, none, none, sizes({2, 3, 20, 11})},
         2e-7,
         4},
        {"linear channel axis (reference)",
         resize("linear", "half_pixel", "floor"),
         {x, none, none, sizes({2, 5, 9, 11})},
         2e-7,
         4},
        {"Upsample-9 nearest",
         node("Upsample", 9, 1, {attr_string("mode", "nearest")}),
         {x, scales({1, 1, 3, 2})},
         0,
         1},
        {"Upsample-9 linear",
         node("Upsample", 9, 1, {attr_string("mode", "linear")}),
         {x, scales({1, 1, 2, 3})},
         2e-7,
         4},
    };
    for (const OpCase& c : cases) check_case(c);
}

TEST(VectorOps, TransposeFastPathMatchesStridedCopy) {
    struct Case {
        Shape shape;
        std::vector<int64_t> perm;
    };
    const Case cases[] = {
        {{2, 13, 9, 7}, {0, 2, 3, 1}},   // NCHW -> NHWC
        {{2, 9, 7, 13}, {0, 3, 1, 2}},   // NHWC -> NCHW
        {{1, 3, 40, 41}, {0, 2, 3, 1}},  // RGB image
        {{300, 70}, {1, 0}},
        {{5, 1, 17, 1, 19}, {0, 4, 3, 2, 1}},  // unit dims dropped: [5][17][19] -> [5][19][17]
        {{4, 6, 8}, {2, 0, 1}},                // [24][8] -> [8][24]
        {{3, 4, 5, 6}, {0, 1, 3, 2}},
        {{3, 4, 5, 6}, {1, 0, 2, 3}},  // not a 2-D transpose: strided copy
    };
    for (const Case& c : cases) {
        std::vector<int32_t> values(size_t(checked_numel(c.shape)));
        for (size_t i = 0; i < values.size(); ++i) values[i] = int32_t(i * 2654435761u);
        const Tensor x = Tensor::from_vector<int32_t>(c.shape, values);
        Shape out_shape;
        for (int64_t p : c.perm) out_shape.push_back(c.shape[size_t(p)]);
        std::vector<int32_t> want(values.size());
        kernels::ref::transpose(values.data(), want.data(), c.shape, c.perm);
        for (Isa isa : isas_to_test())
            for (int64_t chunk : {0, 1}) {
                const auto y = run(node("Transpose", 13, 1, {attr_ints("perm", c.perm)}), {x}, isa, chunk);
                ASSERT_EQ(y[0].shape(), out_shape);
                for (size_t i = 0; i < want.size(); ++i)
                    ASSERT_EQ(y[0].data<int32_t>()[i], want[i])
                        << shape_str(c.shape) << " " << isa_name(isa) << " i=" << i;
            }
    }
}

}  // namespace
}  // namespace vireo
