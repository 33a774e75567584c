// vireo — reference pooling kernels (any spatial rank).
//
// Each kernel processes `planes` consecutive channel planes: x holds planes of
// g.image_size() elements, y planes of g.grid_size() elements (layout
// [N, C, spatial...] flattened over N·C). Callers split N·C across threads by
// passing offset pointers; no plane depends on another.
//
// Windows are described by a WindowGeometry (conv_geometry.hpp). Taps that fall
// into padding are skipped; a window with no tap inside the image yields the
// type's lowest value (max) or 0 (average) and index -1.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <vector>

#include "kernels/ref/conv_geometry.hpp"

namespace vireo::ref {

namespace pool_detail {

// Per axis and grid coordinate: the first image index of the window and the
// range [lo, hi) of taps that land inside the image.
struct AxisWindows {
    std::vector<int64_t> start, lo, hi, padded;  // padded: taps inside image + pads
};

inline std::vector<AxisWindows> axis_windows(const WindowGeometry& g) {
    std::vector<AxisWindows> axes(g.rank());
    for (size_t d = 0; d < g.rank(); ++d) {
        auto& a = axes[d];
        const int64_t n = g.grid[d], k = g.kernel[d], dil = g.dilation[d], in = g.image[d];
        a.start.resize(size_t(n));
        a.lo.resize(size_t(n));
        a.hi.resize(size_t(n));
        a.padded.resize(size_t(n));
        for (int64_t o = 0; o < n; ++o) {
            const int64_t s = o * g.stride[d] - g.pad_begin[d];
            const int64_t lo = s >= 0 ? 0 : (-s + dil - 1) / dil;
            const int64_t hi = in - 1 - s >= 0 ? std::min(k, (in - 1 - s) / dil + 1) : 0;
            const int64_t end = in + g.pad_end[d];  // one past the padded extent
            a.start[size_t(o)] = s;
            a.lo[size_t(o)] = std::min(lo, k);
            a.hi[size_t(o)] = std::max(hi, a.lo[size_t(o)]);
            a.padded[size_t(o)] = end - 1 - s >= 0 ? std::min(k, (end - 1 - s) / dil + 1) : 0;
        }
    }
    return axes;
}

// The taps of one window that lie inside the image: for each of the row offsets
// bases[0..rows) (the outer axes' taps, row-major), last-axis taps k in [lo, hi)
// at image index base + start + k·dilation. Visiting them in that order is
// row-major tap order. padded_count counts the taps inside image + pads.
struct Window {
    const int64_t* bases;
    size_t rows;
    int64_t lo, hi, start, dilation;
    int64_t padded_count;

