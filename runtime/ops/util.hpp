// vireo — helpers shared by op implementations: axes, broadcasting, dtype dispatch.
#pragma once
#include <cstdint>
#include <type_traits>
#include <utility>
#include <vector>

#include "runtime/ops/op.hpp"
#include "vireo/error.hpp"
#include "vireo/tensor.hpp"

namespace vireo::rt {

// ONNX negative axes count from the back. Throws if out of [-rank, rank).
inline int64_t normalize_axis(int64_t axis, int64_t rank, const char* op) {
    check(axis >= -rank && axis < rank, op, ": axis ", axis, " out of range for rank ", rank);
    return axis < 0 ? axis + rank : axis;
}

// Numpy multidirectional broadcasting of two shapes; throws on mismatch.
inline Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op) {
    size_t r = std::max(a.size(), b.size());
    Shape out(r);
    for (size_t i = 0; i < r; ++i) {
        int64_t da = i < r - a.size() ? 1 : a[i - (r - a.size())];
        int64_t db = i < r - b.size() ? 1 : b[i - (r - b.size())];
        check(da == db || da == 1 || db == 1, op, ": cannot broadcast ", shape_str(a), " with ",
              shape_str(b));
        out[i] = da == 1 ? db : da;
    }
    return out;
}

// Element strides of `in` when read as broadcast to `out` (0 on broadcast dims).
// `in` must be broadcastable to `out` (right-aligned).
inline std::vector<int64_t> broadcast_strides(const Shape& in, const Shape& out) {
    std::vector<int64_t> st(out.size(), 0);
    int64_t s = 1;
    for (size_t k = 0; k < in.size(); ++k) {
        size_t i = in.size() - 1 - k, o = out.size() - 1 - k;
        st[o] = in[i] == 1 ? 0 : s;
        s *= in[i];
    }
    return st;
}

// Contiguous row-major strides.
inline std::vector<int64_t> contiguous_strides(const Shape& s) {
    std::vector<int64_t> st(s.size(), 1);
    for (size_t i = s.size(); i-- > 1;) st[i - 1] = st[i] * s[i];
    return st;
}

// Reads an integer tensor (int64 or int32; any rank) as int64 values.
inline std::vector<int64_t> to_i64_vector(const Tensor& t, const char* what) {
    std::vector<int64_t> v(size_t(t.numel()));
    if (t.dtype() == DType::Int64) {
        for (size_t i = 0; i < v.size(); ++i) v[i] = t.data<int64_t>()[i];
    } else if (t.dtype() == DType::Int32) {
        for (size_t i = 0; i < v.size(); ++i) v[i] = t.data<int32_t>()[i];
    } else {
        fail(what, ": expected an int64 or int32 tensor, got ", dtype_name(t.dtype()));
    }
    return v;
}

// Reads a float/double/integer tensor's element as double (for scalars such as
// Range's start or Clip's min).
inline double element_as_double(const Tensor& t, int64_t i) {
    switch (t.dtype()) {
        case DType::Float32: return t.data<float>()[i];
        case DType::Float64: return t.data<double>()[i];
        case DType::Int64: return double(t.data<int64_t>()[i]);
        case DType::Int32: return t.data<int32_t>()[i];
        case DType::Int16: return t.data<int16_t>()[i];
        case DType::Int8: return t.data<int8_t>()[i];
        case DType::UInt64: return double(t.data<uint64_t>()[i]);
        case DType::UInt32: return t.data<uint32_t>()[i];
        case DType::UInt16: return t.data<uint16_t>()[i];
        case DType::UInt8: case DType::Bool: return t.data<uint8_t>()[i];
        default: fail("unsupported element type ", dtype_name(t.dtype()));
    }
}

// Type dispatch: calls f(T{}) with T the storage type for `t`, restricted to the
// listed types; otherwise throws naming the op. Bool dispatches as `bool` but is
// stored as uint8_t-sized bytes, so use `bool` pointers only for 0/1 data.
template <class T> struct type_tag { using type = T; };

template <class... Ts, class F>
decltype(auto) dispatch_types(DType t, const char* op, F&& f) {
    using R = decltype(f(type_tag<float>{}));
    if constexpr (std::is_void_v<R>) {
        bool done = ((t == dtype_of<Ts> ? (f(type_tag<Ts>{}), true) : false) || ...);
        if (!done) fail(op, ": unsupported element type ", dtype_name(t));
    } else {
        R r{};
        bool done = ((t == dtype_of<Ts> ? (r = f(type_tag<Ts>{}), true) : false) || ...);
        if (!done) fail(op, ": unsupported element type ", dtype_name(t));
        return r;
    }
}

#define VIREO_FLOAT_TYPES float, double
#define VIREO_INT_TYPES int64_t, int32_t, int16_t, int8_t, uint64_t, uint32_t, uint16_t, uint8_t
#define VIREO_NUMERIC_TYPES VIREO_FLOAT_TYPES, VIREO_INT_TYPES
#define VIREO_ALL_TYPES VIREO_NUMERIC_TYPES, bool

// Generic N-d index iteration: calls f(offset_in_out) for each element, with a
// precomputed per-input offset. Small helper for reference kernels that need
// strided reads (broadcast, transpose).
template <class F>
void for_each_index(const Shape& shape, F&& f) {
    int64_t n = 1;
    for (auto d : shape) n *= d;
    if (n == 0) return;
    std::vector<int64_t> idx(shape.size(), 0);
    for (int64_t k = 0; k < n; ++k) {
        f(k, idx);
        for (size_t d = shape.size(); d-- > 0;) {
            if (++idx[d] < shape[d]) break;
            idx[d] = 0;
        }
    }
}

}  // namespace vireo::rt
