// vireo — reference kernels for reductions along axes: the Reduce* family,
// ArgMax/ArgMin, TopK and CumSum, plus the reduce layout the normalization
// ops reuse. Plain scalar C++; callers split work into ranges for threading.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <type_traits>
#include <vector>

#include "vireo/error.hpp"
#include "vireo/tensor.hpp"

namespace vireo::ref {

// ---------------------------------------------------------------------------
// Numeric helpers

// Sums and products accumulate in double for floating point (accuracy on long
// reductions) and in uint64 for integers: unsigned arithmetic wraps modulo 2^64
// with defined behaviour, and narrowing back to T keeps the low bits, which is
// exactly two's-complement wrap-around in T.
template <class T>
using wide_t = std::conditional_t<std::is_floating_point_v<T>, double, uint64_t>;

template <class T>
constexpr bool is_float_v = std::is_floating_point_v<T>;

template <class T>
inline bool is_nan(T v) {
    if constexpr (is_float_v<T>) return std::isnan(v);
    else return false;
}

// A double result (sqrt, log, mean) narrowed to T. Float-to-integer conversion
// of an out-of-range value is undefined, so integers saturate and NaN maps to 0.
template <class T>
inline T narrow_from_double(double v) {
    if constexpr (is_float_v<T>) {
        return T(v);
    } else {
        if (std::isnan(v)) return T(0);
        if (v <= double(std::numeric_limits<T>::lowest())) return std::numeric_limits<T>::lowest();
        if (v >= double(std::numeric_limits<T>::max())) return std::numeric_limits<T>::max();
        return T(v);
    }
}

// The accumulated value as a double, reading wrapped integer sums as signed
// when T is signed.
template <class T>
inline double wide_as_double(wide_t<T> a) {
    if constexpr (is_float_v<T>) return a;
    else if constexpr (std::is_signed_v<T>) return double(int64_t(a));
    else return double(a);
}

template <class T>
inline wide_t<T> abs_wide(T x) {
    if constexpr (is_float_v<T>) return std::fabs(double(x));
    else if constexpr (std::is_signed_v<T>) return x < 0 ? uint64_t(0) - uint64_t(int64_t(x)) : uint64_t(x);
    else return uint64_t(x);
}

// Largest / smallest representable value, infinities for floating point: the
// identities of Max and Min, so reducing an empty set gives -inf / +inf.
template <class T>
constexpr T lowest_value() {
    if constexpr (is_float_v<T>) return -std::numeric_limits<T>::infinity();
    else return std::numeric_limits<T>::lowest();
}
template <class T>
constexpr T highest_value() {
    if constexpr (is_float_v<T>) return std::numeric_limits<T>::infinity();
    else return std::numeric_limits<T>::max();
}

// ---------------------------------------------------------------------------
// Reducers: init() is the identity, add() folds one element, finish() turns
// the accumulator of `count` elements into the output value.

template <class T>
struct SumReducer {
    using Acc = wide_t<T>;
    static Acc init() { return Acc(0); }
    static void add(Acc& a, T x) { a += Acc(x); }
    static T finish(Acc a, int64_t) { return T(a); }
};

template <class T>
struct SumSquareReducer {
    using Acc = wide_t<T>;
    static Acc init() { return Acc(0); }
    static void add(Acc& a, T x) { a += Acc(x) * Acc(x); }
    static T finish(Acc a, int64_t) { return T(a); }
};

template <class T>
struct L1Reducer {
    using Acc = wide_t<T>;
    static Acc init() { return Acc(0); }
    static void add(Acc& a, T x) { a += abs_wide(x); }
    static T finish(Acc a, int64_t) { return T(a); }
};

template <class T>
struct L2Reducer {
    using Acc = wide_t<T>;
    static Acc init() { return Acc(0); }
    static void add(Acc& a, T x) { a += Acc(x) * Acc(x); }
    static T finish(Acc a, int64_t) {
        // A sum of squares is non-negative; read wrapped integers as unsigned.
        return narrow_from_double<T>(std::sqrt(double(a)));
    }
};

template <class T>
struct MeanReducer {
    using Acc = wide_t<T>;
    static Acc init() { return Acc(0); }
    static void add(Acc& a, T x) { a += Acc(x); }
    static T finish(Acc a, int64_t n) {
        if constexpr (is_float_v<T>) {
            return T(a / double(n));  // empty: 0/0 = NaN, as numpy's mean
        } else {
            if (n == 0) return T(0);
            if constexpr (std::is_signed_v<T>) return T(int64_t(a) / n);  // truncates like astype
            else return T(a / uint64_t(n));
        }
    }
};

template <class T>
struct ProdReducer {
    using Acc = wide_t<T>;
    static Acc init() { return Acc(1); }
    static void add(Acc& a, T x) { a *= Acc(x); }
    static T finish(Acc a, int64_t) { return T(a); }
};

template <class T>
struct LogSumReducer {
    using Acc = wide_t<T>;
    static Acc init() { return Acc(0); }
    static void add(Acc& a, T x) { a += Acc(x); }
    static T finish(Acc a, int64_t) { return narrow_from_double<T>(std::log(wide_as_double<T>(a))); }
};

// NaN propagates: once seen it sticks, since no comparison against NaN is true.
template <class T>
struct MaxReducer {
    using Acc = T;
    static Acc init() { return lowest_value<T>(); }
    static void add(Acc& a, T x) {
        if (x > a || is_nan(x)) a = x;
    }
    static T finish(Acc a, int64_t) { return a; }
};

template <class T>
struct MinReducer {
    using Acc = T;
    static Acc init() { return highest_value<T>(); }
    static void add(Acc& a, T x) {
        if (x < a || is_nan(x)) a = x;
    }
    static T finish(Acc a, int64_t) { return a; }
};

// Streaming log(sum(exp(x))): keeps the running maximum m and sum(exp(x - m)),
// rescaling the sum when a new maximum arrives, so nothing overflows.
template <class T>
struct LogSumExpReducer {
    struct Acc {
        double max;
        double sum;
    };
    static Acc init() { return {-std::numeric_limits<double>::infinity(), 0.0}; }
    // exp of a non-positive difference: float precision is plenty for float
    // inputs (and much cheaper); the sum itself stays double.
    static double exp_term(double d) {
        if constexpr (std::is_same_v<T, float>) return double(std::exp(float(d)));
        else return std::exp(d);
    }
    static void add(Acc& a, T x) {
        const double v = double(x);
        if (std::isnan(v) || std::isnan(a.max)) {
            a.max = std::numeric_limits<double>::quiet_NaN();
        } else if (v > a.max) {
            a.sum = a.sum * exp_term(a.max - v) + 1.0;  // exp(-inf) = 0 on the first element
            a.max = v;
        } else if (v != -std::numeric_limits<double>::infinity() &&
                   a.max != std::numeric_limits<double>::infinity()) {
            a.sum += exp_term(v - a.max);
        }
    }
    // Empty or all -inf: max = -inf and log(0) = -inf.
    static T finish(Acc a, int64_t) { return narrow_from_double<T>(a.max + std::log(a.sum)); }
};

// ---------------------------------------------------------------------------
// Reduce layout

// The input shape with dims of size 1 dropped and neighbouring dims of the same
// kind (reduced or kept) merged. When the reduced dims form one block the
// reduction is out[o][i] = R(x[o][r][i]) over (outer, reduce, inner); otherwise
// the general path walks the input in memory order as runs along the last
// merged dim.
struct ReduceLayout {
    std::vector<int64_t> dims;
    std::vector<uint8_t> reduced;
    std::vector<int64_t> in_strides;   // row-major over `dims`
    std::vector<int64_t> out_strides;  // 0 on reduced dims
    bool contiguous = true;
    int64_t outer = 1, reduce = 1, inner = 1;  // meaningful when contiguous
    int64_t reduce_count = 1;                  // elements folded into each output
    int64_t out_numel = 1;

