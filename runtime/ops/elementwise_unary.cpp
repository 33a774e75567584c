// vireo — unary elementwise ops: math, activations, IsNaN/IsInf/Not, Clip.
//
// Each op is a small kernel struct (one scalar function plus its attributes)
// plugged into UnaryOp, which owns validation, type dispatch and the parallel
// contiguous loop. Opset history for this group is mostly additive (new types,
// removal of the v1 `consumed_inputs` attribute, which is simply ignored); the
// real semantic change is Clip's bounds moving from attributes to inputs at 11.
//
// float32 tensors take the session's vector kernels (kernels/f32-vector) for
// every kernel that names one in kVector; the scalar kernels below stay the
// reference and handle the other types.
#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <type_traits>

#include "kernels/f32-vector/vector.hpp"
#include "runtime/ops/op.hpp"
#include "runtime/ops/util.hpp"

namespace vireo::rt {

namespace {

constexpr int64_t kElementGrain = 1 << 14;

// Which element types a kernel accepts.
enum class Types { Float, Signed, Numeric, Bool };

// Bool tensors are read and written through their one-byte storage.
template <class T> using storage_t = std::conditional_t<std::is_same_v<T, bool>, uint8_t, T>;

// Compile-time selection, so a kernel is only instantiated for types it accepts.
template <Types kSet, class F>
void dispatch_set(DType t, const char* op, F&& f) {
    if constexpr (kSet == Types::Float)
        dispatch_types<VIREO_FLOAT_TYPES>(t, op, f);
    else if constexpr (kSet == Types::Signed)
        dispatch_types<VIREO_FLOAT_TYPES, int64_t, int32_t, int16_t, int8_t>(t, op, f);
    else if constexpr (kSet == Types::Numeric)
        dispatch_types<VIREO_NUMERIC_TYPES>(t, op, f);
    else
        dispatch_types<bool>(t, op, f);
}

// Two's-complement negation without signed-overflow UB (-INT_MIN wraps to INT_MIN).
template <class T>
T wrapping_neg(T x) {
    if constexpr (std::is_integral_v<T>) {
        using U = std::conditional_t<(sizeof(T) < sizeof(unsigned)), unsigned, std::make_unsigned_t<T>>;
        return T(U(0) - U(x));
    } else {
        return -x;
    }
}

void check_single_input(const NodeDef& n) {
    check(n.num_inputs() == 1 && n.has_input(0), n.op_type, ": expects exactly 1 input, got ",
          n.num_inputs());
    check(n.num_outputs() >= 1, n.op_type, ": expects 1 output");
}

// ---- kernels --------------------------------------------------------------

using kernels::VectorKernels;

// abs(-0) is +0 on the vector path (IEEE fabs) and -0 here; they compare equal.
struct AbsKernel {
    static constexpr Types kTypes = Types::Numeric;
    static constexpr auto kVector = &VectorKernels::abs;
    template <class T> T operator()(T x) const {
        if constexpr (std::is_unsigned_v<T>) return x;
        else return x < T(0) ? wrapping_neg(x) : x;
    }
};
struct NegKernel {
    static constexpr Types kTypes = Types::Signed;
    static constexpr auto kVector = &VectorKernels::neg;
    template <class T> T operator()(T x) const { return wrapping_neg(x); }
};
struct SignKernel {
    static constexpr Types kTypes = Types::Numeric;
    // Zero and NaN map to themselves, as numpy.sign does.
    template <class T> T operator()(T x) const { return x > T(0) ? T(1) : x < T(0) ? T(-1) : x; }
};
struct ReluKernel {
    static constexpr Types kTypes = Types::Signed;
    static constexpr auto kVector = &VectorKernels::relu;
    template <class T> T operator()(T x) const { return x > T(0) ? x : T(0); }
};

#define VIREO_FLOAT_UNARY(Name, expr)                              \
    struct Name##Kernel {                                          \
        static constexpr Types kTypes = Types::Float;              \
        template <class T> T operator()(T x) const { return expr; } \
    };
// The same with a float32 vector kernel.
#define VIREO_FLOAT_UNARY_VECTOR(Name, expr, entry)                \
    struct Name##Kernel {                                          \
        static constexpr Types kTypes = Types::Float;              \
        static constexpr auto kVector = &VectorKernels::entry;     \
        template <class T> T operator()(T x) const { return expr; } \
    };
