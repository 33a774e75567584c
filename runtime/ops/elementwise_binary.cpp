// vireo — elementwise ops over two or more broadcast inputs: arithmetic, Pow,
// Mod, comparisons, logic, PRelu, the variadic Max/Min/Sum/Mean, and Where.
//
// All of them iterate through ref::BroadcastLayout (kernels/ref/elementwise_broadcast.hpp).
// The opset history that changes behaviour:
//  * before opset 7 the binary ops broadcast only B onto A, and only when the
//    `broadcast` attribute is 1, optionally anchored at `axis` (see legacy_b_shape);
//  * before opset 8 Max/Min/Sum/Mean require identical input shapes;
//  * before opset 7 PRelu's slope is a scalar or a per-channel vector;
//  * Pow takes an exponent of a different numeric type (formally from opset 12).
//
// float32 arithmetic (Add, Sub, Mul, Div, Max, Min, Sum, Mean, Pow by 2, PRelu
// with a per-run slope) runs each contiguous run of the broadcast layout
// through the session's vector kernels; they give the same bits as the scalar
// kernels here, which stay the reference and serve the other types.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <optional>
#include <string>
#include <type_traits>

#include "kernels/f32-vector/vector.hpp"
#include "kernels/ref/elementwise_broadcast.hpp"
#include "kernels/ref/elementwise_convert.hpp"
#include "runtime/ops/op.hpp"
#include "runtime/ops/util.hpp"

namespace vireo::rt {

namespace {

constexpr int64_t kElementGrain = 1 << 14;

enum class Types { Float, Numeric, NumericOrBool, Bool };

template <class T> using storage_t = std::conditional_t<std::is_same_v<T, bool>, uint8_t, T>;

// Compile-time selection, so a kernel is only instantiated for types it accepts.
template <Types kSet, class F>
void dispatch_set(DType t, const char* op, F&& f) {
    if constexpr (kSet == Types::Float)
        dispatch_types<VIREO_FLOAT_TYPES>(t, op, f);
    else if constexpr (kSet == Types::Numeric)
        dispatch_types<VIREO_NUMERIC_TYPES>(t, op, f);
    else if constexpr (kSet == Types::NumericOrBool)
        dispatch_types<VIREO_ALL_TYPES>(t, op, f);
    else
        dispatch_types<bool>(t, op, f);
}

// Integer arithmetic wraps (two's complement) instead of hitting signed-overflow
// UB. Narrow types are widened to `unsigned` first so that, e.g., uint16 * uint16
// does not overflow the `int` it would otherwise be promoted to.
template <class T>
using wrap_t = std::conditional_t<(sizeof(T) < sizeof(unsigned)), unsigned, std::make_unsigned_t<T>>;

template <class T> T wrapping_add(T a, T b) {
    if constexpr (std::is_integral_v<T>) return T(wrap_t<T>(a) + wrap_t<T>(b));
    else return a + b;
}
template <class T> T wrapping_sub(T a, T b) {
    if constexpr (std::is_integral_v<T>) return T(wrap_t<T>(a) - wrap_t<T>(b));
    else return a - b;
}
template <class T> T wrapping_mul(T a, T b) {
    if constexpr (std::is_integral_v<T>) return T(wrap_t<T>(a) * wrap_t<T>(b));
    else return a * b;
}

template <class F>
void parallel_elements(const RunContext& ctx, int64_t n, const F& f) {
    if (n > 0) ctx.parallel_for(n, kElementGrain, f);
}

// out = f(a, b) with a and b already right-aligned to out's shape.
template <class A, class B, class O, class F>
void run_broadcast(const RunContext& ctx, const Shape& a_shape, const A* a, const Shape& b_shape, const B* b,
                   const Shape& out_shape, O* out, const F& f) {
    const auto layout = ref::make_broadcast_layout<2>(out_shape, {a_shape, b_shape});
    parallel_elements(ctx, layout.numel, [&](int64_t begin, int64_t end) {
        ref::binary_broadcast(layout, a, b, out, begin, end, f);
    });
}

// Output elements [begin, end) of out = a op b for float32 under a two-input
// layout: every run is vector-vector, vector-scalar or scalar-vector (a run
// with both operands broadcast is one value, filled).
void vector_broadcast(const ref::BroadcastLayout<2>& layout, const float* a, const float* b, float* out,
                      int64_t begin, int64_t end, const kernels::BinaryKernel& k) {
    auto run = [&](const float* pa, int64_t step_a, const float* pb, int64_t step_b, float* po, int64_t n) {
        if (step_a && step_b) {
            k.vv(size_t(n), pa, pb, po);
        } else if (step_a) {
            k.vs(size_t(n), pa, *pb, po);
        } else if (step_b) {
            k.sv(size_t(n), *pa, pb, po);
        } else {
            float v;
            k.vs(1, pa, *pb, &v);
            std::fill(po, po + n, v);
        }
    };
    if (layout.dims.size() == 2) {
        // [rows, inner] (a bias over channels-last rows, or over NCHW planes
        // with the batch merged away): short runs are common, so skip the
        // general odometer and step the two offsets directly.
        const int64_t inner = layout.dims[1];
        const int64_t sa = layout.strides[0][0], sb = layout.strides[1][0];
        const int64_t ia = layout.strides[0][1], ib = layout.strides[1][1];
        int64_t pos = begin % inner;
        const float* pa = a + begin / inner * sa + pos * ia;
        const float* pb = b + begin / inner * sb + pos * ib;
        for (int64_t o = begin; o < end;) {
            const int64_t n = std::min(inner - pos, end - o);
            run(pa, ia, pb, ib, out + o, n);
            o += n;
            // On to the start of the next row.
            pa += sa - pos * ia;
            pb += sb - pos * ib;
            pos = 0;
        }
        return;
    }
    ref::for_each_broadcast_run(layout, begin, end, [&](const auto& off, const auto& step, int64_t o, int64_t n) {
        run(a + off[0], step[0], b + off[1], step[1], out + o, n);
    });
}

// ---- shapes ---------------------------------------------------------------

// How a binary op broadcasts, decided by the model's opset.
struct BroadcastRule {
    bool legacy = false;     // opset < 7: B onto A only
    bool enabled = false;    // legacy `broadcast` attribute
    std::optional<int64_t> axis;

