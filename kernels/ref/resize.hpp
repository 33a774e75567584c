// vireo — reference N-d resize (ONNX Resize / Upsample): nearest, N-linear and
// N-cubic, any rank.
//
// Every ONNX interpolation mode is separable: an output element is a weighted
// sum over the product of per-axis neighbour sets, with weights that multiply.
// So the work splits in two:
//
//  1. plan_resize_axis() maps each output coordinate of one axis to its input
//     taps (indices clamped into the input, as the ONNX reference's edge padding
//     does) and weights, or marks it "outside" (tf_crop_and_resize samples that
//     fall outside the image, which take the extrapolation value);
//  2. the kernels apply the plans: nearest as one gather, linear and cubic as a
//     sequence of 1-D passes, one per resized axis, in double precision.
//
// Coordinate transforms follow the ONNX reference implementation
// (onnx/backend/test/case/node/resize.py), including its use of the real-valued
// resized length scale * length_original in align_corners and
// tf_crop_and_resize, where a floored output size would shift samples when the
// scale does not divide evenly. The one deliberate departure: for
// pytorch_half_pixel with a resized length of 1 the spec's x_original = 0 is
// used (the reference script uses -0.5; linear and nearest results agree).
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <numeric>
#include <span>
#include <type_traits>
#include <vector>

namespace vireo::kernels::ref {

enum class ResizeInterp { Nearest, Linear, Cubic };

enum class ResizeCoord {
    HalfPixel,         // (x + 0.5) / scale - 0.5
    PytorchHalfPixel,  // as HalfPixel, but 0 when the resized length is 1
    AlignCorners,      // x * (in - 1) / (resized - 1)
    Asymmetric,        // x / scale
    TfHalfPixelForNN,  // (x + 0.5) / scale (Resize-11 only)
    TfCropAndResize,   // samples the roi box; outside the image -> extrapolation value
};

enum class NearestRound {
    RoundPreferFloor,  // round half down
    RoundPreferCeil,   // round half up
    Floor,
    Ceil,
    // Resize-10 and Upsample: floor when upsampling, ceil when downsampling
    // (ONNX Runtime's behaviour for those versions, which the spec leaves open).
    FloorUpCeilDown,
};

struct ResizeSpec {
    ResizeInterp interp = ResizeInterp::Nearest;
    ResizeCoord coord = ResizeCoord::HalfPixel;
    NearestRound nearest = NearestRound::RoundPreferFloor;
    double cubic_a = -0.75;
    bool exclude_outside = false;
};

// Sampling plan of one axis: output position j reads input indices
// index[j*taps .. j*taps + taps) with the matching weights, unless outside[j].
struct AxisTaps {
    int64_t in_len = 0;
    int64_t out_len = 0;
    int taps = 1;
    std::vector<int64_t> index;
    std::vector<double> weight;
    std::vector<uint8_t> outside;

