// vireo — the f32 vector kernels, written once against a vector wrapper V and
// instantiated per ISA (V = ScalarVec, Avx2Vec or Avx512Vec from simd-*.inl).
//
// Include ONLY from kernels/f32-vector/vector-<isa>.cpp, inside an anonymous
// namespace, after the wrapper. Every template here is then instantiated with
// a type local to that file, so all of it has internal linkage: no copy
// compiled with one ISA's flags can be merged by the linker into another
// ISA's callers (tests/isa_leak_check.sh checks the objects for weak symbols).
// For the same reason this file includes nothing; the including file provides
// <cstddef>, <cstdint>, <cstring> and vector.hpp.
//
// Wrapper contract (see simd-avx2.inl for the reference shape): kWidth, F, I,
// M; load/store (+ _partial for the first n < kWidth lanes, never touching
// the others), arithmetic with fmadd(a,b,c) = a*b+c and fnmadd = c-a*b,
// quotient(a,b) (a/b for b in [1, 8], allowed to miss the IEEE quotient by a
// last-bit rounding; the exact V::div serves Div and Reciprocal),
// max(a,b) = a > b ? a : b and min(a,b) = a < b ? a : b (x86 semantics: the
// second operand when either is NaN), compares into M, select(m, a, b),
// pow2(n) = 2^n for integral n in [-126, 127], scale(v, n) = v * 2^n rounded
// once for integral n in [-252, 254], and fixed-order horizontal reductions.
//
// Transcendental functions follow one pattern: reduce the argument exactly
// (Cody-Waite), evaluate a minimax polynomial fitted with a Remez exchange for
// relative error, and rebuild the result with scale(), which rounds once even
// when the result is subnormal. The coefficients were fitted for this file by
// fit_polynomials.py (next to it); each function's measured error, rounding
// included, is in tests/kernels/activation_accuracy_test.cpp and README.md.

// ---- coefficients -----------------------------------------------------------

// e^r = 1 + r + r^2/2 + r^3 (c3 + c4 r + c5 r^2 + c6 r^3) on [-ln2/2, ln2/2],
// relative error 4.3e-9.
constexpr float kExpC3 = 0x1.555466p-3f;
constexpr float kExpC4 = 0x1.555300p-5f;
constexpr float kExpC5 = 0x1.125782p-7f;
constexpr float kExpC6 = 0x1.6fee58p-10f;
constexpr float kLog2e = 0x1.715476p+0f;
// ln 2 split so that n * kLn2Hi is exact for |n| <= 256 and x - n * kLn2Hi is
// exact over the whole reduced range.
constexpr float kLn2Hi = 0x1.62e400p-1f;
constexpr float kLn2Lo = 0x1.7f7d1cp-20f;

// tanh(x) = x + x^3 P(x^2) for |x| < kTanhSmall; P relative error 1.3e-7,
// which the x^2/3 factor shrinks below 2e-8 in tanh.
constexpr float kTanhSmall = 0.625f;
constexpr float kTanhP[] = {-0x1.555552p-2f, 0x1.110e1ep-3f, -0x1.b925a2p-5f, 0x1.58054cp-6f, -0x1.8f91b4p-8f};

// erf(x) = x P(x^2) for |x| < 1; relative error 1.2e-9.
constexpr float kErfP[] = {0x1.20dd74p+0f, -0x1.81273ep-2f,  0x1.ce2cf8p-4f, -0x1.b7f90ep-6f,
                           0x1.5405b2p-8f, -0x1.a3f700p-11f, 0x1.496a32p-14f};
// erfc(z) = e^(-z^2) R(t), t = 1 / (1 + z/2), for z in [0.5, 10.3]; R
// relative error 1.5e-9 (the rounding of t adds about one ULP).
constexpr float kErfcR[] = {0x1.e72698p-19f, 0x1.20bff2p-2f, 0x1.226d10p-2f,  0x1.e13d36p-3f, 0x1.e0d426p-3f,
                            -0x1.b41592p-4f, 0x1.9d629ap-2f, -0x1.37744cp-1f, 0x1.662998p-2f, -0x1.2f5b2ep-4f};

// log1p(u) = 2 atanh(s) = 2 s (1 + s^2 P(s^2)), s = u / (2 + u), u in [0, 1];
// P relative error 4e-7, shrunk below 2e-8 by the s^2 <= 1/9 factor.
constexpr float kLog1pP[] = {0x1.55554cp-2f, 0x1.99ad98p-3f, 0x1.212078p-3f, 0x1.130e90p-3f};

