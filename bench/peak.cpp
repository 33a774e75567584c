#include "bench/peak.hpp"

#include <time.h>

#include <algorithm>
#include <cstdint>
#include <mutex>
#include <string>

#include "bench/peak_chains.hpp"

namespace vireo::bench {

// Baseline flags: the compiler turns these 48 chains into 12 vector chains of
// whatever the baseline has (SSE2 on x86-64), a multiply then an add each.
// Twelve covers the 8-cycle mul+add latency at two vector ops per cycle.
std::uint64_t fma_chains_scalar(std::uint64_t iterations, float* sink) {
    constexpr int kChains = 48;
    const float scale = 0.999999f, offset = 1e-6f;
    float acc[kChains];
    for (int c = 0; c < kChains; ++c) acc[c] = float(c);
    for (std::uint64_t i = 0; i < iterations; ++i)
        for (int c = 0; c < kChains; ++c) acc[c] = acc[c] * scale + offset;
    for (float v : acc) *sink += v;
    return iterations * kChains * 2;
}

namespace {

using ChainFn = std::uint64_t (*)(std::uint64_t, float*);

ChainFn chains_for(Isa isa) {
#if defined(__x86_64__) || defined(_M_X64)
    if (isa == Isa::Avx512) return fma_chains_avx512;
    if (isa == Isa::Avx2) return fma_chains_avx2;
#endif
    return fma_chains_scalar;  // NEON has no chain file yet; its baseline code is what scalar measures
}

double thread_cpu_seconds() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return double(ts.tv_sec) + 1e-9 * double(ts.tv_nsec);
}

double measure_peak(Isa isa) {
    ChainFn run = chains_for(isa);
    float sink = 0;
    // Grow the run until it lasts long enough for the clock, then keep the best
    // of several: on a shared machine interference only ever slows a run down.
    std::uint64_t iterations = 1 << 16;
    for (;;) {
        double t0 = thread_cpu_seconds();
        run(iterations, &sink);
        if (thread_cpu_seconds() - t0 > 0.01 || iterations >= (std::uint64_t(1) << 40)) break;
        iterations *= 2;
    }
    iterations *= 2;
    double best = 0;
    for (int rep = 0; rep < 7; ++rep) {
        double t0 = thread_cpu_seconds();
        std::uint64_t flops = run(iterations, &sink);
        double seconds = thread_cpu_seconds() - t0;
        if (seconds > 0) best = std::max(best, double(flops) / seconds * 1e-9);
    }
    benchmark::DoNotOptimize(sink);
    return best;
}

constexpr int kIsaSlots = 4;

}  // namespace

std::vector<Isa> available_isas() {
    Isa cap = kernels::resolve_isa("");
    std::vector<Isa> isas{Isa::Scalar};
    if (cap == Isa::Neon) isas.push_back(Isa::Neon);
    if (cap == Isa::Avx2 || cap == Isa::Avx512) isas.push_back(Isa::Avx2);
    if (cap == Isa::Avx512) isas.push_back(Isa::Avx512);
    return isas;
}

double fma_peak_gflops(Isa isa) {
    static std::once_flag once[kIsaSlots];
    static double peak[kIsaSlots];
    int slot = int(isa);
    std::call_once(once[slot], [&] { peak[slot] = measure_peak(isa); });
    return peak[slot];
}

void set_flop_counters(benchmark::State& state, double flops_per_iteration, Isa isa, int threads) {
    double flops = flops_per_iteration * double(state.iterations());
    double peak_flops_per_second = fma_peak_gflops(isa) * 1e9 * threads;
    state.counters["GFLOP/s"] = benchmark::Counter(flops * 1e-9, benchmark::Counter::kIsRate);
    if (peak_flops_per_second > 0)
        state.counters["pct_peak"] =
            benchmark::Counter(100.0 * flops / peak_flops_per_second, benchmark::Counter::kIsRate);
}

namespace {

// The peak itself as a benchmark, so it shows in the same table as the kernels
// (its pct_peak is against the best-of measurement above, hence near 100).
void BM_FmaPeak(benchmark::State& state, Isa isa) {
    ChainFn run = chains_for(isa);
    constexpr std::uint64_t kIterations = 1 << 16;
    float sink = 0;
    std::uint64_t flops = 0;
    for (auto _ : state) flops = run(kIterations, &sink);
    benchmark::DoNotOptimize(sink);
    set_flop_counters(state, double(flops), isa);
}

const bool registered = [] {
    for (Isa isa : available_isas())
        benchmark::RegisterBenchmark((std::string("BM_FmaPeak/") + kernels::isa_name(isa)).c_str(), BM_FmaPeak, isa);
    return true;
}();

}  // namespace

}  // namespace vireo::bench
