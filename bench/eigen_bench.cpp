// vireo bench — the GEMM peers: Eigen (one module per ISA, see
// peers/eigen_gemm.cpp) and, when libopenblas-dev was found at configure time,
// OpenBLAS, single-threaded, on the shapes of gemm_shapes.hpp.
//
// Names: BM_EigenGemm/<isa>/MxNxK and BM_OpenBlasGemm/MxNxK. Counters:
// GFLOP/s and pct_peak against the FMA peak of the same ISA (OpenBLAS picks
// its own kernels at run time, so it is held against the best ISA allowed).
#include <dlfcn.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <random>
#include <string>

#include "bench/gemm_shapes.hpp"
#include "bench/peak.hpp"

#ifdef VIREO_HAVE_OPENBLAS
extern "C" {
// From cblas.h, declared here so that no particular cblas.h flavour is needed.
void cblas_sgemm(int order, int trans_a, int trans_b, int m, int n, int k, float alpha, const float* a, int lda,
                 const float* b, int ldb, float beta, float* c, int ldc);
void openblas_set_num_threads(int threads);
char* openblas_get_config(void);
}
#endif

namespace vireo::bench {
namespace {

struct FreeDeleter {
    void operator()(float* p) const { std::free(p); }
};
using FloatBuffer = std::unique_ptr<float[], FreeDeleter>;

// 64-byte aligned and filled with seeded uniform values in [-1, 1).
FloatBuffer random_buffer(std::int64_t count, unsigned seed) {
    std::size_t bytes = (std::size_t(count) * sizeof(float) + 63) / 64 * 64;
    FloatBuffer buffer(static_cast<float*>(std::aligned_alloc(64, bytes)));
    if (!buffer) throw std::bad_alloc();
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> uniform(-1.f, 1.f);
    for (std::int64_t i = 0; i < count; ++i) buffer[i] = uniform(rng);
    return buffer;
}

std::string shape_name(const GemmShape& s) {
    return std::to_string(s.m) + "x" + std::to_string(s.n) + "x" + std::to_string(s.k);
}

using SgemmFn = void (*)(long, long, long, const float*, const float*, float*);

struct EigenModule {
    SgemmFn sgemm = nullptr;
    std::string simd;
};

// Null when the module is missing (vireo_bench run away from its build tree).
// The handle is never closed: benchmarks call into it until the process exits.
const EigenModule* load_eigen_module(Isa isa) {
    std::string path = std::string(VIREO_EIGEN_PEER_DIR) + "/libvireo_eigen_peer_" + kernels::isa_name(isa) + ".so";
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        std::fprintf(stderr, "eigen_bench: skipping Eigen/%s: %s\n", kernels::isa_name(isa), dlerror());
        return nullptr;
    }
    auto single_thread = reinterpret_cast<void (*)()>(dlsym(handle, "vireo_eigen_single_thread"));
    auto simd = reinterpret_cast<const char* (*)()>(dlsym(handle, "vireo_eigen_simd"));
    auto* module = new EigenModule{reinterpret_cast<SgemmFn>(dlsym(handle, "vireo_eigen_sgemm")), ""};
    if (!module->sgemm || !single_thread || !simd) {
        std::fprintf(stderr, "eigen_bench: skipping Eigen/%s: %s lacks the peer entry points\n",
                     kernels::isa_name(isa), path.c_str());
        return nullptr;
    }
    single_thread();
    module->simd = simd();
    return module;
}

void run_eigen(benchmark::State& state, const EigenModule* eigen, Isa isa, GemmShape shape) {
    FloatBuffer a = random_buffer(shape.m * shape.k, 1), b = random_buffer(shape.k * shape.n, 2);
    FloatBuffer c = random_buffer(shape.m * shape.n, 3);
    for (auto _ : state) {
        eigen->sgemm(shape.m, shape.n, shape.k, a.get(), b.get(), c.get());
        benchmark::ClobberMemory();
    }
    state.SetLabel("Eigen " + eigen->simd);
    set_flop_counters(state, 2.0 * double(shape.m) * double(shape.n) * double(shape.k), isa);
}

#ifdef VIREO_HAVE_OPENBLAS
void run_openblas(benchmark::State& state, GemmShape shape) {
    constexpr int kRowMajor = 101, kNoTrans = 111;
    FloatBuffer a = random_buffer(shape.m * shape.k, 1), b = random_buffer(shape.k * shape.n, 2);
    FloatBuffer c = random_buffer(shape.m * shape.n, 3);
    openblas_set_num_threads(1);
    int m = int(shape.m), n = int(shape.n), k = int(shape.k);
    for (auto _ : state) {
        cblas_sgemm(kRowMajor, kNoTrans, kNoTrans, m, n, k, 1.f, a.get(), k, b.get(), n, 0.f, c.get(), n);
        benchmark::ClobberMemory();
    }
    state.SetLabel(std::string("OpenBLAS ") + openblas_get_config());
    set_flop_counters(state, 2.0 * double(shape.m) * double(shape.n) * double(shape.k), available_isas().back());
}
#endif

const bool registered = [] {
    for (Isa isa : available_isas()) {
        const EigenModule* eigen = load_eigen_module(isa);
        if (!eigen) continue;
        for (const GemmShape& shape : kGemmShapes) {
            std::string name = std::string("BM_EigenGemm/") + kernels::isa_name(isa) + "/" + shape_name(shape);
            benchmark::RegisterBenchmark(name.c_str(), run_eigen, eigen, isa, shape)
                ->Unit(benchmark::kMicrosecond);
        }
    }
#ifdef VIREO_HAVE_OPENBLAS
    for (const GemmShape& shape : kGemmShapes)
        benchmark::RegisterBenchmark(("BM_OpenBlasGemm/" + shape_name(shape)).c_str(), run_openblas, shape)
            ->Unit(benchmark::kMicrosecond);
#endif
    return true;
}();

}  // namespace
}  // namespace vireo::bench