VIREO_FLOAT_UNARY_VECTOR(Exp, std::exp(x), exp)
VIREO_FLOAT_UNARY_VECTOR(Log, std::log(x), log)
VIREO_FLOAT_UNARY_VECTOR(Sqrt, std::sqrt(x), sqrt)
VIREO_FLOAT_UNARY_VECTOR(Reciprocal, T(1) / x, reciprocal)
VIREO_FLOAT_UNARY_VECTOR(Floor, std::floor(x), floor)
VIREO_FLOAT_UNARY_VECTOR(Ceil, std::ceil(x), ceil)
VIREO_FLOAT_UNARY(Round, std::nearbyint(x))  // default FP environment: ties to even
VIREO_FLOAT_UNARY_VECTOR(Erf, std::erf(x), erf)
VIREO_FLOAT_UNARY(Sin, std::sin(x))
VIREO_FLOAT_UNARY(Cos, std::cos(x))
VIREO_FLOAT_UNARY(Tan, std::tan(x))
VIREO_FLOAT_UNARY(Asin, std::asin(x))
VIREO_FLOAT_UNARY(Acos, std::acos(x))
VIREO_FLOAT_UNARY(Atan, std::atan(x))
VIREO_FLOAT_UNARY(Sinh, std::sinh(x))
VIREO_FLOAT_UNARY(Cosh, std::cosh(x))
VIREO_FLOAT_UNARY(Asinh, std::asinh(x))
VIREO_FLOAT_UNARY(Acosh, std::acosh(x))
VIREO_FLOAT_UNARY(Atanh, std::atanh(x))
VIREO_FLOAT_UNARY_VECTOR(Tanh, std::tanh(x), tanh)
// Split at 0 so exp never overflows: large |x| saturates cleanly to 0 or 1.
VIREO_FLOAT_UNARY_VECTOR(Sigmoid, x >= T(0) ? T(1) / (T(1) + std::exp(-x)) : std::exp(x) / (T(1) + std::exp(x)),
                         sigmoid)
// log(1 + e^x) written so neither branch overflows for large |x|.
VIREO_FLOAT_UNARY_VECTOR(Softplus, x > T(0) ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x)), softplus)
VIREO_FLOAT_UNARY_VECTOR(Softsign, x / (T(1) + std::abs(x)), softsign)
VIREO_FLOAT_UNARY_VECTOR(HardSwish, x * std::max(T(0), std::min(T(1), x / T(6) + T(0.5))), hard_swish)
#undef VIREO_FLOAT_UNARY_VECTOR
#undef VIREO_FLOAT_UNARY