    static BroadcastRule from(const NodeDef& n) {
        BroadcastRule r;
        r.legacy = n.opset < 7;
        if (r.legacy) {
            r.enabled = n.get_int("broadcast", 0) != 0;
            if (n.has("axis")) r.axis = n.get_int("axis", 0);
        }
        return r;
    }
};

struct BinaryShapes {
    Shape a, b;  // right-aligned against out
    Shape out;
};

// Opset < 7 broadcasting: B is either a one-element tensor or its shape is a
// contiguous run of A's dims starting at `axis` (suffix-aligned when no axis is
// given). Returns B's shape padded with trailing 1s so ordinary right-aligned
// broadcasting reproduces that placement. A dim of 1 in B is accepted too.
Shape legacy_b_shape(const Shape& a, const Shape& b, const BroadcastRule& rule, const char* op) {
    if (!rule.enabled) {
        check(a == b, op, ": shapes ", shape_str(a), " and ", shape_str(b),
              " differ and the `broadcast` attribute is not set (opset < 7)");
        return b;
    }
    if (checked_numel(b) == 1) return Shape{};
    const int64_t rank_a = int64_t(a.size()), rank_b = int64_t(b.size());
    check(rank_b <= rank_a, op, ": B ", shape_str(b), " has higher rank than A ", shape_str(a));
    int64_t start = rank_a - rank_b;
    if (rule.axis) {
        start = *rule.axis < 0 ? *rule.axis + rank_a : *rule.axis;
        check(start >= 0 && start + rank_b <= rank_a, op, ": axis ", *rule.axis, " cannot place B ",
              shape_str(b), " inside A ", shape_str(a));
    }
    for (int64_t i = 0; i < rank_b; ++i)
        check(b[i] == a[start + i] || b[i] == 1, op, ": B ", shape_str(b), " does not match A ", shape_str(a),
              " at axis ", start);
    Shape aligned = b;
    aligned.resize(size_t(rank_a - start), 1);
    return aligned;
}

BinaryShapes binary_shapes(const Shape& a, const Shape& b, const BroadcastRule& rule, const char* op) {
    if (rule.legacy) return {a, legacy_b_shape(a, b, rule, op), a};
    return {a, b, broadcast_shapes(a, b, op)};
}

void check_binary_arity(const NodeDef& n) {
    check(n.num_inputs() == 2 && n.has_input(0) && n.has_input(1), n.op_type, ": expects exactly 2 inputs, got ",
          n.num_inputs());
    check(n.num_outputs() >= 1, n.op_type, ": expects 1 output");
}

// ---- binary kernels ---------------------------------------------------------

struct AddKernel {
    static constexpr Types kTypes = Types::Numeric;
    static constexpr auto kVector = &kernels::VectorKernels::add;
    template <class T> T operator()(T a, T b) const { return wrapping_add(a, b); }
};
struct SubKernel {
    static constexpr Types kTypes = Types::Numeric;
    static constexpr auto kVector = &kernels::VectorKernels::sub;
    template <class T> T operator()(T a, T b) const { return wrapping_sub(a, b); }
};
struct MulKernel {
    static constexpr Types kTypes = Types::Numeric;
    static constexpr auto kVector = &kernels::VectorKernels::mul;
    template <class T> T operator()(T a, T b) const { return wrapping_mul(a, b); }
};
struct DivKernel {
    static constexpr Types kTypes = Types::Numeric;
    static constexpr auto kVector = &kernels::VectorKernels::div;
    // Integers truncate toward zero (C, ONNX Runtime). Division by zero yields 0
    // and INT_MIN / -1 wraps to INT_MIN, so no input can trap.
    template <class T> T operator()(T a, T b) const {
        if constexpr (std::is_floating_point_v<T>) {
            return a / b;
        } else {
            if (b == T(0)) return T(0);
            if constexpr (std::is_signed_v<T>)
                if (b == T(-1)) return wrapping_sub(T(0), a);
            return T(a / b);
        }
    }
};
struct ModKernel {
    static constexpr Types kTypes = Types::Numeric;
    bool fmod;
    explicit ModKernel(const NodeDef& n) : fmod(n.get_int("fmod", 0) != 0) {
        const int64_t v = n.get_int("fmod", 0);
        check(v == 0 || v == 1, "Mod: fmod must be 0 or 1, got ", v);
    }
    void check_type(DType t) const {
        check(fmod || (t != DType::Float32 && t != DType::Float64),
              "Mod: floating-point inputs require fmod=1");
    }
    // fmod=1: C semantics, remainder takes the dividend's sign. fmod=0: Python
    // semantics, remainder takes the divisor's sign. x mod 0 is defined as 0 for
    // integers (NaN for floats, from std::fmod).
    template <class T> T operator()(T a, T b) const {
        if constexpr (std::is_floating_point_v<T>) {
            return std::fmod(a, b);
        } else {
            if (b == T(0)) return T(0);
            if constexpr (std::is_signed_v<T>) {
                if (b == T(-1)) return T(0);  // also avoids INT_MIN % -1
                T r = T(a % b);
                if (!fmod && r != T(0) && ((r < T(0)) != (b < T(0)))) r = T(r + b);
                return r;
            } else {
                return T(a % b);
            }
        }
    }
};

struct EqualKernel {
    static constexpr Types kTypes = Types::NumericOrBool;
    static constexpr bool kBoolOutput = true;
    template <class T> uint8_t operator()(T a, T b) const { return a == b; }
};
struct GreaterKernel {
    static constexpr Types kTypes = Types::Numeric;
    static constexpr bool kBoolOutput = true;
    template <class T> uint8_t operator()(T a, T b) const { return a > b; }
};
struct LessKernel {
    static constexpr Types kTypes = Types::Numeric;
    static constexpr bool kBoolOutput = true;
    template <class T> uint8_t operator()(T a, T b) const { return a < b; }
};
struct GreaterOrEqualKernel {
    static constexpr Types kTypes = Types::Numeric;
    static constexpr bool kBoolOutput = true;
    template <class T> uint8_t operator()(T a, T b) const { return a >= b; }
};
struct LessOrEqualKernel {
    static constexpr Types kTypes = Types::Numeric;
    static constexpr bool kBoolOutput = true;
    template <class T> uint8_t operator()(T a, T b) const { return a <= b; }
};

// Logic reads bool bytes as "nonzero" so stray values cannot leak into outputs.
struct AndKernel {
    static constexpr Types kTypes = Types::Bool;
    uint8_t operator()(uint8_t a, uint8_t b) const { return (a != 0) & (b != 0); }
};
struct OrKernel {
    static constexpr Types kTypes = Types::Bool;
    uint8_t operator()(uint8_t a, uint8_t b) const { return (a != 0) | (b != 0); }
};
struct XorKernel {
    static constexpr Types kTypes = Types::Bool;
    uint8_t operator()(uint8_t a, uint8_t b) const { return (a != 0) != (b != 0); }
};

template <class K> constexpr bool bool_output() {
    if constexpr (requires { K::kBoolOutput; }) return K::kBoolOutput;
    else return false;
}

template <class K>
K make_kernel(const NodeDef& n) {
    if constexpr (std::is_constructible_v<K, const NodeDef&>) return K(n);
    else return K{};
}

template <class K>
class BinaryOp final : public Op {
public:
    explicit BinaryOp(const NodeDef& n) : op_(n.op_type), rule_(BroadcastRule::from(n)), kernel_(make_kernel<K>(n)) {
        check_binary_arity(n);
    }

