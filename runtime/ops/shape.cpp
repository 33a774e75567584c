// vireo — shape family, part 1: ops that only relabel the shape (Reshape,
// Squeeze, Unsqueeze, Flatten, Identity, inference-mode Dropout), shape queries
// (Shape, Size) and constants (Constant, ConstantOfShape).
//
// The data-moving half of the family (Transpose, Slice, Concat, Split, Expand,
// Tile, DepthToSpace, SpaceToDepth) lives in shape_gather.cpp.
#include <algorithm>
#include <cstring>
#include <limits>
#include <memory>

#include "runtime/ops/op.hpp"
#include "runtime/ops/util.hpp"

namespace vireo::rt {

void register_shape_gather_ops(OpRegistry& reg);  // shape_gather.cpp

namespace {

template <class T>
std::unique_ptr<Op> create(const NodeDef& node) {
    return std::make_unique<T>(node);
}

// Data-movement ops handle every element type vireo can store (all but string).
void check_storable(const char* op, DType t) {
    check(dtype_size(t) != 0, op, ": unsupported element type ", dtype_name(t));
}

void copy_data(const Tensor& in, Tensor& out) {
    // The runtime may run a view op in place; then there is nothing to do.
    if (in.nbytes() != 0 && in.raw() != out.raw()) std::memcpy(out.raw(), in.raw(), in.nbytes());
}


// A list of axes normalized against `rank`, with duplicates rejected.
// Negative axes entered the spec in opset 11, but exporters emitted them for
// older opsets too and other runtimes accept them, so every opset accepts them
// (in all of this family's ops).
std::vector<int64_t> resolve_axes(const std::vector<int64_t>& axes, int64_t rank, const char* op) {
    std::vector<int64_t> out;
    out.reserve(axes.size());
    std::vector<bool> seen(size_t(std::max<int64_t>(rank, 0)), false);
    for (int64_t a : axes) {
        int64_t r = normalize_axis(a, rank, op);
        check(!seen[size_t(r)], op, ": axis ", a, " is repeated");
        seen[size_t(r)] = true;
        out.push_back(r);
    }
    return out;
}

// Int64 list from a 1-D (or scalar) index input; int32 is accepted as well.
std::vector<int64_t> read_index_list(const Tensor& t, const char* op, const char* what) {
    check(t.rank() <= 1, op, ": '", what, "' must be a 1-D tensor, got shape ", shape_str(t.shape()));
    check(t.dtype() == DType::Int64 || t.dtype() == DType::Int32, op, ": '", what,
          "' must be int64, got ", dtype_name(t.dtype()));
    return to_i64_vector(t, op);
}

// Fills `out` with copies of one element of `elem_size` bytes, doubling the
// filled prefix each step (memcpy keeps this type-agnostic and alias-safe).
void fill_with_element(void* out, int64_t numel, const void* elem, size_t elem_size) {
    if (numel == 0) return;
    auto* dst = static_cast<unsigned char*>(out);
    const size_t total = size_t(numel) * elem_size;
    std::memcpy(dst, elem, elem_size);
    for (size_t filled = elem_size; filled < total;) {
        size_t n = std::min(filled, total - filled);
        std::memcpy(dst + filled, dst, n);
        filled += n;
    }
}

// ---------------------------------------------------------------- Reshape

class ReshapeOp final : public Op {
public:
    explicit ReshapeOp(const NodeDef& node) : opset_(node.opset) {
        if (opset_ < 5) {
            // Reshape-1 carried the target shape as an attribute.
            check(node.has("shape"), "Reshape: missing 'shape' attribute (required before opset 5)");
            attr_shape_ = node.get_ints("shape");
        } else {
            check(node.has_input(1), "Reshape: missing 'shape' input");
            allow_zero_ = opset_ >= 14 && node.get_int("allowzero", 0) != 0;
        }
    }

    bool infer(InferContext& ctx) const override {
        check_storable("Reshape", ctx.dtype(0));
        std::vector<int64_t> requested;
        if (opset_ < 5) {
            requested = attr_shape_;
        } else {
            if (!ctx.has_value(1)) return false;
            requested = read_index_list(ctx.value(1), "Reshape", "shape");
        }
        ctx.set_output(0, ctx.dtype(0), resolve(ctx.shape(0), requested));
        return true;
    }

