// vireo bench — the FMA-chain loops that measure the peak, one per ISA.
//
// Plain declarations only: peak-avx2.cpp and peak-avx512.cpp include this
// header and nothing else of the project (see the ISA-file rule in CMakeLists).
#pragma once
#include <cstdint>

namespace vireo::bench {

// Each runs `iterations` rounds of independent multiply-add chains and returns
// the floating-point operations performed (an FMA counts as 2). The chains'
// final values are summed into *sink so the work cannot be optimised away.
std::uint64_t fma_chains_scalar(std::uint64_t iterations, float* sink);
std::uint64_t fma_chains_avx2(std::uint64_t iterations, float* sink);
std::uint64_t fma_chains_avx512(std::uint64_t iterations, float* sink);

}  // namespace vireo::bench
