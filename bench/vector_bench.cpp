// vireo bench — the f32 vector kernels (kernels/f32-vector) single-threaded,
// per ISA, next to plain std:: loops over the same data.
//
// Names: BM_Vector/<fn>/<isa>/<n> for vireo's kernel at that ISA and
// BM_Vector/<fn>/std/<n> for the loop a reference implementation would run
// (std::exp, std::tanh, std::erf ... on floats, built with the baseline flags).
// n = 4096 keeps input and output in L1 (compute speed); n = 4M (16 MiB per
// array) streams from memory, where the cheap functions are bound by bandwidth.
// Counters: Gelem/s (elements per ns) and bytes_per_second (input + output).
//
// Softmax and LayerNorm rows have their own cases at the shapes models use
// (1000 classes, 768-wide rows), next to the kernels/ref reference, and so do
// the NCHW <-> NHWC transposes (BM_Transpose/<direction>/<isa|ref>/NxCxHxW,
// with a plain copy of the same bytes as the bandwidth they could reach).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "bench/peak.hpp"
#include "kernels/dispatch.hpp"
#include "kernels/ref/reduce_norm.hpp"
#include "kernels/ref/reduce_softmax.hpp"
#include "kernels/ref/resize.hpp"
#include "kernels/ref/transpose.hpp"
#include "runtime/graph/node.hpp"
#include "runtime/ops/op.hpp"

namespace vireo::bench {
namespace {

using kernels::UnaryKernel;
using kernels::UnaryParams;
using kernels::VectorKernels;

std::vector<float> random_vector(size_t n, float lo, float hi, unsigned seed) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> dist(lo, hi);
    std::vector<float> v(n);
    for (auto& x : v) x = dist(rng);
    return v;
}

void set_stream_counters(benchmark::State& state, size_t elements, size_t bytes_per_element) {
    const double n = double(elements) * double(state.iterations());
    state.counters["Gelem/s"] = benchmark::Counter(n / 1e9, benchmark::Counter::kIsRate);
    state.SetBytesProcessed(int64_t(n * double(bytes_per_element)));
}

float sigmoid_std(float x) { return x >= 0 ? 1 / (1 + std::exp(-x)) : std::exp(x) / (1 + std::exp(x)); }

struct UnaryBench {
    const char* name;
    UnaryKernel VectorKernels::*entry;
    float (*std_loop_body)(float);
    float lo, hi;
    UnaryParams params{};
};

const UnaryBench kUnary[] = {
    {"relu", &VectorKernels::relu, [](float x) { return x > 0 ? x : 0.0f; }, -4, 4},
    {"hard_swish", &VectorKernels::hard_swish, [](float x) { return x * std::max(0.0f, std::min(1.0f, x / 6 + 0.5f)); },
     -4, 4},
    {"exp", &VectorKernels::exp, [](float x) { return std::exp(x); }, -10, 10},
    {"log", &VectorKernels::log, [](float x) { return std::log(x); }, 0.01f, 100},
    {"sigmoid", &VectorKernels::sigmoid, sigmoid_std, -10, 10},
    {"tanh", &VectorKernels::tanh, [](float x) { return std::tanh(x); }, -5, 5},
    {"erf", &VectorKernels::erf, [](float x) { return std::erf(x); }, -3, 3},
    {"gelu", &VectorKernels::gelu, [](float x) { return 0.5f * x * (1 + std::erf(x * 0.70710678f)); }, -5, 5},
    {"silu", &VectorKernels::silu, [](float x) { return x * sigmoid_std(x); }, -10, 10},
    {"softplus", &VectorKernels::softplus,
     [](float x) { return x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x)); }, -10, 10},
    {"elu", &VectorKernels::elu, [](float x) { return x < 0 ? std::expm1(x) : x; }, -4, 4, {1.0f, 0.0f}},
};

const size_t kSizes[] = {4096, size_t(1) << 22};

void run_unary_vireo(benchmark::State& state, const UnaryBench& b, Isa isa, size_t n) {
    const UnaryKernel fn = kernels::kernel_table(isa).vector.*b.entry;
    const std::vector<float> x = random_vector(n, b.lo, b.hi, 1);
    std::vector<float> y(n);
    for (auto _ : state) {
        fn(n, x.data(), y.data(), b.params);
        benchmark::ClobberMemory();
    }
    set_stream_counters(state, n, 2 * sizeof(float));
}

