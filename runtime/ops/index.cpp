// vireo — index family: Gather, GatherElements, GatherND, ScatterElements,
// ScatterND. The rest of the family lives in index_generators.cpp (Range,
// NonZero, OneHot, Trilu, EyeLike), pad.cpp and resize.cpp (Resize, Upsample);
// register_index_ops below registers all of them.
//
// Gathers and plain scatters only move elements, so they work on raw bytes and
// accept every element type vireo can store. Indices are validated in full
// before anything is written: an out-of-range index is an error, never a read
// or write outside a tensor.
#include <algorithm>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

#include "runtime/ops/op.hpp"
#include "runtime/ops/util.hpp"

namespace vireo::rt {

void register_index_generator_ops(OpRegistry& reg);  // index_generators.cpp
void register_index_pad_ops(OpRegistry& reg);        // pad.cpp
void register_index_resize_ops(OpRegistry& reg);     // resize.cpp

namespace {

template <class O>
std::unique_ptr<Op> make(const NodeDef& n) {
    return std::make_unique<O>(n);
}

int64_t product(const Shape& s, size_t begin, size_t end) {
    int64_t p = 1;
    for (size_t i = begin; i < end; ++i) p *= s[i];
    return p;
}

void check_storable(DType t, const char* op, const char* what) {
    check(dtype_size(t) != 0, op, ": unsupported element type ", dtype_name(t), " for ", what);
}

void check_index_type(DType t, const char* op) {
    check(t == DType::Int64 || t == DType::Int32, op, ": indices must be int64 or int32, got ",
          dtype_name(t));
}

// Reads every index as int64, wrapping a negative one once by its bound and
// rejecting anything still outside [0, bound). Index k is checked against
// bounds[k % bounds.size()], which covers both a single axis (one bound) and
// GatherND/ScatterND index tuples (one bound per tuple position).
std::vector<int64_t> normalized_indices(const Tensor& indices, const std::vector<int64_t>& bounds,
                                        const char* op) {
    std::vector<int64_t> v = to_i64_vector(indices, op);
    if (v.empty()) return v;
    const size_t m = bounds.size();
    for (size_t k = 0; k < v.size(); ++k) {
        const int64_t bound = bounds[k % m];
        int64_t i = v[k];
        if (i < 0) i += bound;
        check(i >= 0 && i < bound, op, ": index ", v[k], " is out of range for a dimension of size ",
              bound);
        v[k] = i;
    }
    return v;
}

// Calls f(std::integral_constant<size_t, N>) with N the element size in bytes,
// so per-element copies compile to single moves instead of variable memcpys.
template <class F>
void with_element_size(size_t esize, F&& f) {
    switch (esize) {
        case 1: f(std::integral_constant<size_t, 1>{}); break;
        case 2: f(std::integral_constant<size_t, 2>{}); break;
        case 4: f(std::integral_constant<size_t, 4>{}); break;
        case 8: f(std::integral_constant<size_t, 8>{}); break;
        default: fail("unsupported element size ", esize);
    }
}

// Offset (in elements) of the start of `row` — a row being the innermost
// dimension of `shape` — within a tensor with `strides`, leaving out `skip_axis`
// whose coordinate the caller supplies from an index tensor.
int64_t row_base(int64_t row, const Shape& shape, const std::vector<int64_t>& strides,
                 size_t skip_axis) {
    int64_t base = 0;
    for (size_t d = shape.size() - 1; d-- > 0;) {
        const int64_t coord = row % shape[d];
        row /= shape[d];
        if (d != skip_axis) base += coord * strides[d];
    }
    return base;
}

// ---------------------------------------------------------------------------
// Gather: out = data[:axis] + indices.shape + data[axis+1:]

class GatherOp final : public Op {
public:
    explicit GatherOp(const NodeDef& n) : axis_(n.get_int("axis", 0)) {}

    bool infer(InferContext& ctx) const override {
        const Shape& data = ctx.shape(0);
        check_storable(ctx.dtype(0), "Gather", "data");
        check_index_type(ctx.dtype(1), "Gather");
        check(!data.empty(), "Gather: data must have rank >= 1");
        const size_t axis = size_t(normalize_axis(axis_, int64_t(data.size()), "Gather"));
        const Shape& ind = ctx.shape(1);
        Shape out(data.begin(), data.begin() + axis);
        out.insert(out.end(), ind.begin(), ind.end());
        out.insert(out.end(), data.begin() + axis + 1, data.end());
        checked_numel(out);
        ctx.set_output(0, ctx.dtype(0), out);
        return true;
    }

