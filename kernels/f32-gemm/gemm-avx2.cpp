// vireo — f32 GEMM, AVX2+FMA micro-kernel: 6×16 register tile.
//
// 6 rows × 2 ymm = 12 accumulators, 2 B vectors and one broadcast A register:
// 15 of 16 registers, 12 FMAs per 8 loads per k, the classic Haswell-class
// shape (BLIS, OpenBLAS).
//
// Built with -mavx2 -mfma: everything here is internal except init_gemm_avx2
// (see kernels/dispatch.hpp for why).
#include <immintrin.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "kernels/f32-gemm/gemm.hpp"

namespace vireo::kernels {

namespace {

constexpr size_t kMr = 6;
constexpr size_t kNr = 16;
constexpr int kVec = 8;
// B rows ahead to prefetch (one 64-byte line per k): the panel streams from
// L2. Prefetches never fault, so reading past the panel's end is harmless.
constexpr size_t kPrefetchK = 8;

// e^x for the sigmoid family. Cody–Waite reduction x = n·ln2 + r, |r| <= ln2/2,
// a degree-6 Taylor polynomial in r (truncation error r^7/7! <= 1.2e-7
// relative), then 2^n built in the exponent field, which needs n to be a
// normal exponent: results below e^-87 flush to 0 and above e^88 to +inf, so
// the sigmoid saturates to exactly 0 and 1 as the AVX-512 version does.
// The sigmoid and SiLU built on it measure <= 2.7e-7 max relative error over
// [-87, 87] (gemm_test.cpp, SigmoidEpilogueAccuracy).
__m256 exp_ps(__m256 x) {
    const __m256 log2e = _mm256_set1_ps(1.44269504088896341f);
    const __m256 ln2_hi = _mm256_set1_ps(0.693145751953125f);
    const __m256 ln2_lo = _mm256_set1_ps(1.428606765330187045e-06f);
    const __m256 lo = _mm256_set1_ps(-87.0f), hi = _mm256_set1_ps(88.0f);
    const __m256 underflow = _mm256_cmp_ps(x, lo, _CMP_LT_OQ);
    const __m256 overflow = _mm256_cmp_ps(x, hi, _CMP_GT_OQ);
    // min/max return their second operand for NaN: x goes second to propagate it.
    x = _mm256_max_ps(lo, _mm256_min_ps(hi, x));
    const __m256 n = _mm256_round_ps(_mm256_mul_ps(x, log2e), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(n, ln2_hi, x);
    r = _mm256_fnmadd_ps(n, ln2_lo, r);
    __m256 p = _mm256_set1_ps(1.0f / 720.0f);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 120.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 24.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 6.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(0.5f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
    const __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    const __m256 y = _mm256_andnot_ps(underflow, _mm256_mul_ps(p, _mm256_castsi256_ps(e)));
    return _mm256_blendv_ps(y, _mm256_set1_ps(__builtin_inff()), overflow);
}

__m256 sigmoid_ps(__m256 x) {
    const __m256 one = _mm256_set1_ps(1.0f);
    return _mm256_div_ps(one, _mm256_add_ps(one, exp_ps(_mm256_sub_ps(_mm256_setzero_ps(), x))));
}

__m256 activate(__m256 v, const GemmEpilogue& ep) {
    const __m256 zero = _mm256_setzero_ps(), one = _mm256_set1_ps(1.0f);
    switch (ep.activation) {
        case GemmActivation::None: return v;
        // v goes second in min/max so that NaN propagates.
        case GemmActivation::Relu: return _mm256_max_ps(zero, v);
        case GemmActivation::Clip:
            return _mm256_min_ps(_mm256_set1_ps(ep.beta), _mm256_max_ps(_mm256_set1_ps(ep.alpha), v));
        case GemmActivation::LeakyRelu: {
            const __m256 neg = _mm256_cmp_ps(v, zero, _CMP_LT_OQ);
            return _mm256_blendv_ps(v, _mm256_mul_ps(v, _mm256_set1_ps(ep.alpha)), neg);
        }
        case GemmActivation::Sigmoid: return sigmoid_ps(v);
        case GemmActivation::SiLU: return _mm256_mul_ps(v, sigmoid_ps(v));
        case GemmActivation::HardSigmoid: {
            const __m256 h = _mm256_fmadd_ps(v, _mm256_set1_ps(ep.alpha), _mm256_set1_ps(ep.beta));
            return _mm256_max_ps(zero, _mm256_min_ps(one, h));
        }
        case GemmActivation::HardSwish: {
            const __m256 h = _mm256_fmadd_ps(v, _mm256_set1_ps(1.0f / 6.0f), _mm256_set1_ps(0.5f));
            return _mm256_mul_ps(v, _mm256_max_ps(zero, _mm256_min_ps(one, h)));
        }
    }
    return v;
}

// Loads/stores of a tile row's vector v; only the last vector can be partial.
template <int NV, bool MASKED>
__m256 load(const float* p, int v, __m256i tail) {
    if (MASKED && v == NV - 1) return _mm256_maskload_ps(p, tail);
    return _mm256_loadu_ps(p);
}

template <int NV, bool MASKED>
void store(float* p, int v, __m256 x, __m256i tail) {
    if (MASKED && v == NV - 1) _mm256_maskstore_ps(p, tail, x);
    else _mm256_storeu_ps(p, x);
}

// The epilogue of one tile row, from a copy of its accumulators in memory:
// out of line, so the accumulators of the hot loop never have to live there.
template <int NV, bool MASKED>
__attribute__((noinline)) void finish_row(const float* acc, size_t r, const GemmTile& t, __m256i tail) {
    const GemmEpilogue& ep = *t.epilogue;
    float* c = t.c + r * t.ldc;
    const __m256 scale = _mm256_set1_ps(ep.scale);
    const float* res = t.residual ? t.residual + r * ep.ld_residual : nullptr;
    for (int v = 0; v < NV; ++v) {
        __m256 x = _mm256_load_ps(acc + v * kVec);
        if (ep.scale != 1.0f) x = _mm256_mul_ps(x, scale);
        if (ep.bias_kind == GemmBias::PerColumn) x = _mm256_add_ps(x, load<NV, MASKED>(t.bias + v * kVec, v, tail));
        if (ep.bias_kind == GemmBias::PerRow) x = _mm256_add_ps(x, _mm256_set1_ps(t.bias[r]));
        if (res && ep.residual_before_activation) x = _mm256_add_ps(x, load<NV, MASKED>(res + v * kVec, v, tail));
        x = activate(x, ep);
        if (res && !ep.residual_before_activation) x = _mm256_add_ps(x, load<NV, MASKED>(res + v * kVec, v, tail));
        store<NV, MASKED>(c + v * kVec, v, x, tail);
    }
}

bool plain_store(const GemmTile& t) {
    const GemmEpilogue* ep = t.epilogue;
    return !ep || (ep->scale == 1.0f && ep->bias_kind == GemmBias::None &&
                   ep->activation == GemmActivation::None && !ep->residual);
}

template <int ROWS, int NV, bool MASKED>
void tile_kernel(size_t kc, const float* a, const float* b, size_t b_stride, const GemmTile& t,
                 __m256i tail) {
    // Masked loads instead of a branch: an all-zero mask reads nothing (and
    // cannot fault) and yields zeros, and the accumulators stay in registers
    // (a branch between two initializations makes GCC keep them in memory).
    const __m256i on = _mm256_set1_epi32(t.accumulate ? -1 : 0);
    const __m256i full = on, part = _mm256_and_si256(on, tail);
    __m256 acc[ROWS][NV];
    #pragma GCC unroll 16
    for (int r = 0; r < ROWS; ++r)
        #pragma GCC unroll 16
        for (int v = 0; v < NV; ++v)
            acc[r][v] = _mm256_maskload_ps(t.c + r * t.ldc + v * kVec, MASKED && v == NV - 1 ? part : full);
    const char* pf = reinterpret_cast<const char*>(t.prefetch);
    size_t pf_left = t.prefetch_lines;
    for (size_t k = 0; k < kc; ++k) {
        __m256 bv[NV];
        _mm_prefetch(reinterpret_cast<const char*>(b + kPrefetchK * b_stride), _MM_HINT_T0);
        #pragma GCC unroll 16
        for (int v = 0; v < NV; ++v) bv[v] = load<NV, MASKED>(b + v * kVec, v, tail);
        #pragma GCC unroll 16
        for (int r = 0; r < ROWS; ++r) {
            const __m256 ar = _mm256_broadcast_ss(a + r);
            #pragma GCC unroll 16
            for (int v = 0; v < NV; ++v) acc[r][v] = _mm256_fmadd_ps(ar, bv[v], acc[r][v]);
        }
        if (pf_left) {
            _mm_prefetch(pf, _MM_HINT_T1);
            pf += 64;
            --pf_left;
        }
        a += kMr;
        b += b_stride;
    }
    if (plain_store(t)) {
        #pragma GCC unroll 16
        for (int r = 0; r < ROWS; ++r)
            #pragma GCC unroll 16
            for (int v = 0; v < NV; ++v) store<NV, MASKED>(t.c + r * t.ldc + v * kVec, v, acc[r][v], tail);
        return;
    }
    alignas(32) float rows[ROWS][NV * kVec];
    #pragma GCC unroll 16
    for (int r = 0; r < ROWS; ++r)
        #pragma GCC unroll 16
        for (int v = 0; v < NV; ++v) _mm256_store_ps(rows[r] + v * kVec, acc[r][v]);
    #pragma GCC unroll 16
    for (int r = 0; r < ROWS; ++r) finish_row<NV, MASKED>(rows[r], size_t(r), t, tail);
}

template <int ROWS>
void rows_kernel(size_t kc, const float* a, const float* b, size_t b_stride, const GemmTile& t) {
    const int nr = int(t.nr);
    // Lane i is active when i < nr % 8 (maskload/maskstore test the sign bit).
    const __m256i tail = _mm256_cmpgt_epi32(_mm256_set1_epi32(nr % kVec), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    if (nr == int(kNr)) tile_kernel<ROWS, 2, false>(kc, a, b, b_stride, t, tail);
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
        default: rows_kernel<6>(kc, a, b, b_stride, t); break;
    }
}

// Rows s0..s3, eight k each, into eight k slots of an A panel (4 floats each).
void transpose_4x8(const float* s0, const float* s1, const float* s2, const float* s3, float* d) {
    const __m256 x0 = _mm256_loadu_ps(s0), x1 = _mm256_loadu_ps(s1);
    const __m256 x2 = _mm256_loadu_ps(s2), x3 = _mm256_loadu_ps(s3);
    const __m256 t0 = _mm256_unpacklo_ps(x0, x1), t1 = _mm256_unpackhi_ps(x0, x1);
    const __m256 t2 = _mm256_unpacklo_ps(x2, x3), t3 = _mm256_unpackhi_ps(x2, x3);
    const __m256 k04 = _mm256_shuffle_ps(t0, t2, 0x44);
    const __m256 k15 = _mm256_shuffle_ps(t0, t2, 0xee);
    const __m256 k26 = _mm256_shuffle_ps(t1, t3, 0x44);
    const __m256 k37 = _mm256_shuffle_ps(t1, t3, 0xee);
    _mm_storeu_ps(d + 0 * kMr, _mm256_castps256_ps128(k04));
    _mm_storeu_ps(d + 1 * kMr, _mm256_castps256_ps128(k15));
    _mm_storeu_ps(d + 2 * kMr, _mm256_castps256_ps128(k26));
    _mm_storeu_ps(d + 3 * kMr, _mm256_castps256_ps128(k37));
    _mm_storeu_ps(d + 4 * kMr, _mm256_extractf128_ps(k04, 1));
    _mm_storeu_ps(d + 5 * kMr, _mm256_extractf128_ps(k15, 1));
    _mm_storeu_ps(d + 6 * kMr, _mm256_extractf128_ps(k26, 1));
    _mm_storeu_ps(d + 7 * kMr, _mm256_extractf128_ps(k37, 1));
}

// Four rows at a time through 4×8 register transposes; the remaining two rows
// go as interleaved pairs.
void pack_a(const float* a, size_t lda, size_t rows, size_t kc, float* dst) {
    size_t r = 0;
    for (; r + 4 <= rows; r += 4) {
        const float* s0 = a + r * lda;
        const float* s1 = s0 + lda;
        const float* s2 = s1 + lda;
        const float* s3 = s2 + lda;
        size_t k = 0;
        // Sixteen k per step use whole cache lines of each row: the rows are
        // often a multiple of 4 KiB apart, all in one L1 set, and a line left
        // half-read would be evicted before its second half is needed.
        for (; k + 16 <= kc; k += 16) {
            transpose_4x8(s0 + k, s1 + k, s2 + k, s3 + k, dst + k * kMr + r);
            transpose_4x8(s0 + k + 8, s1 + k + 8, s2 + k + 8, s3 + k + 8, dst + (k + 8) * kMr + r);
        }
        for (; k + 8 <= kc; k += 8) transpose_4x8(s0 + k, s1 + k, s2 + k, s3 + k, dst + k * kMr + r);
        for (; k < kc; ++k) {
            float* d = dst + k * kMr + r;
            d[0] = s0[k];
            d[1] = s1[k];
            d[2] = s2[k];
            d[3] = s3[k];
        }
    }
    for (; r + 2 <= rows; r += 2) {
        const float* s0 = a + r * lda;
        const float* s1 = s0 + lda;
        size_t k = 0;
        for (; k + 4 <= kc; k += 4) {
            const __m128 x0 = _mm_loadu_ps(s0 + k), x1 = _mm_loadu_ps(s1 + k);
            const __m128 lo = _mm_unpacklo_ps(x0, x1), hi = _mm_unpackhi_ps(x0, x1);
            float* d = dst + k * kMr + r;
            _mm_storel_pi(reinterpret_cast<__m64*>(d + 0 * kMr), lo);
            _mm_storeh_pi(reinterpret_cast<__m64*>(d + 1 * kMr), lo);
            _mm_storel_pi(reinterpret_cast<__m64*>(d + 2 * kMr), hi);
            _mm_storeh_pi(reinterpret_cast<__m64*>(d + 3 * kMr), hi);
        }
        for (; k < kc; ++k) {
            dst[k * kMr + r] = s0[k];
            dst[k * kMr + r + 1] = s1[k];
        }
    }
    for (; r < rows; ++r) {
        const float* s = a + r * lda;
        for (size_t k = 0; k < kc; ++k) dst[k * kMr + r] = s[k];
    }
}

}  // namespace

void init_gemm_avx2(GemmKernels& t) {
    t.name = "f32-gemm-6x16-avx2";
    t.ukernel = &ukernel;
    t.pack_a = &pack_a;
    t.mr = kMr;
    t.nr = kNr;
    // B block kc × nc = 256 KiB: measured no slower here (2 MiB L2) than
    // bigger blocks, and still fits the L2 of older AVX2 parts.
    t.kc = 256;
    t.mc = 96;
    t.nc = 256;
}

}  // namespace vireo::kernels