    void run(RunContext& ctx) const override { copy_data(ctx.input(0), ctx.output(0)); }

private:
    Shape resolve(const Shape& in, const std::vector<int64_t>& requested) const {
        const int64_t in_numel = checked_numel(in);
        Shape out(requested.size());
        int64_t inferred = -1, known = 1;
        bool has_zero = false;
        for (size_t i = 0; i < requested.size(); ++i) {
            int64_t d = requested[i];
            if (d == -1) {
                check(inferred < 0, "Reshape: more than one -1 in target shape ", shape_str(requested));
                inferred = int64_t(i);
                continue;
            }
            check(d >= 0, "Reshape: invalid dimension ", d, " in target shape ", shape_str(requested));
            if (d == 0) {
                has_zero = true;
                if (!allow_zero_) {
                    check(i < in.size(), "Reshape: target shape ", shape_str(requested), " copies dim ", i,
                          " (0) but the input ", shape_str(in), " has rank ", in.size());
                    d = in[i];
                }
            }
            out[i] = d;
            check(!__builtin_mul_overflow(known, d, &known), "Reshape: target shape ",
                  shape_str(requested), " overflows");
        }
        check(!(allow_zero_ && has_zero && inferred >= 0), "Reshape: target shape ",
              shape_str(requested), " has both 0 and -1, which allowzero=1 forbids");
        if (inferred >= 0) {
            check(known != 0, "Reshape: cannot infer the -1 in ", shape_str(requested),
                  " when the other dims have zero elements");
            check(in_numel % known == 0, "Reshape: cannot reshape ", shape_str(in), " to ",
                  shape_str(requested));
            out[size_t(inferred)] = in_numel / known;
        } else {
            check(known == in_numel, "Reshape: cannot reshape ", shape_str(in), " (", in_numel,
                  " elements) to ", shape_str(out), " (", known, " elements)");
        }
        return out;
    }

    int opset_;
    bool allow_zero_ = false;
    std::vector<int64_t> attr_shape_;
};

// ---------------------------------------------------------------- Squeeze / Unsqueeze

class SqueezeOp final : public Op {
public:
    explicit SqueezeOp(const NodeDef& node) : opset_(node.opset) {
        if (opset_ < 13) {
            has_attr_axes_ = node.has("axes");
            attr_axes_ = node.get_ints("axes");
        } else {
            axes_from_input_ = node.has_input(1);
        }
    }

    bool infer(InferContext& ctx) const override {
        check_storable("Squeeze", ctx.dtype(0));
        const Shape& in = ctx.shape(0);
        std::vector<int64_t> axes = attr_axes_;
        bool all_unit_dims = opset_ < 13 ? !has_attr_axes_ : !axes_from_input_;
        if (axes_from_input_) {
            if (!ctx.has_value(1)) return false;
            axes = read_index_list(ctx.value(1), "Squeeze", "axes");
        }
        // An empty axes list behaves like an absent one: squeeze every unit dim.
        if (axes.empty()) all_unit_dims = true;
        std::vector<bool> drop(in.size(), false);
        if (all_unit_dims) {
            for (size_t i = 0; i < in.size(); ++i) drop[i] = in[i] == 1;
        } else {
            for (int64_t a : resolve_axes(axes, int64_t(in.size()), "Squeeze")) {
                check(in[size_t(a)] == 1, "Squeeze: cannot squeeze axis ", a, " of size ", in[size_t(a)],
                      " in shape ", shape_str(in));
                drop[size_t(a)] = true;
            }
        }
        Shape out;
        for (size_t i = 0; i < in.size(); ++i)
            if (!drop[i]) out.push_back(in[i]);
        ctx.set_output(0, ctx.dtype(0), out);
        return true;
    }

    void run(RunContext& ctx) const override { copy_data(ctx.input(0), ctx.output(0)); }

private:
    int opset_;
    bool has_attr_axes_ = false;
    bool axes_from_input_ = false;
    std::vector<int64_t> attr_axes_;
};

class UnsqueezeOp final : public Op {
public:
    explicit UnsqueezeOp(const NodeDef& node) : opset_(node.opset) {
        if (opset_ < 13) {
            check(node.has("axes"), "Unsqueeze: missing 'axes' attribute (required before opset 13)");
            attr_axes_ = node.get_ints("axes");
        } else {
            check(node.has_input(1), "Unsqueeze: missing 'axes' input");
        }
    }