    bool infer(InferContext& ctx) const override {
        const DType t = ctx.dtype(0);
        check(ctx.dtype(1) == t, op_, ": input types differ (", dtype_name(t), " and ", dtype_name(ctx.dtype(1)),
              ")");
        dispatch_set<K::kTypes>(t, op_.c_str(), [](auto) {});
        if constexpr (requires { kernel_.check_type(t); }) kernel_.check_type(t);
        const BinaryShapes s = binary_shapes(ctx.shape(0), ctx.shape(1), rule_, op_.c_str());
        ctx.set_output(0, bool_output<K>() ? DType::Bool : t, s.out);
        return true;
    }

    void run(RunContext& ctx) const override {
        const Tensor& a = ctx.input(0);
        const Tensor& b = ctx.input(1);
        Tensor& y = ctx.output(0);
        const BinaryShapes s = binary_shapes(a.shape(), b.shape(), rule_, op_.c_str());
        if constexpr (requires { K::kVector; }) {
            if (a.dtype() == DType::Float32) {
                const auto layout = ref::make_broadcast_layout<2>(s.out, {s.a, s.b});
                const kernels::BinaryKernel& k = ctx.kernels().vector.*K::kVector;
                parallel_elements(ctx, layout.numel, [&](int64_t begin, int64_t end) {
                    vector_broadcast(layout, a.data<float>(), b.data<float>(), y.data<float>(), begin, end, k);
                });
                return;
            }
        }
        dispatch_set<K::kTypes>(a.dtype(), op_.c_str(), [&](auto tag) {
            using T = storage_t<typename decltype(tag)::type>;
            using O = std::conditional_t<bool_output<K>(), uint8_t, T>;
            run_broadcast(ctx, s.a, a.data<T>(), s.b, b.data<T>(), s.out, y.data<O>(), kernel_);
        });
    }

private:
    std::string op_;
    BroadcastRule rule_;
    K kernel_;
};

// ---- Pow --------------------------------------------------------------------

// base^exponent for integers, exactly, wrapping on overflow like the other
// integer arithmetic. Negative exponents truncate 1/base^n toward zero, so they
// give 0 except for bases 1 and -1 (and 0, defined as 0 like division by zero).
template <class T, class U>
T integer_pow(T base, U exponent) {
    if constexpr (std::is_signed_v<U>) {
        if (exponent < 0) {
            if (base == T(1)) return T(1);
            if constexpr (std::is_signed_v<T>)
                if (base == T(-1)) return (exponent & 1) ? T(-1) : T(1);
            return T(0);
        }
    }
    using W = wrap_t<T>;
    W result = 1, factor = W(base);
    for (uint64_t e = uint64_t(exponent); e != 0; e >>= 1) {
        if (e & 1) result = W(result * factor);
        factor = W(factor * factor);
    }
    return T(result);
}

// The output has the base's type. Mixed float cases are evaluated in double
// and rounded once, which is what numpy's type promotion produces.
template <class T, class U>
T pow_value(T base, U exponent) {
    if constexpr (std::is_integral_v<T> && std::is_integral_v<U>)
        return integer_pow(base, exponent);
    else if constexpr (std::is_same_v<T, U>)
        return std::pow(base, exponent);
    else
        return ref::convert_value<T>(std::pow(double(base), double(exponent)));
}

class PowOp final : public Op {
public:
    explicit PowOp(const NodeDef& n) : rule_(BroadcastRule::from(n)) { check_binary_arity(n); }