void run_unary_std(benchmark::State& state, const UnaryBench& b, size_t n) {
    const std::vector<float> x = random_vector(n, b.lo, b.hi, 1);
    std::vector<float> y(n);
    for (auto _ : state) {
        std::transform(x.begin(), x.end(), y.begin(), b.std_loop_body);
        benchmark::ClobberMemory();
    }
    set_stream_counters(state, n, 2 * sizeof(float));
}

void run_add_vireo(benchmark::State& state, Isa isa, size_t n) {
    const auto add = kernels::kernel_table(isa).vector.add;
    const std::vector<float> a = random_vector(n, -1, 1, 1), b = random_vector(n, -1, 1, 2);
    std::vector<float> y(n);
    for (auto _ : state) {
        add.vv(n, a.data(), b.data(), y.data());
        benchmark::ClobberMemory();
    }
    set_stream_counters(state, n, 3 * sizeof(float));
}

void run_add_std(benchmark::State& state, size_t n) {
    const std::vector<float> a = random_vector(n, -1, 1, 1), b = random_vector(n, -1, 1, 2);
    std::vector<float> y(n);
    for (auto _ : state) {
        std::transform(a.begin(), a.end(), b.begin(), y.begin(), [](float p, float q) { return p + q; });
        benchmark::ClobberMemory();
    }
    set_stream_counters(state, n, 3 * sizeof(float));
}

// Softmax over rows of 1000 (classifier heads) and LayerNorm over rows of 768
// (transformer width); `isa` null means the double-accumulating reference.
constexpr size_t kRows = 64;

void run_softmax(benchmark::State& state, const Isa* isa, size_t n) {
    const std::vector<float> x = random_vector(kRows * n, -10, 10, 3);
    std::vector<float> y(x.size());
    for (auto _ : state) {
        if (isa)
            for (size_t r = 0; r < kRows; ++r)
                kernels::kernel_table(*isa).vector.softmax(n, 1, x.data() + r * n, y.data() + r * n, false);
        else
            ref::softmax<ref::SoftmaxKind::Softmax, float>(x.data(), y.data(), int64_t(n), 1, 0, int64_t(kRows));
        benchmark::ClobberMemory();
    }
    set_stream_counters(state, kRows * n, 2 * sizeof(float));
}

void run_layer_norm(benchmark::State& state, const Isa* isa, size_t d) {
    const std::vector<float> x = random_vector(kRows * d, -3, 3, 4), scale = random_vector(d, 0.5f, 2, 5),
                             bias = random_vector(d, -1, 1, 6);
    std::vector<float> y(x.size());
    for (auto _ : state) {
        if (isa)
            for (size_t r = 0; r < kRows; ++r)
                kernels::kernel_table(*isa).vector.layer_norm(d, x.data() + r * d, y.data() + r * d, scale.data(),
                                                              bias.data(), 1e-5f, nullptr, nullptr);
        else
            ref::layer_norm(x.data(), y.data(), scale.data(), bias.data(), int64_t(d), 1e-5, nullptr, nullptr, 0,
                            int64_t(kRows));
        benchmark::ClobberMemory();
    }
    set_stream_counters(state, kRows * d, 2 * sizeof(float));
}

// NCHW <-> NHWC at convolution shapes, through the reference strided copy
// (kernels/ref/transpose.hpp, what the Transpose op runs), next to a plain
// copy of the same bytes: the bandwidth a transpose could reach.
struct TransposeShape {
    int64_t n, c, h, w;
};
const TransposeShape kTransposeShapes[] = {{1, 3, 224, 224}, {1, 32, 112, 112}, {1, 64, 56, 56}, {1, 256, 14, 14}};

void run_transpose_ref(benchmark::State& state, TransposeShape s, bool to_nhwc) {
    const std::vector<int64_t> shape =
        to_nhwc ? std::vector<int64_t>{s.n, s.c, s.h, s.w} : std::vector<int64_t>{s.n, s.h, s.w, s.c};
    const std::vector<int64_t> perm = to_nhwc ? std::vector<int64_t>{0, 2, 3, 1} : std::vector<int64_t>{0, 3, 1, 2};
    const size_t count = size_t(s.n * s.c * s.h * s.w);
    const std::vector<float> x = random_vector(count, -1, 1, 7);
    std::vector<float> y(count);
    const kernels::ref::StridedCopy plan = kernels::ref::transpose_plan(shape, perm);
    for (auto _ : state) {
        plan.run(x.data(), y.data());
        benchmark::ClobberMemory();
    }
    set_stream_counters(state, count, 2 * sizeof(float));
}