    void run(RunContext& ctx) const override {
        const Tensor& data = ctx.input(0);
        Tensor& out = ctx.output(0);
        const size_t axis = size_t(normalize_axis(axis_, int64_t(data.rank()), "Gather"));
        const std::vector<int64_t> idx = normalized_indices(ctx.input(1), {data.dim(axis)}, "Gather");
        const int64_t outer = product(data.shape(), 0, axis);
        const int64_t inner = product(data.shape(), axis + 1, data.rank());
        const int64_t n_idx = int64_t(idx.size());
        const size_t slice_bytes = size_t(inner) * dtype_size(data.dtype());
        if (outer * n_idx == 0 || slice_bytes == 0) return;
        const auto* src = static_cast<const unsigned char*>(data.raw());
        auto* dst = static_cast<unsigned char*>(out.raw());
        const int64_t axis_dim = data.dim(axis);
        // One task per (outer, index) pair: each copies one contiguous slice.
        ctx.parallel_for(outer * n_idx, std::max<int64_t>(1, 4096 / int64_t(slice_bytes)),
                         [&](int64_t begin, int64_t end) {
                             for (int64_t t = begin; t < end; ++t) {
                                 const int64_t o = t / n_idx, j = t % n_idx;
                                 std::memcpy(dst + size_t(t) * slice_bytes,
                                             src + size_t(o * axis_dim + idx[size_t(j)]) * slice_bytes,
                                             slice_bytes);
                             }
                         });
    }

private:
    int64_t axis_;
};

// ---------------------------------------------------------------------------
// GatherElements / ScatterElements share shape rules: indices has the data's
// rank, and every dimension but `axis` must fit inside the data's.

void check_elementwise_index_shape(const Shape& data, const Shape& ind, size_t axis, const char* op) {
    check(ind.size() == data.size(), op, ": indices rank ", ind.size(), " must equal data rank ",
          data.size());
    for (size_t d = 0; d < data.size(); ++d)
        check(d == axis || ind[d] <= data[d], op, ": indices shape ", shape_str(ind),
              " exceeds data shape ", shape_str(data), " outside axis ", axis);
}

class GatherElementsOp final : public Op {
public:
    explicit GatherElementsOp(const NodeDef& n) : axis_(n.get_int("axis", 0)) {}

    bool infer(InferContext& ctx) const override {
        const Shape& data = ctx.shape(0);
        check_storable(ctx.dtype(0), "GatherElements", "data");
        check_index_type(ctx.dtype(1), "GatherElements");
        check(!data.empty(), "GatherElements: data must have rank >= 1");
        const size_t axis = size_t(normalize_axis(axis_, int64_t(data.size()), "GatherElements"));
        check_elementwise_index_shape(data, ctx.shape(1), axis, "GatherElements");
        // An empty axis can only be indexed by an empty index tensor; run() rejects the rest.
        ctx.set_output(0, ctx.dtype(0), ctx.shape(1));
        return true;
    }

    void run(RunContext& ctx) const override {
        const Tensor& data = ctx.input(0);
        const Tensor& ind = ctx.input(1);
        Tensor& out = ctx.output(0);
        const size_t axis = size_t(normalize_axis(axis_, int64_t(data.rank()), "GatherElements"));
        const std::vector<int64_t> idx = normalized_indices(ind, {data.dim(axis)}, "GatherElements");
        if (idx.empty()) return;
        const Shape& shape = ind.shape();
        const size_t last = shape.size() - 1;
        const int64_t row_len = shape[last];
        const int64_t rows = int64_t(idx.size()) / row_len;
        const std::vector<int64_t> dstrides = contiguous_strides(data.shape());
        const int64_t axis_stride = dstrides[axis];
        const int64_t along_row = axis == last ? 0 : 1;
        const auto* src = static_cast<const unsigned char*>(data.raw());
        auto* dst = static_cast<unsigned char*>(out.raw());
        with_element_size(dtype_size(data.dtype()), [&](auto esize) {
            constexpr size_t N = decltype(esize)::value;
            ctx.parallel_for(rows, std::max<int64_t>(1, 4096 / row_len), [&](int64_t begin, int64_t end) {
                for (int64_t r = begin; r < end; ++r) {
                    const int64_t base = row_base(r, shape, dstrides, axis);
                    const int64_t* row_idx = idx.data() + r * row_len;
                    unsigned char* d = dst + size_t(r * row_len) * N;
                    for (int64_t j = 0; j < row_len; ++j) {
                        const int64_t off = base + j * along_row + row_idx[j] * axis_stride;
                        std::memcpy(d + size_t(j) * N, src + size_t(off) * N, N);
                    }
                }
            });
        });
    }

private:
    int64_t axis_;
};

// ---------------------------------------------------------------------------
// GatherND: out = indices.shape[:-1] + data.shape[batch_dims + m:], where m =
// indices.shape[-1] and the leading batch_dims dimensions pair data and
// indices one to one.

class GatherNDOp final : public Op {
public:
    explicit GatherNDOp(const NodeDef& n) : batch_dims_(n.opset >= 12 ? n.get_int("batch_dims", 0) : 0) {
        check(batch_dims_ >= 0, "GatherND: batch_dims must be non-negative, got ", batch_dims_);
    }