    bool infer(InferContext& ctx) const override {
        dispatch_base(ctx.dtype(0), [](auto) {});
        dispatch_types<VIREO_NUMERIC_TYPES>(ctx.dtype(1), "Pow", [](auto) {});
        const BinaryShapes s = binary_shapes(ctx.shape(0), ctx.shape(1), rule_, "Pow");
        ctx.set_output(0, ctx.dtype(0), s.out);
        return true;
    }

    void run(RunContext& ctx) const override {
        const Tensor& a = ctx.input(0);
        const Tensor& b = ctx.input(1);
        Tensor& y = ctx.output(0);
        const BinaryShapes s = binary_shapes(a.shape(), b.shape(), rule_, "Pow");
        if (a.dtype() == DType::Float32 && b.numel() == 1 && element_as_double(b, 0) == 2.0) {
            // x^2 is x * x, correctly rounded either way (the LayerNorm-by-hand pattern).
            const float* x = a.data<float>();
            float* out = y.data<float>();
            const kernels::BinaryKernel& mul = ctx.kernels().vector.mul;
            parallel_elements(ctx, y.numel(), [&](int64_t begin, int64_t end) {
                mul.vv(size_t(end - begin), x + begin, x + begin, out + begin);
            });
            return;
        }
        dispatch_base(a.dtype(), [&](auto base_tag) {
            using T = typename decltype(base_tag)::type;
            dispatch_types<VIREO_NUMERIC_TYPES>(b.dtype(), "Pow", [&](auto exp_tag) {
                using U = typename decltype(exp_tag)::type;
                run_broadcast(ctx, s.a, a.data<T>(), s.b, b.data<U>(), s.out, y.data<T>(),
                              [](T x, U e) { return pow_value(x, e); });
            });
        });
    }

private:
    template <class F>
    static void dispatch_base(DType t, F&& f) {
        dispatch_types<VIREO_FLOAT_TYPES, int64_t, int32_t>(t, "Pow", f);
    }
    BroadcastRule rule_;
};

// ---- PRelu ------------------------------------------------------------------

// y = x < 0 ? slope * x : x, slope broadcast onto x (never the other way).
class PReluOp final : public Op {
public:
    explicit PReluOp(const NodeDef& n) : legacy_(n.opset < 7) { check_binary_arity(n); }

