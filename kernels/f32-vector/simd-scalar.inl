// vireo — the one-lane "vector" the generic kernels are instantiated with for
// the scalar table. Include inside an anonymous namespace (see vector-generic.inl).
//
// It mirrors the SIMD wrappers operation for operation, so the scalar table
// runs the same algorithms (same polynomials, same special-value handling);
// it only lacks fused multiply-add, so results may differ from the SIMD tables
// in the last bit.

struct ScalarVec {
    static constexpr size_t kWidth = 1;
    using F = float;
    using I = int32_t;
    using M = bool;

    static F zero() { return 0.0f; }
    static F set1(float v) { return v; }
    static F load(const float* p) { return *p; }
    static void store(float* p, F v) { *p = v; }
    // kWidth == 1 leaves no partial vectors; these exist for the generic tails.
    static F load_partial(const float* p, size_t n) { return n ? *p : 0.0f; }
    static void store_partial(float* p, F v, size_t n) {
        if (n) *p = v;
    }
    static F gather(const float* base, const int32_t* index) { return base[*index]; }
    static F gather_partial(const float* base, const int32_t* index, size_t n) { return n ? base[*index] : 0.0f; }
    static F load_partial_or(const float* p, size_t n, F fill) { return n ? *p : fill; }

    static F add(F a, F b) { return a + b; }
    static F sub(F a, F b) { return a - b; }
    static F mul(F a, F b) { return a * b; }
    static F div(F a, F b) { return a / b; }
    static F quotient(F a, F b) { return a / b; }
    static F fmadd(F a, F b, F c) { return a * b + c; }
    static F fnmadd(F a, F b, F c) { return c - a * b; }
    // x86 MAXPS/MINPS semantics: the second operand when either is NaN.
    static F max(F a, F b) { return a > b ? a : b; }
    static F min(F a, F b) { return a < b ? a : b; }
    static F sqrt(F a) { return std::sqrt(a); }
    static F floor(F a) { return std::floor(a); }
    static F ceil(F a) { return std::ceil(a); }
    // Round to nearest even by the 1.5 * 2^23 trick (IEEE arithmetic keeps the
    // pair from being folded); valid for |a| < 2^22, which every caller
    // guarantees (it rounds range-reduction quotients).
    static F round_small(F a) {
        constexpr float kMagic = 12582912.0f;
        return (a + kMagic) - kMagic;
    }

    static I as_int(F a) {
        I i;
        std::memcpy(&i, &a, sizeof i);
        return i;
    }
    static F as_float(I i) {
        F a;
        std::memcpy(&a, &i, sizeof a);
        return a;
    }
    static F bit_and(F a, F b) { return as_float(as_int(a) & as_int(b)); }
    static F bit_or(F a, F b) { return as_float(as_int(a) | as_int(b)); }
    static F bit_xor(F a, F b) { return as_float(as_int(a) ^ as_int(b)); }
    static F abs(F a) { return as_float(as_int(a) & 0x7fffffff); }
    static F neg(F a) { return as_float(int32_t(uint32_t(as_int(a)) ^ 0x80000000u)); }
    static F neg_abs(F a) { return as_float(int32_t(uint32_t(as_int(a)) | 0x80000000u)); }
    // |mag| with the sign of sign; mag must be non-negative.
    static F copysign_pos(F mag, F sign) {
        return as_float(int32_t(uint32_t(as_int(mag)) | (uint32_t(as_int(sign)) & 0x80000000u)));
    }
    // Clears the low 12 mantissa bits: a value whose square is exact in float.
    static F high_half(F a) { return as_float(int32_t(uint32_t(as_int(a)) & 0xfffff000u)); }

    static M lt(F a, F b) { return a < b; }
    static M le(F a, F b) { return a <= b; }
    static M eq(F a, F b) { return a == b; }
    static M is_nan(F a) { return a != a; }
    static M mask_or(M a, M b) { return a || b; }
    static M mask_and(M a, M b) { return a && b; }
    static F select(M m, F a, F b) { return m ? a : b; }

    // 2^n for integral n in [-126, 127].
    static F pow2(F n) { return as_float(int32_t((uint32_t(int32_t(n)) + 127u) << 23)); }
    // v * 2^n for integral n in [-252, 254], rounded once, so results that
    // land in the subnormal range or overflow round correctly.
    static F scale(F v, F n) {
        const int32_t k = int32_t(n);
        const int32_t k1 = k >> 1, k2 = k - k1;
        return v * as_float(int32_t(uint32_t(k1 + 127) << 23)) * as_float(int32_t(uint32_t(k2 + 127) << 23));
    }
    // For log: splits positive normal a into a = m * 2^e with m in
    // [sqrt(1/2), sqrt(2)); returns m and stores e (as float).
    static F split_sqrt2(F a, F& e) {
        const int32_t bits = as_int(a);
        const int32_t k = (bits - 0x3f3504f3) >> 23;
        e = float(k);
        return as_float(int32_t(uint32_t(bits) - (uint32_t(k) << 23)));
    }

    static float first(F a) { return a; }
    static float reduce_add(F a) { return a; }
    static float reduce_max(F a) { return a; }
};