struct LeakyReluKernel {
    static constexpr Types kTypes = Types::Float;
    static constexpr auto kVector = &VectorKernels::leaky_relu;
    float alpha;
    explicit LeakyReluKernel(const NodeDef& n) : alpha(n.get_float("alpha", 0.01f)) {}
    kernels::UnaryParams vector_params() const { return {alpha, 0.0f}; }
    template <class T> T operator()(T x) const { return x < T(0) ? T(alpha) * x : x; }
};
struct EluKernel {
    static constexpr Types kTypes = Types::Float;
    static constexpr auto kVector = &VectorKernels::elu;
    float alpha;
    explicit EluKernel(const NodeDef& n) : alpha(n.get_float("alpha", 1.0f)) {}
    kernels::UnaryParams vector_params() const { return {alpha, 0.0f}; }
    template <class T> T operator()(T x) const { return x < T(0) ? T(alpha) * std::expm1(x) : x; }
};
struct SeluKernel {
    static constexpr Types kTypes = Types::Float;
    static constexpr auto kVector = &VectorKernels::selu;
    float alpha, gamma;
    explicit SeluKernel(const NodeDef& n)
        : alpha(n.get_float("alpha", 1.67326319217681884765625f)),
          gamma(n.get_float("gamma", 1.05070102214813232421875f)) {}
    kernels::UnaryParams vector_params() const { return {alpha, gamma}; }
    template <class T> T operator()(T x) const {
        return T(gamma) * (x > T(0) ? x : T(alpha) * std::expm1(x));
    }
};
struct CeluKernel {
    static constexpr Types kTypes = Types::Float;
    static constexpr auto kVector = &VectorKernels::celu;
    float alpha;
    explicit CeluKernel(const NodeDef& n) : alpha(n.get_float("alpha", 1.0f)) {
        check(alpha != 0.0f && std::isfinite(alpha), "Celu: alpha must be finite and nonzero");
    }
    kernels::UnaryParams vector_params() const { return {alpha, 0.0f}; }
    template <class T> T operator()(T x) const {
        return x > T(0) ? x : T(alpha) * std::expm1(x / T(alpha));
    }
};
struct HardSigmoidKernel {
    static constexpr Types kTypes = Types::Float;
    static constexpr auto kVector = &VectorKernels::hard_sigmoid;
    float alpha, beta;
    explicit HardSigmoidKernel(const NodeDef& n)
        : alpha(n.get_float("alpha", 0.2f)), beta(n.get_float("beta", 0.5f)) {}
    kernels::UnaryParams vector_params() const { return {alpha, beta}; }
    template <class T> T operator()(T x) const {
        return std::max(T(0), std::min(T(1), T(alpha) * x + T(beta)));
    }
};
struct ThresholdedReluKernel {
    static constexpr Types kTypes = Types::Float;
    float alpha;
    explicit ThresholdedReluKernel(const NodeDef& n) : alpha(n.get_float("alpha", 1.0f)) {}
    template <class T> T operator()(T x) const { return x > T(alpha) ? x : T(0); }
};
struct ShrinkKernel {
    static constexpr Types kTypes = Types::Numeric;
    float lambd, bias;
    explicit ShrinkKernel(const NodeDef& n) : lambd(n.get_float("lambd", 0.5f)), bias(n.get_float("bias", 0.0f)) {}
    template <class T> T operator()(T x) const {
        // Integer inputs compare and shift in double so a fractional lambd/bias
        // behaves as the spec's real-valued formula, then truncate back.
        using C = std::conditional_t<std::is_floating_point_v<T>, T, double>;
        const C v = C(x);
        if (v < -C(lambd)) return T(v + C(bias));
        if (v > C(lambd)) return T(v - C(bias));
        return T(0);
    }
};

struct IsNaNKernel {
    static constexpr Types kTypes = Types::Float;
    static constexpr bool kBoolOutput = true;
    template <class T> uint8_t operator()(T x) const { return x != x; }
};
struct IsInfKernel {
    static constexpr Types kTypes = Types::Float;
    static constexpr bool kBoolOutput = true;
    bool positive, negative;
    explicit IsInfKernel(const NodeDef& n)
        : positive(n.get_int("detect_positive", 1) != 0), negative(n.get_int("detect_negative", 1) != 0) {}
    template <class T> uint8_t operator()(T x) const {
        constexpr T inf = std::numeric_limits<T>::infinity();
        return (positive && x == inf) || (negative && x == -inf);
    }
};
struct NotKernel {
    static constexpr Types kTypes = Types::Bool;
    uint8_t operator()(uint8_t x) const { return x == 0; }
};

template <class K> constexpr bool bool_output() {
    if constexpr (requires { K::kBoolOutput; }) return K::kBoolOutput;
    else return false;
}

template <class K> kernels::UnaryParams vector_params(const K& kernel) {
    if constexpr (requires { kernel.vector_params(); }) return kernel.vector_params();
    else return {};
}

// y = f(x) over a float32 tensor with one of the session's vector kernels.
void run_vector_unary(const RunContext& ctx, kernels::UnaryKernel fn, const kernels::UnaryParams& params,
                      const float* in, float* out, int64_t n) {
    ctx.parallel_for(n, kElementGrain, [&](int64_t begin, int64_t end) {
        fn(size_t(end - begin), in + begin, out + begin, params);
    });
}

// ---- the op ---------------------------------------------------------------

template <class K>
class UnaryOp final : public Op {
public:
    explicit UnaryOp(const NodeDef& n) : op_(n.op_type), kernel_(make_kernel(n)) { check_single_input(n); }

    bool infer(InferContext& ctx) const override {
        const DType t = ctx.dtype(0);
        dispatch_set<K::kTypes>(t, op_.c_str(), [](auto) {});
        ctx.set_output(0, bool_output<K>() ? DType::Bool : t, ctx.shape(0));
        return true;
    }