    template <class V>
    void for_each_tap(V&& visit) const {
        for (size_t r = 0; r < rows; ++r)
            for (int64_t k = lo; k < hi; ++k) visit(bases[r] + start + k * dilation);
    }
};

// Calls fn(out_index, const Window&) for every grid position of one plane. The
// row offsets of the outer axes' taps are listed once per row of windows, so
// the per-window work is just the loop over them and the last axis' taps.
template <class F>
void for_each_window(const WindowGeometry& g, const std::vector<AxisWindows>& axes, F&& fn) {
    const size_t r = g.rank(), last = r - 1;
    std::vector<int64_t> image_stride(r);
    for (size_t d = r, s = 1; d-- > 0;) {
        image_stride[d] = int64_t(s);
        s *= size_t(g.image[d]);
    }
    int64_t rows = 1;
    for (size_t d = 0; d < last; ++d) rows *= g.grid[d];
    const AxisWindows& inner = axes[last];
    const int64_t width = g.grid[last], dil = g.dilation[last];

    std::vector<int64_t> o(last, 0), t(last, 0), bases;
    int64_t out = 0;
    for (int64_t row = 0; row < rows; ++row) {
        int64_t outer_padded = 1;
        bool empty = false;
        for (size_t d = 0; d < last; ++d) {
            const size_t od = size_t(o[d]);
            outer_padded *= axes[d].padded[od];
            empty |= axes[d].lo[od] >= axes[d].hi[od];
            t[d] = axes[d].lo[od];
        }
        bases.clear();
        while (!empty) {
            int64_t base = 0;
            for (size_t d = 0; d < last; ++d)
                base += (axes[d].start[size_t(o[d])] + t[d] * g.dilation[d]) * image_stride[d];
            bases.push_back(base);
            bool done = true;
            for (size_t d = last; d-- > 0;) {
                if (++t[d] < axes[d].hi[size_t(o[d])]) {
                    done = false;
                    break;
                }
                t[d] = axes[d].lo[size_t(o[d])];
            }
            if (done) break;
        }
        for (int64_t ow = 0; ow < width; ++ow, ++out) {
            const int64_t lo = inner.lo[size_t(ow)], hi = inner.hi[size_t(ow)];
            const Window w{bases.data(), bases.size(), lo, hi, inner.start[size_t(ow)], dil,
                           outer_padded * inner.padded[size_t(ow)]};
            fn(out, w);
        }
        for (size_t d = last; d-- > 0;) {
            if (++o[d] < g.grid[d]) break;
            o[d] = 0;
        }
    }
}

// Flat index of row-major image index `i` when the spatial axes are stored in
// column-major order (MaxPool storage_order = 1).
inline int64_t to_column_major(const WindowGeometry& g, int64_t i) {
    int64_t result = 0, scale = 1;
    std::vector<int64_t> coord(g.rank());
    for (size_t d = g.rank(); d-- > 0;) {
        coord[d] = i % g.image[d];
        i /= g.image[d];
    }
    for (size_t d = 0; d < g.rank(); ++d) {
        result += coord[d] * scale;
        scale *= g.image[d];
    }
    return result;
}

template <class T>
bool is_nan(T v) {
    if constexpr (std::is_floating_point_v<T>) return std::isnan(v);
    else return false;
}

}  // namespace pool_detail

// Max over each window. The first NaN in a window wins (so NaN propagates); among
// equal maxima the first in row-major tap order wins. If `indices` is not null it
// receives, per output element, the flat index of the chosen input element in the
// whole input tensor: (first_plane + plane)·image_size + spatial index, the
// spatial index being row-major, or column-major when `column_major` is set.
template <class T>
void max_pool(const WindowGeometry& g, int64_t planes, const T* x, T* y, int64_t* indices = nullptr,
              int64_t first_plane = 0, bool column_major = false) {
    const auto axes = pool_detail::axis_windows(g);
    const int64_t in_plane = g.image_size(), out_plane = g.grid_size();
    for (int64_t p = 0; p < planes; ++p) {
        const T* src = x + p * in_plane;
        T* dst = y + p * out_plane;
        int64_t* idx = indices ? indices + p * out_plane : nullptr;
        pool_detail::for_each_window(g, axes, [&](int64_t out, const pool_detail::Window& w) {
            T best = std::numeric_limits<T>::lowest();
            int64_t best_at = -1;
            w.for_each_tap([&](int64_t i) {
                const T v = src[i];
                // Nothing compares greater than NaN, so a NaN best stays.
                if (best_at < 0 || v > best ||
                    (pool_detail::is_nan(v) && !pool_detail::is_nan(best))) {
                    best = v;
                    best_at = i;
                }
            });
            dst[out] = best;
            if (idx) {
                if (best_at < 0) {
                    idx[out] = -1;
                } else {
                    const int64_t spatial =
                        column_major ? pool_detail::to_column_major(g, best_at) : best_at;
                    idx[out] = (first_plane + p) * in_plane + spatial;
                }
            }
        });
    }
}

// Mean over each window. The divisor counts the taps inside the image, or with
// count_include_pad also the taps inside the padding (never taps beyond the end
// padding, which ceil_mode can create). Sums accumulate in T's precision in tap order.
template <class T>
void avg_pool(const WindowGeometry& g, int64_t planes, const T* x, T* y, bool count_include_pad) {
    static_assert(std::is_floating_point_v<T>, "average pooling is defined for floating types");
    const auto axes = pool_detail::axis_windows(g);
    const int64_t in_plane = g.image_size(), out_plane = g.grid_size();
    for (int64_t p = 0; p < planes; ++p) {
        const T* src = x + p * in_plane;
        T* dst = y + p * out_plane;
        pool_detail::for_each_window(g, axes, [&](int64_t out, const pool_detail::Window& w) {
            T sum = 0;
            int64_t count = 0;
            w.for_each_tap([&](int64_t i) {
                sum += src[i];
                ++count;
            });
            const int64_t divisor = count_include_pad ? w.padded_count : count;
            dst[out] = divisor > 0 ? sum / T(divisor) : T(0);
        });
    }
}

// y[p] = mean of plane p (plane_size elements). Planes can be large (a whole
// feature map), so float sums accumulate in double.
template <class T>
void global_avg_pool(int64_t planes, int64_t plane_size, const T* x, T* y) {
    static_assert(std::is_floating_point_v<T>, "average pooling is defined for floating types");
    using Acc = std::conditional_t<(sizeof(T) < sizeof(double)), double, T>;
    for (int64_t p = 0; p < planes; ++p) {
        const T* src = x + p * plane_size;
        Acc sum = 0;
        for (int64_t i = 0; i < plane_size; ++i) sum += src[i];
        y[p] = plane_size > 0 ? T(sum / Acc(plane_size)) : T(0);
    }
}

// y[p] = max of plane p; NaN propagates. An empty plane gives the lowest value.
template <class T>
void global_max_pool(int64_t planes, int64_t plane_size, const T* x, T* y) {
    for (int64_t p = 0; p < planes; ++p) {
        const T* src = x + p * plane_size;
        T best = plane_size > 0 ? src[0] : std::numeric_limits<T>::lowest();
        for (int64_t i = 1; i < plane_size && !pool_detail::is_nan(best); ++i)
            if (src[i] > best || pool_detail::is_nan(src[i])) best = src[i];
        y[p] = best;
    }
}

}  // namespace vireo::ref
