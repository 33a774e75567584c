// vireo — reference convolution kernels (any spatial rank): im2col / col2im and
// the per-group drivers built on the reference GEMM.
//
// Layouts (row-major, ONNX):
//   Conv:           x [N, C, image...]   w [M, C/group, kernel...]   y [N, M, grid...]
//   ConvTranspose:  x [N, C, grid...]    w [C, M/group, kernel...]   y [N, M, image...]
// where image/grid/kernel come from a WindowGeometry: a forward convolution maps
// its input image to the output grid; a transposed convolution is the adjoint
// map, from an input grid back to an output image (same geometry, roles swapped).
//
// The column matrix of a group has one row per (input channel c, kernel tap t),
// row index c·kernel_size + t with taps in row-major kernel order, and one column
// per grid position; its entry is the image element that tap reads at that window
// position, or 0 where the tap falls into padding. Then
//     conv:       y_g[M_g × P] += w_g[M_g × C_g·K] · col[C_g·K × P]
//     transpose:  col[M_g·K × P] = w_gᵀ · x_g[C_g × P];   y_g += col2im(col)
// Wide grids are processed in column tiles of conv_tile_width() positions so the
// column buffer stays bounded; the tile width depends only on the shapes, so the
// summation order (and thus every bit of the result) is fixed.
#pragma once
#include <algorithm>
#include <cstdint>
#include <vector>

#include "kernels/ref/conv_geometry.hpp"
#include "kernels/ref/gemm.hpp"

