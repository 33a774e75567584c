// vireo — reference kernels for the normalization ops: BatchNormalization,
// InstanceNormalization, LayerNormalization and MeanVarianceNormalization.
// Statistics accumulate in double, two passes (mean, then squared deviations),
// so large offsets do not cancel the variance away.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "kernels/ref/reduce.hpp"

namespace vireo::ref {

struct Moments {
    double mean;
    double var;  // biased (population) variance
};

// Moments of n contiguous elements; an empty slice gives NaN, like numpy.
template <class T>
Moments moments(const T* x, int64_t n) {
    double sum = 0;
    for (int64_t i = 0; i < n; ++i) sum += double(x[i]);
    const double mean = sum / double(n);
    double sq = 0;
    for (int64_t i = 0; i < n; ++i) {
        const double d = double(x[i]) - mean;
        sq += d * d;
    }
    return {mean, sq / double(n)};
}

// Moments of channel p of x viewed as [N, P, I]: over every n and i.
template <class T>
Moments channel_moments(const T* x, int64_t N, int64_t P, int64_t I, int64_t p) {
    double sum = 0;
    for (int64_t n = 0; n < N; ++n) {
        const T* row = x + (n * P + p) * I;
        for (int64_t i = 0; i < I; ++i) sum += double(row[i]);
    }
    const double count = double(N) * double(I);
    const double mean = sum / count;
    double sq = 0;
    for (int64_t n = 0; n < N; ++n) {
        const T* row = x + (n * P + p) * I;
        for (int64_t i = 0; i < I; ++i) {
            const double d = double(row[i]) - mean;
            sq += d * d;
        }
    }
    return {mean, sq / count};
}

// y = x * scale[p] + shift[p] with x viewed as [N, P, I]; items are (n, p)
// pairs in [item_begin, item_end), each a contiguous run of I elements.
template <class T>
void channel_affine(const T* x, T* y, const T* scale, const T* shift, int64_t P, int64_t I,
                    int64_t item_begin, int64_t item_end) {
    for (int64_t item = item_begin; item < item_end; ++item) {
        const int64_t p = item % P;
        const T a = scale[p], b = shift[p];
        const T* in = x + item * I;
        T* out = y + item * I;
        for (int64_t i = 0; i < I; ++i) out[i] = in[i] * a + b;
    }
}

// The same transform when every parameter covers one element per instance
// (I == 1: 2-D input or per-activation parameters): rows [n_begin, n_end) of
// x viewed as [N, P], so the inner loop runs along the parameters.
template <class T>
void row_affine(const T* x, T* y, const T* scale, const T* shift, int64_t P, int64_t n_begin, int64_t n_end) {
    for (int64_t n = n_begin; n < n_end; ++n) {
        const T* in = x + n * P;
        T* out = y + n * P;
        for (int64_t p = 0; p < P; ++p) out[p] = in[p] * scale[p] + shift[p];
    }
}

// InstanceNormalization over rows [row_begin, row_end) of x viewed as
// [N * C, S]; row r uses channel r % C.
template <class T>
void instance_norm(const T* x, T* y, const double* scale, const double* bias, int64_t C, int64_t S,
                   double epsilon, int64_t row_begin, int64_t row_end) {
    for (int64_t r = row_begin; r < row_end; ++r) {
        const T* in = x + r * S;
        T* out = y + r * S;
        const Moments m = moments(in, S);
        const int64_t c = r % C;
        const double a = scale[c] / std::sqrt(m.var + epsilon);
        const double b = bias[c] - m.mean * a;
        for (int64_t i = 0; i < S; ++i) out[i] = T(double(in[i]) * a + b);
    }
}

// LayerNormalization over rows [row_begin, row_end) of x viewed as [rows, D];
// scale and bias are already expanded to D elements. mean/inv_std (either may
// be null) receive one value per row.
template <class T>
void layer_norm(const T* x, T* y, const T* scale, const T* bias, int64_t D, double epsilon,
                float* mean_out, float* inv_std_out, int64_t row_begin, int64_t row_end) {
    for (int64_t r = row_begin; r < row_end; ++r) {
        const T* in = x + r * D;
        T* out = y + r * D;
        const Moments m = moments(in, D);
        const double inv_std = 1.0 / std::sqrt(m.var + epsilon);
        for (int64_t j = 0; j < D; ++j) {
            const T normalized = T((double(in[j]) - m.mean) * inv_std);
            out[j] = bias ? normalized * scale[j] + bias[j] : normalized * scale[j];
        }
        if (mean_out) mean_out[r] = float(m.mean);
        if (inv_std_out) inv_std_out[r] = float(inv_std);
    }
}

// MeanVarianceNormalization over the input rows [row_begin, row_end) of layout
// L (see ReduceLayout), whose groups (output offsets) are exactly
// [group_begin, group_end): all rows, or whole indices of a kept first dim.
// y = (x - mean) / (sqrt(var) + 1e-9) per group, or x - mean without variance
// normalization. mean/denom are scratch arrays indexed by group.
template <class T>
void mean_variance_normalize(const T* x, T* y, const ReduceLayout& L, bool normalize_variance,
                             int64_t row_begin, int64_t row_end, int64_t group_begin, int64_t group_end,
                             double* mean, double* denom) {
    // The ONNX function body adds epsilon to the standard deviation, not the variance.
    constexpr double kEpsilon = 1e-9;
    const double count = double(L.reduce_count);
    auto for_each_element = [&](auto&& fn) {
        L.for_each_run(row_begin, row_end, [&](int64_t in_off, int64_t out_off, int64_t len, int64_t step) {
            for (int64_t i = 0; i < len; ++i) fn(in_off + i, out_off + i * step);
        });
    };
    std::fill(mean + group_begin, mean + group_end, 0.0);
    for_each_element([&](int64_t e, int64_t g) { mean[g] += double(x[e]); });
    for (int64_t g = group_begin; g < group_end; ++g) mean[g] /= count;
    if (!normalize_variance) {
        for_each_element([&](int64_t e, int64_t g) { y[e] = T(double(x[e]) - mean[g]); });
        return;
    }
    std::fill(denom + group_begin, denom + group_end, 0.0);
    for_each_element([&](int64_t e, int64_t g) {
        const double d = double(x[e]) - mean[g];
        denom[g] += d * d;
    });
    // denom becomes the reciprocal of the divisor, so the last pass multiplies.
    for (int64_t g = group_begin; g < group_end; ++g) denom[g] = 1.0 / (std::sqrt(denom[g] / count) + kEpsilon);
    for_each_element([&](int64_t e, int64_t g) { y[e] = T((double(x[e]) - mean[g]) * denom[g]); });
}

}  // namespace vireo::ref