    bool infer(InferContext& ctx) const override {
        check_storable("Unsqueeze", ctx.dtype(0));
        std::vector<int64_t> axes = attr_axes_;
        if (opset_ >= 13) {
            if (!ctx.has_value(1)) return false;
            axes = read_index_list(ctx.value(1), "Unsqueeze", "axes");
        }
        const Shape& in = ctx.shape(0);
        // Axes index the output, whose rank counts the inserted dims.
        const int64_t out_rank = int64_t(in.size() + axes.size());
        std::vector<bool> inserted(size_t(out_rank), false);
        for (int64_t a : resolve_axes(axes, out_rank, "Unsqueeze")) inserted[size_t(a)] = true;
        Shape out(static_cast<size_t>(out_rank));
        size_t next_in = 0;
        for (size_t i = 0; i < out.size(); ++i) out[i] = inserted[i] ? 1 : in[next_in++];
        ctx.set_output(0, ctx.dtype(0), out);
        return true;
    }

    void run(RunContext& ctx) const override { copy_data(ctx.input(0), ctx.output(0)); }

private:
    int opset_;
    std::vector<int64_t> attr_axes_;
};

// ---------------------------------------------------------------- Flatten

class FlattenOp final : public Op {
public:
    explicit FlattenOp(const NodeDef& node) : axis_(node.get_int("axis", 1)) {}

    bool infer(InferContext& ctx) const override {
        check_storable("Flatten", ctx.dtype(0));
        const Shape& in = ctx.shape(0);
        const int64_t rank = int64_t(in.size());
        // Unlike most axes, Flatten's may equal the rank (all dims go to the outer factor).
        int64_t axis = axis_;
        check(axis >= -rank && axis <= rank, "Flatten: axis ", axis, " out of range for rank ", rank);
        if (axis < 0) axis += rank;
        int64_t outer = checked_numel(Shape(in.begin(), in.begin() + axis));
        int64_t inner = checked_numel(Shape(in.begin() + axis, in.end()));
        ctx.set_output(0, ctx.dtype(0), {outer, inner});
        return true;
    }

    void run(RunContext& ctx) const override { copy_data(ctx.input(0), ctx.output(0)); }

private:
    int64_t axis_;
};

// ---------------------------------------------------------------- Identity

class IdentityOp final : public Op {
public:
    explicit IdentityOp(const NodeDef&) {}

    bool infer(InferContext& ctx) const override {
        check_storable("Identity", ctx.dtype(0));
        ctx.set_output(0, ctx.dtype(0), ctx.shape(0));
        return true;
    }

    void run(RunContext& ctx) const override { copy_data(ctx.input(0), ctx.output(0)); }
};

// ---------------------------------------------------------------- Dropout

// vireo is an inference engine: Dropout is the identity (with an all-true mask)
// unless opset 12+'s training_mode input is true and the ratio is non-zero.
// The legacy is_test attribute (opset < 7) is accepted but, as in every
// inference runtime, a deployed model is run in test mode regardless.
class DropoutOp final : public Op {
public:
    explicit DropoutOp(const NodeDef& node)
        : opset_(node.opset),
          seed_(uint64_t(node.get_int("seed", 0))),
          has_training_input_(node.opset >= 12 && node.has_input(2)) {
        // Legacy attributes are type-checked and otherwise ignored: is_test and
        // consumed_inputs (opset < 7), and the ratio attribute (opset < 12), which
        // only matters in training.
        (void)node.get_int("is_test", 0);
        (void)node.get_ints("consumed_inputs", {});
        (void)node.get_float("ratio", 0.5f);
    }

    // A true training_mode draws random numbers: never fold it at load time.
    bool foldable() const override { return !has_training_input_; }

    bool infer(InferContext& ctx) const override {
        const DType t = ctx.dtype(0);
        check(t == DType::Float32 || t == DType::Float64, "Dropout: unsupported element type ",
              dtype_name(t), " (expected float32 or float64)");
        if (opset_ >= 12 && ctx.has_input(1)) {
            check(checked_numel(ctx.shape(1)) == 1, "Dropout: 'ratio' must be a scalar, got shape ",
                  shape_str(ctx.shape(1)));
        }
        if (has_training_input_) {
            check(ctx.dtype(2) == DType::Bool, "Dropout: 'training_mode' must be bool, got ",
                  dtype_name(ctx.dtype(2)));
            check(checked_numel(ctx.shape(2)) == 1, "Dropout: 'training_mode' must be a scalar");
        }
        ctx.set_output(0, t, ctx.shape(0));
        // The mask was typed like the data until opset 10 made it bool.
        if (ctx.num_outputs() > 1 && ctx.has_output(1))
            ctx.set_output(1, opset_ < 10 ? t : DType::Bool, ctx.shape(0));
        return true;
    }