// log(1 + f) = f - f^2/2 + f^3 P(f) for f in [sqrt(1/2) - 1, sqrt(2) - 1]; P
// relative error 4e-7, below 3e-8 in the result.
constexpr float kLogP[] = {0x1.555554p-2f, -0x1.0000ccp-2f, 0x1.999fe6p-3f, -0x1.54d1d0p-3f,
                           0x1.23050ap-3f, -0x1.0a0538p-3f, 0x1.033050p-3f, -0x1.469fbep-4f};

constexpr float kInfinity = __builtin_inff();
constexpr float kQuietNaN = __builtin_nanf("");
constexpr float kSmallestNormal = 0x1p-126f;

// ---- math on vectors ------------------------------------------------------

template <class V>
struct VectorMath {
    using F = typename V::F;
    using M = typename V::M;

    static F k(float v) { return V::set1(v); }

    template <size_t N>
    static F horner(F x, const float (&c)[N]) {
        F acc = k(c[N - 1]);
        for (size_t i = N - 1; i-- > 0;) acc = V::fmadd(acc, x, k(c[i]));
        return acc;
    }

    // e^(x + x_lo) = p * 2^n with p = 1 + q = e^r, |r| <= ln2/2 (plus rounding).
    // x must lie in [-110, 89]; x_lo is a small correction (exactness of x^2).
    struct ExpParts {
        F p, q, n;
    };
    static ExpParts exp_parts(F x, F x_lo) {
        const F n = V::round_small(V::mul(x, k(kLog2e)));
        F r = V::fnmadd(n, k(kLn2Hi), x);  // exact
        r = V::add(r, x_lo);
        r = V::fnmadd(n, k(kLn2Lo), r);
        F h = V::fmadd(k(kExpC6), r, k(kExpC5));
        h = V::fmadd(h, r, k(kExpC4));
        h = V::fmadd(h, r, k(kExpC3));
        h = V::fmadd(h, r, k(0.5f));
        const F t = V::fmadd(h, r, k(1.0f));  // (e^r - 1) / r
        return {V::fmadd(t, r, k(1.0f)), V::mul(t, r), n};
    }
    static ExpParts exp_parts(F x) { return exp_parts(x, V::zero()); }

    // Bounds that keep exp_parts in range while still saturating: e^-104 is
    // below half the smallest subnormal, e^89 above the largest float.
    // max(lo, x) and min(hi, x) in this operand order let NaN through.
    static F clamp_exp_arg(F x) { return V::min(k(89.0f), V::max(k(-104.0f), x)); }

    static F exp(F x) {
        const ExpParts e = exp_parts(clamp_exp_arg(x));
        return V::scale(e.p, e.n);
    }

    // e^x - 1 for x <= 0 (positive x are clamped to 0): 2^n q + (2^n - 1), where
    // both terms are exact products of a power of two, so nothing cancels.
    static F expm1_nonpositive(F x) {
        const F xc = V::min(V::zero(), V::max(k(-20.0f), x));
        const ExpParts e = exp_parts(xc);
        const F s = V::pow2(e.n);
        return V::fmadd(s, e.q, V::sub(s, k(1.0f)));
    }

    // sigmoid from e = e^-|x| in (0, 1]: 1 / (1 + e) or e / (1 + e), never
    // overflowing and keeping full relative precision for negative x.
    static F sigmoid(F x) {
        const ExpParts e = exp_parts(V::max(k(-104.0f), V::neg_abs(x)));
        const F ex = V::scale(e.p, e.n);
        const F num = V::select(V::lt(x, V::zero()), ex, k(1.0f));
        return V::quotient(num, V::add(k(1.0f), ex));
    }

    // x * sigmoid(x). For negative x the numerator x e^x is rebuilt with
    // scale() from x * p, so subnormal results round once. x is clamped at -110
    // (beyond which x e^x rounds to -0), which also gives silu(-inf) = -0, the limit.
    static F silu(F x) {
        const F xc = V::max(k(-110.0f), x);
        const ExpParts e = exp_parts(V::max(k(-110.0f), V::neg_abs(x)));
        const F ex = V::scale(e.p, e.n);
        const F num = V::select(V::lt(x, V::zero()), V::scale(V::mul(xc, e.p), e.n), x);
        return V::quotient(num, V::add(k(1.0f), ex));
    }

    static F tanh(F x) {
        const F ax = V::abs(x);
        const F u = V::mul(x, x);
        const F small = V::fmadd(V::mul(x, u), horner(u, kTanhP), x);
        // (1 - e) / (1 + e) with e = e^-2|x|; below e^-20 the quotient rounds
        // to 1, so the clamp keeps pow2() in range without changing results.
        const ExpParts e = exp_parts(V::max(k(-20.0f), V::add(V::neg_abs(x), V::neg_abs(x))));
        const F ex = V::mul(e.p, V::pow2(e.n));
        const F large = V::quotient(V::sub(k(1.0f), ex), V::add(k(1.0f), ex));
        return V::select(V::lt(ax, k(kTanhSmall)), small, V::copysign_pos(large, x));
    }