    bool infer(InferContext& ctx) const override {
        const Shape& data = ctx.shape(0);
        const Shape& ind = ctx.shape(1);
        check_storable(ctx.dtype(0), "GatherND", "data");
        check_index_type(ctx.dtype(1), "GatherND");
        check(!data.empty() && !ind.empty(), "GatherND: data and indices must have rank >= 1");
        const size_t b = size_t(batch_dims_);
        check(b < data.size() && b < ind.size(), "GatherND: batch_dims ", b,
              " must be less than both ranks (data ", data.size(), ", indices ", ind.size(), ")");
        for (size_t d = 0; d < b; ++d)
            check(data[d] == ind[d], "GatherND: batch dimensions differ: data ", shape_str(data),
                  ", indices ", shape_str(ind));
        const int64_t m = ind.back();
        check(m >= 1 && m <= int64_t(data.size() - b), "GatherND: indices.shape[-1] = ", m,
              " must be in [1, ", data.size() - b, "]");
        Shape out(ind.begin(), ind.end() - 1);
        out.insert(out.end(), data.begin() + b + size_t(m), data.end());
        ctx.set_output(0, ctx.dtype(0), out);
        return true;
    }

    void run(RunContext& ctx) const override {
        const Tensor& data = ctx.input(0);
        const Tensor& ind = ctx.input(1);
        Tensor& out = ctx.output(0);
        const Shape& ds = data.shape();
        const size_t b = size_t(batch_dims_);
        const size_t m = size_t(ind.shape().back());
        const std::vector<int64_t> bounds(ds.begin() + b, ds.begin() + b + m);
        const std::vector<int64_t> idx = normalized_indices(ind, bounds, "GatherND");

        const int64_t batches = product(ds, 0, b);
        const int64_t slice = product(ds, b + m, ds.size());          // elements per gathered slice
        const int64_t batch_stride = product(ds, b, ds.size());       // elements per data batch
        const int64_t tuples = batches == 0 ? 0 : int64_t(idx.size() / m) / batches;
        // Slice strides of the indexed dimensions.
        std::vector<int64_t> strides(m);
        for (size_t k = m; k-- > 0;) strides[k] = k + 1 == m ? slice : strides[k + 1] * ds[b + k + 1];

        const size_t esize = dtype_size(data.dtype());
        const size_t slice_bytes = size_t(slice) * esize;
        if (batches * tuples == 0 || slice_bytes == 0) return;
        const auto* src = static_cast<const unsigned char*>(data.raw());
        auto* dst = static_cast<unsigned char*>(out.raw());
        ctx.parallel_for(batches * tuples, std::max<int64_t>(1, 4096 / int64_t(slice_bytes)),
                         [&](int64_t begin, int64_t end) {
                             for (int64_t t = begin; t < end; ++t) {
                                 const int64_t batch = t / tuples;
                                 const int64_t* tuple = idx.data() + size_t(t) * m;
                                 int64_t off = batch * batch_stride;
                                 for (size_t k = 0; k < m; ++k) off += tuple[k] * strides[k];
                                 std::memcpy(dst + size_t(t) * slice_bytes, src + size_t(off) * esize,
                                             slice_bytes);
                             }
                         });
    }

private:
    int64_t batch_dims_;
};

// ---------------------------------------------------------------------------
// Scatters: the output starts as a copy of data, then updates are written (or
// combined, opset 16's `reduction`) at the indexed places, in index order, so
// duplicate indices resolve deterministically (last write wins for "none").

enum class Reduction { None, Add, Mul };

Reduction parse_reduction(const NodeDef& n, const char* op) {
    // The attribute appeared in opset 16; older models cannot carry it.
    const std::string r = n.opset >= 16 ? n.get_string("reduction", "none") : "none";
    if (r == "none") return Reduction::None;
    if (r == "add") return Reduction::Add;
    if (r == "mul") return Reduction::Mul;
    fail(op, ": unsupported reduction '", r, "' (expected none, add or mul)");
}

// Applies `count` updates, each `width` contiguous elements, to `out` at the
// element offsets dst_offset(k). Reductions need the element type; plain
// assignment only needs its size.
template <class Offset>
void scatter_apply(Tensor& out, const Tensor& updates, int64_t count, int64_t width, Reduction red,
                   const char* op, Offset&& dst_offset) {
    if (count == 0 || width == 0) return;
    if (red == Reduction::None) {
        const size_t esize = dtype_size(out.dtype());
        const size_t bytes = size_t(width) * esize;
        auto* dst = static_cast<unsigned char*>(out.raw());
        const auto* src = static_cast<const unsigned char*>(updates.raw());
        for (int64_t k = 0; k < count; ++k)
            std::memcpy(dst + size_t(dst_offset(k)) * esize, src + size_t(k) * bytes, bytes);
        return;
    }
    dispatch_types<VIREO_ALL_TYPES>(out.dtype(), op, [&](auto tag) {
        using T = typename decltype(tag)::type;
        T* dst = out.data<T>();
        const T* src = updates.data<T>();
        for (int64_t k = 0; k < count; ++k) {
            T* d = dst + dst_offset(k);
            const T* s = src + k * width;
            for (int64_t j = 0; j < width; ++j) {
                if constexpr (std::is_same_v<T, bool>)  // numpy semantics: + is or, * is and
                    d[j] = red == Reduction::Add ? (d[j] || s[j]) : (d[j] && s[j]);
                else
                    d[j] = red == Reduction::Add ? T(d[j] + s[j]) : T(d[j] * s[j]);
            }
        }
    });
}

void copy_data_to_output(const Tensor& data, Tensor& out) {
    if (data.nbytes() != 0 && data.raw() != out.raw()) std::memcpy(out.raw(), data.raw(), data.nbytes());
}

class ScatterElementsOp final : public Op {
public:
    explicit ScatterElementsOp(const NodeDef& n)
        : axis_(n.get_int("axis", 0)), reduction_(parse_reduction(n, "ScatterElements")) {}

