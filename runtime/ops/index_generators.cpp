// vireo — index family, generators and masks: Range, NonZero, OneHot, Trilu,
// EyeLike. Range, NonZero and OneHot have value-dependent output shapes, so
// their infer() needs the deciding input values and returns false without them.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "runtime/ops/op.hpp"
#include "runtime/ops/util.hpp"

namespace vireo::rt {

namespace {

template <class O>
std::unique_ptr<Op> make(const NodeDef& n) {
    return std::make_unique<O>(n);
}

// Longest Range / deepest OneHot vireo will build. The allocator would refuse
// the tensor anyway; this keeps a hostile value from reaching shape arithmetic.
constexpr int64_t kMaxGeneratedLength = int64_t(1) << 40;

// Reads element i of any numeric tensor as an int64, truncating floats toward
// zero (OneHot's cast of float indices and depth). Non-finite or huge floats
// are an error rather than undefined behaviour.
int64_t element_as_i64(const Tensor& t, int64_t i, const char* op) {
    switch (t.dtype()) {
        case DType::Int64: return t.data<int64_t>()[i];
        case DType::Int32: return t.data<int32_t>()[i];
        case DType::UInt64: {
            const uint64_t v = t.data<uint64_t>()[i];
            check(v <= uint64_t(INT64_MAX), op, ": value ", v, " is too large");
            return int64_t(v);
        }
        default: {
            const double v = element_as_double(t, i);
            check(std::isfinite(v) && std::fabs(v) < 9.2e18, op, ": value ", v,
                  " cannot be used as an integer");
            return int64_t(v);
        }
    }
}

bool is_numeric_or_bool(DType t) {
    return dtype_size(t) != 0 && t != DType::Float16 && t != DType::BFloat16;
}

// ---------------------------------------------------------------------------
// Range(start, limit, delta) = [start + i*delta for i in 0..n), with
// n = max(ceil((limit - start) / delta), 0).

class RangeOp final : public Op {
public:
    explicit RangeOp(const NodeDef&) {}

    bool infer(InferContext& ctx) const override {
        const DType t = ctx.dtype(0);
        check(t == DType::Float32 || t == DType::Float64 || t == DType::Int16 || t == DType::Int32 ||
                  t == DType::Int64,
              "Range: unsupported element type ", dtype_name(t));
        for (size_t i = 0; i < 3; ++i) {
            check(ctx.dtype(i) == t, "Range: start, limit and delta must share one type");
            check(checked_numel(ctx.shape(i)) == 1, "Range: input ", i, " must be a scalar, got shape ",
                  shape_str(ctx.shape(i)));
        }
        if (!ctx.has_value(0) || !ctx.has_value(1) || !ctx.has_value(2)) return false;
        ctx.set_output(0, t, {length(ctx.value(0), ctx.value(1), ctx.value(2))});
        return true;
    }