    // `shape` must have a checked element count; `reduce_mask[d]` marks reduced
    // dims. Walking runs assumes a non-empty input: callers settle empty inputs
    // (identity outputs, or nothing to write) before that.
    static ReduceLayout make(const Shape& shape, const std::vector<bool>& reduce_mask) {
        ReduceLayout L;
        for (size_t d = 0; d < shape.size(); ++d) {
            if (reduce_mask[d]) L.reduce_count *= shape[d];
            else L.out_numel *= shape[d];
            if (shape[d] == 1) continue;
            const uint8_t r = reduce_mask[d] ? 1 : 0;
            if (!L.dims.empty() && L.reduced.back() == r) {
                L.dims.back() *= shape[d];
            } else {
                L.dims.push_back(shape[d]);
                L.reduced.push_back(r);
            }
        }
        if (L.dims.empty()) {  // all dims of size 1 (or rank 0): one element
            L.dims.push_back(1);
            L.reduced.push_back(0);
        }
        const size_t m = L.dims.size();
        L.in_strides.assign(m, 1);
        L.out_strides.assign(m, 0);
        int64_t in_s = 1, out_s = 1;
        for (size_t d = m; d-- > 0;) {
            L.in_strides[d] = in_s;
            in_s *= L.dims[d];
            if (!L.reduced[d]) {
                L.out_strides[d] = out_s;
                out_s *= L.dims[d];
            }
        }
        // Contiguous patterns: K, R, K R, R K, K R K.
        size_t first_r = m, blocks_r = 0;
        for (size_t d = 0; d < m; ++d)
            if (L.reduced[d]) {
                if (first_r == m) first_r = d;
                ++blocks_r;
            }
        L.contiguous = blocks_r <= 1;
        if (L.contiguous) {
            if (blocks_r == 0) {
                L.outer = L.out_numel;
            } else {
                for (size_t d = 0; d < first_r; ++d) L.outer *= L.dims[d];
                L.reduce = L.dims[first_r];
                for (size_t d = first_r + 1; d < m; ++d) L.inner *= L.dims[d];
            }
        }
        return L;
    }