    // x^2 = hi + lo exactly enough for e^(-x^2): hi is the square of x's top
    // 12 significant bits (exact), lo the rest, whose own rounding is ~2^-35 x^2.
    static void square_split(F x, F& hi, F& lo) {
        const F xh = V::high_half(x);
        const F xl = V::sub(x, xh);
        hi = V::mul(xh, xh);
        lo = V::mul(V::add(x, xh), xl);
    }

    // erfc(z) = m * 2^n for z in [0.5, 10.3], given z^2 = z2_hi + z2_lo.
    static void erfc_parts(F z, F z2_hi, F z2_lo, F& m, F& n) {
        const F t = V::quotient(k(1.0f), V::fmadd(z, k(0.5f), k(1.0f)));
        const F r = horner(t, kErfcR);
        const ExpParts e = exp_parts(V::neg(z2_hi), V::neg(z2_lo));
        m = V::mul(r, e.p);
        n = e.n;
    }

    // erf(x) for |x| < 1 as c0 x + x^3 P'(x^2): the leading term is exact
    // inside the fused multiply-add and the correction is at most a quarter
    // of the result, so its rounding counts for little.
    static F erf_small(F x) {
        const F u = V::mul(x, x);
        F acc = k(kErfP[6]);
        for (int i = 5; i >= 1; --i) acc = V::fmadd(acc, u, k(kErfP[i]));
        return V::fmadd(k(kErfP[0]), x, V::mul(V::mul(x, u), acc));
    }

    static F erf(F x) {
        const F ax = V::abs(x);
        // erf rounds to 1 beyond 3.92; clamping at 4 keeps exp_parts in range.
        const F z = V::min(k(4.0f), ax);
        F hi, lo, m, n;
        square_split(z, hi, lo);
        erfc_parts(z, hi, lo, m, n);
        const F large = V::sub(k(1.0f), V::mul(m, V::pow2(n)));
        return V::select(V::lt(ax, k(1.0f)), erf_small(x), V::copysign_pos(large, x));
    }

    // x * Phi(x) = x * (1 + erf(x / sqrt 2)) / 2. For x <= -sqrt(1/2) it uses
    // x * erfc(|x| / sqrt 2) / 2 instead, rebuilt with scale(), so the negative
    // tail keeps its relative precision down to the subnormals. Beyond
    // |x| = 14.5 the result is x or -0 (so gelu(-inf) = -0, the limit).
    static F gelu(F x) {
        const F xc = V::min(k(14.5f), V::max(k(-14.5f), x));
        const F az = V::mul(V::abs(xc), k(0x1.6a09e6p-1f));  // |x| / sqrt 2
        F hi, lo, m, n;
        square_split(xc, hi, lo);
        erfc_parts(az, V::mul(hi, k(0.5f)), V::mul(lo, k(0.5f)), m, n);
        const F small = erf_small(az);
        const F erf_pos = V::select(V::lt(az, k(1.0f)), small, V::sub(k(1.0f), V::scale(m, n)));
        const F positive = V::mul(x, V::fmadd(erf_pos, k(0.5f), k(0.5f)));
        const F near_zero = V::mul(x, V::fnmadd(small, k(0.5f), k(0.5f)));
        const F tail = V::scale(V::mul(V::mul(xc, k(0.5f)), m), n);
        const F negative = V::select(V::lt(az, k(0.5f)), near_zero, tail);
        return V::select(V::lt(x, V::zero()), negative, positive);
    }

    // log(1 + e^x) = max(x, 0) + log1p(u), u = e^-|x| = p 2^n, with
    // log1p(u) = 2 s (1 + s^2 P(s^2)), s = u / (2 + u). s is carried as
    // p / (2 + u) times 2^n and rebuilt by scale() at the end, so tiny
    // (subnormal) results keep their precision.
    static F softplus(F x) {
        const ExpParts e = exp_parts(V::max(k(-104.0f), V::neg_abs(x)));
        const F u = V::scale(e.p, e.n);
        const F s_mant = V::quotient(e.p, V::add(k(2.0f), u));
        const F s = V::scale(s_mant, e.n);
        const F v = V::mul(s, s);
        const F two_s = V::add(s_mant, s_mant);
        const F log1p_mant = V::fmadd(V::mul(two_s, v), horner(v, kLog1pP), two_s);
        return V::add(V::max(x, V::zero()), V::scale(log1p_mant, e.n));
    }