    bool infer(InferContext& ctx) const override {
        const Shape& data = ctx.shape(0);
        check_storable(ctx.dtype(0), "ScatterElements", "data");
        check_index_type(ctx.dtype(1), "ScatterElements");
        check(ctx.dtype(2) == ctx.dtype(0), "ScatterElements: updates type ", dtype_name(ctx.dtype(2)),
              " differs from data type ", dtype_name(ctx.dtype(0)));
        check(!data.empty(), "ScatterElements: data must have rank >= 1");
        const size_t axis = size_t(normalize_axis(axis_, int64_t(data.size()), "ScatterElements"));
        check_elementwise_index_shape(data, ctx.shape(1), axis, "ScatterElements");
        check(ctx.shape(2) == ctx.shape(1), "ScatterElements: updates shape ", shape_str(ctx.shape(2)),
              " must equal indices shape ", shape_str(ctx.shape(1)));
        if (reduction_ != Reduction::None)
            check(ctx.dtype(0) != DType::Float16 && ctx.dtype(0) != DType::BFloat16,
                  "ScatterElements: reduction is not supported for ", dtype_name(ctx.dtype(0)));
        ctx.set_output(0, ctx.dtype(0), data);
        return true;
    }

    void run(RunContext& ctx) const override {
        const Tensor& data = ctx.input(0);
        const Tensor& ind = ctx.input(1);
        Tensor& out = ctx.output(0);
        const size_t axis = size_t(normalize_axis(axis_, int64_t(data.rank()), "ScatterElements"));
        const std::vector<int64_t> idx = normalized_indices(ind, {data.dim(axis)}, "ScatterElements");
        copy_data_to_output(data, out);
        if (idx.empty()) return;
        const Shape& shape = ind.shape();
        const size_t last = shape.size() - 1;
        const int64_t row_len = shape[last];
        const std::vector<int64_t> dstrides = contiguous_strides(data.shape());
        const int64_t axis_stride = dstrides[axis];
        const int64_t along_row = axis == last ? 0 : 1;
        // Offsets computed incrementally per row keeps the index walk O(1) per element.
        int64_t cached_row = -1, base = 0;
        scatter_apply(out, ctx.input(2), int64_t(idx.size()), 1, reduction_, "ScatterElements",
                      [&](int64_t k) {
                          const int64_t r = k / row_len, j = k % row_len;
                          if (r != cached_row) base = row_base(r, shape, dstrides, axis), cached_row = r;
                          return base + j * along_row + idx[size_t(k)] * axis_stride;
                      });
    }

private:
    int64_t axis_;
    Reduction reduction_;
};

// ScatterND: indices [..., m] address slices data[i0, ..., i(m-1), :, ...];
// updates has shape indices.shape[:-1] + data.shape[m:].
class ScatterNDOp final : public Op {
public:
    explicit ScatterNDOp(const NodeDef& n) : reduction_(parse_reduction(n, "ScatterND")) {}