    bool infer(InferContext& ctx) const override {
        check(ctx.dtype(1) == ctx.dtype(0), "PRelu: slope type ", dtype_name(ctx.dtype(1)),
              " differs from input type ", dtype_name(ctx.dtype(0)));
        dispatch_types<VIREO_NUMERIC_TYPES>(ctx.dtype(0), "PRelu", [](auto) {});
        slope_shape(ctx.shape(0), ctx.shape(1));
        ctx.set_output(0, ctx.dtype(0), ctx.shape(0));
        return true;
    }

    void run(RunContext& ctx) const override {
        const Tensor& x = ctx.input(0);
        const Tensor& slope = ctx.input(1);
        const Shape aligned = slope_shape(x.shape(), slope.shape());
        if (x.dtype() == DType::Float32) {
            run_float(ctx, x, aligned, slope);
            return;
        }
        dispatch_types<VIREO_NUMERIC_TYPES>(x.dtype(), "PRelu", [&](auto tag) {
            using T = typename decltype(tag)::type;
            run_broadcast(ctx, x.shape(), x.data<T>(), aligned, slope.data<T>(), x.shape(),
                          ctx.output(0).data<T>(),
                          [](T v, T s) { return v < T(0) ? wrapping_mul(v, s) : v; });
        });
    }

private:
    // Runs along which the slope is one value (per-channel slopes over NCHW
    // planes) are LeakyRelu with that slope, which computes the same
    // x < 0 ? slope * x : x; the rest take the scalar loop.
    static void run_float(RunContext& ctx, const Tensor& x, const Shape& aligned, const Tensor& slope) {
        const auto layout = ref::make_broadcast_layout<2>(x.shape(), {x.shape(), aligned});
        const float* px = x.data<float>();
        const float* ps = slope.data<float>();
        float* out = ctx.output(0).data<float>();
        const kernels::UnaryKernel leaky_relu = ctx.kernels().vector.leaky_relu;
        parallel_elements(ctx, layout.numel, [&](int64_t begin, int64_t end) {
            auto run = [&](const auto& off, const auto& step, int64_t o, int64_t n) {
                const float* in = px + off[0];
                const float* s = ps + off[1];
                float* y = out + o;
                if (step[1] == 0) {
                    leaky_relu(size_t(n), in, y, {*s, 0.0f});
                } else {
                    for (int64_t i = 0; i < n; ++i) y[i] = in[i] < 0.0f ? in[i] * s[i] : in[i];
                }
            };
            ref::for_each_broadcast_run(layout, begin, end, run);
        });
    }