    static F log(F x) {
        // Subnormals are scaled into the normal range first.
        const M tiny = V::lt(x, k(kSmallestNormal));
        F e;
        const F m = V::split_sqrt2(V::select(tiny, V::mul(x, k(0x1p23f)), x), e);
        e = V::sub(e, V::select(tiny, k(23.0f), V::zero()));
        const F f = V::sub(m, k(1.0f));
        const F f2 = V::mul(f, f);
        F y = V::mul(V::mul(f, f2), horner(f, kLogP));
        y = V::fmadd(e, k(kLn2Lo), y);
        y = V::fnmadd(f2, k(0.5f), y);
        y = V::add(f, y);
        y = V::fmadd(e, k(kLn2Hi), y);
        y = V::select(V::eq(x, k(kInfinity)), x, y);
        y = V::select(V::eq(x, V::zero()), k(-kInfinity), y);
        return V::select(V::mask_or(V::lt(x, V::zero()), V::is_nan(x)), k(kQuietNaN), y);
    }
};

// ---- unary kernels ----------------------------------------------------------

// Each functor holds its broadcast constants, built once per call.
#define VIREO_UNARY(Name, ...)                                \
    template <class V>                                        \
    struct Name {                                             \
        using F = typename V::F;                              \
        using Math = VectorMath<V>;                           \
        explicit Name(const UnaryParams& p) : p_(p) {}        \
        F operator()(F x) const {__VA_ARGS__} UnaryParams p_; \
    };

VIREO_UNARY(AbsOp, return V::abs(x);)
VIREO_UNARY(NegOp, return V::neg(x);)
VIREO_UNARY(ReluOp, return V::max(x, V::zero());)
VIREO_UNARY(SqrtOp, return V::sqrt(x);)
VIREO_UNARY(ReciprocalOp, return V::div(V::set1(1.0f), x);)
VIREO_UNARY(FloorOp, return V::floor(x);)
VIREO_UNARY(CeilOp, return V::ceil(x);)
VIREO_UNARY(SoftsignOp, return V::div(x, V::add(V::set1(1.0f), V::abs(x)));)
VIREO_UNARY(ExpOp, return Math::exp(x);)
VIREO_UNARY(LogOp, return Math::log(x);)
VIREO_UNARY(SigmoidOp, return Math::sigmoid(x);)
VIREO_UNARY(TanhOp, return Math::tanh(x);)
VIREO_UNARY(ErfOp, return Math::erf(x);)
VIREO_UNARY(GeluOp, return Math::gelu(x);)
VIREO_UNARY(SiluOp, return Math::silu(x);)
VIREO_UNARY(SoftplusOp, return Math::softplus(x);)
// The operand orders below reproduce the reference ops' std::min/std::max
// exactly, NaN included.
VIREO_UNARY(LeakyReluOp, return V::select(V::lt(x, V::zero()), V::mul(V::set1(p_.alpha), x), x);)
VIREO_UNARY(ClipOp, return V::min(V::set1(p_.beta), V::max(V::set1(p_.alpha), x));)
VIREO_UNARY(HardSigmoidOp, {
    const F v = V::add(V::mul(V::set1(p_.alpha), x), V::set1(p_.beta));
    return V::max(V::min(v, V::set1(1.0f)), V::zero());
})
VIREO_UNARY(HardSwishOp, {
    const F v = V::fmadd(x, V::set1(1.0f / 6.0f), V::set1(0.5f));
    return V::mul(x, V::max(V::min(v, V::set1(1.0f)), V::zero()));
})
VIREO_UNARY(EluOp, {
    const F em1 = Math::expm1_nonpositive(x);
    return V::select(V::lt(x, V::zero()), V::mul(V::set1(p_.alpha), em1), x);
})
VIREO_UNARY(SeluOp, {
    const F em1 = Math::expm1_nonpositive(x);
    const F v = V::select(V::lt(V::zero(), x), x, V::mul(V::set1(p_.alpha), em1));
    return V::mul(V::set1(p_.beta), v);
})
VIREO_UNARY(CeluOp, {
    const F em1 = Math::expm1_nonpositive(V::div(x, V::set1(p_.alpha)));
    return V::select(V::lt(V::zero(), x), x, V::mul(V::set1(p_.alpha), em1));
})
#undef VIREO_UNARY

// Elements before y reaches a full-vector boundary. Streaming kernels do those
// first (as a partial vector) so the rest store whole cache-line halves or
// lines instead of splitting every other store across two lines.
template <class V>
size_t head_to_alignment(const float* y, size_t n) {
    constexpr size_t kBytes = V::kWidth * sizeof(float);
    const size_t head = (kBytes - reinterpret_cast<uintptr_t>(y) % kBytes) % kBytes / sizeof(float);
    return head < n ? head : 0;
}