    void run(RunContext& ctx) const override {
        const Tensor& x = ctx.input(0);
        Tensor& y = ctx.output(0);
        if constexpr (requires { K::kVector; }) {
            if (x.dtype() == DType::Float32) {
                if (x.numel() > 0)
                    run_vector_unary(ctx, ctx.kernels().vector.*K::kVector, vector_params(kernel_), x.data<float>(),
                                     y.data<float>(), x.numel());
                return;
            }
        }
        dispatch_set<K::kTypes>(x.dtype(), op_.c_str(), [&](auto tag) {
            using T = storage_t<typename decltype(tag)::type>;
            using O = std::conditional_t<bool_output<K>(), uint8_t, T>;
            const T* in = x.data<T>();
            O* out = y.data<O>();
            const K& kernel = kernel_;
            if (x.numel() == 0) return;
            ctx.parallel_for(x.numel(), kElementGrain, [&](int64_t begin, int64_t end) {
                for (int64_t i = begin; i < end; ++i) out[i] = kernel(in[i]);
            });
        });
    }

private:
    static K make_kernel(const NodeDef& n) {
        if constexpr (std::is_constructible_v<K, const NodeDef&>) return K(n);
        else return K{};
    }
    std::string op_;
    K kernel_;
};

// ---- Clip -----------------------------------------------------------------

// y = min(max(x, lo), hi). Before opset 11 the bounds are float attributes;
// from 11 they are optional scalar inputs of x's type (integer types from 12,
// accepted at 11 too). With lo > hi every element becomes hi, as the spec says.
class ClipOp final : public Op {
public:
    explicit ClipOp(const NodeDef& n) : attribute_bounds_(n.opset < 11) {
        check(n.num_outputs() >= 1, "Clip: expects 1 output");
        if (attribute_bounds_) {
            check(n.num_inputs() == 1 && n.has_input(0), "Clip: expects exactly 1 input before opset 11, got ",
                  n.num_inputs());
            if (n.has("min")) min_attr_ = n.get_float("min", 0.0f);
            if (n.has("max")) max_attr_ = n.get_float("max", 0.0f);
            check(!(min_attr_ && std::isnan(*min_attr_)) && !(max_attr_ && std::isnan(*max_attr_)),
                  "Clip: min and max must not be NaN");
        } else {
            check(n.num_inputs() >= 1 && n.num_inputs() <= 3 && n.has_input(0),
                  "Clip: expects 1 to 3 inputs (input, min, max), got ", n.num_inputs());
        }
    }

    bool infer(InferContext& ctx) const override {
        const DType t = ctx.dtype(0);
        if (attribute_bounds_)
            dispatch_types<VIREO_FLOAT_TYPES>(t, "Clip", [](auto) {});
        else
            dispatch_types<VIREO_NUMERIC_TYPES>(t, "Clip", [](auto) {});
        for (size_t i = 1; i < ctx.num_inputs(); ++i) {
            if (!ctx.has_input(i)) continue;
            const char* which = i == 1 ? "min" : "max";
            check(ctx.dtype(i) == t, "Clip: ", which, " has type ", dtype_name(ctx.dtype(i)), " but input is ",
                  dtype_name(t));
            int64_t n = 1;
            for (int64_t d : ctx.shape(i)) n *= d;
            check(n == 1 && ctx.shape(i).size() <= 1, "Clip: ", which, " must be a scalar, got shape ",
                  shape_str(ctx.shape(i)));
        }
        ctx.set_output(0, t, ctx.shape(0));
        return true;
    }

