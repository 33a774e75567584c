// vireo — reduction ops: ReduceSum/Mean/Max/Min/Prod/L1/L2/SumSquare/LogSum/
// LogSumExp, ArgMax/ArgMin, TopK and CumSum. This file also holds the family's
// registration entry point, which registers softmax.cpp's and norm.cpp's ops.
#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "kernels/ref/reduce.hpp"
#include "runtime/ops/op.hpp"
#include "runtime/ops/util.hpp"

namespace vireo::rt {

void register_softmax_ops(OpRegistry& reg);  // runtime/ops/softmax.cpp
void register_norm_ops(OpRegistry& reg);     // runtime/ops/norm.cpp

namespace {

// Chunk size (in items) so one chunk does roughly this many element-steps:
// large enough to amortize scheduling, small enough to balance threads.
int64_t grain_for(int64_t work_per_item) {
    constexpr int64_t kTargetWork = int64_t(1) << 15;
    return std::max<int64_t>(1, kTargetWork / std::max<int64_t>(1, work_per_item));
}

bool read_flag(const NodeDef& n, const char* attr, int64_t def) {
    const int64_t v = n.get_int(attr, def);
    check(v == 0 || v == 1, n.op_type, ": attribute '", attr, "' must be 0 or 1, got ", v);
    return v == 1;
}

// The real and integer element types (no bool, no 16-bit floats).
bool is_numeric(DType t) {
    switch (t) {
        case DType::Float32: case DType::Float64: case DType::Int64: case DType::Int32:
        case DType::Int16: case DType::Int8: case DType::UInt64: case DType::UInt32:
        case DType::UInt16: case DType::UInt8:
            return true;
        default:
            return false;
    }
}

// Product of shape[begin:end); the shapes come from inferred tensors, whose
// element count the runtime has already checked.
int64_t span_size(const Shape& s, size_t begin, size_t end) {
    int64_t n = 1;
    for (size_t d = begin; d < end; ++d) n *= s[d];
    return n;
}

// ---------------------------------------------------------------------------
// Reduce*

enum class ReduceKind { Sum, Mean, Max, Min, Prod, L1, L2, SumSquare, LogSum, LogSumExp };

template <class T, class R>
void run_reduction(const T* x, T* y, int64_t in_numel, const ref::ReduceLayout& L, RunContext& ctx) {
    using Acc = typename R::Acc;
    if (L.out_numel == 0) return;
    if (in_numel == 0) {  // reducing over an empty dim: every output is the identity
        std::fill(y, y + L.out_numel, R::finish(R::init(), 0));
        return;
    }
    if (L.contiguous) {
        // Wide inner blocks keep the accumulator row in L1 and give threads
        // work even when outer is 1 (e.g. reducing axis 0 of a matrix).
        const int64_t block = std::min<int64_t>(L.inner, 1024);
        const int64_t items = L.inner == 1 ? L.outer : L.outer * ((L.inner + block - 1) / block);
        ctx.parallel_for(items, grain_for(L.reduce * block), [&](int64_t b, int64_t e) {
            ref::reduce_contiguous<T, R>(x, y, L, block, b, e);
        });
        return;
    }
    std::vector<Acc> acc(size_t(L.out_numel), R::init());
    auto finish = [&](int64_t ob, int64_t oe) {
        for (int64_t o = ob; o < oe; ++o) y[o] = R::finish(acc[size_t(o)], L.reduce_count);
    };
    if (L.first_dim_kept()) {
        // Indices of the first (kept) dim own disjoint output slices.
        const int64_t rows = L.rows_per_first(), outs = L.out_strides[0];
        ctx.parallel_for(L.dims[0], grain_for(rows * L.run_length()), [&](int64_t b, int64_t e) {
            ref::reduce_runs<T, R>(x, L, b * rows, e * rows, acc.data());
            finish(b * outs, e * outs);
        });
    } else {
        ref::reduce_runs<T, R>(x, L, 0, L.rows(), acc.data());
        finish(0, L.out_numel);
    }
}

template <template <class> class R>
void run_reduction_typed(const Tensor& x, Tensor& y, const ref::ReduceLayout& L, RunContext& ctx,
                         const char* op) {
    dispatch_types<VIREO_NUMERIC_TYPES>(x.dtype(), op, [&](auto tag) {
        using T = typename decltype(tag)::type;
        run_reduction<T, R<T>>(x.data<T>(), y.data<T>(), x.numel(), L, ctx);
    });
}

class ReduceOp final : public Op {
public:
    ReduceOp(const NodeDef& n, ReduceKind kind) : op_(n.op_type), kind_(kind) {
        keepdims_ = read_flag(n, "keepdims", 1);
        // ReduceSum took axes as an input from opset 13, the rest of the family from 18.
        axes_from_input_ = n.opset >= 18 || (kind == ReduceKind::Sum && n.opset >= 13);
        if (axes_from_input_) {
            check(!n.has("axes"), op_, ": axes is an input, not an attribute, at opset ", n.opset);
            noop_with_empty_axes_ = read_flag(n, "noop_with_empty_axes", 0);
        } else {
            axes_ = n.get_ints("axes");
        }
    }