// The vector kernel on the whole [C][HW] <-> [HW][C] plane, as the Transpose
// op runs it (the op cuts the plane into 256x64 tiles for threads).
void run_transpose_vireo(benchmark::State& state, TransposeShape s, bool to_nhwc, Isa isa) {
    const auto transpose = kernels::kernel_table(isa).vector.transpose_4b;
    const size_t count = size_t(s.n * s.c * s.h * s.w), hw = size_t(s.h * s.w), c = size_t(s.c);
    const std::vector<float> x = random_vector(count, -1, 1, 7);
    std::vector<float> y(count);
    const size_t rows = to_nhwc ? c : hw, cols = to_nhwc ? hw : c;
    for (auto _ : state) {
        for (int64_t b = 0; b < s.n; ++b)
            transpose(rows, cols, x.data() + size_t(b) * rows * cols, cols, y.data() + size_t(b) * rows * cols, rows);
        benchmark::ClobberMemory();
    }
    set_stream_counters(state, count, 2 * sizeof(float));
}

void run_copy(benchmark::State& state, TransposeShape s) {
    const size_t count = size_t(s.n * s.c * s.h * s.w);
    const std::vector<float> x = random_vector(count, -1, 1, 7);
    std::vector<float> y(count);
    for (auto _ : state) {
        std::copy(x.begin(), x.end(), y.begin());
        benchmark::ClobberMemory();
    }
    set_stream_counters(state, count, 2 * sizeof(float));
}

// Resize of the last two dims of an NCHW float tensor through the reference
// kernels (what the Resize op runs): nearest x2 (YOLO's upsample) and
// bilinear x2 with half_pixel coordinates (segmentation heads).
void run_resize_ref(benchmark::State& state, TransposeShape s, bool linear) {
    namespace kr = kernels::ref;
    kr::ResizeSpec spec;
    spec.interp = linear ? kr::ResizeInterp::Linear : kr::ResizeInterp::Nearest;
    spec.coord = linear ? kr::ResizeCoord::HalfPixel : kr::ResizeCoord::Asymmetric;
    spec.nearest = kr::NearestRound::Floor;
    const std::vector<int64_t> in_shape = {s.n, s.c, s.h, s.w}, out_shape = {s.n, s.c, 2 * s.h, 2 * s.w};
    std::vector<kr::AxisTaps> axes;
    for (size_t a = 0; a < 4; ++a)
        axes.push_back(kr::plan_resize_axis(spec, in_shape[a], out_shape[a], double(out_shape[a]) / double(in_shape[a]),
                                            double(out_shape[a])));
    const std::vector<float> x = random_vector(size_t(s.n * s.c * s.h * s.w), -1, 1, 8);
    std::vector<float> y(x.size() * 4);
    auto serial = [](int64_t n, int64_t, const auto& fn) { fn(int64_t(0), n); };
    for (auto _ : state) {
        if (linear)
            kr::resize_interpolate<float>(x.data(), in_shape, axes, 0.0, y.data(), serial);
        else
            kr::resize_nearest<float>(x.data(), in_shape, axes, 0.0f, y.data(), serial);
        benchmark::ClobberMemory();
    }
    set_stream_counters(state, y.size(), sizeof(float) + sizeof(float) / 4);
}

// The Resize op itself at a chosen ISA, single-threaded, to time its float32
// fast path against the reference kernels above.
struct OneThread final : rt::RunContext {
    std::vector<Tensor> in, out;
    std::vector<rt::TensorInfo> in_info, out_info;
    const kernels::KernelTable* table = nullptr;
    size_t num_inputs() const override { return in.size(); }
    bool has_input(size_t i) const override { return i < in.size() && in[i].defined(); }
    const Tensor& input(size_t i) const override { return in.at(i); }
    size_t num_outputs() const override { return out_info.size(); }
    bool has_output(size_t i) const override { return i < out_info.size(); }
    Tensor& output(size_t i) override { return out.at(i); }
    void parallel_for(int64_t n, int64_t, const std::function<void(int64_t, int64_t)>& fn) const override {
        if (n > 0) fn(0, n);
    }
    int num_threads() const override { return 1; }
    const kernels::KernelTable& kernels() const override { return *table; }
};
struct InferOnly final : rt::InferContext {
    OneThread& r;
    explicit InferOnly(OneThread& run) : r(run) {}
    size_t num_inputs() const override { return r.in_info.size(); }
    bool has_input(size_t i) const override { return r.has_input(i); }
    const rt::TensorInfo& input(size_t i) const override { return r.in_info.at(i); }
    size_t num_outputs() const override { return r.out_info.size(); }
    bool has_output(size_t i) const override { return i < r.out_info.size(); }
    void set_output(size_t i, DType t, Shape s) override { r.out_info.at(i) = {t, std::move(s), nullptr}; }
};