    // True when the axis maps every output position to the same input position
    // with weight 1, so a kernel may skip it.
    bool identity() const {
        if (in_len != out_len) return false;
        for (int64_t j = 0; j < out_len; ++j) {
            if (outside[size_t(j)]) return false;
            double on_j = 0;
            for (int t = 0; t < taps; ++t) {
                const size_t k = size_t(j * taps + t);
                if (weight[k] == 0) continue;
                if (index[k] != j) return false;
                on_j += weight[k];
            }
            if (on_j != 1.0) return false;
        }
        return true;
    }
};

// Keys' cubic convolution weights for the four taps at offsets -1, 0, 1, 2 from
// floor(x), with ratio = x - floor(x) in (0, 1].
inline void cubic_weights(double r, double a, double w[4]) {
    const double s = 1 - r;
    w[0] = ((a * (r + 1) - 5 * a) * (r + 1) + 8 * a) * (r + 1) - 4 * a;
    w[1] = ((a + 2) * r - (a + 3)) * r * r + 1;
    w[2] = ((a + 2) * s - (a + 3)) * s * s + 1;
    w[3] = ((a * (s + 1) - 5 * a) * (s + 1) + 8 * a) * (s + 1) - 4 * a;
}

// in_len, out_len: the axis' input and output sizes. scale: the axis' scale
// factor (sizes[i] / in_len when sizes were given). resized_extent: the resized
// length as a real number, i.e. scale * in_len for scales or sizes[i] for sizes.
// roi_start/roi_end: this axis' normalized crop box (tf_crop_and_resize only).
// Requires in_len > 0 whenever out_len > 0, and scale > 0.
inline AxisTaps plan_resize_axis(const ResizeSpec& spec, int64_t in_len, int64_t out_len, double scale,
                                 double resized_extent, double roi_start = 0, double roi_end = 1) {
    AxisTaps p;
    p.in_len = in_len;
    p.out_len = out_len;
    p.taps = spec.interp == ResizeInterp::Nearest ? 1 : spec.interp == ResizeInterp::Linear ? 2 : 4;
    p.index.assign(size_t(out_len * p.taps), 0);
    p.weight.assign(size_t(out_len * p.taps), 0.0);
    p.outside.assign(size_t(out_len), 0);
    const double last = double(in_len - 1);

    for (int64_t j = 0; j < out_len; ++j) {
        const double x = double(j);
        double xo = 0;
        switch (spec.coord) {
            case ResizeCoord::HalfPixel: xo = (x + 0.5) / scale - 0.5; break;
            case ResizeCoord::PytorchHalfPixel:
                xo = resized_extent > 1 ? (x + 0.5) / scale - 0.5 : 0.0;
                break;
            case ResizeCoord::AlignCorners:
                xo = resized_extent == 1 ? 0.0 : x * last / (resized_extent - 1);
                break;
            case ResizeCoord::Asymmetric: xo = x / scale; break;
            case ResizeCoord::TfHalfPixelForNN: xo = (x + 0.5) / scale; break;
            case ResizeCoord::TfCropAndResize:
                xo = resized_extent == 1 ? (roi_end - roi_start) * last / 2
                                         : x * (roi_end - roi_start) * last / (resized_extent - 1);
                xo += roi_start * last;
                if (!(xo >= 0 && xo <= last)) {  // also catches NaN from a degenerate roi
                    p.outside[size_t(j)] = 1;
                    continue;
                }
                break;
        }
        int64_t* idx = p.index.data() + j * p.taps;
        double* w = p.weight.data() + j * p.taps;
        const double fl = std::floor(xo);
        if (spec.interp == ResizeInterp::Nearest) {
            double pick = xo;
            if (xo != fl) {
                const double r = xo - fl;
                switch (spec.nearest) {
                    case NearestRound::RoundPreferFloor: pick = r <= 0.5 ? fl : fl + 1; break;
                    case NearestRound::RoundPreferCeil: pick = r < 0.5 ? fl : fl + 1; break;
                    case NearestRound::Floor: pick = fl; break;
                    case NearestRound::Ceil: pick = fl + 1; break;
                    case NearestRound::FloorUpCeilDown: pick = scale >= 1 ? fl : fl + 1; break;
                }
            }
            idx[0] = int64_t(std::clamp(pick, 0.0, last));
            w[0] = 1;
            continue;
        }
        // Like the reference, a sample exactly on an input index is treated as
        // ratio 1 from the index to its left, so the taps lean left.
        double base = fl, r = xo - fl;
        if (r == 0) base -= 1, r = 1;
        const int64_t b = int64_t(std::clamp(base, -4.0, last + 4.0));  // taps beyond that all clamp alike
        if (spec.interp == ResizeInterp::Linear) {
            idx[0] = b, idx[1] = b + 1;
            w[0] = 1 - r, w[1] = r;
        } else {
            for (int t = 0; t < 4; ++t) idx[t] = b - 1 + t;
            cubic_weights(r, spec.cubic_a, w);
        }
        if (spec.exclude_outside) {
            double sum = 0;
            for (int t = 0; t < p.taps; ++t) {
                if (idx[t] < 0 || idx[t] >= in_len) w[t] = 0;
                sum += w[t];
            }
            if (sum != 0)
                for (int t = 0; t < p.taps; ++t) w[t] /= sum;
        }
        for (int t = 0; t < p.taps; ++t) idx[t] = std::clamp<int64_t>(idx[t], 0, in_len - 1);
    }
    return p;
}

namespace resize_detail {

inline int64_t product(std::span<const int64_t> s) {
    return std::accumulate(s.begin(), s.end(), int64_t(1), std::multiplies<>());
}

// Stores a double into T: floats convert directly; integers round half away
// from zero and saturate (cubic overshoot must not wrap around).
template <class T>
T store(double v) {
    if constexpr (std::is_floating_point_v<T>) {
        return T(v);
    } else {
        if (std::isnan(v)) return T(0);
        const double r = std::round(v);
        if (r <= double(std::numeric_limits<T>::lowest())) return std::numeric_limits<T>::lowest();
        if (r >= double(std::numeric_limits<T>::max())) return std::numeric_limits<T>::max();
        return T(r);
    }
}

// One 1-D pass along `axis` of `shape`, reading Src and writing Dst (double
// for intermediates, the element type for the last pass); dst has `shape` with
// shape[axis] replaced by the plan's out_len.
template <class Src, class Dst, class ParallelFor>
void interpolate_axis(const Src* src, const std::vector<int64_t>& shape, size_t axis, const AxisTaps& p,
                      double extrapolation, Dst* dst, ParallelFor&& parallel_for) {
    const int64_t outer = product(std::span(shape).first(axis));
    const int64_t inner = product(std::span(shape).subspan(axis + 1));
    const int64_t in_len = shape[axis], out_len = p.out_len;
    const int taps = p.taps;
    if (inner == 1) {
        // Innermost axis: each task is a whole row, each output a short dot
        // product; a compile-time tap count lets that product unroll.
        const bool any_outside = std::any_of(p.outside.begin(), p.outside.end(), [](uint8_t o) { return o != 0; });
        auto rows = [&](auto taps_c) {
            constexpr int kTaps = decltype(taps_c)::value;
            parallel_for(outer, std::max<int64_t>(1, 8192 / std::max<int64_t>(out_len, 1)),
                         [&](int64_t begin, int64_t end) {
                             for (int64_t o = begin; o < end; ++o) {
                                 const Src* s = src + o * in_len;
                                 Dst* d = dst + o * out_len;
                                 const int64_t* idx = p.index.data();
                                 const double* w = p.weight.data();
                                 for (int64_t j = 0; j < out_len; ++j, idx += kTaps, w += kTaps) {
                                     double acc = 0;
                                     for (int t = 0; t < kTaps; ++t) acc += w[t] * double(s[idx[t]]);
                                     d[j] = store<Dst>(any_outside && p.outside[size_t(j)] ? extrapolation : acc);
                                 }
                             }
                         });
        };
        if (taps == 2) rows(std::integral_constant<int, 2>{});
        else if (taps == 4) rows(std::integral_constant<int, 4>{});
        else rows(std::integral_constant<int, 1>{});
        return;
    }
    // Outer axis: each task is one output row of `inner` contiguous elements,
    // a weighted sum of `taps` input rows.
    parallel_for(outer * out_len, std::max<int64_t>(1, 8192 / inner), [&](int64_t begin, int64_t end) {
        std::vector<double> acc(static_cast<size_t>(inner));
        for (int64_t task = begin; task < end; ++task) {
            const int64_t o = task / out_len, j = task % out_len;
            Dst* d = dst + task * inner;
            if (p.outside[size_t(j)]) {
                std::fill(d, d + inner, store<Dst>(extrapolation));
                continue;
            }
            std::fill(acc.begin(), acc.end(), 0.0);
            for (int t = 0; t < taps; ++t) {
                const double w = p.weight[size_t(j * taps + t)];
                if (w == 0) continue;
                const Src* s = src + (o * in_len + p.index[size_t(j * taps + t)]) * inner;
                for (int64_t i = 0; i < inner; ++i) acc[size_t(i)] += w * double(s[i]);
            }
            for (int64_t i = 0; i < inner; ++i) d[i] = store<Dst>(acc[size_t(i)]);
        }
    });
}

}  // namespace resize_detail

// Nearest-neighbour resize (every plan has one tap): a gather. `extrapolation`
// fills positions any axis marks outside. parallel_for(n, grain, fn(begin, end)).
template <class T, class ParallelFor>
void resize_nearest(const T* in, std::span<const int64_t> in_shape, const std::vector<AxisTaps>& axes,
                    T extrapolation, T* out, ParallelFor&& parallel_for) {
    const size_t rank = in_shape.size();
    if (rank == 0) {
        out[0] = in[0];
        return;
    }
    std::vector<int64_t> out_shape(rank), in_strides(rank, 1);
    for (size_t a = 0; a < rank; ++a) out_shape[a] = axes[a].out_len;
    for (size_t a = rank - 1; a-- > 0;) in_strides[a] = in_strides[a + 1] * in_shape[a + 1];
    const int64_t total = resize_detail::product(out_shape);
    if (total == 0) return;
    const AxisTaps& row_axis = axes[rank - 1];
    const int64_t row_len = row_axis.out_len;
    const bool row_has_outside =
        std::any_of(row_axis.outside.begin(), row_axis.outside.end(), [](uint8_t o) { return o != 0; });
    parallel_for(total / row_len, std::max<int64_t>(1, 8192 / row_len), [&](int64_t begin, int64_t end) {
        for (int64_t row = begin; row < end; ++row) {
            T* d = out + row * row_len;
            int64_t off = 0, rest = row;
            bool outside = false;
            for (size_t a = rank - 1; a-- > 0;) {
                const int64_t j = rest % out_shape[a];
                rest /= out_shape[a];
                outside |= axes[a].outside[size_t(j)] != 0;
                off += axes[a].index[size_t(j)] * in_strides[a];
            }
            if (outside) {
                std::fill(d, d + row_len, extrapolation);
                continue;
            }
            const T* s = in + off;
            const int64_t* idx = row_axis.index.data();
            if (row_has_outside) {
                for (int64_t j = 0; j < row_len; ++j)
                    d[j] = row_axis.outside[size_t(j)] ? extrapolation : s[idx[j]];
            } else {
                for (int64_t j = 0; j < row_len; ++j) d[j] = s[idx[j]];
            }
        }
    });
}

// Linear / cubic resize: one 1-D pass per axis that is not an identity, with
// double intermediates; the last pass writes the element type. Downsampling
// axes go first, so no intermediate is larger than max(input, output).
template <class T, class ParallelFor>
void resize_interpolate(const T* in, std::span<const int64_t> in_shape, const std::vector<AxisTaps>& axes,
                        double extrapolation, T* out, ParallelFor&& parallel_for) {
    std::vector<int64_t> shape(in_shape.begin(), in_shape.end());
    int64_t out_total = 1;
    for (auto& p : axes) out_total *= p.out_len;
    if (out_total == 0) return;

    std::vector<size_t> order;
    for (size_t a = 0; a < axes.size(); ++a)
        if (!axes[a].identity()) order.push_back(a);
    std::stable_sort(order.begin(), order.end(), [&](size_t x, size_t y) {
        return double(axes[x].out_len) / double(axes[x].in_len) < double(axes[y].out_len) / double(axes[y].in_len);
    });
    if (order.empty()) {
        std::copy(in, in + out_total, out);
        return;
    }
    // Scratch is written in full by each pass, so it is left uninitialized.
    std::unique_ptr<double[]> cur, next;
    for (size_t k = 0; k < order.size(); ++k) {
        const size_t a = order[k];
        const bool first = k == 0, last = k + 1 == order.size();
        std::vector<int64_t> next_shape = shape;
        next_shape[a] = axes[a].out_len;
        if (!last) next.reset(new double[size_t(resize_detail::product(next_shape))]);
        if (first && last)
            resize_detail::interpolate_axis(in, shape, a, axes[a], extrapolation, out, parallel_for);
        else if (first)
            resize_detail::interpolate_axis(in, shape, a, axes[a], extrapolation, next.get(), parallel_for);
        else if (last)
            resize_detail::interpolate_axis(cur.get(), shape, a, axes[a], extrapolation, out, parallel_for);
        else
            resize_detail::interpolate_axis(cur.get(), shape, a, axes[a], extrapolation, next.get(), parallel_for);
        cur.swap(next);
        shape = std::move(next_shape);
    }
}

}  // namespace vireo::kernels::ref