    bool infer(InferContext& ctx) const override {
        check(ctx.num_inputs() >= 1 && ctx.has_input(0), op_, ": missing input 'data'");
        check(is_numeric(ctx.dtype(0)), op_, ": unsupported element type ", dtype_name(ctx.dtype(0)));
        std::vector<int64_t> axes = axes_;
        if (axes_from_input_ && ctx.has_input(1)) {
            if (!ctx.has_value(1)) return false;
            axes = read_axes_input(ctx.value(1));
        }
        const Shape& in = ctx.shape(0);
        if (axes.empty() && noop_with_empty_axes_) {
            ctx.set_output(0, ctx.dtype(0), in);
            return true;
        }
        const std::vector<bool> mask = reduce_mask(axes, in.size());
        Shape out;
        for (size_t d = 0; d < in.size(); ++d) {
            if (!mask[d]) out.push_back(in[d]);
            else if (keepdims_) out.push_back(1);
        }
        ctx.set_output(0, ctx.dtype(0), out);
        return true;
    }

    void run(RunContext& ctx) const override {
        const Tensor& x = ctx.input(0);
        Tensor& y = ctx.output(0);
        std::vector<int64_t> axes = axes_;
        if (axes_from_input_ && ctx.has_input(1)) axes = read_axes_input(ctx.input(1));
        if (axes.empty() && noop_with_empty_axes_) {
            if (x.nbytes() > 0) std::memcpy(y.raw(), x.raw(), x.nbytes());
            return;
        }
        const auto L = ref::ReduceLayout::make(x.shape(), reduce_mask(axes, x.rank()));
        const char* op = op_.c_str();
        switch (kind_) {
            case ReduceKind::Sum: run_reduction_typed<ref::SumReducer>(x, y, L, ctx, op); break;
            case ReduceKind::Mean: run_reduction_typed<ref::MeanReducer>(x, y, L, ctx, op); break;
            case ReduceKind::Max: run_reduction_typed<ref::MaxReducer>(x, y, L, ctx, op); break;
            case ReduceKind::Min: run_reduction_typed<ref::MinReducer>(x, y, L, ctx, op); break;
            case ReduceKind::Prod: run_reduction_typed<ref::ProdReducer>(x, y, L, ctx, op); break;
            case ReduceKind::L1: run_reduction_typed<ref::L1Reducer>(x, y, L, ctx, op); break;
            case ReduceKind::L2: run_reduction_typed<ref::L2Reducer>(x, y, L, ctx, op); break;
            case ReduceKind::SumSquare: run_reduction_typed<ref::SumSquareReducer>(x, y, L, ctx, op); break;
            case ReduceKind::LogSum: run_reduction_typed<ref::LogSumReducer>(x, y, L, ctx, op); break;
            case ReduceKind::LogSumExp: run_reduction_typed<ref::LogSumExpReducer>(x, y, L, ctx, op); break;
        }
    }

private:
    std::vector<int64_t> read_axes_input(const Tensor& t) const {
        check(t.rank() <= 1, op_, ": axes must be a 1-D tensor, got shape ", shape_str(t.shape()));
        return to_i64_vector(t, (op_ + " axes").c_str());
    }

    // Empty axes reduce every dim (the noop case is handled by the callers).
    std::vector<bool> reduce_mask(const std::vector<int64_t>& axes, size_t rank) const {
        std::vector<bool> mask(rank, axes.empty());
        for (int64_t a : axes) {
            const int64_t d = normalize_axis(a, int64_t(rank), op_.c_str());
            check(!mask[size_t(d)], op_, ": axis ", a, " appears more than once in axes");
            mask[size_t(d)] = true;
        }
        return mask;
    }

    std::string op_;
    ReduceKind kind_;
    bool keepdims_ = true;
    bool axes_from_input_ = false;
    bool noop_with_empty_axes_ = false;
    std::vector<int64_t> axes_;
};

template <ReduceKind K>
std::unique_ptr<Op> make_reduce(const NodeDef& n) {
    return std::make_unique<ReduceOp>(n, K);
}

// ---------------------------------------------------------------------------
// ArgMax / ArgMin

template <bool Max>
class ArgOp final : public Op {
public:
    explicit ArgOp(const NodeDef& n) : op_(Max ? "ArgMax" : "ArgMin") {
        axis_ = n.get_int("axis", 0);
        keepdims_ = read_flag(n, "keepdims", 1);
        select_last_ = read_flag(n, "select_last_index", 0);
    }