    // Runs are the rows of the input viewed as [rows, dims.back()].
    int64_t run_length() const { return dims.back(); }
    int64_t rows() const {
        int64_t r = 1;
        for (size_t d = 0; d + 1 < dims.size(); ++d) r *= dims[d];
        return r;
    }
    // Rows sharing one index of the first merged dim; splitting rows at these
    // boundaries gives chunks with disjoint outputs when the first dim is kept.
    int64_t rows_per_first() const { return dims.size() > 1 ? rows() / dims[0] : 1; }
    bool first_dim_kept() const { return dims.size() > 1 && !reduced[0]; }

    // Calls fn(in_offset, out_offset, length, out_step) for rows [row_begin,
    // row_end) in memory order; out_step is 0 when the last dim is reduced (the
    // run folds into one output) and 1 when it is kept (elementwise into outputs).
    template <class F>
    void for_each_run(int64_t row_begin, int64_t row_end, F&& fn) const {
        if (row_begin >= row_end) return;
        const size_t m = dims.size();
        const int64_t len = dims[m - 1];
        const int64_t step = reduced[m - 1] ? 0 : 1;
        std::vector<int64_t> idx(m, 0);
        int64_t in_off = 0, out_off = 0;
        int64_t rest = row_begin;
        for (size_t d = m - 1; d-- > 0;) {
            idx[d] = rest % dims[d];
            rest /= dims[d];
            in_off += idx[d] * in_strides[d];
            out_off += idx[d] * out_strides[d];
        }
        for (int64_t row = row_begin;;) {
            fn(in_off, out_off, len, step);
            if (++row == row_end) break;
            for (size_t d = m - 1; d-- > 0;) {
                in_off += in_strides[d];
                out_off += out_strides[d];
                if (++idx[d] < dims[d]) break;
                in_off -= dims[d] * in_strides[d];
                out_off -= dims[d] * out_strides[d];
                idx[d] = 0;
            }
        }
    }
};

// ---------------------------------------------------------------------------
// Reduce kernels

// Contiguous layout, work items [item_begin, item_end) of outer * blocks, each
// covering inner positions [b * block, (b+1) * block) of one outer index.
template <class T, class R>
void reduce_contiguous(const T* x, T* y, const ReduceLayout& L, int64_t block, int64_t item_begin,
                       int64_t item_end) {
    using Acc = typename R::Acc;
    const int64_t reduce = L.reduce, inner = L.inner;
    const int64_t blocks = (inner + block - 1) / block;
    if (inner == 1) {
        for (int64_t o = item_begin; o < item_end; ++o) {
            const T* row = x + o * reduce;
            Acc a = R::init();
            for (int64_t r = 0; r < reduce; ++r) R::add(a, row[r]);
            y[o] = R::finish(a, reduce);
        }
        return;
    }
    std::vector<Acc> acc(size_t(std::min(block, inner)));
    for (int64_t item = item_begin; item < item_end; ++item) {
        const int64_t o = item / blocks;
        const int64_t ib = (item % blocks) * block, ie = std::min(inner, ib + block);
        const int64_t n = ie - ib;
        std::fill(acc.begin(), acc.begin() + n, R::init());
        for (int64_t r = 0; r < reduce; ++r) {
            const T* row = x + (o * reduce + r) * inner + ib;
            for (int64_t i = 0; i < n; ++i) R::add(acc[size_t(i)], row[i]);
        }
        T* out = y + o * inner + ib;
        for (int64_t i = 0; i < n; ++i) out[i] = R::finish(acc[size_t(i)], reduce);
    }
}

// General layout, input rows [row_begin, row_end); `acc` is indexed by output
// offset and must be initialized by the caller. Finishing is left to the caller
// so one accumulator array can span several row ranges.
template <class T, class R>
void reduce_runs(const T* x, const ReduceLayout& L, int64_t row_begin, int64_t row_end,
                 typename R::Acc* acc) {
    L.for_each_run(row_begin, row_end, [&](int64_t in_off, int64_t out_off, int64_t len, int64_t step) {
        const T* run = x + in_off;
        if (step == 0) {
            auto& a = acc[out_off];
            for (int64_t i = 0; i < len; ++i) R::add(a, run[i]);
        } else {
            auto* a = acc + out_off;
            for (int64_t i = 0; i < len; ++i) R::add(a[i], run[i]);
        }
    });
}

// ---------------------------------------------------------------------------
// ArgMax / ArgMin

// Three-way comparison in the order the arg ops select by: >0 when `a` should
// win over `b`. NaN beats every number (numpy's argmax and argmin both report
// the first NaN), so the ordering stays total.
template <bool Max, class T>
inline int arg_compare(T a, T b) {
    if constexpr (is_float_v<T>) {
        const bool an = std::isnan(a), bn = std::isnan(b);
        if (an || bn) return int(an) - int(bn);
    }
    if constexpr (Max) return int(a > b) - int(a < b);
    else return int(a < b) - int(a > b);
}

// Input viewed as [outer, axis_len, inner]; outputs [outer, inner] for outer
// indices [o_begin, o_end). axis_len must be positive.
template <bool Max, class T>
void arg_reduce(const T* x, int64_t* y, int64_t axis_len, int64_t inner, bool select_last,
                int64_t o_begin, int64_t o_end) {
    std::vector<T> best(static_cast<size_t>(inner));
    for (int64_t o = o_begin; o < o_end; ++o) {
        const T* base = x + o * axis_len * inner;
        int64_t* out = y + o * inner;
        for (int64_t i = 0; i < inner; ++i) {
            best[size_t(i)] = base[i];
            out[i] = 0;
        }
        for (int64_t r = 1; r < axis_len; ++r) {
            const T* row = base + r * inner;
            for (int64_t i = 0; i < inner; ++i) {
                const int c = arg_compare<Max>(row[i], best[size_t(i)]);
                if (c > 0 || (c == 0 && select_last)) {
                    best[size_t(i)] = row[i];
                    out[i] = r;
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------
// TopK

// `a` ranks above `b` when larger; NaN counts as larger than every number so
// the order is a strict weak ordering (NaNs first for largest, last for smallest).
template <class T>
inline bool topk_greater(T a, T b) {
    if constexpr (is_float_v<T>) {
        const bool an = std::isnan(a), bn = std::isnan(b);
        if (an || bn) return an && !bn;
    }
    return a > b;
}

// Strict order on positions of `v`: by value (descending when Largest), equal
// values by position, so the lower index comes first as ONNX specifies. The
// NaN-aware form is only needed when the slice holds a NaN.
template <bool Largest, bool NanAware, class T>
struct TopKOrder {
    const T* v;
    bool operator()(int64_t i, int64_t j) const {
        const T a = v[i], b = v[j];
        if constexpr (NanAware) {
            const bool ab = Largest ? topk_greater(a, b) : topk_greater(b, a);
            const bool ba = Largest ? topk_greater(b, a) : topk_greater(a, b);
            return ab || (!ba && i < j);
        } else {
            if (a != b) return Largest ? a > b : a < b;
            return i < j;
        }
    }
};

// Input viewed as [outer, axis_len, inner]; outputs [outer, k, inner], k <=
// axis_len. Slices are the (outer, inner) pairs in [s_begin, s_end); each is
// gathered into a contiguous buffer and its first k positions selected.
template <class T>
void topk_slices(const T* x, T* values, int64_t* indices, int64_t axis_len, int64_t inner, int64_t k,
                 bool largest, int64_t s_begin, int64_t s_end) {
    std::vector<T> v(static_cast<size_t>(axis_len));
    std::vector<int64_t> order(static_cast<size_t>(axis_len));
    auto select = [&](auto cmp) { std::partial_sort(order.begin(), order.begin() + k, order.end(), cmp); };
    for (int64_t s = s_begin; s < s_end; ++s) {
        const int64_t o = s / inner, i = s % inner;
        const T* src = x + o * axis_len * inner + i;
        bool has_nan = false;
        for (int64_t r = 0; r < axis_len; ++r) {
            v[size_t(r)] = src[r * inner];
            has_nan |= is_nan(v[size_t(r)]);
        }
        std::iota(order.begin(), order.end(), int64_t(0));
        if (largest) {
            if (has_nan) select(TopKOrder<true, true, T>{v.data()});
            else select(TopKOrder<true, false, T>{v.data()});
        } else {
            if (has_nan) select(TopKOrder<false, true, T>{v.data()});
            else select(TopKOrder<false, false, T>{v.data()});
        }
        T* vout = values + o * k * inner + i;
        int64_t* iout = indices + o * k * inner + i;
        for (int64_t r = 0; r < k; ++r) {
            vout[r * inner] = v[size_t(order[size_t(r)])];
            iout[r * inner] = order[size_t(r)];
        }
    }
}

// ---------------------------------------------------------------------------
// CumSum

// Input and output viewed as [outer, axis_len, inner], outer indices
// [o_begin, o_end). `running` sums are kept per inner position so the inner
// loop stays contiguous.
template <class T>
void cumsum(const T* x, T* y, int64_t axis_len, int64_t inner, bool exclusive, bool reverse,
            int64_t o_begin, int64_t o_end) {
    std::vector<wide_t<T>> running(static_cast<size_t>(inner));
    for (int64_t o = o_begin; o < o_end; ++o) {
        std::fill(running.begin(), running.end(), wide_t<T>(0));
        for (int64_t step = 0; step < axis_len; ++step) {
            const int64_t r = reverse ? axis_len - 1 - step : step;
            const T* in = x + (o * axis_len + r) * inner;
            T* out = y + (o * axis_len + r) * inner;
            for (int64_t i = 0; i < inner; ++i) {
                auto& acc = running[size_t(i)];
                if (exclusive) {
                    out[i] = T(acc);
                    acc += wide_t<T>(in[i]);
                } else {
                    acc += wide_t<T>(in[i]);
                    out[i] = T(acc);
                }
            }
        }
    }
}

}  // namespace vireo::ref
