// vireo — pooling: MaxPool (opsets 1, 8, 10, 11, 12), AveragePool (1, 7, 10, 11),
// GlobalAveragePool and GlobalMaxPool (1). Any spatial rank.
//
// Attributes added by later opsets (storage_order and Indices in 8, ceil_mode and
// MaxPool dilations in 10, count_include_pad in 7) simply keep their defaults in
// models of older opsets, so one class per op covers every version.
//
// Nodes a layout pass marked NHWC run the channels-last kernels of
// kernels/f32-conv (float32, two spatial axes; MaxPool without Indices), else
// the reference on transposed copies.
#include <algorithm>
#include <vector>

#include "kernels/f32-conv/conv_nhwc.hpp"
#include "kernels/ref/pool.hpp"
#include "kernels/ref/transpose.hpp"
#include "runtime/ops/op.hpp"
#include "runtime/ops/util.hpp"

namespace vireo::rt {

namespace {

template <class T>
std::unique_ptr<Op> make(const NodeDef& n) {
    return std::make_unique<T>(n);
}

auto executor(const RunContext& ctx) {
    return [&ctx](int64_t n, int64_t grain, const auto& fn) { ctx.parallel_for(n, grain, fn); };
}

// With Layout::NHWC (set by a pass) X and Y are [N, spatial..., C]. The NHWC
// kernels cover float32 with two spatial axes; anything else runs the NCHW
// reference on transposed copies.
Shape nchw_shape(const Shape& s, bool nhwc) {
    if (!nhwc || s.size() < 3) return s;
    return kernels::permuted_shape(s, kernels::nhwc_to_nchw_perm(s.size()));
}
Shape nhwc_shape(const Shape& s, bool nhwc) {
    if (!nhwc || s.size() < 3) return s;
    return kernels::permuted_shape(s, kernels::nchw_to_nhwc_perm(s.size()));
}
template <class T>
std::vector<T> nhwc_to_nchw(const Tensor& x) {
    std::vector<T> r(size_t(x.numel()));
    kernels::ref::transpose<T>(x.data<T>(), r.data(), x.shape(), kernels::nhwc_to_nchw_perm(x.rank()));
    return r;
}
template <class T>
void nchw_to_nhwc(const std::vector<T>& src, const Shape& nchw, T* dst) {
    kernels::ref::transpose<T>(src.data(), dst, nchw, kernels::nchw_to_nhwc_perm(nchw.size()));
}

// Window attributes of MaxPool/AveragePool, validated once the spatial rank is known.
class WindowPool {
public:
    WindowPool(const NodeDef& n, const char* op)
        : op_(op),
          auto_pad_(ref::parse_auto_pad(n.get_string("auto_pad", "NOTSET"), op)),
          kernel_(n.get_ints("kernel_shape")),
          strides_(n.get_ints("strides")),
          dilations_(n.get_ints("dilations")),
          pads_(n.get_ints("pads")),
          ceil_mode_(n.get_int("ceil_mode", 0) != 0),
          nhwc_(n.layout == Layout::NHWC) {
        check(n.has("kernel_shape"), op, ": required attribute kernel_shape is missing");
        check(!kernel_.empty(), op, ": kernel_shape must not be empty");
        check(n.num_inputs() == 1 && n.has_input(0), op, ": expected 1 input, got ",
              n.num_inputs());
        const size_t r = kernel_.size();
        if (strides_.empty()) strides_.assign(r, 1);
        if (dilations_.empty()) dilations_.assign(r, 1);
        if (pads_.empty()) pads_.assign(2 * r, 0);
        ref::check_window_attrs(kernel_, strides_, dilations_, pads_, r, op);
        // A window lying wholly in the padding would have nothing to pool.
        if (auto_pad_ == ref::AutoPad::NotSet)
            for (size_t d = 0; d < r; ++d)
                check(pads_[d] < (kernel_[d] - 1) * dilations_[d] + 1 &&
                          pads_[d + r] < (kernel_[d] - 1) * dilations_[d] + 1,
                      op, ": pads must be smaller than the kernel extent on spatial axis ", d);
    }

    bool nhwc() const { return nhwc_; }

    // Output shape for input shape x_in (in the node's layout), with the resolved geometry.
    Shape resolve(const Shape& x_in, ref::WindowGeometry& g) const {
        const Shape x = nchw_shape(x_in, nhwc_);
        check(x.size() == kernel_.size() + 2, op_, ": X ", shape_str(x), " must have rank ",
              kernel_.size() + 2, " to match kernel_shape ", shape_str(kernel_));
        g = {};
        g.image.assign(x.begin() + 2, x.end());
        g.kernel = kernel_;
        g.stride = strides_;
        g.dilation = dilations_;
        g.pad_begin.assign(pads_.begin(), pads_.begin() + long(kernel_.size()));
        g.pad_end.assign(pads_.begin() + long(kernel_.size()), pads_.end());
        ref::resolve_forward_window(g, auto_pad_, ceil_mode_, op_);
        Shape out{x[0], x[1]};
        out.insert(out.end(), g.grid.begin(), g.grid.end());
        checked_numel(out);
        return nhwc_shape(out, nhwc_);
    }