    // The slope's shape right-aligned against x. Before opset 7 a 1-D slope of
    // x's channel count (dim 1) is per-channel, as Caffe2 and the PyTorch
    // exporter of that era meant it.
    Shape slope_shape(const Shape& x, const Shape& slope) const {
        if (legacy_) {
            if (checked_numel(slope) == 1) return Shape{};
            if (slope.size() == 1 && x.size() >= 2 && slope[0] == x[1]) {
                Shape aligned(x.size() - 1, 1);
                aligned[0] = slope[0];
                return aligned;
            }
        }
        check(broadcast_shapes(x, slope, "PRelu") == x, "PRelu: slope ", shape_str(slope),
              " does not broadcast onto input ", shape_str(x));
        return slope;
    }
    bool legacy_;
};

// ---- Max / Min / Sum / Mean ---------------------------------------------------

// NaN propagates through Max/Min, as in numpy.maximum/minimum.
struct MaxKernel {
    static constexpr Types kTypes = Types::Numeric;
    static constexpr auto kVector = &kernels::VectorKernels::max;
    template <class T> T operator()(T a, T b) const {
        if constexpr (std::is_floating_point_v<T>) return (a >= b || a != a) ? a : b;
        else return a >= b ? a : b;
    }
};
struct MinKernel {
    static constexpr Types kTypes = Types::Numeric;
    static constexpr auto kVector = &kernels::VectorKernels::min;
    template <class T> T operator()(T a, T b) const {
        if constexpr (std::is_floating_point_v<T>) return (a <= b || a != a) ? a : b;
        else return a <= b ? a : b;
    }
};
struct SumKernel {
    static constexpr Types kTypes = Types::Numeric;
    static constexpr auto kVector = &kernels::VectorKernels::add;
    template <class T> T operator()(T a, T b) const { return wrapping_add(a, b); }
};
struct MeanKernel {  // sums; the op divides by the input count at the end
    static constexpr Types kTypes = Types::Float;
    static constexpr auto kVector = &kernels::VectorKernels::add;
    static constexpr bool kDivideByCount = true;
    template <class T> T operator()(T a, T b) const { return a + b; }
};

template <class K>
class VariadicOp final : public Op {
public:
    explicit VariadicOp(const NodeDef& n) : op_(n.op_type), same_shapes_only_(n.opset < 8) {
        check(n.num_inputs() >= 1, op_, ": expects at least 1 input");
        for (size_t i = 0; i < n.num_inputs(); ++i)
            check(n.has_input(i), op_, ": input ", i, " is empty; every input is required");
        check(n.num_outputs() >= 1, op_, ": expects 1 output");
    }