template <class V, template <class> class Op>
void unary_kernel(size_t n, const float* x, float* y, const UnaryParams& params) {
    constexpr size_t W = V::kWidth;
    const Op<V> op(params);
    size_t i = head_to_alignment<V>(y, n);
    if (i) V::store_partial(y, op(V::load_partial(x, i)), i);
    // Two independent vectors per iteration; both are loaded before either is
    // stored, which also keeps in-place calls (y == x) correct.
    for (; i + 2 * W <= n; i += 2 * W) {
        const auto a = V::load(x + i), b = V::load(x + i + W);
        V::store(y + i, op(a));
        V::store(y + i + W, op(b));
    }
    for (; i + W <= n; i += W) V::store(y + i, op(V::load(x + i)));
    if (i < n) V::store_partial(y + i, op(V::load_partial(x + i, n - i)), n - i);
}

// ---- binary kernels ---------------------------------------------------------

template <class V>
struct AddOp {
    static typename V::F apply(typename V::F a, typename V::F b) { return V::add(a, b); }
};
template <class V>
struct SubOp {
    static typename V::F apply(typename V::F a, typename V::F b) { return V::sub(a, b); }
};
template <class V>
struct MulOp {
    static typename V::F apply(typename V::F a, typename V::F b) { return V::mul(a, b); }
};
template <class V>
struct DivOp {
    static typename V::F apply(typename V::F a, typename V::F b) { return V::div(a, b); }
};
// (a >= b || a is NaN) ? a : b, and NaN when b is: V::max(b, a) already
// returns a for NaN a and for a == b, and only b's NaN needs the select.
template <class V>
struct MaxOp {
    static typename V::F apply(typename V::F a, typename V::F b) { return V::select(V::is_nan(b), b, V::max(b, a)); }
};
template <class V>
struct MinOp {
    static typename V::F apply(typename V::F a, typename V::F b) { return V::select(V::is_nan(b), b, V::min(b, a)); }
};

// LoadA/LoadB produce the operand vectors for element offset i (a real load,
// or the broadcast scalar), so one loop serves the three operand forms.
template <class V, template <class> class Op, class LoadA, class LoadB>
inline void binary_loop(size_t n, float* y, const LoadA& load_a, const LoadB& load_b) {
    constexpr size_t W = V::kWidth;
    size_t i = head_to_alignment<V>(y, n);
    if (i) V::store_partial(y, Op<V>::apply(load_a(0, i), load_b(0, i)), i);
    for (; i + 2 * W <= n; i += 2 * W) {
        const auto r0 = Op<V>::apply(load_a(i), load_b(i));
        const auto r1 = Op<V>::apply(load_a(i + W), load_b(i + W));
        V::store(y + i, r0);
        V::store(y + i + W, r1);
    }
    for (; i + W <= n; i += W) V::store(y + i, Op<V>::apply(load_a(i), load_b(i)));
    if (i < n) {
        const size_t rest = n - i;
        V::store_partial(y + i, Op<V>::apply(load_a(i, rest), load_b(i, rest)), rest);
    }
}

template <class V>
struct ArrayOperand {
    const float* p;
    typename V::F operator()(size_t i) const { return V::load(p + i); }
    typename V::F operator()(size_t i, size_t rest) const { return V::load_partial(p + i, rest); }
};
template <class V>
struct ScalarOperand {
    typename V::F v;
    typename V::F operator()(size_t) const { return v; }
    typename V::F operator()(size_t, size_t) const { return v; }
};

template <class V, template <class> class Op>
void binary_vv(size_t n, const float* a, const float* b, float* y) {
    binary_loop<V, Op>(n, y, ArrayOperand<V>{a}, ArrayOperand<V>{b});
}
template <class V, template <class> class Op>
void binary_vs(size_t n, const float* a, float b, float* y) {
    binary_loop<V, Op>(n, y, ArrayOperand<V>{a}, ScalarOperand<V>{V::set1(b)});
}
template <class V, template <class> class Op>
void binary_sv(size_t n, float a, const float* b, float* y) {
    binary_loop<V, Op>(n, y, ScalarOperand<V>{V::set1(a)}, ArrayOperand<V>{b});
}

template <class V, template <class> class Op>
BinaryKernel binary_entry() {
    BinaryKernel k;
    k.vv = &binary_vv<V, Op>;
    k.vs = &binary_vs<V, Op>;
    k.sv = &binary_sv<V, Op>;
    return k;
}

// ---- row kernels ------------------------------------------------------------

template <class V>
void affine_kernel(size_t n, const float* x, float* y, float scale, float shift) {
    constexpr size_t W = V::kWidth;
    const auto a = V::set1(scale), b = V::set1(shift);
    size_t i = 0;
    for (; i + W <= n; i += W) V::store(y + i, V::fmadd(V::load(x + i), a, b));
    if (i < n) V::store_partial(y + i, V::fmadd(V::load_partial(x + i, n - i), a, b), n - i);
}

