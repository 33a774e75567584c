// vireo — 16-lane AVX-512 (F/DQ/VL) vector wrapper for the generic kernels.
// Include inside an anonymous namespace, in a file compiled with the AVX-512
// flags only (see vector-generic.inl for why).

struct Avx512Vec {
    static constexpr size_t kWidth = 16;
    using F = __m512;
    using I = __m512i;
    using M = __mmask16;

    static F zero() { return _mm512_setzero_ps(); }
    static F set1(float v) { return _mm512_set1_ps(v); }
    static F load(const float* p) { return _mm512_loadu_ps(p); }
    static void store(float* p, F v) { _mm512_storeu_ps(p, v); }
    // Masked-off lanes are never accessed, so tails may end at an unmapped page.
    static __mmask16 lane_mask(size_t n) { return __mmask16((1u << n) - 1u); }
    static F load_partial(const float* p, size_t n) { return _mm512_maskz_loadu_ps(lane_mask(n), p); }
    static void store_partial(float* p, F v, size_t n) { _mm512_mask_storeu_ps(p, lane_mask(n), v); }
    // base[index[i]] per lane; the partial form touches only lanes [0, n).
    static F gather(const float* base, const int32_t* index) {
        return _mm512_i32gather_ps(_mm512_loadu_si512(index), base, 4);
    }
    static F gather_partial(const float* base, const int32_t* index, size_t n) {
        const __mmask16 m = lane_mask(n);
        return _mm512_mask_i32gather_ps(_mm512_setzero_ps(), m, _mm512_maskz_loadu_epi32(m, index), base, 4);
    }
    // Lanes [n, kWidth) get `fill`, a value neutral for the reduction at hand.
    static F load_partial_or(const float* p, size_t n, F fill) { return _mm512_mask_loadu_ps(fill, lane_mask(n), p); }

    static F add(F a, F b) { return _mm512_add_ps(a, b); }
    static F sub(F a, F b) { return _mm512_sub_ps(a, b); }
    static F mul(F a, F b) { return _mm512_mul_ps(a, b); }
    static F div(F a, F b) { return _mm512_div_ps(a, b); }
    // a / b for the transcendental kernels, where b is a normal number in
    // [1, 8]: VRCP14PS, one Newton step for 1/b, then the quotient corrected by
    // its exact residual, which leaves it within a hair of the rounded
    // quotient at a third of a zmm VDIVPS's throughput cost. An infinite
    // quotient (a = ±inf) skips the correction, whose residual would be NaN.
    static F quotient(F a, F b) {
        __m512 r = _mm512_rcp14_ps(b);
        r = _mm512_fmadd_ps(r, _mm512_fnmadd_ps(b, r, _mm512_set1_ps(1.0f)), r);
        const __m512 q = _mm512_mul_ps(a, r);
        const __mmask16 finite = __mmask16(~_mm512_fpclass_ps_mask(q, 0x18));
        return _mm512_mask3_fmadd_ps(_mm512_fnmadd_ps(q, b, a), r, q, finite);
    }
    static F fmadd(F a, F b, F c) { return _mm512_fmadd_ps(a, b, c); }
    static F fnmadd(F a, F b, F c) { return _mm512_fnmadd_ps(a, b, c); }
    static F max(F a, F b) { return _mm512_max_ps(a, b); }
    static F min(F a, F b) { return _mm512_min_ps(a, b); }
    static F sqrt(F a) { return _mm512_sqrt_ps(a); }
    static F floor(F a) { return _mm512_roundscale_ps(a, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC); }
    static F ceil(F a) { return _mm512_roundscale_ps(a, _MM_FROUND_TO_POS_INF | _MM_FROUND_NO_EXC); }
    static F round_small(F a) { return _mm512_roundscale_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }

    static I as_int(F a) { return _mm512_castps_si512(a); }
    static F as_float(I i) { return _mm512_castsi512_ps(i); }
    static F bit_and(F a, F b) { return _mm512_and_ps(a, b); }
    static F bit_or(F a, F b) { return _mm512_or_ps(a, b); }
    static F bit_xor(F a, F b) { return _mm512_xor_ps(a, b); }
    static F sign_bit() { return _mm512_set1_ps(-0.0f); }
    static F abs(F a) { return _mm512_andnot_ps(sign_bit(), a); }
    static F neg(F a) { return _mm512_xor_ps(a, sign_bit()); }
    static F neg_abs(F a) { return _mm512_or_ps(a, sign_bit()); }
    static F copysign_pos(F mag, F sign) { return _mm512_or_ps(mag, _mm512_and_ps(sign, sign_bit())); }
    static F high_half(F a) { return _mm512_and_ps(a, as_float(_mm512_set1_epi32(int(0xfffff000u)))); }

    static M lt(F a, F b) { return _mm512_cmp_ps_mask(a, b, _CMP_LT_OQ); }
    static M le(F a, F b) { return _mm512_cmp_ps_mask(a, b, _CMP_LE_OQ); }
    static M eq(F a, F b) { return _mm512_cmp_ps_mask(a, b, _CMP_EQ_OQ); }
    static M is_nan(F a) { return _mm512_cmp_ps_mask(a, a, _CMP_UNORD_Q); }
    static M mask_or(M a, M b) { return M(a | b); }
    static M mask_and(M a, M b) { return M(a & b); }
    static F select(M m, F a, F b) { return _mm512_mask_blend_ps(m, b, a); }

    // VSCALEFPS computes v * 2^floor(n) rounded once, subnormals and overflow included.
    static F pow2(F n) { return _mm512_scalef_ps(_mm512_set1_ps(1.0f), n); }
    static F scale(F v, F n) { return _mm512_scalef_ps(v, n); }
    static F split_sqrt2(F a, F& e) {
        const I bits = as_int(a);
        const I k = _mm512_srai_epi32(_mm512_sub_epi32(bits, _mm512_set1_epi32(0x3f3504f3)), 23);
        e = _mm512_cvtepi32_ps(k);
        return as_float(_mm512_sub_epi32(bits, _mm512_slli_epi32(k, 23)));
    }

    // See transpose8x8-avx.inl (shared by both AVX wrappers).
    static void transpose8x8(const float* in, size_t in_stride, float* out, size_t out_stride, size_t rows = 8,
                             size_t cols = 8) {
        transpose_8x8_avx(in, in_stride, out, out_stride, rows, cols);
    }

    static float first(F a) { return _mm512_cvtss_f32(a); }
    // Fixed order: 256-bit halves, 128-bit halves, then pairs.
    static float reduce_add(F a) {
        const __m256 h = _mm256_add_ps(_mm512_castps512_ps256(a), _mm512_extractf32x8_ps(a, 1));
        __m128 s = _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
        s = _mm_add_ps(s, _mm_movehl_ps(s, s));
        s = _mm_add_ss(s, _mm_movehdup_ps(s));
        return _mm_cvtss_f32(s);
    }
    static float reduce_max(F a) {
        const __m256 h = _mm256_max_ps(_mm512_castps512_ps256(a), _mm512_extractf32x8_ps(a, 1));
        __m128 s = _mm_max_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
        s = _mm_max_ps(s, _mm_movehl_ps(s, s));
        s = _mm_max_ss(s, _mm_movehdup_ps(s));
        return _mm_cvtss_f32(s);
    }
};