    bool infer(InferContext& ctx) const override {
        const DType t = ctx.dtype(0);
        dispatch_set<K::kTypes>(t, op_.c_str(), [](auto) {});
        Shape out = ctx.shape(0);
        for (size_t i = 1; i < ctx.num_inputs(); ++i) {
            check(ctx.dtype(i) == t, op_, ": input ", i, " has type ", dtype_name(ctx.dtype(i)), ", expected ",
                  dtype_name(t));
            if (same_shapes_only_)
                check(ctx.shape(i) == out, op_, ": input shapes must match before opset 8, got ",
                      shape_str(out), " and ", shape_str(ctx.shape(i)));
            else
                out = broadcast_shapes(out, ctx.shape(i), op_.c_str());
        }
        ctx.set_output(0, t, out);
        return true;
    }

    void run(RunContext& ctx) const override {
        const size_t count = ctx.num_inputs();
        Tensor& y = ctx.output(0);
        const Shape& out_shape = y.shape();
        // Stage 0 combines inputs 0 and 1 (or copies input 0 alone); stage k
        // folds input k+1 into the output in place. Every stage maps output
        // element i to itself, so a chunk can run all stages over its range.
        std::optional<ref::BroadcastLayout<1>> copy_layout;
        std::vector<ref::BroadcastLayout<2>> stages;
        if (count == 1) {
            copy_layout = ref::make_broadcast_layout<1>(out_shape, {ctx.input(0).shape()});
        } else {
            stages.push_back(ref::make_broadcast_layout<2>(out_shape, {ctx.input(0).shape(), ctx.input(1).shape()}));
            for (size_t i = 2; i < count; ++i)
                stages.push_back(ref::make_broadcast_layout<2>(out_shape, {out_shape, ctx.input(i).shape()}));
        }
        if (y.dtype() == DType::Float32 && !copy_layout) {
            run_float(ctx, stages, y.data<float>());
            return;
        }
        dispatch_set<K::kTypes>(y.dtype(), op_.c_str(), [&](auto tag) {
            using T = typename decltype(tag)::type;
            T* out = y.data<T>();
            const K kernel;
            parallel_elements(ctx, checked_numel(out_shape), [&](int64_t begin, int64_t end) {
                if (copy_layout) {
                    ref::broadcast_copy(*copy_layout, ctx.input(0).data<T>(), out, begin, end);
                } else {
                    ref::binary_broadcast(stages[0], ctx.input(0).data<T>(), ctx.input(1).data<T>(), out, begin,
                                          end, kernel);
                    for (size_t i = 2; i < count; ++i)
                        ref::binary_broadcast(stages[i - 1], static_cast<const T*>(out), ctx.input(i).data<T>(),
                                              out, begin, end, kernel);
                }
                if constexpr (requires { K::kDivideByCount; }) {
                    const T n = T(count);
                    for (int64_t i = begin; i < end; ++i) out[i] /= n;
                }
            });
        });
    }

private:
    // The stages above through the vector kernels, which give the scalar
    // kernels' bits (Mean divides by the count, as the reference does).
    static void run_float(const RunContext& ctx, const std::vector<ref::BroadcastLayout<2>>& stages, float* out) {
        const kernels::VectorKernels& vk = ctx.kernels().vector;
        const kernels::BinaryKernel& k = vk.*K::kVector;
        const size_t count = ctx.num_inputs();
        parallel_elements(ctx, stages[0].numel, [&](int64_t begin, int64_t end) {
            vector_broadcast(stages[0], ctx.input(0).data<float>(), ctx.input(1).data<float>(), out, begin, end, k);
            for (size_t i = 2; i < count; ++i)
                vector_broadcast(stages[i - 1], out, ctx.input(i).data<float>(), out, begin, end, k);
            if constexpr (requires { K::kDivideByCount; })
                vk.div.vs(size_t(end - begin), out + begin, float(count), out + begin);
        });
    }

