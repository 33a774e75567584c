// vireo — f32 GEMM, AVX-512 micro-kernel: 12×32 register tile.
//
// 12 rows × 2 zmm = 24 accumulators, 2 B vectors and A broadcast straight from
// memory ({1to16} operands): 26 of 32 registers, 24 FMAs per 14 loads per k
// (two FMA ports stay busy with the loads on the side). 12×32 won over 14×32
// and 6×64 by measurement (see bench/gemm_bench.cpp).
//
// Built with -mavx512f/bw/dq/vl: everything here is internal except
// init_gemm_avx512 (see kernels/dispatch.hpp for why).
// GCC 12's own AVX-512 min/max/roundscale wrappers pass _mm512_undefined_ps()
// and trip -Wmaybe-uninitialized in every caller (GCC PR 105593).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "kernels/f32-gemm/gemm.hpp"

namespace vireo::kernels {

namespace {

constexpr size_t kMr = 12;
constexpr size_t kNr = 32;
constexpr int kVec = 16;

// e^x for the sigmoid family. Cody–Waite reduction x = n·ln2 + r, |r| <= ln2/2,
// a degree-6 Taylor polynomial in r (truncation error r^7/7! <= 1.2e-7
// relative), then scalef for 2^n, which saturates to 0 / +inf by itself.
// Measured max relative error over [-87, 88]: ~2e-7 (test: gemm_test.cpp).
__m512 exp_ps(__m512 x) {
    const __m512 log2e = _mm512_set1_ps(1.44269504088896341f);
    const __m512 ln2_hi = _mm512_set1_ps(0.693145751953125f);
    const __m512 ln2_lo = _mm512_set1_ps(1.428606765330187045e-06f);
    // min/max return their second operand for NaN: x goes second to propagate it.
    x = _mm512_max_ps(_mm512_set1_ps(-104.0f), _mm512_min_ps(_mm512_set1_ps(88.8f), x));
    const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, log2e), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fnmadd_ps(n, ln2_hi, x);
    r = _mm512_fnmadd_ps(n, ln2_lo, r);
    __m512 p = _mm512_set1_ps(1.0f / 720.0f);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 120.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 24.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 6.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(0.5f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
    return _mm512_scalef_ps(p, n);
}

// 1 / (1 + e^-x): e^-x = +inf for x < -88.8 gives exactly 0, NaN stays NaN.
__m512 sigmoid_ps(__m512 x) {
    const __m512 one = _mm512_set1_ps(1.0f);
    return _mm512_div_ps(one, _mm512_add_ps(one, exp_ps(_mm512_sub_ps(_mm512_setzero_ps(), x))));
}

__m512 activate(__m512 v, const GemmEpilogue& ep) {
    const __m512 zero = _mm512_setzero_ps(), one = _mm512_set1_ps(1.0f);
    switch (ep.activation) {
        case GemmActivation::None: return v;
        // v goes second in min/max so that NaN propagates (min/max return the
        // second operand when either is NaN).
        case GemmActivation::Relu: return _mm512_max_ps(zero, v);
        case GemmActivation::Clip:
            return _mm512_min_ps(_mm512_set1_ps(ep.beta), _mm512_max_ps(_mm512_set1_ps(ep.alpha), v));
        case GemmActivation::LeakyRelu: {
            const __mmask16 neg = _mm512_cmp_ps_mask(v, zero, _CMP_LT_OQ);
            return _mm512_mask_mul_ps(v, neg, v, _mm512_set1_ps(ep.alpha));
        }
        case GemmActivation::Sigmoid: return sigmoid_ps(v);
        case GemmActivation::SiLU: return _mm512_mul_ps(v, sigmoid_ps(v));
        case GemmActivation::HardSigmoid: {
            const __m512 h = _mm512_fmadd_ps(v, _mm512_set1_ps(ep.alpha), _mm512_set1_ps(ep.beta));
            return _mm512_max_ps(zero, _mm512_min_ps(one, h));
        }
        case GemmActivation::HardSwish: {
            const __m512 h = _mm512_fmadd_ps(v, _mm512_set1_ps(1.0f / 6.0f), _mm512_set1_ps(0.5f));
            return _mm512_mul_ps(v, _mm512_max_ps(zero, _mm512_min_ps(one, h)));
        }
    }
    return v;
}

// Loads/stores of a tile row's vector v; only the last vector can be partial.
template <int NV, bool MASKED>
__m512 load(const float* p, int v, __mmask16 tail) {
    if (MASKED && v == NV - 1) return _mm512_maskz_loadu_ps(tail, p);
    return _mm512_loadu_ps(p);
}

template <int NV, bool MASKED>
void store(float* p, int v, __m512 x, __mmask16 tail) {
    if (MASKED && v == NV - 1) _mm512_mask_storeu_ps(p, tail, x);
    else _mm512_storeu_ps(p, x);
}

template <int NV, bool MASKED>
void store_row(__m512* acc, size_t r, const GemmTile& t, __mmask16 tail) {
    float* c = t.c + r * t.ldc;
    const GemmEpilogue* ep = t.epilogue;
    if (!ep) {
        for (int v = 0; v < NV; ++v) store<NV, MASKED>(c + v * kVec, v, acc[v], tail);
        return;
    }
    const __m512 scale = _mm512_set1_ps(ep->scale);
    const float* res = t.residual ? t.residual + r * ep->ld_residual : nullptr;
    for (int v = 0; v < NV; ++v) {
        __m512 x = acc[v];
        if (ep->scale != 1.0f) x = _mm512_mul_ps(x, scale);
        if (ep->bias_kind == GemmBias::PerColumn) x = _mm512_add_ps(x, load<NV, MASKED>(t.bias + v * kVec, v, tail));
        if (ep->bias_kind == GemmBias::PerRow) x = _mm512_add_ps(x, _mm512_set1_ps(t.bias[r]));
        if (res && ep->residual_before_activation) x = _mm512_add_ps(x, load<NV, MASKED>(res + v * kVec, v, tail));
        x = activate(x, *ep);
        if (res && !ep->residual_before_activation) x = _mm512_add_ps(x, load<NV, MASKED>(res + v * kVec, v, tail));
        store<NV, MASKED>(c + v * kVec, v, x, tail);
    }
}

template <int ROWS, int NV, bool MASKED>
void tile_kernel(size_t kc, const float* a, const float* b, size_t b_stride, const GemmTile& t,
                 __mmask16 tail) {
    __m512 acc[ROWS][NV];
    if (t.accumulate) {
        for (int r = 0; r < ROWS; ++r)
            for (int v = 0; v < NV; ++v) acc[r][v] = load<NV, MASKED>(t.c + r * t.ldc + v * kVec, v, tail);
    } else {
        for (int r = 0; r < ROWS; ++r)
            for (int v = 0; v < NV; ++v) acc[r][v] = _mm512_setzero_ps();
    }
    for (size_t k = 0; k < kc; ++k) {
        __m512 bv[NV];
        for (int v = 0; v < NV; ++v) bv[v] = load<NV, MASKED>(b + v * kVec, v, tail);
        for (int r = 0; r < ROWS; ++r) {
            const __m512 ar = _mm512_set1_ps(a[r]);
            for (int v = 0; v < NV; ++v) acc[r][v] = _mm512_fmadd_ps(ar, bv[v], acc[r][v]);
        }
        a += kMr;
        b += b_stride;
    }
    for (int r = 0; r < ROWS; ++r) store_row<NV, MASKED>(acc[r], size_t(r), t, tail);
}

template <int ROWS>
void rows_kernel(size_t kc, const float* a, const float* b, size_t b_stride, const GemmTile& t) {
    const size_t nr = t.nr;
    const __mmask16 tail = __mmask16((1u << (nr % kVec)) - 1u);
    if (nr == kNr) tile_kernel<ROWS, 2, false>(kc, a, b, b_stride, t, tail);
    else if (nr > kVec) tile_kernel<ROWS, 2, true>(kc, a, b, b_stride, t, tail);
    else if (nr == kVec) tile_kernel<ROWS, 1, false>(kc, a, b, b_stride, t, tail);
    else tile_kernel<ROWS, 1, true>(kc, a, b, b_stride, t, tail);
}

void ukernel(size_t kc, const float* a, const float* b, size_t b_stride, const GemmTile& t) {
    switch (t.mr) {
        case 1: rows_kernel<1>(kc, a, b, b_stride, t); break;
        case 2: rows_kernel<2>(kc, a, b, b_stride, t); break;
        case 3: rows_kernel<3>(kc, a, b, b_stride, t); break;
        case 4: rows_kernel<4>(kc, a, b, b_stride, t); break;
        case 5: rows_kernel<5>(kc, a, b, b_stride, t); break;
        case 6: rows_kernel<6>(kc, a, b, b_stride, t); break;
        case 7: rows_kernel<7>(kc, a, b, b_stride, t); break;
        case 8: rows_kernel<8>(kc, a, b, b_stride, t); break;
        case 9: rows_kernel<9>(kc, a, b, b_stride, t); break;
        case 10: rows_kernel<10>(kc, a, b, b_stride, t); break;
        case 11: rows_kernel<11>(kc, a, b, b_stride, t); break;
        default: rows_kernel<12>(kc, a, b, b_stride, t); break;
    }
}

// Four rows × eight k at a time: a 4×8 transpose in AVX registers gives eight
// 4-float column pieces, stored straight into their k slots of the panel.
void pack_a(const float* a, size_t lda, size_t rows, size_t kc, float* dst) {
    size_t r = 0;
    for (; r + 4 <= rows; r += 4) {
        const float* s0 = a + r * lda;
        const float* s1 = s0 + lda;
        const float* s2 = s1 + lda;
        const float* s3 = s2 + lda;
        size_t k = 0;
        for (; k + 8 <= kc; k += 8) {
            const __m256 t0 = _mm256_unpacklo_ps(_mm256_loadu_ps(s0 + k), _mm256_loadu_ps(s1 + k));
            const __m256 t1 = _mm256_unpackhi_ps(_mm256_loadu_ps(s0 + k), _mm256_loadu_ps(s1 + k));
            const __m256 t2 = _mm256_unpacklo_ps(_mm256_loadu_ps(s2 + k), _mm256_loadu_ps(s3 + k));
            const __m256 t3 = _mm256_unpackhi_ps(_mm256_loadu_ps(s2 + k), _mm256_loadu_ps(s3 + k));
            const __m256 k04 = _mm256_shuffle_ps(t0, t2, 0x44);
            const __m256 k15 = _mm256_shuffle_ps(t0, t2, 0xee);
            const __m256 k26 = _mm256_shuffle_ps(t1, t3, 0x44);
            const __m256 k37 = _mm256_shuffle_ps(t1, t3, 0xee);
            float* d = dst + k * kMr + r;
            _mm_storeu_ps(d + 0 * kMr, _mm256_castps256_ps128(k04));
            _mm_storeu_ps(d + 1 * kMr, _mm256_castps256_ps128(k15));
            _mm_storeu_ps(d + 2 * kMr, _mm256_castps256_ps128(k26));
            _mm_storeu_ps(d + 3 * kMr, _mm256_castps256_ps128(k37));
            _mm_storeu_ps(d + 4 * kMr, _mm256_extractf128_ps(k04, 1));
            _mm_storeu_ps(d + 5 * kMr, _mm256_extractf128_ps(k15, 1));
            _mm_storeu_ps(d + 6 * kMr, _mm256_extractf128_ps(k26, 1));
            _mm_storeu_ps(d + 7 * kMr, _mm256_extractf128_ps(k37, 1));
        }
        for (; k < kc; ++k) {
            float* d = dst + k * kMr + r;
            d[0] = s0[k];
            d[1] = s1[k];
            d[2] = s2[k];
            d[3] = s3[k];
        }
    }
    for (; r < rows; ++r) {
        const float* s = a + r * lda;
        for (size_t k = 0; k < kc; ++k) dst[k * kMr + r] = s[k];
    }
}

}  // namespace

void init_gemm_avx512(GemmKernels& t) {
    t.name = "f32-gemm-12x32-avx512";
    t.ukernel = &ukernel;
    t.pack_a = &pack_a;
    t.mr = kMr;
    t.nr = kNr;
    t.kc = 384;
    t.mc = 96;
    t.nc = 480;
}

}  // namespace vireo::kernels
