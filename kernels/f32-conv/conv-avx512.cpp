// vireo — AVX-512 NHWC conv/pool kernels: the Simd wrapper for conv-body.inc.
// GCC 12's avx512fintrin.h builds _mm512_max_ps & co. on a self-initialized
// "undefined" vector, which -Wmaybe-uninitialized reports at every use.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include <cstddef>
#include <cstdint>

#include "kernels/f32-conv/conv.hpp"

namespace vireo::kernels {

namespace {

struct Simd {
    static constexpr size_t kWidth = 16;
    using V = __m512;
    using Mask = __mmask16;
    using NanMask = __mmask16;
    struct Acc {
        __m512d lo, hi;
    };

    static Mask tail_mask(size_t n) { return Mask((1u << n) - 1u); }
    static V load(const float* p) { return _mm512_loadu_ps(p); }
    static V load(const float* p, Mask m) { return _mm512_maskz_loadu_ps(m, p); }
    static void store(float* p, V v) { _mm512_storeu_ps(p, v); }
    static void store(float* p, V v, Mask m) { _mm512_mask_storeu_ps(p, m, v); }
    static V set1(float x) { return _mm512_set1_ps(x); }
    static V fmadd(V a, V b, V c) { return _mm512_fmadd_ps(a, b, c); }
    static V fnmadd(V a, V b, V c) { return _mm512_fnmadd_ps(a, b, c); }
    static V add(V a, V b) { return _mm512_add_ps(a, b); }
    static V sub(V a, V b) { return _mm512_sub_ps(a, b); }
    static V mul(V a, V b) { return _mm512_mul_ps(a, b); }
    static V div(V a, V b) { return _mm512_div_ps(a, b); }
    // vmaxps returns its second operand on equality or when either is NaN.
    static V max_keep(V v, V acc) { return _mm512_max_ps(v, acc); }
    static V clamp(V v, V lo, V hi) { return _mm512_min_ps(hi, _mm512_max_ps(lo, v)); }
    static NanMask nan_none() { return 0; }
    static NanMask nan_or(NanMask m, V v) { return m | _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q); }
    static V with_nan(V v, NanMask m) { return _mm512_mask_blend_ps(m, v, set1(__builtin_nanf(""))); }
    static Acc acc_zero() { return {_mm512_setzero_pd(), _mm512_setzero_pd()}; }
    static Acc acc_add(Acc a, V v) {
        return {_mm512_add_pd(a.lo, _mm512_cvtps_pd(_mm512_castps512_ps256(v))),
                _mm512_add_pd(a.hi, _mm512_cvtps_pd(_mm512_extractf32x8_ps(v, 1)))};
    }
    static V acc_mean(Acc a, double n) {
        const __m512d d = _mm512_set1_pd(n);
        const __m256 lo = _mm512_cvtpd_ps(_mm512_div_pd(a.lo, d));
        const __m256 hi = _mm512_cvtpd_ps(_mm512_div_pd(a.hi, d));
        return _mm512_insertf32x8(_mm512_castps256_ps512(lo), hi, 1);
    }
};

#include "kernels/f32-conv/conv-body.inc"

}  // namespace

void init_conv_avx512(ConvKernels& t) {
    fill_body_table(t);
    // 12 rows × 2 vectors: 24 accumulators, 2 weight vectors, one broadcast.
    // The 7×7/2 stem: 1.82 ms against 2.19 through GEMM + im2col.
    fill_direct_table<12>(t);
}

}  // namespace vireo::kernels
