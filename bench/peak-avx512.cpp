// vireo bench — AVX-512 FMA peak: 16 independent 16-lane FMA chains.
//
// Two FMA ports with 4 cycle latency need at least 8 chains in flight; 16 leave
// margin and still use only half of the 32 zmm registers.
#include <immintrin.h>

#include <cstdint>

#include "bench/peak_chains.hpp"

namespace vireo::bench {

std::uint64_t fma_chains_avx512(std::uint64_t iterations, float* sink) {
    constexpr int kChains = 16;
    const __m512 scale = _mm512_set1_ps(0.999999f);
    const __m512 offset = _mm512_set1_ps(1e-6f);
    __m512 acc[kChains];
    for (int c = 0; c < kChains; ++c) acc[c] = _mm512_set1_ps(float(c));
    for (std::uint64_t i = 0; i < iterations; ++i)
        for (int c = 0; c < kChains; ++c) acc[c] = _mm512_fmadd_ps(acc[c], scale, offset);
    __m512 sum = acc[0];
    for (int c = 1; c < kChains; ++c) sum = _mm512_add_ps(sum, acc[c]);
    float lanes[16];
    _mm512_storeu_ps(lanes, sum);
    for (float v : lanes) *sink += v;
    return iterations * kChains * 16 * 2;
}

}  // namespace vireo::bench
