// vireo — reference kernels for Softmax, LogSoftmax and Hardmax along one axis.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "kernels/ref/reduce.hpp"

namespace vireo::ref {

enum class SoftmaxKind { Softmax, LogSoftmax, Hardmax };

// Running maximum that lets NaN through, so a NaN anywhere in a slice makes the
// whole slice NaN (exp(x - NaN)) instead of being silently skipped.
template <class T>
inline T max_with_nan(T a, T b) {
    return (b > a || std::isnan(b)) ? b : a;
}

// One contiguous slice of length n (n > 0). Subtracting the maximum keeps exp()
// from overflowing; the sum accumulates in double.
template <SoftmaxKind K, class T>
void softmax_row(const T* x, T* y, int64_t n) {
    if constexpr (K == SoftmaxKind::Hardmax) {
        int64_t best = 0;
        for (int64_t j = 1; j < n; ++j)
            if (arg_compare<true>(x[j], x[best]) > 0) best = j;
        std::fill(y, y + n, T(0));
        y[best] = T(1);
    } else {
        T m = x[0];
        for (int64_t j = 1; j < n; ++j) m = max_with_nan(m, x[j]);
        double sum = 0;
        if constexpr (K == SoftmaxKind::Softmax) {
            for (int64_t j = 0; j < n; ++j) {
                const T e = std::exp(x[j] - m);
                y[j] = e;
                sum += e;
            }
            const double inv_sum = 1.0 / sum;
            for (int64_t j = 0; j < n; ++j) y[j] = T(double(y[j]) * inv_sum);
        } else {
            for (int64_t j = 0; j < n; ++j) sum += std::exp(x[j] - m);
            const T log_sum = T(std::log(sum));
            for (int64_t j = 0; j < n; ++j) y[j] = (x[j] - m) - log_sum;
        }
    }
}

// Input and output viewed as [outer, n, inner]; normalizes along n for outer
// indices [o_begin, o_end). Slices with inner > 1 are strided, so per-position
// maxima and sums live in small arrays and every loop runs along inner.
template <SoftmaxKind K, class T>
void softmax(const T* x, T* y, int64_t n, int64_t inner, int64_t o_begin, int64_t o_end) {
    if (n == 0) return;
    if (inner == 1) {
        for (int64_t o = o_begin; o < o_end; ++o) softmax_row<K>(x + o * n, y + o * n, n);
        return;
    }
    const size_t w = size_t(inner);
    std::vector<T> best(w);
    std::vector<int64_t> best_index(w);
    std::vector<double> sum(w);
    for (int64_t o = o_begin; o < o_end; ++o) {
        const T* xb = x + o * n * inner;
        T* yb = y + o * n * inner;
        std::copy(xb, xb + inner, best.begin());
        if constexpr (K == SoftmaxKind::Hardmax) {
            std::fill(best_index.begin(), best_index.end(), 0);
            for (int64_t r = 1; r < n; ++r)
                for (size_t i = 0; i < w; ++i)
                    if (arg_compare<true>(xb[r * inner + int64_t(i)], best[i]) > 0) {
                        best[i] = xb[r * inner + int64_t(i)];
                        best_index[i] = r;
                    }
            std::fill(yb, yb + n * inner, T(0));
            for (size_t i = 0; i < w; ++i) yb[best_index[i] * inner + int64_t(i)] = T(1);
            continue;
        }
        for (int64_t r = 1; r < n; ++r)
            for (size_t i = 0; i < w; ++i) best[i] = max_with_nan(best[i], xb[r * inner + int64_t(i)]);
        std::fill(sum.begin(), sum.end(), 0.0);
        for (int64_t r = 0; r < n; ++r) {
            const T* xr = xb + r * inner;
            T* yr = yb + r * inner;
            for (size_t i = 0; i < w; ++i) {
                const T e = std::exp(xr[i] - best[i]);
                if constexpr (K == SoftmaxKind::Softmax) yr[i] = e;
                sum[i] += e;
            }
        }
        // From here sum holds what the last pass applies: 1/sum or log(sum).
        for (auto& s : sum) s = K == SoftmaxKind::Softmax ? 1.0 / s : std::log(s);
        for (int64_t r = 0; r < n; ++r) {
            const T* xr = xb + r * inner;
            T* yr = yb + r * inner;
            for (size_t i = 0; i < w; ++i) {
                if constexpr (K == SoftmaxKind::Softmax) yr[i] = T(double(yr[i]) * sum[i]);
                else yr[i] = (xr[i] - best[i]) - T(sum[i]);
            }
        }
    }
}

}  // namespace vireo::ref