    void run(RunContext& ctx) const override {
        const Tensor& x = ctx.input(0);
        const bool want_mask = ctx.num_outputs() > 1 && ctx.has_output(1);
        const bool training = has_training_input_ && ctx.input(2).data<uint8_t>()[0] != 0;
        double ratio = 0;
        if (training) {
            // An absent ratio means 0.5, as in the ONNX reference implementation.
            ratio = ctx.has_input(1) ? element_as_double(ctx.input(1), 0) : 0.5;
            check(ratio >= 0 && ratio < 1, "Dropout: ratio ", ratio, " must be in [0, 1)");
        }
        if (!training || ratio == 0) {
            copy_data(x, ctx.output(0));
            if (want_mask) fill_true_mask(ctx.output(1));
            return;
        }
        dispatch_types<float, double>(x.dtype(), "Dropout", [&]<class T>(type_tag<T>) {
            random_dropout(x.data<T>(), ctx.output(0).data<T>(),
                           want_mask ? ctx.output(1).data<uint8_t>() : nullptr, x.numel(), ratio);
        });
    }

private:
    void fill_true_mask(Tensor& mask) const {
        dispatch_types<float, double, bool>(mask.dtype(), "Dropout", [&]<class T>(type_tag<T>) {
            if constexpr (std::is_same_v<T, bool>)
                std::fill_n(mask.data<uint8_t>(), mask.numel(), uint8_t(1));
            else
                std::fill_n(mask.data<T>(), mask.numel(), T(1));
        });
    }

    // Keep each element with probability 1 - ratio and scale kept ones by
    // 1 / (1 - ratio). The random stream is a counter-based hash of (seed, index)
    // so the result is reproducible and independent of scheduling.
    template <class T>
    void random_dropout(const T* x, T* y, uint8_t* mask, int64_t n, double ratio) const {
        const T scale = T(1.0 / (1.0 - ratio));
        for (int64_t i = 0; i < n; ++i) {
            uint64_t z = seed_ + 0x9e3779b97f4a7c15ull * uint64_t(i + 1);  // splitmix64
            z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
            z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
            z ^= z >> 31;
            const double u = double(z >> 11) * 0x1.0p-53;  // uniform in [0, 1)
            const bool keep = u >= ratio;
            y[i] = keep ? x[i] * scale : T(0);
            if (mask) mask[i] = keep ? 1 : 0;
        }
    }

    int opset_;
    uint64_t seed_;
    bool has_training_input_;
};

// ---------------------------------------------------------------- Shape / Size

class ShapeOp final : public Op {
public:
    explicit ShapeOp(const NodeDef& node) {
        // start/end arrived in opset 15.
        if (node.opset >= 15) {
            start_ = node.get_int("start", 0);
            if (node.has("end")) end_ = node.get_int("end", 0);
        }
    }

    bool reads_input_data(size_t) const override { return false; }

    bool infer(InferContext& ctx) const override {
        auto [b, e] = range(int64_t(ctx.shape(0).size()));
        ctx.set_output(0, DType::Int64, {e - b});
        return true;
    }

    void run(RunContext& ctx) const override {
        const Shape& s = ctx.input(0).shape();
        auto [b, e] = range(int64_t(s.size()));
        std::copy(s.begin() + b, s.begin() + e, ctx.output(0).data<int64_t>());
    }

private:
    // [start, end) of the reported dims: negative values count from the back,
    // then both clamp to [0, rank] (an empty range is allowed).
    std::pair<int64_t, int64_t> range(int64_t rank) const {
        auto clamp_axis = [rank](int64_t a) {
            if (a < 0) a += rank;
            return std::clamp<int64_t>(a, 0, rank);
        };
        int64_t b = clamp_axis(start_), e = clamp_axis(end_);
        return {b, std::max(b, e)};
    }