namespace vireo::ref {

// Column buffers are kept at or below this many elements (4 MiB of float).
inline constexpr int64_t kConvColumnBudget = int64_t(1) << 20;

// Grid positions per column tile for a column matrix with `rows` rows: within
// the budget, but at least 64 (for a GEMM worth running) unless that would
// exceed 16 budgets, as only absurdly deep kernels do.
inline int64_t conv_tile_width(int64_t rows, int64_t grid_size) {
    rows = std::max<int64_t>(rows, 1);
    int64_t w = kConvColumnBudget / rows;
    if (w < 64) w = std::clamp<int64_t>(16 * kConvColumnBudget / rows, 1, 64);
    return std::clamp<int64_t>(w, 1, std::max<int64_t>(grid_size, 1));
}

// Kernel 1, stride 1, no padding: the column matrix is the image itself.
inline bool is_pointwise(const WindowGeometry& g) {
    for (size_t d = 0; d < g.rank(); ++d)
        if (g.kernel[d] != 1 || g.stride[d] != 1 || g.pad_begin[d] != 0 || g.image[d] != g.grid[d])
            return false;
    return true;
}

namespace conv_detail {

// Visits, for kernel tap `tap` and grid positions [p_begin, p_end), every run of
// consecutive positions along the last spatial axis:
//     fn(q, n, lo, hi, src)
// covers positions p_begin+q .. p_begin+q+n-1; of those, run offsets [lo, hi) read
// the image at flat indices src, src+stride, ... (src is the index for offset lo);
// the offsets outside [lo, hi) fall into padding (src is meaningless when lo == hi).
template <class F>
void for_each_tap_run(const WindowGeometry& g, int64_t tap, int64_t p_begin, int64_t p_end, F&& fn) {
    const size_t r = g.rank();
    // Tap coordinates become image offsets relative to the window origin.
    std::vector<int64_t> offset(r), o(r), image_stride(r);
    for (size_t d = r; d-- > 0;) {
        offset[d] = (tap % g.kernel[d]) * g.dilation[d] - g.pad_begin[d];
        tap /= g.kernel[d];
    }
    for (size_t d = r, s = 1; d-- > 0;) {
        image_stride[d] = int64_t(s);
        s *= size_t(g.image[d]);
    }
    int64_t rest = p_begin;
    for (size_t d = r; d-- > 0;) {
        o[d] = rest % g.grid[d];
        rest /= g.grid[d];
    }

    const size_t last = r - 1;
    const int64_t W = g.image[last], S = g.stride[last], off = offset[last];
    // Offsets ow with 0 <= ow*S + off < W read the image.
    const int64_t ow_lo = off >= 0 ? 0 : (-off + S - 1) / S;
    const int64_t ow_hi = W - 1 - off >= 0 ? (W - 1 - off) / S + 1 : 0;

    int64_t p = p_begin;
    while (p < p_end) {
        const int64_t n = std::min(g.grid[last] - o[last], p_end - p);
        int64_t base = 0;
        bool inside = true;
        for (size_t d = 0; d < last; ++d) {
            const int64_t i = o[d] * g.stride[d] + offset[d];
            if (i < 0 || i >= g.image[d]) {
                inside = false;
                break;
            }
            base += i * image_stride[d];
        }
        int64_t lo = 0, hi = 0;
        if (inside) {
            lo = std::clamp<int64_t>(ow_lo - o[last], 0, n);
            hi = std::clamp<int64_t>(ow_hi - o[last], lo, n);
        }
        fn(p - p_begin, n, lo, hi, base + (o[last] + lo) * S + off);
        p += n;
        o[last] = 0;
        for (size_t d = last; d-- > 0;) {
            if (++o[d] < g.grid[d]) break;
            o[d] = 0;
        }
    }
}

}  // namespace conv_detail

// Writes column-matrix rows [row_begin, row_end) for grid positions
// [p_begin, p_end) into col (row row_begin at col, row stride ldcol).
// `image` points at the group's first channel plane.
template <class T>
void im2col(const WindowGeometry& g, const T* image, int64_t row_begin, int64_t row_end,
            int64_t p_begin, int64_t p_end, T* col, int64_t ldcol) {
    const int64_t taps = g.kernel_size(), plane = g.image_size();
    const int64_t S = g.stride.back();
    for (int64_t row = row_begin; row < row_end; ++row) {
        const T* src_plane = image + (row / taps) * plane;
        T* dst = col + (row - row_begin) * ldcol;
        conv_detail::for_each_tap_run(
            g, row % taps, p_begin, p_end,
            [&](int64_t q, int64_t n, int64_t lo, int64_t hi, int64_t src) {
                T* out = dst + q;
                std::fill(out, out + lo, T(0));
                if (hi > lo) {
                    const T* in = src_plane + src;
                    if (S == 1) {
                        std::copy(in, in + (hi - lo), out + lo);
                    } else {
                        for (int64_t j = lo; j < hi; ++j) out[j] = in[(j - lo) * S];
                    }
                }
                std::fill(out + hi, out + n, T(0));
            });
    }
}

// The adjoint of im2col: adds column-matrix entries back onto the image planes
// of channels [channel_begin, channel_end) (rows channel·K .. channel·K+K-1; col
// points at the matrix's row 0). Taps of one channel may hit the same image
// element, so one caller must own each channel; the additions happen in (tap,
// position) order.
template <class T>
void col2im_add(const WindowGeometry& g, const T* col, int64_t ldcol, int64_t channel_begin,
                int64_t channel_end, int64_t p_begin, int64_t p_end, T* image) {
    const int64_t taps = g.kernel_size(), plane = g.image_size();
    const int64_t S = g.stride.back();
    for (int64_t c = channel_begin; c < channel_end; ++c) {
        T* dst_plane = image + c * plane;
        for (int64_t t = 0; t < taps; ++t) {
            const T* src = col + (c * taps + t) * ldcol;
            conv_detail::for_each_tap_run(
                g, t, p_begin, p_end, [&](int64_t q, int64_t, int64_t lo, int64_t hi, int64_t at) {
                    if (hi <= lo) return;
                    T* out = dst_plane + at;
                    const T* in = src + q + lo;
                    for (int64_t j = 0; j < hi - lo; ++j) out[j * S] += in[j];
                });
        }
    }
}

// One group of one image of a forward convolution:
//     y_g[cout_g planes] += w_g · im2col(x_g)
// y_g must already hold the bias (or zeros). w_g is [cout_g, cin_g·K] row-major.
// `scratch` is resized as needed and may be reused across calls.
template <class T>
void conv_group(const WindowGeometry& g, int64_t cin_g, int64_t cout_g, const T* x_g,
                const T* w_g, T* y_g, std::vector<T>& scratch) {
    const int64_t rows = cin_g * g.kernel_size(), P = g.grid_size();
    if (is_pointwise(g)) {
        gemm<T>(cout_g, P, rows, w_g, rows, x_g, P, y_g, P, T(1), T(1), false, false);
        return;
    }
    const int64_t tile = conv_tile_width(rows, P);
    scratch.resize(size_t(rows * tile));
    for (int64_t p0 = 0; p0 < P; p0 += tile) {
        const int64_t n = std::min(tile, P - p0);
        im2col<T>(g, x_g, 0, rows, p0, p0 + n, scratch.data(), n);
        gemm<T>(cout_g, n, rows, w_g, rows, scratch.data(), n, y_g + p0, P, T(1), T(1), false,
                false);
    }
}

// One group of one image of a transposed convolution (g.grid = input plane,
// g.image = output plane):
//     y_g[cout_g planes] += col2im(w_gᵀ · x_g)
// y_g must already hold the bias (or zeros). w_g is [cin_g, cout_g·K] row-major.
template <class T>
void conv_transpose_group(const WindowGeometry& g, int64_t cin_g, int64_t cout_g, const T* x_g,
                          const T* w_g, T* y_g, std::vector<T>& scratch) {
    const int64_t rows = cout_g * g.kernel_size(), P = g.grid_size();
    const int64_t tile = conv_tile_width(rows, P);
    scratch.resize(size_t(rows * tile));
    for (int64_t p0 = 0; p0 < P; p0 += tile) {
        const int64_t n = std::min(tile, P - p0);
        gemm<T>(rows, n, cin_g, w_g, rows, x_g + p0, P, scratch.data(), n, T(1), T(0), true,
                false);
        col2im_add<T>(g, scratch.data(), n, 0, cout_g, p0, p0 + n, y_g);
    }
}

// Fills `planes` consecutive planes of `plane_size` elements, the first being
// plane number `first_plane` of an [N, channels, ...] tensor, with each plane's
// channel bias, or with zeros when bias is null.
template <class T>
void fill_bias(T* y, int64_t planes, int64_t channels, int64_t plane_size, const T* bias,
               int64_t first_plane = 0) {
    for (int64_t p = 0; p < planes; ++p)
        std::fill(y + p * plane_size, y + (p + 1) * plane_size,
                  bias ? bias[(first_plane + p) % channels] : T(0));
}

// Whole forward convolution, single-threaded (the oracle for faster kernels).
// bias may be null.
template <class T>
void conv_forward(const WindowGeometry& g, int64_t batch, int64_t in_channels,
                  int64_t out_channels, int64_t group, const T* x, const T* w, const T* bias,
                  T* y) {
    const int64_t cin_g = in_channels / group, cout_g = out_channels / group;
    const int64_t in_plane = g.image_size(), out_plane = g.grid_size();
    const int64_t w_group = cout_g * cin_g * g.kernel_size();
    fill_bias(y, batch * out_channels, out_channels, out_plane, bias);
    std::vector<T> scratch;
    for (int64_t n = 0; n < batch; ++n)
        for (int64_t gi = 0; gi < group; ++gi)
            conv_group<T>(g, cin_g, cout_g, x + (n * in_channels + gi * cin_g) * in_plane,
                          w + gi * w_group, y + (n * out_channels + gi * cout_g) * out_plane,
                          scratch);
}

// Whole transposed convolution, single-threaded. g.grid is the input plane and
// g.image the output plane; bias may be null.
template <class T>
void conv_transpose(const WindowGeometry& g, int64_t batch, int64_t in_channels,
                    int64_t out_channels, int64_t group, const T* x, const T* w, const T* bias,
                    T* y) {
    const int64_t cin_g = in_channels / group, cout_g = out_channels / group;
    const int64_t in_plane = g.grid_size(), out_plane = g.image_size();
    const int64_t w_group = cin_g * cout_g * g.kernel_size();
    fill_bias(y, batch * out_channels, out_channels, out_plane, bias);
    std::vector<T> scratch;
    for (int64_t n = 0; n < batch; ++n)
        for (int64_t gi = 0; gi < group; ++gi)
            conv_transpose_group<T>(g, cin_g, cout_g,
                                    x + (n * in_channels + gi * cin_g) * in_plane,
                                    w + gi * w_group,
                                    y + (n * out_channels + gi * cout_g) * out_plane, scratch);
}

}  // namespace vireo::ref