template <class V>
void affine_vec_kernel(size_t n, const float* x, float* y, const float* scale, const float* shift) {
    constexpr size_t W = V::kWidth;
    size_t i = 0;
    for (; i + W <= n; i += W) V::store(y + i, V::fmadd(V::load(x + i), V::load(scale + i), V::load(shift + i)));
    if (i < n) {
        const size_t r = n - i;
        V::store_partial(
            y + i, V::fmadd(V::load_partial(x + i, r), V::load_partial(scale + i, r), V::load_partial(shift + i, r)),
            r);
    }
}

// Softmax of one contiguous row. Four accumulators per pass hide the latency
// of max/add chains; their combination order depends only on n.
template <class V>
void softmax_row(size_t n, const float* x, float* y, bool log_softmax) {
    using Math = VectorMath<V>;
    using F = typename V::F;
    constexpr size_t W = V::kWidth;
    const F neg_inf = V::set1(-kInfinity);

    F m0 = neg_inf, m1 = neg_inf, m2 = neg_inf, m3 = neg_inf;
    size_t i = 0;
    for (; i + 4 * W <= n; i += 4 * W) {
        m0 = V::max(m0, V::load(x + i));
        m1 = V::max(m1, V::load(x + i + W));
        m2 = V::max(m2, V::load(x + i + 2 * W));
        m3 = V::max(m3, V::load(x + i + 3 * W));
    }
    for (; i + W <= n; i += W) m0 = V::max(m0, V::load(x + i));
    if (i < n) m1 = V::max(m1, V::load_partial_or(x + i, n - i, neg_inf));
    const float row_max = V::reduce_max(V::max(V::max(m0, m1), V::max(m2, m3)));
    const F mx = V::set1(row_max);

    F s0 = V::zero(), s1 = V::zero();
    i = 0;
    for (; i + 2 * W <= n; i += 2 * W) {
        const F e0 = Math::exp(V::sub(V::load(x + i), mx));
        const F e1 = Math::exp(V::sub(V::load(x + i + W), mx));
        if (!log_softmax) {
            V::store(y + i, e0);
            V::store(y + i + W, e1);
        }
        s0 = V::add(s0, e0);
        s1 = V::add(s1, e1);
    }
    for (; i + W <= n; i += W) {
        const F e = Math::exp(V::sub(V::load(x + i), mx));
        if (!log_softmax) V::store(y + i, e);
        s0 = V::add(s0, e);
    }
    if (i < n) {
        // Padding lanes hold -inf, whose exp adds nothing.
        const F e = Math::exp(V::sub(V::load_partial_or(x + i, n - i, neg_inf), mx));
        if (!log_softmax) V::store_partial(y + i, e, n - i);
        s1 = V::add(s1, e);
    }
    const float sum = V::reduce_add(V::add(s0, s1));

    if (log_softmax) {
        const F log_sum = Math::log(V::set1(sum));
        i = 0;
        for (; i + W <= n; i += W) V::store(y + i, V::sub(V::sub(V::load(x + i), mx), log_sum));
        if (i < n) V::store_partial(y + i, V::sub(V::sub(V::load_partial(x + i, n - i), mx), log_sum), n - i);
    } else {
        const F inv = V::set1(1.0f / sum);
        i = 0;
        for (; i + W <= n; i += W) V::store(y + i, V::mul(V::load(y + i), inv));
        if (i < n) V::store_partial(y + i, V::mul(V::load_partial(y + i, n - i), inv), n - i);
    }
}

// Softmax along the strided axis of [n, inner]: vectors run along inner, each
// column strip of up to W lanes makes three passes down the n rows.
template <class V>
void softmax_strided(size_t n, size_t inner, const float* x, float* y, bool log_softmax) {
    using Math = VectorMath<V>;
    using F = typename V::F;
    constexpr size_t W = V::kWidth;
    for (size_t c = 0; c < inner; c += W) {
        const size_t lanes = inner - c < W ? inner - c : W;
        auto load = [&](const float* p) { return lanes == W ? V::load(p) : V::load_partial(p, lanes); };
        auto store = [&](float* p, F v) {
            if (lanes == W)
                V::store(p, v);
            else
                V::store_partial(p, v, lanes);
        };
        F mx = load(x + c);
        for (size_t r = 1; r < n; ++r) mx = V::max(mx, load(x + r * inner + c));
        F sum = V::zero();
        for (size_t r = 0; r < n; ++r) {
            const F e = Math::exp(V::sub(load(x + r * inner + c), mx));
            if (!log_softmax) store(y + r * inner + c, e);
            sum = V::add(sum, e);
        }
        if (log_softmax) {
            const F log_sum = Math::log(sum);
            for (size_t r = 0; r < n; ++r)
                store(y + r * inner + c, V::sub(V::sub(load(x + r * inner + c), mx), log_sum));
        } else {
            const F inv = V::div(V::set1(1.0f), sum);
            for (size_t r = 0; r < n; ++r) store(y + r * inner + c, V::mul(load(y + r * inner + c), inv));
        }
    }
}