    void run(RunContext& ctx) const override {
        const Tensor &start = ctx.input(0), &delta = ctx.input(2);
        Tensor& out = ctx.output(0);
        const int64_t n = out.numel();
        dispatch_types<float, double, int16_t, int32_t, int64_t>(out.dtype(), "Range", [&](auto tag) {
            using T = typename decltype(tag)::type;
            T* o = out.data<T>();
            const T s = start.data<T>()[0], d = delta.data<T>()[0];
            if constexpr (std::is_floating_point_v<T>) {
                // start + i*delta (the spec's formula) rather than a running sum,
                // so rounding error does not accumulate along the output.
                for (int64_t i = 0; i < n; ++i) o[i] = T(double(s) + double(i) * double(d));
            } else {
                // Unsigned (wrapping) arithmetic: i * delta may exceed int64 even
                // though start + i * delta always lies within [start, limit).
                for (int64_t i = 0; i < n; ++i)
                    o[i] = T(int64_t(uint64_t(int64_t(s)) + uint64_t(i) * uint64_t(int64_t(d))));
            }
        });
    }

private:
    static int64_t length(const Tensor& start, const Tensor& limit, const Tensor& delta) {
        int64_t n = 0;
        if (start.dtype() == DType::Float32 || start.dtype() == DType::Float64) {
            const double s = element_as_double(start, 0), l = element_as_double(limit, 0),
                         d = element_as_double(delta, 0);
            check(d != 0, "Range: delta must not be zero");
            check(std::isfinite(s) && std::isfinite(l) && std::isfinite(d),
                  "Range: start, limit and delta must be finite");
            const double c = std::ceil((l - s) / d);
            check(c <= double(kMaxGeneratedLength), "Range: length ", c, " is too large");
            n = c > 0 ? int64_t(c) : 0;
        } else {
            const int64_t s = element_as_i64(start, 0, "Range"), l = element_as_i64(limit, 0, "Range"),
                          d = element_as_i64(delta, 0, "Range");
            check(d != 0, "Range: delta must not be zero");
            // 128-bit so that limit - start cannot overflow for any int64 inputs.
            const __int128 span = __int128(l) - s, step = d;
            __int128 c = 0;
            if (step > 0 && span > 0) c = (span + step - 1) / step;
            if (step < 0 && span < 0) c = (-span + -step - 1) / -step;
            check(c <= kMaxGeneratedLength, "Range: length ", int64_t(c > INT64_MAX ? INT64_MAX : c),
                  " is too large");
            n = int64_t(c);
        }
        return n;
    }
};

// ---------------------------------------------------------------------------
// NonZero: int64 [rank, nnz] coordinates of non-zero elements in row-major
// order. A scalar is treated as a 1-element vector, as numpy and ONNX Runtime do.

template <class F>
void for_each_nonzero(const Tensor& x, F&& f) {
    dispatch_types<VIREO_ALL_TYPES>(x.dtype(), "NonZero", [&](auto tag) {
        using T = typename decltype(tag)::type;
        const T* p = x.data<T>();
        for (int64_t i = 0, n = x.numel(); i < n; ++i)
            if (p[i] != T(0)) f(i);
    });
}

class NonZeroOp final : public Op {
public:
    explicit NonZeroOp(const NodeDef&) {}

    bool infer(InferContext& ctx) const override {
        check(is_numeric_or_bool(ctx.dtype(0)), "NonZero: unsupported element type ",
              dtype_name(ctx.dtype(0)));
        if (!ctx.has_value(0)) return false;
        int64_t nnz = 0;
        for_each_nonzero(ctx.value(0), [&](int64_t) { ++nnz; });
        ctx.set_output(0, DType::Int64, {std::max<int64_t>(int64_t(ctx.shape(0).size()), 1), nnz});
        return true;
    }

    void run(RunContext& ctx) const override {
        const Tensor& x = ctx.input(0);
        Tensor& out = ctx.output(0);
        const Shape& shape = x.shape();
        const int64_t nnz = out.dim(1);
        int64_t* o = out.data<int64_t>();
        int64_t k = 0;
        for_each_nonzero(x, [&](int64_t flat) {
            check(k < nnz, "NonZero: input changed after shape inference");
            if (shape.empty()) o[k] = 0;
            for (size_t d = shape.size(); d-- > 0;) {
                o[int64_t(d) * nnz + k] = flat % shape[d];
                flat /= shape[d];
            }
            ++k;
        });
        check(k == nnz, "NonZero: input changed after shape inference");
    }
};

// ---------------------------------------------------------------------------
// OneHot(indices, depth, values=[off, on]): inserts a depth-sized axis at
// `axis`. Indices outside the valid range produce an all-off vector (spec), and
// from opset 11 negative indices count back from depth.

class OneHotOp final : public Op {
public:
    explicit OneHotOp(const NodeDef& n) : axis_(n.get_int("axis", -1)), wrap_negative_(n.opset >= 11) {}