    bool infer(InferContext& ctx) const override {
        check(ctx.num_inputs() >= 1 && ctx.has_input(0), op_, ": missing input 'data'");
        const DType t = ctx.dtype(0);
        check(is_numeric(t), op_, ": unsupported element type ", dtype_name(t));
        const Shape& in = ctx.shape(0);
        const size_t axis = size_t(normalize_axis(axis_, int64_t(in.size()), op_));
        Shape out = in;
        if (keepdims_) out[axis] = 1;
        else out.erase(out.begin() + std::ptrdiff_t(axis));
        check(in[axis] > 0 || span_size(out, 0, out.size()) == 0, op_,
              ": cannot take the index of an empty axis ", axis_, " of shape ", shape_str(in));
        ctx.set_output(0, DType::Int64, out);
        return true;
    }

    void run(RunContext& ctx) const override {
        const Tensor& x = ctx.input(0);
        Tensor& y = ctx.output(0);
        if (y.numel() == 0) return;
        const size_t axis = size_t(normalize_axis(axis_, int64_t(x.rank()), op_));
        const int64_t outer = span_size(x.shape(), 0, axis), len = x.dim(axis);
        const int64_t inner = span_size(x.shape(), axis + 1, x.rank());
        dispatch_types<VIREO_NUMERIC_TYPES>(x.dtype(), op_, [&](auto tag) {
            using T = typename decltype(tag)::type;
            ctx.parallel_for(outer, grain_for(len * inner), [&](int64_t b, int64_t e) {
                ref::arg_reduce<Max, T>(x.data<T>(), y.data<int64_t>(), len, inner, select_last_, b, e);
            });
        });
    }

private:
    const char* op_;
    int64_t axis_ = 0;
    bool keepdims_ = true;
    bool select_last_ = false;
};

// ---------------------------------------------------------------------------
// TopK

class TopKOp final : public Op {
public:
    explicit TopKOp(const NodeDef& n) : opset_(n.opset) {
        axis_ = n.get_int("axis", -1);
        if (opset_ < 10) {
            k_attr_ = n.req_int("k");
            check(k_attr_ >= 0, "TopK: k must be non-negative, got ", k_attr_);
        }
        if (opset_ >= 11) {
            largest_ = read_flag(n, "largest", 1);
            read_flag(n, "sorted", 1);  // results are always sorted, which satisfies either value
        }
    }

    bool infer(InferContext& ctx) const override {
        check(ctx.num_inputs() >= 1 && ctx.has_input(0), "TopK: missing input 'X'");
        const DType t = ctx.dtype(0);
        check(is_numeric(t), "TopK: unsupported element type ", dtype_name(t));
        int64_t k = k_attr_;
        if (opset_ >= 10) {
            check(ctx.has_input(1), "TopK: missing input 'K'");
            if (!ctx.has_value(1)) return false;
            k = read_k(ctx.value(1));
        }
        const Shape& in = ctx.shape(0);
        const size_t axis = size_t(normalize_axis(axis_, int64_t(in.size()), "TopK"));
        check(k <= in[axis], "TopK: k = ", k, " exceeds the axis size ", in[axis], " of shape ",
              shape_str(in));
        Shape out = in;
        out[axis] = k;
        ctx.set_output(0, t, out);
        if (ctx.has_output(1)) ctx.set_output(1, DType::Int64, out);
        return true;
    }

    void run(RunContext& ctx) const override {
        const Tensor& x = ctx.input(0);
        const int64_t k = opset_ >= 10 ? read_k(ctx.input(1)) : k_attr_;
        const size_t axis = size_t(normalize_axis(axis_, int64_t(x.rank()), "TopK"));
        const int64_t outer = span_size(x.shape(), 0, axis), len = x.dim(axis);
        const int64_t inner = span_size(x.shape(), axis + 1, x.rank());
        if (k == 0 || outer * inner == 0) return;
        Tensor& values = ctx.output(0);
        // Indices are computed regardless; use scratch when the output is omitted.
        std::vector<int64_t> scratch;
        int64_t* indices = nullptr;
        if (ctx.has_output(1)) {
            indices = ctx.output(1).data<int64_t>();
        } else {
            scratch.resize(size_t(values.numel()));
            indices = scratch.data();
        }
        dispatch_types<VIREO_NUMERIC_TYPES>(x.dtype(), "TopK", [&](auto tag) {
            using T = typename decltype(tag)::type;
            ctx.parallel_for(outer * inner, grain_for(len * 4), [&](int64_t b, int64_t e) {
                ref::topk_slices<T>(x.data<T>(), values.data<T>(), indices, len, inner, k, largest_, b, e);
            });
        });
    }

private:
    static int64_t read_k(const Tensor& t) {
        check(t.rank() <= 1 && t.numel() == 1, "TopK: K must be a 1-element 1-D tensor, got shape ",
              shape_str(t.shape()));
        const int64_t k = to_i64_vector(t, "TopK K")[0];
        check(k >= 0, "TopK: k must be non-negative, got ", k);
        return k;
    }