    // The NHWC float32 2-D kernels apply to this input.
    bool fast(const Tensor& x) const { return nhwc_ && x.dtype() == DType::Float32 && x.rank() == 4; }

    // Runs fn(first_plane, planes) over the N·C planes in parallel chunks.
    template <class F>
    static void for_planes(const RunContext& ctx, const Shape& x, const ref::WindowGeometry& g,
                           F&& fn) {
        const int64_t planes = x[0] * x[1];
        const int64_t work = std::max<int64_t>(1, g.grid_size() * g.kernel_size());
        ctx.parallel_for(planes, std::max<int64_t>(1, 65536 / work),
                         [&](int64_t p0, int64_t p1) { fn(p0, p1 - p0); });
    }

private:
    const char* op_;
    ref::AutoPad auto_pad_;
    std::vector<int64_t> kernel_, strides_, dilations_, pads_;
    bool ceil_mode_;
    bool nhwc_;
};

class MaxPoolOp final : public Op {
public:
    explicit MaxPoolOp(const NodeDef& n)
        : window_(n, "MaxPool"), column_major_(n.get_int("storage_order", 0) != 0) {
        const int64_t order = n.get_int("storage_order", 0);
        check(order == 0 || order == 1, "MaxPool: storage_order must be 0 or 1, got ", order);
        check(n.num_outputs() >= 1 && n.num_outputs() <= 2,
              "MaxPool: expected 1 or 2 outputs, got ", n.num_outputs());
    }

    bool infer(InferContext& ctx) const override {
        const DType t = ctx.dtype(0);
        check(t == DType::Float32 || t == DType::Float64 || t == DType::Int8 || t == DType::UInt8,
              "MaxPool: unsupported element type ", dtype_name(t),
              " (expected float32, float64, int8 or uint8)");
        ref::WindowGeometry g;
        const Shape out = window_.resolve(ctx.shape(0), g);
        ctx.set_output(0, t, out);
        if (ctx.has_output(1)) ctx.set_output(1, DType::Int64, out);
        return true;
    }

    void run(RunContext& ctx) const override {
        const Tensor& x = ctx.input(0);
        ref::WindowGeometry g;
        window_.resolve(x.shape(), g);
        Tensor& y = ctx.output(0);
        const bool with_indices = ctx.has_output(1);
        if (window_.fast(x) && !with_indices) {
            kernels::pool_nhwc<true>(ctx.kernels().conv, kernels::Pool2d::from(g, x.dim(0), x.dim(3)),
                                     x.data<float>(), y.data<float>(), false, executor(ctx));
            return;
        }
        const Shape x_nchw = nchw_shape(x.shape(), window_.nhwc());
        const Shape y_nchw = nchw_shape(y.shape(), window_.nhwc());
        const int64_t in_plane = g.image_size(), out_plane = g.grid_size();
        dispatch_types<float, double, int8_t, uint8_t>(x.dtype(), "MaxPool", [&](auto tag) {
            using T = typename decltype(tag)::type;
            std::vector<T> xt, yt;
            std::vector<int64_t> it;
            const T* src = x.data<T>();
            T* dst = y.data<T>();
            int64_t* indices = with_indices ? ctx.output(1).data<int64_t>() : nullptr;
            if (window_.nhwc()) {  // indices keep their NCHW meaning, in an NHWC tensor
                xt = nhwc_to_nchw<T>(x);
                yt.resize(size_t(y.numel()));
                it.resize(with_indices ? size_t(y.numel()) : 0);
                src = xt.data();
                dst = yt.data();
                indices = with_indices ? it.data() : nullptr;
            }
            WindowPool::for_planes(ctx, x_nchw, g, [&](int64_t p0, int64_t n) {
                ref::max_pool<T>(g, n, src + p0 * in_plane, dst + p0 * out_plane,
                                 indices ? indices + p0 * out_plane : nullptr, p0, column_major_);
            });
            if (window_.nhwc()) {
                nchw_to_nhwc<T>(yt, y_nchw, y.data<T>());
                if (with_indices) nchw_to_nhwc<int64_t>(it, y_nchw, ctx.output(1).data<int64_t>());
            }
        });
    }

private:
    WindowPool window_;
    bool column_major_;
};

class AveragePoolOp final : public Op {
public:
    explicit AveragePoolOp(const NodeDef& n)
        : window_(n, "AveragePool"), count_include_pad_(n.get_int("count_include_pad", 0) != 0) {
        check(n.num_outputs() == 1, "AveragePool: expected 1 output, got ", n.num_outputs());
    }

    bool infer(InferContext& ctx) const override {
        const DType t = ctx.dtype(0);
        check(t == DType::Float32 || t == DType::Float64, "AveragePool: unsupported element type ",
              dtype_name(t), " (expected float32 or float64)");
        ref::WindowGeometry g;
        ctx.set_output(0, t, window_.resolve(ctx.shape(0), g));
        return true;
    }