    bool infer(InferContext& ctx) const override {
        check(is_numeric_or_bool(ctx.dtype(0)) && ctx.dtype(0) != DType::Bool,
              "OneHot: indices must be numeric, got ", dtype_name(ctx.dtype(0)));
        check(is_numeric_or_bool(ctx.dtype(1)) && ctx.dtype(1) != DType::Bool,
              "OneHot: depth must be numeric, got ", dtype_name(ctx.dtype(1)));
        check(checked_numel(ctx.shape(1)) == 1 && ctx.shape(1).size() <= 1,
              "OneHot: depth must be a scalar or a 1-element vector, got shape ", shape_str(ctx.shape(1)));
        check(dtype_size(ctx.dtype(2)) != 0, "OneHot: unsupported values type ", dtype_name(ctx.dtype(2)));
        check(ctx.shape(2) == Shape{2}, "OneHot: values must have shape [2] (off, on), got ",
              shape_str(ctx.shape(2)));
        const Shape& ind = ctx.shape(0);
        const int64_t r = int64_t(ind.size()) + 1;
        const size_t axis = size_t(normalize_axis(axis_, r, "OneHot"));
        if (!ctx.has_value(1)) return false;
        Shape out = ind;
        out.insert(out.begin() + axis, depth(ctx.value(1)));
        checked_numel(out);
        ctx.set_output(0, ctx.dtype(2), out);
        return true;
    }

    void run(RunContext& ctx) const override {
        const Tensor& ind = ctx.input(0);
        const Tensor& values = ctx.input(2);
        Tensor& out = ctx.output(0);
        const int64_t d = depth(ctx.input(1));
        const size_t axis = size_t(normalize_axis(axis_, int64_t(ind.rank()) + 1, "OneHot"));
        int64_t outer = 1, inner = 1;
        for (size_t i = 0; i < ind.rank(); ++i) (i < axis ? outer : inner) *= ind.dim(i);
        const size_t esize = dtype_size(out.dtype());
        const auto* off = static_cast<const unsigned char*>(values.raw());
        const unsigned char* on = off + esize;
        auto* o = static_cast<unsigned char*>(out.raw());
        for (int64_t k = 0, n = out.numel(); k < n; ++k) std::memcpy(o + size_t(k) * esize, off, esize);
        for (int64_t a = 0; a < outer; ++a) {
            for (int64_t b = 0; b < inner; ++b) {
                int64_t i = element_as_i64(ind, a * inner + b, "OneHot");
                if (i < 0 && wrap_negative_) i += d;
                if (i < 0 || i >= d) continue;
                std::memcpy(o + size_t((a * d + i) * inner + b) * esize, on, esize);
            }
        }
    }

private:
    static int64_t depth(const Tensor& t) {
        const int64_t d = element_as_i64(t, 0, "OneHot");
        check(d >= 1 && d <= kMaxGeneratedLength, "OneHot: depth must be in [1, ", kMaxGeneratedLength,
              "], got ", d);
        return d;
    }

    int64_t axis_;
    bool wrap_negative_;
};

// ---------------------------------------------------------------------------
// Trilu: keeps the upper (j - i >= k) or lower (j - i <= k) triangle of each
// matrix in the last two dimensions and zeroes the rest. Pure byte moves, and
// zero bytes are zero for every element type.

class TriluOp final : public Op {
public:
    explicit TriluOp(const NodeDef& n) : upper_(n.get_int("upper", 1) != 0) {}

    bool infer(InferContext& ctx) const override {
        check(dtype_size(ctx.dtype(0)) != 0, "Trilu: unsupported element type ", dtype_name(ctx.dtype(0)));
        check(ctx.shape(0).size() >= 2, "Trilu: input must have rank >= 2, got ", shape_str(ctx.shape(0)));
        if (ctx.has_input(1)) {
            check(ctx.dtype(1) == DType::Int64 || ctx.dtype(1) == DType::Int32, "Trilu: k must be int64");
            check(checked_numel(ctx.shape(1)) == 1, "Trilu: k must be a scalar, got shape ",
                  shape_str(ctx.shape(1)));
        }
        ctx.set_output(0, ctx.dtype(0), ctx.shape(0));
        return true;
    }