void run_resize_op(benchmark::State& state, TransposeShape s, bool linear, Isa isa) {
    rt::NodeDef n;
    n.op_type = "Resize";
    n.opset = 13;
    n.inputs = {"x", "", "scales"};
    n.outputs = {"y"};
    auto attr = [](const char* name, const char* value) {
        rt::Attribute a;
        a.name = name;
        a.type = rt::AttrType::String;
        a.s = value;
        return a;
    };
    n.attrs = {attr("mode", linear ? "linear" : "nearest"),
               attr("coordinate_transformation_mode", linear ? "half_pixel" : "asymmetric"),
               attr("nearest_mode", "floor")};
    const std::unique_ptr<rt::Op> op = rt::OpRegistry::global().find("Resize", 13)(n);
    OneThread ctx;
    ctx.table = &kernels::kernel_table(isa);
    ctx.in = {Tensor::from_vector<float>({s.n, s.c, s.h, s.w}, random_vector(size_t(s.n * s.c * s.h * s.w), -1, 1, 8)),
              Tensor(), Tensor::from_vector<float>({4}, std::vector<float>{1, 1, 2, 2})};
    for (const Tensor& t : ctx.in)
        ctx.in_info.push_back({t.defined() ? t.dtype() : DType::Undefined, t.defined() ? t.shape() : Shape{},
                               t.defined() ? &t : nullptr});
    ctx.out_info.resize(1);
    InferOnly infer(ctx);
    op->infer(infer);
    ctx.out = {Tensor::zeros(ctx.out_info[0].dtype, ctx.out_info[0].shape)};
    for (auto _ : state) {
        op->run(ctx);
        benchmark::ClobberMemory();
    }
    set_stream_counters(state, size_t(ctx.out[0].numel()), sizeof(float) + sizeof(float) / 4);
}

// Add through the op (broadcast driver + vector kernels) in the layouts a
// conv net produces: same shape, a per-channel bias over NCHW planes, and the
// same bias over NHWC rows of C, where runs are only C long.
void run_add_op(benchmark::State& state, Shape a_shape, Shape b_shape, Isa isa) {
    rt::NodeDef n;
    n.op_type = "Add";
    n.opset = 14;
    n.inputs = {"a", "b"};
    n.outputs = {"y"};
    const std::unique_ptr<rt::Op> op = rt::OpRegistry::global().find("Add", 14)(n);
    OneThread ctx;
    ctx.table = &kernels::kernel_table(isa);
    ctx.in = {Tensor::from_vector<float>(a_shape, random_vector(size_t(checked_numel(a_shape)), -1, 1, 9)),
              Tensor::from_vector<float>(b_shape, random_vector(size_t(checked_numel(b_shape)), -1, 1, 10))};
    for (const Tensor& t : ctx.in) ctx.in_info.push_back({t.dtype(), t.shape(), &t});
    ctx.out_info.resize(1);
    InferOnly infer(ctx);
    op->infer(infer);
    ctx.out = {Tensor::zeros(ctx.out_info[0].dtype, ctx.out_info[0].shape)};
    for (auto _ : state) {
        op->run(ctx);
        benchmark::ClobberMemory();
    }
    set_stream_counters(state, size_t(ctx.out[0].numel()), 2 * sizeof(float));
}

std::string shape_name(TransposeShape s) {
    return std::to_string(s.n) + "x" + std::to_string(s.c) + "x" + std::to_string(s.h) + "x" + std::to_string(s.w);
}

