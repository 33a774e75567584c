// vireo bench — the single-thread FMA peak, measured in the same run as the
// benchmarks, and the counters that express speed as a share of it.
//
// The machine is shared and its clock moves, so absolute GFLOP/s from
// different runs do not compare; a fraction of the peak measured a moment
// earlier in the same process does.
#pragma once
#include <benchmark/benchmark.h>

#include <vector>

#include "kernels/cpu.hpp"

namespace vireo::bench {

using kernels::Isa;

// The ISAs this CPU runs, scalar first, capped by VIREO_ISA when it is set.
std::vector<Isa> available_isas();

// Single-thread peak of `isa` in GFLOP/s (an FMA is 2 flops): the best of
// several timed runs of independent FMA chains on the thread's CPU clock,
// measured on first use and kept for the process. For scalar it is what code
// built with the baseline flags can reach (on x86-64: SSE2 mul + add, no FMA).
double fma_peak_gflops(Isa isa);

// Adds the counters every compute-bound benchmark reports: "GFLOP/s" and
// "pct_peak" (percent of `threads` times the single-thread peak of `isa`).
// Both are rates over the benchmark's time (CPU time unless it uses
// UseRealTime(), which multi-threaded benchmarks should).
void set_flop_counters(benchmark::State& state, double flops_per_iteration, Isa isa, int threads = 1);

}  // namespace vireo::bench