template <class V>
void softmax_kernel(size_t n, size_t inner, const float* x, float* y, bool log_softmax) {
    if (n == 0 || inner == 0) return;
    if (inner == 1)
        softmax_row<V>(n, x, y, log_softmax);
    else
        softmax_strided<V>(n, inner, x, y, log_softmax);
}

template <class V>
void layer_norm_kernel(size_t d, const float* x, float* y, const float* scale, const float* bias, float epsilon,
                       float* mean_out, float* inv_std_out) {
    using F = typename V::F;
    constexpr size_t W = V::kWidth;
    F s0 = V::zero(), s1 = V::zero();
    size_t i = 0;
    for (; i + 2 * W <= d; i += 2 * W) {
        s0 = V::add(s0, V::load(x + i));
        s1 = V::add(s1, V::load(x + i + W));
    }
    for (; i + W <= d; i += W) s0 = V::add(s0, V::load(x + i));
    if (i < d) s1 = V::add(s1, V::load_partial(x + i, d - i));
    const float mean = V::reduce_add(V::add(s0, s1)) / float(d);

    // Second pass over deviations, so a large common offset cannot cancel the
    // variance away; padding lanes hold the mean and contribute 0.
    const F mv = V::set1(mean);
    s0 = V::zero(), s1 = V::zero();
    i = 0;
    for (; i + 2 * W <= d; i += 2 * W) {
        const F d0 = V::sub(V::load(x + i), mv), d1 = V::sub(V::load(x + i + W), mv);
        s0 = V::fmadd(d0, d0, s0);
        s1 = V::fmadd(d1, d1, s1);
    }
    for (; i + W <= d; i += W) {
        const F d0 = V::sub(V::load(x + i), mv);
        s0 = V::fmadd(d0, d0, s0);
    }
    if (i < d) {
        const F d1 = V::sub(V::load_partial_or(x + i, d - i, mv), mv);
        s1 = V::fmadd(d1, d1, s1);
    }
    const float var = V::reduce_add(V::add(s0, s1)) / float(d);
    const F inv_std = V::div(V::set1(1.0f), V::sqrt(V::set1(var + epsilon)));

    i = 0;
    for (; i + W <= d; i += W) {
        const F nrm = V::mul(V::sub(V::load(x + i), mv), inv_std);
        V::store(y + i, bias ? V::fmadd(nrm, V::load(scale + i), V::load(bias + i)) : V::mul(nrm, V::load(scale + i)));
    }
    if (i < d) {
        const size_t r = d - i;
        const F nrm = V::mul(V::sub(V::load_partial(x + i, r), mv), inv_std);
        const F s = V::load_partial(scale + i, r);
        V::store_partial(y + i, bias ? V::fmadd(nrm, s, V::load_partial(bias + i, r)) : V::mul(nrm, s), r);
    }
    if (mean_out) *mean_out = mean;
    if (inv_std_out) *inv_std_out = V::first(inv_std);
}

// ---- resampling rows --------------------------------------------------------

// y[i] = src[index[i]]: a nearest-neighbour row.
template <class V>
void gather_kernel(size_t n, const float* src, const int32_t* index, float* y) {
    constexpr size_t W = V::kWidth;
    size_t i = 0;
    for (; i + W <= n; i += W) V::store(y + i, V::gather(src, index + i));
    if (i < n) V::store_partial(y + i, V::gather_partial(src, index + i, n - i), n - i);
}

// y[i] = a[i] * wa + b[i] * wb: two input rows blended for one output row.
template <class V>
void blend_kernel(size_t n, const float* a, float wa, const float* b, float wb, float* y) {
    constexpr size_t W = V::kWidth;
    const auto va = V::set1(wa), vb = V::set1(wb);
    size_t i = 0;
    for (; i + W <= n; i += W) V::store(y + i, V::fmadd(V::load(b + i), vb, V::mul(V::load(a + i), va)));
    if (i < n) {
        const size_t r = n - i;
        V::store_partial(y + i, V::fmadd(V::load_partial(b + i, r), vb, V::mul(V::load_partial(a + i, r), va)), r);
    }
}