    int64_t start_ = 0;
    int64_t end_ = std::numeric_limits<int64_t>::max();
};

class SizeOp final : public Op {
public:
    explicit SizeOp(const NodeDef&) {}

    bool reads_input_data(size_t) const override { return false; }

    bool infer(InferContext& ctx) const override {
        checked_numel(ctx.shape(0));
        ctx.set_output(0, DType::Int64, {});
        return true;
    }

    void run(RunContext& ctx) const override { ctx.output(0).data<int64_t>()[0] = ctx.input(0).numel(); }
};

// ---------------------------------------------------------------- Constant / ConstantOfShape

class ConstantOp final : public Op {
public:
    explicit ConstantOp(const NodeDef& node) {
        check(!node.has("sparse_value"), "Constant: sparse_value is not supported");
        check(!node.has("value_string") && !node.has("value_strings"),
              "Constant: string constants are not supported");
        int given = 0;
        if (const Tensor* t = node.get_tensor("value")) {
            value_ = *t;  // shares storage with the attribute
            ++given;
        }
        // The value_* shorthands are opset 12+; accepting them earlier is harmless.
        if (node.has("value_float")) {
            value_ = Tensor::scalar<float>(node.get_float("value_float", 0));
            ++given;
        }
        if (node.has("value_floats")) {
            auto v = node.get_floats("value_floats");
            value_ = Tensor::from_vector<float>({int64_t(v.size())}, v);
            ++given;
        }
        if (node.has("value_int")) {
            value_ = Tensor::scalar<int64_t>(node.get_int("value_int", 0));
            ++given;
        }
        if (node.has("value_ints")) {
            auto v = node.get_ints("value_ints");
            value_ = Tensor::from_vector<int64_t>({int64_t(v.size())}, v);
            ++given;
        }
        check(given == 1, "Constant: exactly one of value, value_float(s), value_int(s) must be set (got ",
              given, ")");
        check_storable("Constant", value_.dtype());
    }

    bool infer(InferContext& ctx) const override {
        ctx.set_output(0, value_.dtype(), value_.shape());
        return true;
    }

    void run(RunContext& ctx) const override { copy_data(value_, ctx.output(0)); }

private:
    Tensor value_;
};

class ConstantOfShapeOp final : public Op {
public:
    explicit ConstantOfShapeOp(const NodeDef& node) {
        if (const Tensor* t = node.get_tensor("value")) {
            check(t->numel() == 1, "ConstantOfShape: 'value' must hold exactly one element, got shape ",
                  shape_str(t->shape()));
            check_storable("ConstantOfShape", t->dtype());
            value_ = *t;
        } else {
            value_ = Tensor::scalar<float>(0.0f);
        }
    }

    bool infer(InferContext& ctx) const override {
        if (!ctx.has_value(0)) return false;
        const Tensor& s = ctx.value(0);
        check(s.rank() == 1, "ConstantOfShape: the shape input must be 1-D, got shape ", shape_str(s.shape()));
        Shape out = read_index_list(s, "ConstantOfShape", "input");
        for (int64_t d : out) check(d >= 0, "ConstantOfShape: negative dimension in shape ", shape_str(out));
        checked_nbytes(value_.dtype(), out);  // rejects sizes that overflow
        ctx.set_output(0, value_.dtype(), out);
        return true;
    }

    void run(RunContext& ctx) const override {
        Tensor& out = ctx.output(0);
        fill_with_element(out.raw(), out.numel(), value_.raw(), dtype_size(value_.dtype()));
    }

private:
    Tensor value_;
};

}  // namespace

void register_shape_ops(OpRegistry& reg) {
    reg.add("Reshape", &create<ReshapeOp>);
    reg.add("Squeeze", &create<SqueezeOp>);
    reg.add("Unsqueeze", &create<UnsqueezeOp>);
    reg.add("Flatten", &create<FlattenOp>);
    reg.add("Identity", &create<IdentityOp>);
    reg.add("Dropout", &create<DropoutOp>);
    reg.add("Shape", &create<ShapeOp>);
    reg.add("Size", &create<SizeOp>);
    reg.add("Constant", &create<ConstantOp>);
    reg.add("ConstantOfShape", &create<ConstantOfShapeOp>, 9);
    register_shape_gather_ops(reg);
}

}  // namespace vireo::rt