    void run(RunContext& ctx) const override {
        const Tensor& x = ctx.input(0);
        Tensor& out = ctx.output(0);
        const int64_t rows = x.dim(x.rank() - 2), cols = x.dim(x.rank() - 1);
        int64_t k = ctx.has_input(1) ? to_i64_vector(ctx.input(1), "Trilu")[0] : 0;
        // Beyond +-(rows + cols) every k selects the same triangle; clamping keeps i + k from overflowing.
        k = std::clamp(k, -(rows + cols), rows + cols);
        if (x.numel() == 0) return;
        const int64_t matrices = x.numel() / (rows * cols);
        const size_t esize = dtype_size(x.dtype());
        const auto* src = static_cast<const unsigned char*>(x.raw());
        auto* dst = static_cast<unsigned char*>(out.raw());
        ctx.parallel_for(matrices * rows, std::max<int64_t>(1, 4096 / std::max<int64_t>(cols, 1)),
                         [&](int64_t begin, int64_t end) {
                             for (int64_t r = begin; r < end; ++r) {
                                 const int64_t i = r % rows;
                                 // Kept columns form one contiguous run [lo, hi).
                                 const int64_t lo = upper_ ? std::clamp(i + k, int64_t(0), cols) : 0;
                                 const int64_t hi = upper_ ? cols : std::clamp(i + k + 1, int64_t(0), cols);
                                 const size_t row = size_t(r * cols) * esize;
                                 std::memset(dst + row, 0, size_t(lo) * esize);
                                 if (hi > lo)
                                     std::memcpy(dst + row + size_t(lo) * esize, src + row + size_t(lo) * esize,
                                                 size_t(hi - lo) * esize);
                                 std::memset(dst + row + size_t(std::max(lo, hi)) * esize, 0,
                                             size_t(cols - std::max(lo, hi)) * esize);
                             }
                         });
    }

private:
    bool upper_;
};

// ---------------------------------------------------------------------------
// EyeLike: a 2-D tensor shaped like the input with ones on diagonal k.

class EyeLikeOp final : public Op {
public:
    explicit EyeLikeOp(const NodeDef& n) : k_(n.get_int("k", 0)) {
        if (n.has("dtype")) {
            dtype_ = DType(n.get_int("dtype", 0));
            check(is_numeric_or_bool(dtype_), "EyeLike: unsupported dtype ", int(dtype_));
        }
    }

    bool infer(InferContext& ctx) const override {
        check(is_numeric_or_bool(ctx.dtype(0)), "EyeLike: unsupported input type ", dtype_name(ctx.dtype(0)));
        check(ctx.shape(0).size() == 2, "EyeLike: input must be 2-D, got shape ", shape_str(ctx.shape(0)));
        ctx.set_output(0, dtype_ == DType::Undefined ? ctx.dtype(0) : dtype_, ctx.shape(0));
        return true;
    }

    void run(RunContext& ctx) const override {
        Tensor& out = ctx.output(0);
        const int64_t rows = out.dim(0), cols = out.dim(1);
        if (out.nbytes() != 0) std::memset(out.raw(), 0, out.nbytes());
        // Diagonal k holds (i, i + k) for i in [max(0, -k), min(rows, cols - k)).
        const int64_t k = std::clamp(k_, -rows, cols);
        const int64_t first = std::max<int64_t>(0, -k), last = std::min(rows, cols - k);
        dispatch_types<VIREO_ALL_TYPES>(out.dtype(), "EyeLike", [&](auto tag) {
            using T = typename decltype(tag)::type;
            T* o = out.data<T>();
            for (int64_t i = first; i < last; ++i) o[i * cols + i + k] = T(1);
        });
    }

private:
    int64_t k_;
    DType dtype_ = DType::Undefined;
};

}  // namespace

void register_index_generator_ops(OpRegistry& reg) {
    reg.add("Range", &make<RangeOp>, 11);
    reg.add("NonZero", &make<NonZeroOp>, 9);
    reg.add("OneHot", &make<OneHotOp>, 9);
    reg.add("Trilu", &make<TriluOp>, 14);
    reg.add("EyeLike", &make<EyeLikeOp>, 9);
}

}  // namespace vireo::rt