// y[i] = src[i0[i]] * w0[i] + src[i1[i]] * w1[i]: a linear row from its taps.
template <class V>
void gather_blend_kernel(size_t n, const float* src, const int32_t* i0, const float* w0, const int32_t* i1,
                         const float* w1, float* y) {
    constexpr size_t W = V::kWidth;
    size_t i = 0;
    for (; i + W <= n; i += W)
        V::store(y + i,
                 V::fmadd(V::gather(src, i1 + i), V::load(w1 + i), V::mul(V::gather(src, i0 + i), V::load(w0 + i))));
    if (i < n) {
        const size_t r = n - i;
        V::store_partial(y + i,
                         V::fmadd(V::gather_partial(src, i1 + i, r), V::load_partial(w1 + i, r),
                                  V::mul(V::gather_partial(src, i0 + i, r), V::load_partial(w0 + i, r))),
                         r);
    }
}

// ---- transpose --------------------------------------------------------------

// out[c * out_stride + r] = in[r * in_stride + c]. Elements are 4-byte bit
// patterns of any type, moved without arithmetic. Work goes in 8x8 blocks
// (the wrapper's register transpose when it has one), down strips of up to
// 64 rows so the strip's input lines are still in L1 for the next 8 columns.
template <class V>
void transpose_4b_kernel(size_t rows, size_t cols, const void* in_bytes, size_t in_stride, void* out_bytes,
                         size_t out_stride) {
    constexpr size_t kStripRows = 64;
    const float* in = static_cast<const float*>(in_bytes);
    float* out = static_cast<float*>(out_bytes);
    for (size_t r0 = 0; r0 < rows; r0 += kStripRows) {
        const size_t r1 = rows - r0 < kStripRows ? rows : r0 + kStripRows;
        for (size_t c = 0; c < cols; c += 8) {
            const size_t nc = cols - c < 8 ? cols - c : 8;
            for (size_t r = r0; r < r1; r += 8) {
                const size_t nr = r1 - r < 8 ? r1 - r : 8;
                const float* src = in + r * in_stride + c;
                float* dst = out + c * out_stride + r;
                if constexpr (requires { &V::transpose8x8; }) {
                    if (nr == 8 && nc == 8) {
                        V::transpose8x8(src, in_stride, dst, out_stride);
                        continue;
                    }
                    // Masked blocks pay for all eight lanes; a sliver (an RGB
                    // image's three planes) moves faster element by element.
                    if (nr >= 4 && nc >= 4) {
                        V::transpose8x8(src, in_stride, dst, out_stride, nr, nc);
                        continue;
                    }
                }
                for (size_t j = 0; j < nc; ++j)
                    for (size_t i = 0; i < nr; ++i)
                        std::memcpy(dst + j * out_stride + i, src + i * in_stride + j, sizeof(float));
            }
        }
    }
}

// ---- the table --------------------------------------------------------------

template <class V>
void fill_vector_table(VectorKernels& t) {
    t.abs = &unary_kernel<V, AbsOp>;
    t.neg = &unary_kernel<V, NegOp>;
    t.relu = &unary_kernel<V, ReluOp>;
    t.leaky_relu = &unary_kernel<V, LeakyReluOp>;
    t.clip = &unary_kernel<V, ClipOp>;
    t.hard_sigmoid = &unary_kernel<V, HardSigmoidOp>;
    t.sqrt = &unary_kernel<V, SqrtOp>;
    t.reciprocal = &unary_kernel<V, ReciprocalOp>;
    t.floor = &unary_kernel<V, FloorOp>;
    t.ceil = &unary_kernel<V, CeilOp>;
    t.softsign = &unary_kernel<V, SoftsignOp>;
    t.exp = &unary_kernel<V, ExpOp>;
    t.log = &unary_kernel<V, LogOp>;
    t.sigmoid = &unary_kernel<V, SigmoidOp>;
    t.tanh = &unary_kernel<V, TanhOp>;
    t.erf = &unary_kernel<V, ErfOp>;
    t.gelu = &unary_kernel<V, GeluOp>;
    t.silu = &unary_kernel<V, SiluOp>;
    t.softplus = &unary_kernel<V, SoftplusOp>;
    t.hard_swish = &unary_kernel<V, HardSwishOp>;
    t.elu = &unary_kernel<V, EluOp>;
    t.selu = &unary_kernel<V, SeluOp>;
    t.celu = &unary_kernel<V, CeluOp>;
    t.add = binary_entry<V, AddOp>();
    t.sub = binary_entry<V, SubOp>();
    t.mul = binary_entry<V, MulOp>();
    t.div = binary_entry<V, DivOp>();
    t.max = binary_entry<V, MaxOp>();
    t.min = binary_entry<V, MinOp>();
    t.affine = &affine_kernel<V>;
    t.affine_vec = &affine_vec_kernel<V>;
    t.softmax = &softmax_kernel<V>;
    t.layer_norm = &layer_norm_kernel<V>;
    t.transpose_4b = &transpose_4b_kernel<V>;
    t.gather = &gather_kernel<V>;
    t.blend = &blend_kernel<V>;
    t.gather_blend = &gather_blend_kernel<V>;
}