    bool infer(InferContext& ctx) const override {
        const Shape& data = ctx.shape(0);
        const Shape& ind = ctx.shape(1);
        check_storable(ctx.dtype(0), "ScatterND", "data");
        check_index_type(ctx.dtype(1), "ScatterND");
        check(ctx.dtype(2) == ctx.dtype(0), "ScatterND: updates type ", dtype_name(ctx.dtype(2)),
              " differs from data type ", dtype_name(ctx.dtype(0)));
        check(!data.empty() && !ind.empty(), "ScatterND: data and indices must have rank >= 1");
        const int64_t m = ind.back();
        check(m >= 1 && m <= int64_t(data.size()), "ScatterND: indices.shape[-1] = ", m, " must be in [1, ",
              data.size(), "]");
        Shape want(ind.begin(), ind.end() - 1);
        want.insert(want.end(), data.begin() + m, data.end());
        check(ctx.shape(2) == want, "ScatterND: updates shape ", shape_str(ctx.shape(2)), " must be ",
              shape_str(want));
        if (reduction_ != Reduction::None)
            check(ctx.dtype(0) != DType::Float16 && ctx.dtype(0) != DType::BFloat16,
                  "ScatterND: reduction is not supported for ", dtype_name(ctx.dtype(0)));
        ctx.set_output(0, ctx.dtype(0), data);
        return true;
    }

    void run(RunContext& ctx) const override {
        const Tensor& data = ctx.input(0);
        const Tensor& ind = ctx.input(1);
        Tensor& out = ctx.output(0);
        const Shape& ds = data.shape();
        const size_t m = size_t(ind.shape().back());
        const std::vector<int64_t> bounds(ds.begin(), ds.begin() + m);
        const std::vector<int64_t> idx = normalized_indices(ind, bounds, "ScatterND");
        copy_data_to_output(data, out);
        const int64_t slice = product(ds, m, ds.size());
        std::vector<int64_t> strides(m);
        for (size_t k = m; k-- > 0;) strides[k] = k + 1 == m ? slice : strides[k + 1] * ds[k + 1];
        scatter_apply(out, ctx.input(2), int64_t(idx.size() / m), slice, reduction_, "ScatterND",
                      [&](int64_t t) {
                          const int64_t* tuple = idx.data() + size_t(t) * m;
                          int64_t off = 0;
                          for (size_t k = 0; k < m; ++k) off += tuple[k] * strides[k];
                          return off;
                      });
    }

private:
    Reduction reduction_;
};

}  // namespace

void register_index_ops(OpRegistry& reg) {
    reg.add("Gather", &make<GatherOp>, 1);
    reg.add("GatherElements", &make<GatherElementsOp>, 11);
    reg.add("GatherND", &make<GatherNDOp>, 11);
    reg.add("ScatterElements", &make<ScatterElementsOp>, 11);
    // Scatter (opset 9-10) is ScatterElements under its deprecated name.
    reg.add("Scatter", &make<ScatterElementsOp>, 9);
    reg.add("ScatterND", &make<ScatterNDOp>, 11);
    register_index_generator_ops(reg);
    register_index_pad_ops(reg);
    register_index_resize_ops(reg);
}

}  // namespace vireo::rt