    void run(RunContext& ctx) const override {
        const Tensor& x = ctx.input(0);
        Tensor& y = ctx.output(0);
        dispatch_types<VIREO_NUMERIC_TYPES>(x.dtype(), "Clip", [&](auto tag) {
            using T = typename decltype(tag)::type;
            T lo = std::numeric_limits<T>::lowest(), hi = std::numeric_limits<T>::max();
            if (attribute_bounds_) {
                if (min_attr_) lo = T(*min_attr_);
                if (max_attr_) hi = T(*max_attr_);
            } else {
                if (ctx.num_inputs() > 1 && ctx.has_input(1)) lo = ctx.input(1).data<T>()[0];
                if (ctx.num_inputs() > 2 && ctx.has_input(2)) hi = ctx.input(2).data<T>()[0];
            }
            const T* in = x.data<T>();
            T* out = y.data<T>();
            if (x.numel() == 0) return;
            if constexpr (std::is_same_v<T, float>) {
                // The vector kernel computes min(max(x, lo), hi) the same way, bit for bit.
                run_vector_unary(ctx, ctx.kernels().vector.clip, {lo, hi}, in, out, x.numel());
                return;
            }
            // std::max/std::min in this order pass NaN inputs through unchanged.
            ctx.parallel_for(x.numel(), kElementGrain, [&](int64_t begin, int64_t end) {
                for (int64_t i = begin; i < end; ++i) out[i] = std::min(std::max(in[i], lo), hi);
            });
        });
    }

private:
    bool attribute_bounds_;
    std::optional<float> min_attr_, max_attr_;
};

template <class OpT>
std::unique_ptr<Op> make(const NodeDef& n) {
    return std::make_unique<OpT>(n);
}

}  // namespace

void register_elementwise_unary_ops(OpRegistry& reg) {
    reg.add("Abs", &make<UnaryOp<AbsKernel>>);
    reg.add("Neg", &make<UnaryOp<NegKernel>>);
    reg.add("Sign", &make<UnaryOp<SignKernel>>, 9);
    reg.add("Relu", &make<UnaryOp<ReluKernel>>);
    reg.add("Exp", &make<UnaryOp<ExpKernel>>);
    reg.add("Log", &make<UnaryOp<LogKernel>>);
    reg.add("Sqrt", &make<UnaryOp<SqrtKernel>>);
    reg.add("Reciprocal", &make<UnaryOp<ReciprocalKernel>>);
    reg.add("Floor", &make<UnaryOp<FloorKernel>>);
    reg.add("Ceil", &make<UnaryOp<CeilKernel>>);
    reg.add("Round", &make<UnaryOp<RoundKernel>>, 11);
    reg.add("Erf", &make<UnaryOp<ErfKernel>>, 9);
    reg.add("Sin", &make<UnaryOp<SinKernel>>, 7);
    reg.add("Cos", &make<UnaryOp<CosKernel>>, 7);
    reg.add("Tan", &make<UnaryOp<TanKernel>>, 7);
    reg.add("Asin", &make<UnaryOp<AsinKernel>>, 7);
    reg.add("Acos", &make<UnaryOp<AcosKernel>>, 7);
    reg.add("Atan", &make<UnaryOp<AtanKernel>>, 7);
    reg.add("Sinh", &make<UnaryOp<SinhKernel>>, 9);
    reg.add("Cosh", &make<UnaryOp<CoshKernel>>, 9);
    reg.add("Asinh", &make<UnaryOp<AsinhKernel>>, 9);
    reg.add("Acosh", &make<UnaryOp<AcoshKernel>>, 9);
    reg.add("Atanh", &make<UnaryOp<AtanhKernel>>, 9);
    reg.add("Tanh", &make<UnaryOp<TanhKernel>>);
    reg.add("Sigmoid", &make<UnaryOp<SigmoidKernel>>);
    reg.add("Softplus", &make<UnaryOp<SoftplusKernel>>);
    reg.add("Softsign", &make<UnaryOp<SoftsignKernel>>);
    reg.add("HardSwish", &make<UnaryOp<HardSwishKernel>>, 14);
    reg.add("LeakyRelu", &make<UnaryOp<LeakyReluKernel>>);
    reg.add("Elu", &make<UnaryOp<EluKernel>>);
    reg.add("Selu", &make<UnaryOp<SeluKernel>>);
    reg.add("Celu", &make<UnaryOp<CeluKernel>>, 12);
    reg.add("HardSigmoid", &make<UnaryOp<HardSigmoidKernel>>);
    reg.add("ThresholdedRelu", &make<UnaryOp<ThresholdedReluKernel>>, 10);
    reg.add("Shrink", &make<UnaryOp<ShrinkKernel>>, 9);
    reg.add("IsNaN", &make<UnaryOp<IsNaNKernel>>, 9);
    reg.add("IsInf", &make<UnaryOp<IsInfKernel>>, 10);
    reg.add("Not", &make<UnaryOp<NotKernel>>);
    reg.add("Clip", &make<ClipOp>);
}

}  // namespace vireo::rt
