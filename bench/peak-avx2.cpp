// vireo bench — AVX2 FMA peak: 12 independent 8-lane FMA chains.
//
// Two FMA ports with 4-5 cycle latency need at least 10 chains in flight; 12
// accumulators plus the two constants fit the 16 ymm registers without spills.
#include <immintrin.h>

#include <cstdint>

#include "bench/peak_chains.hpp"

namespace vireo::bench {

std::uint64_t fma_chains_avx2(std::uint64_t iterations, float* sink) {
    constexpr int kChains = 12;
    const __m256 scale = _mm256_set1_ps(0.999999f);
    const __m256 offset = _mm256_set1_ps(1e-6f);
    __m256 acc[kChains];
    for (int c = 0; c < kChains; ++c) acc[c] = _mm256_set1_ps(float(c));
    for (std::uint64_t i = 0; i < iterations; ++i)
        for (int c = 0; c < kChains; ++c) acc[c] = _mm256_fmadd_ps(acc[c], scale, offset);
    __m256 sum = acc[0];
    for (int c = 1; c < kChains; ++c) sum = _mm256_add_ps(sum, acc[c]);
    float lanes[8];
    _mm256_storeu_ps(lanes, sum);
    for (float v : lanes) *sink += v;
    return iterations * kChains * 8 * 2;
}

}  // namespace vireo::bench
