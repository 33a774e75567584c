// vireo — sliding-window geometry shared by convolution and pooling kernels.
//
// A window operation slides a (dilated) kernel over an N-d "image" (one channel
// plane, spatial dims only) with strides and begin/end padding; each window
// position is one point of the output "grid". Convolution, pooling, im2col and
// col2im all read this one description, and the functions below resolve ONNX's
// auto_pad / ceil_mode rules into it.
#pragma once
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "vireo/error.hpp"

namespace vireo::ref {

struct WindowGeometry {
    // One entry per spatial axis.
    std::vector<int64_t> image;      // image (input plane) extent
    std::vector<int64_t> grid;       // number of window positions (output plane extent)
    std::vector<int64_t> kernel;     // kernel extent (taps)
    std::vector<int64_t> stride;
    std::vector<int64_t> dilation;
    std::vector<int64_t> pad_begin;  // image index of window 0's first tap is -pad_begin
    std::vector<int64_t> pad_end;    // only pooling's count_include_pad reads it

    size_t rank() const { return image.size(); }
    static int64_t product(const std::vector<int64_t>& v) {
        int64_t p = 1;
        for (int64_t d : v) p *= d;
        return p;
    }
    int64_t image_size() const { return product(image); }
    int64_t grid_size() const { return product(grid); }
    int64_t kernel_size() const { return product(kernel); }
    int64_t effective_kernel(size_t d) const { return (kernel[d] - 1) * dilation[d] + 1; }
};

// Product of extents, throwing (naming `op`) instead of overflowing. The
// callers' size products then fit in int64 even for tensors with no elements.
inline int64_t checked_product(const std::vector<int64_t>& v, const char* op, const char* what) {
    int64_t p = 1;
    for (int64_t d : v)
        check(!__builtin_mul_overflow(p, d, &p), op, ": ", what, " size overflows");
    return p;
}

enum class AutoPad { NotSet, SameUpper, SameLower, Valid };

inline AutoPad parse_auto_pad(const std::string& s, const char* op) {
    if (s.empty() || s == "NOTSET") return AutoPad::NotSet;
    if (s == "SAME_UPPER") return AutoPad::SameUpper;
    if (s == "SAME_LOWER") return AutoPad::SameLower;
    if (s == "VALID") return AutoPad::Valid;
    fail(op, ": unknown auto_pad '", s, "' (expected NOTSET, SAME_UPPER, SAME_LOWER or VALID)");
}

// Fills g.grid (and, for SAME_*/VALID, g.pad_begin/pad_end) of a forward window
// operation (Conv, pools) from image, kernel, stride, dilation and explicit pads.
//   NOTSET:  grid = floor((image + pads - eff_kernel) / stride) + 1   (ceil with ceil_mode)
//   VALID:   pads = 0, then as NOTSET
//   SAME_*:  grid = ceil(image / stride); the total padding needed is split evenly,
//            the odd element going to the end (UPPER) or the beginning (LOWER).
// With ceil_mode a last window that would start in the end padding is dropped
// (it would see no input element), as PyTorch and onnxruntime do.
// Throws (naming `op`) when a window does not fit or the grid would be empty.
inline void resolve_forward_window(WindowGeometry& g, AutoPad auto_pad, bool ceil_mode,
                                   const char* op) {
    const size_t r = g.rank();
    g.grid.assign(r, 0);
    g.pad_begin.resize(r, 0);
    g.pad_end.resize(r, 0);
    for (size_t d = 0; d < r; ++d) {
        const int64_t in = g.image[d], s = g.stride[d], k = g.effective_kernel(d);
        // The upper bound keeps the arithmetic below far from int64 overflow.
        check(in > 0 && in <= (int64_t(1) << 40), op, ": spatial dimension ", d,
              " of the input is ", in, "; it must be positive");
        if (auto_pad == AutoPad::SameUpper || auto_pad == AutoPad::SameLower) {
            const int64_t out = (in + s - 1) / s;
            const int64_t total = std::max<int64_t>(0, (out - 1) * s + k - in);
            const int64_t small = total / 2, large = total - small;
            g.pad_begin[d] = auto_pad == AutoPad::SameUpper ? small : large;
            g.pad_end[d] = total - g.pad_begin[d];
            g.grid[d] = out;
            continue;
        }
        if (auto_pad == AutoPad::Valid) g.pad_begin[d] = g.pad_end[d] = 0;
        const int64_t span = in + g.pad_begin[d] + g.pad_end[d];
        check(span >= k, op, ": kernel extent ", k, " (kernel ", g.kernel[d], ", dilation ",
              g.dilation[d], ") is larger than the padded input extent ", span, " on spatial axis ",
              d);
        int64_t out = (span - k) / s + 1;
        if (ceil_mode && (span - k) % s != 0) {
            ++out;
            if ((out - 1) * s >= in + g.pad_begin[d]) --out;
        }
        check(out > 0, op, ": output spatial dimension ", d, " would be ", out);
        g.grid[d] = out;
    }
    checked_product(g.image, op, "input plane");
    checked_product(g.grid, op, "output plane");
}

// Checks the attribute vectors every window op shares. `rank` is the spatial rank.
inline void check_window_attrs(const std::vector<int64_t>& kernel,
                               const std::vector<int64_t>& strides,
                               const std::vector<int64_t>& dilations,
                               const std::vector<int64_t>& pads, size_t rank, const char* op) {
    check(kernel.size() == rank, op, ": kernel_shape has ", kernel.size(),
          " values but the input has ", rank, " spatial dimensions");
    check(strides.size() == rank, op, ": strides has ", strides.size(), " values, expected ", rank);
    check(dilations.size() == rank, op, ": dilations has ", dilations.size(), " values, expected ",
          rank);
    check(pads.size() == 2 * rank, op, ": pads has ", pads.size(), " values, expected ", 2 * rank);
    // Sizes are bounded so that products of a few of them stay far from overflow.
    constexpr int64_t kMax = int64_t(1) << 24;
    for (size_t d = 0; d < rank; ++d) {
        check(kernel[d] > 0 && kernel[d] <= kMax, op, ": kernel_shape values must be positive, got ",
              kernel[d]);
        check(strides[d] > 0 && strides[d] <= kMax, op, ": strides must be positive, got ",
              strides[d]);
        check(dilations[d] > 0 && dilations[d] <= kMax, op, ": dilations must be positive, got ",
              dilations[d]);
    }
    for (int64_t p : pads)
        check(p >= 0 && p <= kMax, op, ": pads must be non-negative, got ", p);
    checked_product(kernel, op, "kernel");
}

}  // namespace vireo::ref