const bool registered = [] {
    for (TransposeShape s : kTransposeShapes) {
        benchmark::RegisterBenchmark(("BM_Transpose/nchw_to_nhwc/ref/" + shape_name(s)).c_str(), run_transpose_ref, s,
                                     true);
        benchmark::RegisterBenchmark(("BM_Transpose/nhwc_to_nchw/ref/" + shape_name(s)).c_str(), run_transpose_ref, s,
                                     false);
        for (Isa isa : available_isas()) {
            const std::string suffix = std::string(kernels::isa_name(isa)) + "/" + shape_name(s);
            benchmark::RegisterBenchmark(("BM_Transpose/nchw_to_nhwc/" + suffix).c_str(), run_transpose_vireo, s, true,
                                         isa);
            benchmark::RegisterBenchmark(("BM_Transpose/nhwc_to_nchw/" + suffix).c_str(), run_transpose_vireo, s, false,
                                         isa);
        }
        benchmark::RegisterBenchmark(("BM_Transpose/copy/" + shape_name(s)).c_str(), run_copy, s);
    }
    for (Isa isa : available_isas()) {
        const std::string i = kernels::isa_name(isa);
        benchmark::RegisterBenchmark(("BM_AddOp/same/" + i + "/1x64x56x56").c_str(), run_add_op, Shape{1, 64, 56, 56},
                                     Shape{1, 64, 56, 56}, isa);
        benchmark::RegisterBenchmark(("BM_AddOp/bias_nchw/" + i + "/1x64x56x56").c_str(), run_add_op,
                                     Shape{1, 64, 56, 56}, Shape{64, 1, 1}, isa);
        benchmark::RegisterBenchmark(("BM_AddOp/bias_nhwc/" + i + "/1x56x56x64").c_str(), run_add_op,
                                     Shape{1, 56, 56, 64}, Shape{64}, isa);
        benchmark::RegisterBenchmark(("BM_AddOp/bias_nhwc/" + i + "/1x56x56x24").c_str(), run_add_op,
                                     Shape{1, 56, 56, 24}, Shape{24}, isa);
    }
    for (TransposeShape s : {TransposeShape{1, 256, 20, 20}, TransposeShape{1, 64, 56, 56}}) {
        benchmark::RegisterBenchmark(("BM_Resize/nearest2x/ref/" + shape_name(s)).c_str(), run_resize_ref, s, false);
        benchmark::RegisterBenchmark(("BM_Resize/linear2x/ref/" + shape_name(s)).c_str(), run_resize_ref, s, true);
        for (Isa isa : available_isas()) {
            const std::string suffix = std::string(kernels::isa_name(isa)) + "/" + shape_name(s);
            benchmark::RegisterBenchmark(("BM_Resize/nearest2x/" + suffix).c_str(), run_resize_op, s, false, isa);
            benchmark::RegisterBenchmark(("BM_Resize/linear2x/" + suffix).c_str(), run_resize_op, s, true, isa);
        }
    }
    for (const UnaryBench& b : kUnary)
        for (size_t n : kSizes) {
            for (Isa isa : available_isas()) {
                const std::string name =
                    std::string("BM_Vector/") + b.name + "/" + kernels::isa_name(isa) + "/" + std::to_string(n);
                benchmark::RegisterBenchmark(name.c_str(), run_unary_vireo, b, isa, n);
            }
            const std::string name = std::string("BM_Vector/") + b.name + "/std/" + std::to_string(n);
            benchmark::RegisterBenchmark(name.c_str(), run_unary_std, b, n);
        }
    for (size_t n : kSizes) {
        for (Isa isa : available_isas())
            benchmark::RegisterBenchmark(
                (std::string("BM_Vector/add/") + kernels::isa_name(isa) + "/" + std::to_string(n)).c_str(),
                run_add_vireo, isa, n);
        benchmark::RegisterBenchmark((std::string("BM_Vector/add/std/") + std::to_string(n)).c_str(), run_add_std, n);
    }
    static std::vector<Isa> isas = available_isas();
    for (const Isa& isa : isas) {
        benchmark::RegisterBenchmark((std::string("BM_Softmax/") + kernels::isa_name(isa) + "/64x1000").c_str(),
                                     run_softmax, &isa, size_t(1000));
        benchmark::RegisterBenchmark((std::string("BM_LayerNorm/") + kernels::isa_name(isa) + "/64x768").c_str(),
                                     run_layer_norm, &isa, size_t(768));
    }
    benchmark::RegisterBenchmark("BM_Softmax/ref/64x1000", run_softmax, nullptr, size_t(1000));
    benchmark::RegisterBenchmark("BM_LayerNorm/ref/64x768", run_layer_norm, nullptr, size_t(768));
    return true;
}();

}  // namespace
}  // namespace vireo::bench