    std::string op_;
    bool same_shapes_only_;
};

// ---- Where --------------------------------------------------------------------

// Selection copies bits, so one instantiation per element width serves every type.
class WhereOp final : public Op {
public:
    explicit WhereOp(const NodeDef& n) {
        check(n.num_inputs() == 3 && n.has_input(0) && n.has_input(1) && n.has_input(2),
              "Where: expects exactly 3 inputs (condition, X, Y), got ", n.num_inputs());
        check(n.num_outputs() >= 1, "Where: expects 1 output");
    }

    bool infer(InferContext& ctx) const override {
        check(ctx.dtype(0) == DType::Bool, "Where: condition must be bool, got ", dtype_name(ctx.dtype(0)));
        const DType t = ctx.dtype(1);
        check(ctx.dtype(2) == t, "Where: X and Y types differ (", dtype_name(t), " and ", dtype_name(ctx.dtype(2)),
              ")");
        check(dtype_size(t) != 0, "Where: unsupported element type ", dtype_name(t));
        Shape out = broadcast_shapes(broadcast_shapes(ctx.shape(0), ctx.shape(1), "Where"), ctx.shape(2), "Where");
        ctx.set_output(0, t, out);
        return true;
    }

    void run(RunContext& ctx) const override {
        switch (dtype_size(ctx.input(1).dtype())) {
            case 1: return select<uint8_t>(ctx);
            case 2: return select<uint16_t>(ctx);
            case 4: return select<uint32_t>(ctx);
            case 8: return select<uint64_t>(ctx);
            default: fail("Where: unsupported element type ", dtype_name(ctx.input(1).dtype()));
        }
    }

private:
    template <class Bits>
    static void select(RunContext& ctx) {
        const Tensor &cond = ctx.input(0), &x = ctx.input(1), &y = ctx.input(2);
        Tensor& out = ctx.output(0);
        const auto layout = ref::make_broadcast_layout<3>(out.shape(), {cond.shape(), x.shape(), y.shape()});
        const uint8_t* c = cond.data<uint8_t>();
        const Bits* px = x.data<Bits>();
        const Bits* py = y.data<Bits>();
        Bits* po = out.data<Bits>();
        parallel_elements(ctx, layout.numel, [&](int64_t begin, int64_t end) {
            ref::ternary_broadcast(layout, c, px, py, po, begin, end,
                                   [](uint8_t k, Bits a, Bits b) { return k ? a : b; });
        });
    }
};

template <class OpT>
std::unique_ptr<Op> make(const NodeDef& n) {
    return std::make_unique<OpT>(n);
}

}  // namespace

void register_elementwise_binary_ops(OpRegistry& reg) {
    reg.add("Add", &make<BinaryOp<AddKernel>>);
    reg.add("Sub", &make<BinaryOp<SubKernel>>);
    reg.add("Mul", &make<BinaryOp<MulKernel>>);
    reg.add("Div", &make<BinaryOp<DivKernel>>);
    reg.add("Mod", &make<BinaryOp<ModKernel>>, 10);
    reg.add("Pow", &make<PowOp>);
    reg.add("Equal", &make<BinaryOp<EqualKernel>>);
    reg.add("Greater", &make<BinaryOp<GreaterKernel>>);
    reg.add("Less", &make<BinaryOp<LessKernel>>);
    reg.add("GreaterOrEqual", &make<BinaryOp<GreaterOrEqualKernel>>, 12);
    reg.add("LessOrEqual", &make<BinaryOp<LessOrEqualKernel>>, 12);
    reg.add("And", &make<BinaryOp<AndKernel>>);
    reg.add("Or", &make<BinaryOp<OrKernel>>);
    reg.add("Xor", &make<BinaryOp<XorKernel>>);
    reg.add("PRelu", &make<PReluOp>);
    reg.add("Max", &make<VariadicOp<MaxKernel>>);
    reg.add("Min", &make<VariadicOp<MinKernel>>);
    reg.add("Sum", &make<VariadicOp<SumKernel>>);
    reg.add("Mean", &make<VariadicOp<MeanKernel>>);
    reg.add("Where", &make<WhereOp>, 9);
}

}  // namespace vireo::rt
