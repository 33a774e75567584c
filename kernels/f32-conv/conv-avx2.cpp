// vireo — AVX2 NHWC conv/pool kernels: the Simd wrapper for conv-body.inc.
#include <immintrin.h>

#include <cstddef>
#include <cstdint>

#include "kernels/f32-conv/conv.hpp"

namespace vireo::kernels {

namespace {

struct Simd {
    static constexpr size_t kWidth = 8;
    using V = __m256;
    using Mask = __m256i;
    using NanMask = __m256;
    struct Acc {
        __m256d lo, hi;
    };

    static Mask tail_mask(size_t n) {
        return _mm256_cmpgt_epi32(_mm256_set1_epi32(int(n)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    }
    static V load(const float* p) { return _mm256_loadu_ps(p); }
    // vmaskmovps suppresses faults on masked-out lanes, so a tail may end at a guard page.
    static V load(const float* p, Mask m) { return _mm256_maskload_ps(p, m); }
    static void store(float* p, V v) { _mm256_storeu_ps(p, v); }
    static void store(float* p, V v, Mask m) { _mm256_maskstore_ps(p, m, v); }
    static V set1(float x) { return _mm256_set1_ps(x); }
    static V fmadd(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }
    static V fnmadd(V a, V b, V c) { return _mm256_fnmadd_ps(a, b, c); }
    static V add(V a, V b) { return _mm256_add_ps(a, b); }
    static V sub(V a, V b) { return _mm256_sub_ps(a, b); }
    static V mul(V a, V b) { return _mm256_mul_ps(a, b); }
    static V div(V a, V b) { return _mm256_div_ps(a, b); }
    // vmaxps returns its second operand on equality or when either is NaN.
    static V max_keep(V v, V acc) { return _mm256_max_ps(v, acc); }
    static V clamp(V v, V lo, V hi) { return _mm256_min_ps(hi, _mm256_max_ps(lo, v)); }
    static NanMask nan_none() { return _mm256_setzero_ps(); }
    static NanMask nan_or(NanMask m, V v) { return _mm256_or_ps(m, _mm256_cmp_ps(v, v, _CMP_UNORD_Q)); }
    static V with_nan(V v, NanMask m) { return _mm256_blendv_ps(v, set1(__builtin_nanf("")), m); }
    static Acc acc_zero() { return {_mm256_setzero_pd(), _mm256_setzero_pd()}; }
    static Acc acc_add(Acc a, V v) {
        return {_mm256_add_pd(a.lo, _mm256_cvtps_pd(_mm256_castps256_ps128(v))),
                _mm256_add_pd(a.hi, _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1)))};
    }
    static V acc_mean(Acc a, double n) {
        const __m256d d = _mm256_set1_pd(n);
        return _mm256_set_m128(_mm256_cvtpd_ps(_mm256_div_pd(a.hi, d)),
                               _mm256_cvtpd_ps(_mm256_div_pd(a.lo, d)));
    }
};

#include "kernels/f32-conv/conv-body.inc"

}  // namespace

// No direct kernel: with 16 registers its tile is 6 rows × 2 vectors, and that
// measured slower than the GEMM path on the stems (3.27 vs 3.12 ms, 7×7/2).
void init_conv_avx2(ConvKernels& t) { fill_body_table(t); }

}  // namespace vireo::kernels