    int opset_;
    int64_t axis_ = -1;
    int64_t k_attr_ = 0;
    bool largest_ = true;
};

// ---------------------------------------------------------------------------
// CumSum

class CumSumOp final : public Op {
public:
    explicit CumSumOp(const NodeDef& n) {
        exclusive_ = read_flag(n, "exclusive", 0);
        reverse_ = read_flag(n, "reverse", 0);
    }

    bool infer(InferContext& ctx) const override {
        check(ctx.num_inputs() >= 2 && ctx.has_input(0) && ctx.has_input(1),
              "CumSum: expects inputs 'x' and 'axis'");
        const DType t = ctx.dtype(0);
        check(t == DType::Float32 || t == DType::Float64 || t == DType::Int32 || t == DType::Int64 ||
                  t == DType::UInt32 || t == DType::UInt64,
              "CumSum: unsupported element type ", dtype_name(t));
        check(ctx.dtype(1) == DType::Int32 || ctx.dtype(1) == DType::Int64,
              "CumSum: axis must be int32 or int64, got ", dtype_name(ctx.dtype(1)));
        check(ctx.shape(1).size() <= 1, "CumSum: axis must be a scalar, got shape ",
              shape_str(ctx.shape(1)));
        check(!ctx.shape(0).empty(), "CumSum: input must have rank >= 1");
        if (ctx.has_value(1)) read_axis(ctx.value(1), ctx.shape(0).size());
        ctx.set_output(0, t, ctx.shape(0));
        return true;
    }

    void run(RunContext& ctx) const override {
        const Tensor& x = ctx.input(0);
        Tensor& y = ctx.output(0);
        if (x.numel() == 0) return;
        const size_t axis = read_axis(ctx.input(1), x.rank());
        const int64_t outer = span_size(x.shape(), 0, axis), len = x.dim(axis);
        const int64_t inner = span_size(x.shape(), axis + 1, x.rank());
        dispatch_types<float, double, int32_t, int64_t, uint32_t, uint64_t>(x.dtype(), "CumSum", [&](auto tag) {
            using T = typename decltype(tag)::type;
            ctx.parallel_for(outer, grain_for(len * inner), [&](int64_t b, int64_t e) {
                ref::cumsum<T>(x.data<T>(), y.data<T>(), len, inner, exclusive_, reverse_, b, e);
            });
        });
    }

private:
    static size_t read_axis(const Tensor& t, size_t rank) {
        check(t.numel() == 1, "CumSum: axis must hold exactly one value, got shape ", shape_str(t.shape()));
        return size_t(normalize_axis(to_i64_vector(t, "CumSum axis")[0], int64_t(rank), "CumSum"));
    }

    bool exclusive_ = false;
    bool reverse_ = false;
};

template <class OpT>
std::unique_ptr<Op> make(const NodeDef& n) {
    return std::make_unique<OpT>(n);
}

}  // namespace

void register_reduce_ops(OpRegistry& reg) {
    reg.add("ReduceSum", &make_reduce<ReduceKind::Sum>);
    reg.add("ReduceMean", &make_reduce<ReduceKind::Mean>);
    reg.add("ReduceMax", &make_reduce<ReduceKind::Max>);
    reg.add("ReduceMin", &make_reduce<ReduceKind::Min>);
    reg.add("ReduceProd", &make_reduce<ReduceKind::Prod>);
    reg.add("ReduceL1", &make_reduce<ReduceKind::L1>);
    reg.add("ReduceL2", &make_reduce<ReduceKind::L2>);
    reg.add("ReduceSumSquare", &make_reduce<ReduceKind::SumSquare>);
    reg.add("ReduceLogSum", &make_reduce<ReduceKind::LogSum>);
    reg.add("ReduceLogSumExp", &make_reduce<ReduceKind::LogSumExp>);
    reg.add("ArgMax", &make<ArgOp<true>>);
    reg.add("ArgMin", &make<ArgOp<false>>);
    reg.add("TopK", &make<TopKOp>);
    reg.add("CumSum", &make<CumSumOp>, 11);
    register_softmax_ops(reg);
    register_norm_ops(reg);
}

}  // namespace vireo::rt
