// vireo bench — the f32 GEMM (kernels/f32-gemm) single-threaded, per ISA, on
// the shapes of gemm_shapes.hpp.
//
// Names: BM_VireoGemm/<isa>/MxNxK/<b>, where <b> is
//   prepacked  B packed once outside the timed loop (weights: Gemm/MatMul with
//              an initializer B pack it when the session is created);
//   per_call   B packed inside every call (or read in place for few-row A), as
//              for a MatMul of two activations.
// Counters: GFLOP/s and pct_peak against the FMA peak of the same ISA measured
// in this run (bench/peak.hpp).
#include <cstdlib>
#include <memory>
#include <new>
#include <random>
#include <string>

#include "bench/gemm_shapes.hpp"
#include "bench/peak.hpp"
#include "kernels/dispatch.hpp"
#include "kernels/f32-gemm/gemm_driver.hpp"

namespace vireo::bench {
namespace {

struct FreeDeleter {
    void operator()(float* p) const { std::free(p); }
};
using FloatBuffer = std::unique_ptr<float[], FreeDeleter>;

FloatBuffer random_buffer(std::int64_t count, unsigned seed) {
    std::size_t bytes = (std::size_t(count) * sizeof(float) + 63) / 64 * 64;
    FloatBuffer buffer(static_cast<float*>(std::aligned_alloc(64, bytes)));
    if (!buffer) throw std::bad_alloc();
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> uniform(-1.f, 1.f);
    for (std::int64_t i = 0; i < count; ++i) buffer[i] = uniform(rng);
    return buffer;
}

void run_vireo(benchmark::State& state, Isa isa, GemmShape shape, bool prepacked) {
    const kernels::GemmKernels& gk = kernels::kernel_table(isa).gemm;
    const size_t M = size_t(shape.m), N = size_t(shape.n), K = size_t(shape.k);
    FloatBuffer a = random_buffer(shape.m * shape.k, 1), b = random_buffer(shape.k * shape.n, 2);
    FloatBuffer c = random_buffer(shape.m * shape.n, 3);
    kernels::GemmArgs args;
    args.M = M;
    args.N = N;
    args.K = K;
    args.a = kernels::GemmA::matrix(a.get(), K);
    args.c = c.get();
    args.ldc = N;
    kernels::PackedB packed;
    if (prepacked) {
        packed = kernels::pack_b(gk, b.get(), N, false, K, N);
        args.b_packed = packed.data();
    } else {
        args.b = b.get();
        args.ldb = N;
    }
    for (auto _ : state) {
        kernels::gemm(gk, args);
        benchmark::ClobberMemory();
    }
    state.SetLabel(gk.name);
    set_flop_counters(state, 2.0 * double(shape.m) * double(shape.n) * double(shape.k), isa);
}

const bool registered = [] {
    for (Isa isa : available_isas())
        for (const GemmShape& shape : kGemmShapes)
            for (bool prepacked : {true, false}) {
                std::string name = std::string("BM_VireoGemm/") + kernels::isa_name(isa) + "/" +
                                   std::to_string(shape.m) + "x" + std::to_string(shape.n) + "x" +
                                   std::to_string(shape.k) + (prepacked ? "/prepacked" : "/per_call");
                benchmark::RegisterBenchmark(name.c_str(), run_vireo, isa, shape, prepacked)
                    ->Unit(benchmark::kMicrosecond);
            }
    return true;
}();

}  // namespace
}  // namespace vireo::bench