    void run(RunContext& ctx) const override {
        const Tensor& x = ctx.input(0);
        ref::WindowGeometry g;
        window_.resolve(x.shape(), g);
        Tensor& y = ctx.output(0);
        if (window_.fast(x)) {
            kernels::pool_nhwc<false>(ctx.kernels().conv, kernels::Pool2d::from(g, x.dim(0), x.dim(3)),
                                      x.data<float>(), y.data<float>(), count_include_pad_,
                                      executor(ctx));
            return;
        }
        const Shape x_nchw = nchw_shape(x.shape(), window_.nhwc());
        const int64_t in_plane = g.image_size(), out_plane = g.grid_size();
        dispatch_types<float, double>(x.dtype(), "AveragePool", [&](auto tag) {
            using T = typename decltype(tag)::type;
            std::vector<T> xt, yt;
            const T* src = x.data<T>();
            T* dst = y.data<T>();
            if (window_.nhwc()) {
                xt = nhwc_to_nchw<T>(x);
                yt.resize(size_t(y.numel()));
                src = xt.data();
                dst = yt.data();
            }
            WindowPool::for_planes(ctx, x_nchw, g, [&](int64_t p0, int64_t n) {
                ref::avg_pool<T>(g, n, src + p0 * in_plane, dst + p0 * out_plane,
                                 count_include_pad_);
            });
            if (window_.nhwc()) nchw_to_nhwc<T>(yt, nchw_shape(y.shape(), true), y.data<T>());
        });
    }

private:
    WindowPool window_;
    bool count_include_pad_;
};

// GlobalAveragePool / GlobalMaxPool: every spatial dim pools to 1.
template <bool kMax>
class GlobalPoolOp final : public Op {
public:
    static constexpr const char* kName = kMax ? "GlobalMaxPool" : "GlobalAveragePool";

    explicit GlobalPoolOp(const NodeDef& n) : nhwc_(n.layout == Layout::NHWC) {
        check(n.num_inputs() == 1 && n.has_input(0), kName, ": expected 1 input, got ",
              n.num_inputs());
        check(n.num_outputs() == 1, kName, ": expected 1 output, got ", n.num_outputs());
    }

    bool infer(InferContext& ctx) const override {
        const DType t = ctx.dtype(0);
        check(t == DType::Float32 || t == DType::Float64, kName, ": unsupported element type ",
              dtype_name(t), " (expected float32 or float64)");
        const Shape& x = ctx.shape(0);
        check(x.size() >= 3, kName, ": X must have rank >= 3 (N, C, spatial...), got ",
              shape_str(x));
        Shape out(x.size(), 1);
        out[0] = x[0];
        out[nhwc_ ? x.size() - 1 : 1] = x[nhwc_ ? x.size() - 1 : 1];
        ctx.set_output(0, t, out);
        return true;
    }

    void run(RunContext& ctx) const override {
        const Tensor& x = ctx.input(0);
        if (nhwc_ && x.dtype() == DType::Float32) {
            // [N, pixels..., C]: the output [N, 1..., C] is the same as [N, C].
            const size_t batch = size_t(x.dim(0)), channels = size_t(x.dim(x.rank() - 1));
            const size_t pixels = batch > 0 && channels > 0 ? size_t(x.numel()) / (batch * channels) : 0;
            kernels::global_pool_nhwc<kMax>(ctx.kernels().conv, batch, pixels, channels,
                                            x.data<float>(), ctx.output(0).data<float>(),
                                            executor(ctx));
            return;
        }
        const Shape x_nchw = nchw_shape(x.shape(), nhwc_);
        const int64_t planes = x_nchw[0] * x_nchw[1];
        if (planes == 0) return;
        const int64_t plane = x.numel() / planes;
        dispatch_types<float, double>(x.dtype(), kName, [&](auto tag) {
            using T = typename decltype(tag)::type;
            std::vector<T> xt;
            if (nhwc_) xt = nhwc_to_nchw<T>(x);
            // [N, C, 1...] and [N, 1..., C] hold the same values in the same order.
            const T* src = nhwc_ ? xt.data() : x.data<T>();
            T* dst = ctx.output(0).data<T>();
            ctx.parallel_for(planes, std::max<int64_t>(1, 65536 / std::max<int64_t>(plane, 1)),
                             [&](int64_t p0, int64_t p1) {
                                 if constexpr (kMax)
                                     ref::global_max_pool<T>(p1 - p0, plane, src + p0 * plane, dst + p0);
                                 else
                                     ref::global_avg_pool<T>(p1 - p0, plane, src + p0 * plane, dst + p0);
                             });
        });
    }

private:
    bool nhwc_;
};

}  // namespace

void register_nn_pool_ops(OpRegistry& reg) {
    reg.add("MaxPool", &make<MaxPoolOp>);
    reg.add("AveragePool", &make<AveragePoolOp>);
    reg.add("GlobalAveragePool", &make<GlobalPoolOp<false>>);
    reg.add("GlobalMaxPool", &make<GlobalPoolOp<true>>);
}

}  // namespace vireo::rt
