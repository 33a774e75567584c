// vireo — 8-lane AVX2 + FMA vector wrapper for the generic kernels. Include
// inside an anonymous namespace, in a file compiled with -mavx2 -mfma only
// (see vector-generic.inl for why).

struct Avx2Vec {
    static constexpr size_t kWidth = 8;
    using F = __m256;
    using I = __m256i;
    using M = __m256;  // all-ones / all-zeros lanes, as the compare instructions produce

    static F zero() { return _mm256_setzero_ps(); }
    static F set1(float v) { return _mm256_set1_ps(v); }
    static F load(const float* p) { return _mm256_loadu_ps(p); }
    static void store(float* p, F v) { _mm256_storeu_ps(p, v); }
    // Lanes [0, n) active. VMASKMOV never touches memory of inactive lanes, so
    // a tail that ends right before an unmapped page is safe.
    static I lane_mask(size_t n) {
        return _mm256_cmpgt_epi32(_mm256_set1_epi32(int(n)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    }
    static F load_partial(const float* p, size_t n) { return _mm256_maskload_ps(p, lane_mask(n)); }
    static void store_partial(float* p, F v, size_t n) { _mm256_maskstore_ps(p, lane_mask(n), v); }
    // base[index[i]] per lane; the partial form touches only lanes [0, n).
    static F gather(const float* base, const int32_t* index) {
        return _mm256_i32gather_ps(base, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(index)), 4);
    }
    static F gather_partial(const float* base, const int32_t* index, size_t n) {
        const I m = lane_mask(n);
        const I idx = _mm256_maskload_epi32(index, m);
        return _mm256_mask_i32gather_ps(_mm256_setzero_ps(), base, idx, _mm256_castsi256_ps(m), 4);
    }
    // Lanes [n, kWidth) get `fill`, a value neutral for the reduction at hand.
    static F load_partial_or(const float* p, size_t n, F fill) {
        const I m = lane_mask(n);
        return _mm256_blendv_ps(fill, _mm256_maskload_ps(p, m), _mm256_castsi256_ps(m));
    }

    static F add(F a, F b) { return _mm256_add_ps(a, b); }
    static F sub(F a, F b) { return _mm256_sub_ps(a, b); }
    static F mul(F a, F b) { return _mm256_mul_ps(a, b); }
    static F div(F a, F b) { return _mm256_div_ps(a, b); }
    // Two Newton steps from the 12-bit VRCPPS would cost about what VDIVPS
    // does on a ymm, so the transcendental kernels divide too.
    static F quotient(F a, F b) { return _mm256_div_ps(a, b); }
    static F fmadd(F a, F b, F c) { return _mm256_fmadd_ps(a, b, c); }
    static F fnmadd(F a, F b, F c) { return _mm256_fnmadd_ps(a, b, c); }
    static F max(F a, F b) { return _mm256_max_ps(a, b); }
    static F min(F a, F b) { return _mm256_min_ps(a, b); }
    static F sqrt(F a) { return _mm256_sqrt_ps(a); }
    static F floor(F a) { return _mm256_round_ps(a, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC); }
    static F ceil(F a) { return _mm256_round_ps(a, _MM_FROUND_TO_POS_INF | _MM_FROUND_NO_EXC); }
    static F round_small(F a) { return _mm256_round_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }

    static I as_int(F a) { return _mm256_castps_si256(a); }
    static F as_float(I i) { return _mm256_castsi256_ps(i); }
    static F bit_and(F a, F b) { return _mm256_and_ps(a, b); }
    static F bit_or(F a, F b) { return _mm256_or_ps(a, b); }
    static F bit_xor(F a, F b) { return _mm256_xor_ps(a, b); }
    static F sign_bit() { return _mm256_set1_ps(-0.0f); }
    static F abs(F a) { return _mm256_andnot_ps(sign_bit(), a); }
    static F neg(F a) { return _mm256_xor_ps(a, sign_bit()); }
    static F neg_abs(F a) { return _mm256_or_ps(a, sign_bit()); }
    static F copysign_pos(F mag, F sign) { return _mm256_or_ps(mag, _mm256_and_ps(sign, sign_bit())); }
    static F high_half(F a) { return _mm256_and_ps(a, as_float(_mm256_set1_epi32(int(0xfffff000u)))); }

    static M lt(F a, F b) { return _mm256_cmp_ps(a, b, _CMP_LT_OQ); }
    static M le(F a, F b) { return _mm256_cmp_ps(a, b, _CMP_LE_OQ); }
    static M eq(F a, F b) { return _mm256_cmp_ps(a, b, _CMP_EQ_OQ); }
    static M is_nan(F a) { return _mm256_cmp_ps(a, a, _CMP_UNORD_Q); }
    static M mask_or(M a, M b) { return _mm256_or_ps(a, b); }
    static M mask_and(M a, M b) { return _mm256_and_ps(a, b); }
    static F select(M m, F a, F b) { return _mm256_blendv_ps(b, a, m); }

    static I exponent_bits(I k) { return _mm256_slli_epi32(_mm256_add_epi32(k, _mm256_set1_epi32(127)), 23); }
    static F pow2(F n) { return as_float(exponent_bits(_mm256_cvtps_epi32(n))); }
    // Two exact power-of-two factors, so only the last multiply rounds.
    static F scale(F v, F n) {
        const I k = _mm256_cvtps_epi32(n);
        const I k1 = _mm256_srai_epi32(k, 1);
        const I k2 = _mm256_sub_epi32(k, k1);
        return _mm256_mul_ps(_mm256_mul_ps(v, as_float(exponent_bits(k1))), as_float(exponent_bits(k2)));
    }
    static F split_sqrt2(F a, F& e) {
        const I bits = as_int(a);
        const I k = _mm256_srai_epi32(_mm256_sub_epi32(bits, _mm256_set1_epi32(0x3f3504f3)), 23);
        e = _mm256_cvtepi32_ps(k);
        return as_float(_mm256_sub_epi32(bits, _mm256_slli_epi32(k, 23)));
    }

    // See transpose8x8-avx.inl (shared by both AVX wrappers).
    static void transpose8x8(const float* in, size_t in_stride, float* out, size_t out_stride, size_t rows = 8,
                             size_t cols = 8) {
        transpose_8x8_avx(in, in_stride, out, out_stride, rows, cols);
    }

    static float first(F a) { return _mm256_cvtss_f32(a); }
    // Fixed pairwise order: halves, then quarters, then pairs.
    static float reduce_add(F a) {
        __m128 s = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
        s = _mm_add_ps(s, _mm_movehl_ps(s, s));
        s = _mm_add_ss(s, _mm_movehdup_ps(s));
        return _mm_cvtss_f32(s);
    }
    static float reduce_max(F a) {
        __m128 s = _mm_max_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
        s = _mm_max_ps(s, _mm_movehl_ps(s, s));
        s = _mm_max_ss(s, _mm_movehdup_ps(s));
        return _mm_cvtss_f32(s);
    }
};
