// vireo bench — entry point: measures the FMA peak of every ISA this CPU runs
// before any benchmark, and records it in the run's context so the JSON and the
// console report carry the reference that pct_peak counters are relative to.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <string>

#include "bench/peak.hpp"

int main(int argc, char** argv) {
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    using vireo::kernels::isa_name;
    benchmark::AddCustomContext("vireo_isa_detected", isa_name(vireo::kernels::detected_isa()));
    for (vireo::bench::Isa isa : vireo::bench::available_isas()) {
        char text[32];
        std::snprintf(text, sizeof text, "%.1f", vireo::bench::fma_peak_gflops(isa));
        benchmark::AddCustomContext(std::string("fma_peak_gflops_") + isa_name(isa), text);
    }
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
