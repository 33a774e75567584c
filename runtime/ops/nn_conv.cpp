// vireo — Conv and ConvTranspose (opsets 1 and 11; any spatial rank).
//
// Both ops resolve their attributes into a ref::WindowGeometry and run the
// reference kernels of kernels/ref/conv.hpp, split across threads in one of two
// ways that give bit-identical results (the kernels fix every summation order):
//   * many (image, group) jobs — grouped/depthwise convs or batches: one job per task;
//   * few jobs — one job at a time, its im2col rows and GEMM blocks in parallel.
// The choice depends on the shapes only.
//
// Conv nodes a layout pass marked NHWC (float32, two spatial axes) take the
// channels-last fast path instead (kernels/f32-conv/conv_nhwc.hpp): depthwise
// kernels, a direct kernel for few input channels, Winograd F(4×4, 3×3) or GEMM
// with implicit im2col, chosen from the weights and packed once per session in
// prepare(). NHWC nodes of another type
// or rank run the reference on transposed copies. A fused epilogue (activation,
// residual) is applied in both layouts.
#include <algorithm>
#include <vector>

#include "kernels/f32-conv/conv_nhwc.hpp"
#include "kernels/f32-conv/epilogue.hpp"
#include "kernels/ref/conv.hpp"
#include "kernels/ref/transpose.hpp"
#include "runtime/ops/op.hpp"
#include "runtime/ops/util.hpp"

namespace vireo::rt {

namespace {

// The attributes Conv and ConvTranspose share. Per-axis vectors stay empty when
// absent and get their defaults once the spatial rank is known.
struct WindowAttrs {
    const char* op;
    ref::AutoPad auto_pad = ref::AutoPad::NotSet;
    std::vector<int64_t> kernel_shape, strides, dilations, pads;
    int64_t group = 1;

    WindowAttrs(const NodeDef& n, const char* op_name) : op(op_name) {
        auto_pad = ref::parse_auto_pad(n.get_string("auto_pad", "NOTSET"), op);
        kernel_shape = n.get_ints("kernel_shape");
        strides = n.get_ints("strides");
        dilations = n.get_ints("dilations");
        pads = n.get_ints("pads");
        group = n.get_int("group", 1);
        check(group > 0, op, ": group must be positive, got ", group);
        // A fused residual (set by a pass, Conv only) is one more, last input.
        const size_t extra = n.fused.has_residual ? 1 : 0;
        check(n.num_inputs() == 2 + extra || n.num_inputs() == 3 + extra, op, ": expected ",
              2 + extra, " or ", 3 + extra, " inputs, got ", n.num_inputs());
        check(n.has_input(0) && n.has_input(1), op, ": inputs X and W are required");
        check(n.num_outputs() == 1, op, ": expected 1 output, got ", n.num_outputs());
        for (int64_t v : strides) check(v > 0, op, ": strides must be positive, got ", v);
        for (int64_t v : dilations) check(v > 0, op, ": dilations must be positive, got ", v);
        for (int64_t v : pads) check(v >= 0, op, ": pads must be non-negative, got ", v);
        for (int64_t v : kernel_shape)
            check(v > 0, op, ": kernel_shape values must be positive, got ", v);
    }

    // Geometry with image/kernel/strides/dilations/pads filled for `rank` spatial
    // axes; `kernel` comes from W's shape and must agree with kernel_shape.
    ref::WindowGeometry base_geometry(const Shape& image, const Shape& kernel) const {
        const size_t r = image.size();
        if (!kernel_shape.empty())
            check(Shape(kernel_shape) == kernel, op, ": kernel_shape ", shape_str(kernel_shape),
                  " does not match the weight's spatial shape ", shape_str(kernel));
        ref::WindowGeometry g;
        g.image = image;
        g.kernel = kernel;
        g.stride = strides.empty() ? std::vector<int64_t>(r, 1) : strides;
        g.dilation = dilations.empty() ? std::vector<int64_t>(r, 1) : dilations;
        const std::vector<int64_t> p = pads.empty() ? std::vector<int64_t>(2 * r, 0) : pads;
        ref::check_window_attrs(g.kernel, g.stride, g.dilation, p, r, op);
        g.pad_begin.assign(p.begin(), p.begin() + long(r));
        g.pad_end.assign(p.begin() + long(r), p.end());
        return g;
    }
};

int64_t checked_mul(int64_t a, int64_t b, const char* op) {
    int64_t r;
    check(!__builtin_mul_overflow(a, b, &r), op, ": size overflow (", a, " x ", b, ")");
    return r;
}

void check_float_inputs(const InferContext& ctx, const char* op) {
    const DType t = ctx.dtype(0);
    check(t == DType::Float32 || t == DType::Float64, op, ": unsupported element type ",
          dtype_name(t), " (expected float32 or float64)");
    for (size_t i = 1; i < ctx.num_inputs(); ++i)
        if (ctx.has_input(i))
            check(ctx.dtype(i) == t, op, ": input ", i, " is ", dtype_name(ctx.dtype(i)),
                  " but X is ", dtype_name(t));
}

// One (image, group) unit of work and the layout facts both drivers need.
struct ConvPlan {
    ref::WindowGeometry geom;
    int64_t batch = 0, in_channels = 0, out_channels = 0, group = 1;
    int64_t cin_g() const { return in_channels / group; }
    int64_t cout_g() const { return out_channels / group; }
    int64_t jobs() const { return batch * group; }
};

// The split never depends on the thread count, so even a compiler that fuses
// multiply-adds differently in different loops cannot make results vary with it.
constexpr int64_t kJobParallelMinJobs = 16;

bool prefer_job_parallelism(const ConvPlan& p) { return p.jobs() >= kJobParallelMinJobs; }

auto executor(const RunContext& ctx) {
    return [&ctx](int64_t n, int64_t grain, const auto& fn) { ctx.parallel_for(n, grain, fn); };
}

// ---------------------------------------------------------------------------
// Conv

// The fused epilogue a pass may have put on the node, in the kernels' terms.
kernels::ConvEpilogue conv_epilogue(const FusedEpilogue& f) {
    using A = kernels::ConvActivation;
    kernels::ConvEpilogue e;
    switch (f.act) {
        case FusedActivation::None: e.act = A::None; break;
        case FusedActivation::Relu: e.act = A::Relu; break;
        case FusedActivation::Clip: e.act = A::Clip; break;
        case FusedActivation::LeakyRelu: e.act = A::LeakyRelu; break;
        case FusedActivation::Sigmoid: e.act = A::Sigmoid; break;
        case FusedActivation::SiLU: e.act = A::SiLU; break;
        case FusedActivation::HardSigmoid: e.act = A::HardSigmoid; break;
        case FusedActivation::HardSwish: e.act = A::HardSwish; break;
        case FusedActivation::Gelu: e.act = A::Gelu; break;
    }
    e.alpha = f.alpha;
    e.beta = f.beta;
    e.has_residual = f.has_residual;
    e.residual_before_act = f.residual_before_act;
    return e;
}

// Weights of an NHWC float32 2-D Conv, packed for one ISA's kernels.
struct ConvPacked final : OpState {
    enum class Algo { Reference, Depthwise, Gemm, Winograd, Direct } algo = Algo::Reference;
    kernels::Isa isa = kernels::Isa::Scalar;
    std::vector<float> depthwise;        // pack_dwconv_weights layout
    std::vector<kernels::PackedB> gemm;  // pack_conv_weights: one B per group
    std::vector<kernels::PackedB> winograd;  // pack_winograd_weights: one U per ξ
    kernels::DirectWeights direct;           // pack_direct_weights
};

class ConvOp final : public Op {
public:
    explicit ConvOp(const NodeDef& n)
        : attrs_(n, "Conv"),
          nhwc_(n.layout == Layout::NHWC),
          epilogue_(conv_epilogue(n.fused)),
          has_bias_(n.num_inputs() == (n.fused.has_residual ? 4u : 3u) && n.has_input(2)) {
        if (epilogue_.has_residual)
            check(n.has_input(n.num_inputs() - 1), "Conv: the fused residual input is missing");
    }

    bool infer(InferContext& ctx) const override {
        check_float_inputs(ctx, "Conv");
        const ConvPlan p = plan(x_nchw_shape(ctx.shape(0)), ctx.shape(1), has_bias_ ? &ctx.shape(2) : nullptr);
        Shape out{p.batch, p.out_channels};
        out.insert(out.end(), p.geom.grid.begin(), p.geom.grid.end());
        checked_numel(out);
        if (nhwc_) out = kernels::permuted_shape(out, kernels::nchw_to_nhwc_perm(out.size()));
        if (epilogue_.has_residual) {
            const size_t r = ctx.num_inputs() - 1;
            check(ctx.dtype(r) == ctx.dtype(0) && ctx.shape(r) == out, "Conv: the fused residual ",
                  shape_str(ctx.shape(r)), " must match the output ", shape_str(out));
        }
        ctx.set_output(0, ctx.dtype(0), out);
        return true;
    }

    std::unique_ptr<OpState> prepare(PrepareContext& ctx) const override {
        const Tensor* w = ctx.constant(1);
        const Tensor* b = has_bias_ ? ctx.constant(2) : nullptr;
        if (!fast_path_applies(w) || (has_bias_ && !b)) return nullptr;
        if (b && (b->dtype() != DType::Float32 || b->rank() != 1 || b->dim(0) != w->dim(0)))
            return nullptr;  // infer() reports the error
        return pack(ctx.kernels(), *w, b);
    }

    void run(RunContext& ctx) const override {
        const Tensor& x = ctx.input(0);
        const Tensor& w = ctx.input(1);
        const Tensor* b = has_bias_ ? &ctx.input(2) : nullptr;
        const Tensor* res = epilogue_.has_residual ? &ctx.input(ctx.num_inputs() - 1) : nullptr;
        Tensor& y = ctx.output(0);
        const ConvPlan p = plan(x_nchw_shape(x.shape()), w.shape(), b ? &b->shape() : nullptr);
        if (nhwc_ && x.dtype() == DType::Float32 && fast_path_applies(&w)) {
            std::unique_ptr<OpState> local;
            const auto* packed = dynamic_cast<const ConvPacked*>(ctx.state());
            if (!packed || packed->isa != ctx.kernels().isa) {
                local = pack(ctx.kernels(), w, b);
                packed = static_cast<const ConvPacked*>(local.get());
            }
            if (packed->algo != ConvPacked::Algo::Reference) {
                run_nhwc(ctx, p, *packed, x.data<float>(), b ? b->data<float>() : nullptr,
                         y.data<float>(), res ? res->data<float>() : nullptr);
                return;
            }
        }
        dispatch_types<float, double>(x.dtype(), "Conv", [&](auto tag) {
            using T = typename decltype(tag)::type;
            const T* bias = b ? b->data<T>() : nullptr;
            if (!nhwc_) {
                compute<T>(ctx, p, x.data<T>(), w.data<T>(), bias, y.data<T>());
                epilogue_pass<T>(ctx, y.data<T>(), res ? res->data<T>() : nullptr, y.numel());
                return;
            }
            // NHWC outside the fast path (another type or rank, or no packed
            // algorithm): the reference on NCHW copies.
            const size_t r = x.rank();
            const Shape y_nchw = kernels::permuted_shape(y.shape(), kernels::nhwc_to_nchw_perm(r));
            std::vector<T> xt(size_t(x.numel())), yt(size_t(y.numel()));
            kernels::ref::transpose<T>(x.data<T>(), xt.data(), x.shape(), kernels::nhwc_to_nchw_perm(r));
            compute<T>(ctx, p, xt.data(), w.data<T>(), bias, yt.data());
            kernels::ref::transpose<T>(yt.data(), y.data<T>(), y_nchw, kernels::nchw_to_nhwc_perm(r));
            epilogue_pass<T>(ctx, y.data<T>(), res ? res->data<T>() : nullptr, y.numel());
        });
    }

private:
    Shape x_nchw_shape(const Shape& x) const {
        if (!nhwc_ || x.size() < 3) return x;
        return kernels::permuted_shape(x, kernels::nhwc_to_nchw_perm(x.size()));
    }

    // The NHWC kernels cover float32 convolutions with two spatial axes.
    bool fast_path_applies(const Tensor* w) const {
        return nhwc_ && w && w->dtype() == DType::Float32 && w->rank() == 4;
    }

    // Chooses the algorithm from W and the attributes alone, so prepare() can.
    std::unique_ptr<ConvPacked> pack(const kernels::KernelTable& k, const Tensor& w,
                                     const Tensor* b) const {
        auto s = std::make_unique<ConvPacked>();
        s->isa = k.isa;
        const int64_t oc = w.dim(0), icg = w.dim(1), taps = w.dim(2) * w.dim(3);
        const int64_t group = attrs_.group;
        if (icg == 1 && group > 1 && oc % group == 0) {  // depthwise, any channel multiplier
            s->algo = ConvPacked::Algo::Depthwise;
            s->depthwise = kernels::pack_dwconv_weights(w.data<float>(), b ? b->data<float>() : nullptr,
                                                        size_t(oc), size_t(taps));
        } else if (kernels::direct_applies(k.conv, size_t(icg), size_t(group), size_t(w.dim(3)),
                                           attrs_.dilations.empty() ? 1 : size_t(attrs_.dilations.back()))) {
            s->algo = ConvPacked::Algo::Direct;
            s->direct = kernels::pack_direct_weights(k.conv, w.data<float>(), b ? b->data<float>() : nullptr,
                                                     size_t(oc), size_t(icg), size_t(w.dim(2)),
                                                     size_t(w.dim(3)));
        } else if (winograd_fits(w) && kernels::winograd_preferred(size_t(icg), size_t(oc))) {
            s->algo = ConvPacked::Algo::Winograd;
            s->winograd = kernels::pack_winograd_weights(k.gemm, w.data<float>(), size_t(oc), size_t(icg));
        } else if (oc % group == 0) {  // else infer() reports the error
            s->algo = ConvPacked::Algo::Gemm;
            s->gemm = kernels::pack_conv_weights(k.gemm, w.data<float>(), size_t(oc), size_t(icg),
                                                 size_t(taps), size_t(group));
        }
        return s;
    }

    // 3×3, stride 1, dilation 1, no groups: what Winograd F(4×4, 3×3) computes.
    bool winograd_fits(const Tensor& w) const {
        auto ones = [](const std::vector<int64_t>& v) {
            return std::all_of(v.begin(), v.end(), [](int64_t d) { return d == 1; });
        };
        return w.dim(2) == 3 && w.dim(3) == 3 && attrs_.group == 1 && ones(attrs_.strides) &&
               ones(attrs_.dilations);
    }

    void run_nhwc(RunContext& ctx, const ConvPlan& p, const ConvPacked& packed, const float* x,
                  const float* bias, float* y, const float* residual) const {
        const kernels::Conv2d s =
            kernels::Conv2d::from(p.geom, p.batch, p.in_channels, p.out_channels, p.group);
        const auto& k = ctx.kernels().conv;
        kernels::ConvEpilogue e = epilogue_;
        e.vector = &ctx.kernels().vector;
        switch (packed.algo) {
            case ConvPacked::Algo::Depthwise:
                kernels::dwconv_nhwc(k, s, x, packed.depthwise.data(), y, e, residual,
                                     executor(ctx));
                break;
            case ConvPacked::Algo::Gemm:
                kernels::conv_gemm_nhwc(ctx.kernels().gemm, s, x, packed.gemm, bias, y, e,
                                        residual, executor(ctx));
                break;
            case ConvPacked::Algo::Winograd:
                kernels::conv_winograd_nhwc(k, ctx.kernels().gemm, s, x, packed.winograd, bias, y, e,
                                            residual, executor(ctx));
                break;
            case ConvPacked::Algo::Direct:
                kernels::conv_direct_nhwc(k, s, x, packed.direct, y, e, residual, executor(ctx));
                break;
            case ConvPacked::Algo::Reference: break;
        }
    }

    // The fused epilogue as a pass over the finished output (any layout: the
    // residual has the output's layout).
    template <class T>
    void epilogue_pass(RunContext& ctx, T* y, const T* residual, int64_t n) const {
        if (epilogue_.act == kernels::ConvActivation::None && !epilogue_.has_residual) return;
        kernels::ConvEpilogue e = epilogue_;
        e.vector = &ctx.kernels().vector;
        ctx.parallel_for(n, 16384, [&](int64_t i0, int64_t i1) {
            kernels::apply_epilogue(e, y + i0, residual ? residual + i0 : nullptr,
                                    size_t(i1 - i0), false);
        });
    }

    ConvPlan plan(const Shape& x, const Shape& w, const Shape* b) const {
        check(x.size() >= 3, "Conv: X must have rank >= 3 (N, C, spatial...), got ", shape_str(x));
        check(w.size() == x.size(), "Conv: W ", shape_str(w), " must have the same rank as X ",
              shape_str(x));
        ConvPlan p;
        p.batch = x[0];
        p.in_channels = x[1];
        p.out_channels = w[0];
        p.group = attrs_.group;
        check(p.in_channels % p.group == 0, "Conv: group ", p.group,
              " does not divide the input channels ", p.in_channels);
        check(p.out_channels % p.group == 0, "Conv: group ", p.group,
              " does not divide the output channels ", p.out_channels);
        check(checked_mul(w[1], p.group, "Conv") == p.in_channels, "Conv: W ", shape_str(w), " expects ", w[1],
              " channels per group but X ", shape_str(x), " has ", p.in_channels, " channels in ",
              p.group, " groups");
        if (b)
            check(b->size() == 1 && (*b)[0] == p.out_channels, "Conv: B ", shape_str(*b),
                  " must have shape [", p.out_channels, "]");
        p.geom = attrs_.base_geometry(Shape(x.begin() + 2, x.end()), Shape(w.begin() + 2, w.end()));
        ref::resolve_forward_window(p.geom, attrs_.auto_pad, false, "Conv");
        return p;
    }

    template <class T>
    static void compute(RunContext& ctx, const ConvPlan& p, const T* x, const T* w, const T* b,
                        T* y) {
        if (p.batch == 0 || p.out_channels == 0) return;  // empty output
        const auto& g = p.geom;
        const int64_t in_plane = g.image_size(), out_plane = g.grid_size();
        const int64_t cin_g = p.cin_g(), cout_g = p.cout_g();
        const int64_t rows = cin_g * g.kernel_size();
        const int64_t w_group = cout_g * rows;
        auto x_of = [&](int64_t job) {
            return x + ((job / p.group) * p.in_channels + (job % p.group) * cin_g) * in_plane;
        };
        auto y_of = [&](int64_t job) {
            return y + ((job / p.group) * p.out_channels + (job % p.group) * cout_g) * out_plane;
        };
        auto w_of = [&](int64_t job) { return w + (job % p.group) * w_group; };

        const int64_t planes = p.batch * p.out_channels;
        ctx.parallel_for(planes, std::max<int64_t>(1, 65536 / std::max<int64_t>(out_plane, 1)),
                         [&](int64_t b0, int64_t b1) {
                             ref::fill_bias(y + b0 * out_plane, b1 - b0, p.out_channels, out_plane,
                                            b, b0);
                         });

        if (prefer_job_parallelism(p)) {
            ctx.parallel_for(p.jobs(), 1, [&](int64_t j0, int64_t j1) {
                std::vector<T> scratch;
                for (int64_t j = j0; j < j1; ++j)
                    ref::conv_group<T>(g, cin_g, cout_g, x_of(j), w_of(j), y_of(j), scratch);
            });
            return;
        }

        // Few jobs: parallelize inside each one. Same tiles and the same GEMM
        // element order as ref::conv_group, hence the same bits.
        const auto pfor = executor(ctx);
        const bool pointwise = ref::is_pointwise(g);
        const int64_t tile = ref::conv_tile_width(rows, out_plane);
        std::vector<T> col(pointwise ? 0 : size_t(rows * tile));
        for (int64_t j = 0; j < p.jobs(); ++j) {
            if (pointwise) {
                ref::gemm_parallel<T>(pfor, cout_g, out_plane, rows, w_of(j), rows, x_of(j),
                                      out_plane, y_of(j), out_plane, T(1), T(1), false, false);
                continue;
            }
            for (int64_t p0 = 0; p0 < out_plane; p0 += tile) {
                const int64_t n = std::min(tile, out_plane - p0);
                ctx.parallel_for(rows, std::max<int64_t>(1, 16384 / n), [&](int64_t r0, int64_t r1) {
                    ref::im2col<T>(g, x_of(j), r0, r1, p0, p0 + n, col.data() + r0 * n, n);
                });
                ref::gemm_parallel<T>(pfor, cout_g, n, rows, w_of(j), rows, col.data(), n,
                                      y_of(j) + p0, out_plane, T(1), T(1), false, false);
            }
        }
    }

    WindowAttrs attrs_;
    bool nhwc_;
    kernels::ConvEpilogue epilogue_;
    bool has_bias_;
};

// ---------------------------------------------------------------------------
// ConvTranspose

class ConvTransposeOp final : public Op {
public:
    explicit ConvTransposeOp(const NodeDef& n)
        : attrs_(n, "ConvTranspose"),
          output_padding_(n.get_ints("output_padding")),
          output_shape_(n.get_ints("output_shape")),
          has_output_shape_(n.has("output_shape")),
          opset_(n.opset) {
        // Only Conv has an NHWC form; a pass must leave ConvTranspose in NCHW.
        check(n.layout == Layout::NCHW, "ConvTranspose: the NHWC layout is not supported");
        for (int64_t v : output_padding_)
            check(v >= 0, "ConvTranspose: output_padding must be non-negative, got ", v);
        for (int64_t v : output_shape_)
            check(v > 0, "ConvTranspose: output_shape values must be positive, got ", v);
    }

    bool infer(InferContext& ctx) const override {
        check_float_inputs(ctx, "ConvTranspose");
        const ConvPlan p =
            plan(ctx.shape(0), ctx.shape(1), ctx.has_input(2) ? &ctx.shape(2) : nullptr);
        Shape out{p.batch, p.out_channels};
        out.insert(out.end(), p.geom.image.begin(), p.geom.image.end());
        checked_numel(out);
        ctx.set_output(0, ctx.dtype(0), out);
        return true;
    }

    void run(RunContext& ctx) const override {
        const Tensor& x = ctx.input(0);
        const Tensor& w = ctx.input(1);
        const Tensor* b = ctx.has_input(2) ? &ctx.input(2) : nullptr;
        const ConvPlan p = plan(x.shape(), w.shape(), b ? &b->shape() : nullptr);
        dispatch_types<float, double>(x.dtype(), "ConvTranspose", [&](auto tag) {
            using T = typename decltype(tag)::type;
            compute<T>(ctx, p, x.data<T>(), w.data<T>(), b ? b->data<T>() : nullptr,
                       ctx.output(0).data<T>());
        });
    }

private:
    // The geometry is that of the forward convolution this op is the adjoint of:
    // geom.grid is X's spatial shape, geom.image Y's.
    ConvPlan plan(const Shape& x, const Shape& w, const Shape* b) const {
        const char* op = "ConvTranspose";
        check(x.size() >= 3, op, ": X must have rank >= 3 (N, C, spatial...), got ", shape_str(x));
        check(w.size() == x.size(), op, ": W ", shape_str(w), " must have the same rank as X ",
              shape_str(x));
        ConvPlan p;
        p.batch = x[0];
        p.in_channels = x[1];
        p.group = attrs_.group;
        check(w[0] == p.in_channels, op, ": W ", shape_str(w), " expects ", w[0],
              " input channels but X ", shape_str(x), " has ", p.in_channels);
        check(p.in_channels % p.group == 0, op, ": group ", p.group,
              " does not divide the input channels ", p.in_channels);
        check(w[1] >= 0, op, ": bad weight shape ", shape_str(w));
        p.out_channels = checked_mul(w[1], p.group, op);
        if (b)
            check(b->size() == 1 && (*b)[0] == p.out_channels, op, ": B ", shape_str(*b),
                  " must have shape [", p.out_channels, "]");

        const size_t r = x.size() - 2;
        const Shape grid(x.begin() + 2, x.end());
        // The bound keeps stride·extent products far from int64 overflow.
        for (int64_t d : grid)
            check(d > 0 && d <= (int64_t(1) << 36), op,
                  ": spatial dimensions of X must be positive (and sane), got ", shape_str(x));
        ref::WindowGeometry g = attrs_.base_geometry(grid, Shape(w.begin() + 2, w.end()));
        g.grid = grid;

        const std::vector<int64_t> adj =
            output_padding_.empty() ? std::vector<int64_t>(r, 0) : output_padding_;
        check(adj.size() == r, op, ": output_padding has ", adj.size(), " values, expected ", r);
        Shape requested;
        if (has_output_shape_) {
            // Accept the spatial shape or, as some exporters write it, the full shape.
            check(output_shape_.size() == r || output_shape_.size() == r + 2, op,
                  ": output_shape has ", output_shape_.size(), " values, expected ", r);
            requested.assign(output_shape_.end() - long(r), output_shape_.end());
        }

        g.image.assign(r, 0);
        for (size_t d = 0; d < r; ++d) {
            check(adj[d] < std::max(g.stride[d], g.dilation[d]), op, ": output_padding ", adj[d],
                  " must be less than the stride or the dilation on spatial axis ", d);
            const int64_t natural = g.stride[d] * (grid[d] - 1) + adj[d] + g.effective_kernel(d);
            int64_t out;
            if (has_output_shape_ || attrs_.auto_pad == ref::AutoPad::SameUpper ||
                attrs_.auto_pad == ref::AutoPad::SameLower) {
                out = has_output_shape_ ? requested[d] : grid[d] * g.stride[d];
                // A requested size above the natural one just appends bias-only
                // elements at the end (negative end padding).
                const int64_t total = std::max<int64_t>(0, natural - out);
                g.pad_begin[d] = pad_begin_for(total);
                g.pad_end[d] = natural - out - g.pad_begin[d];
            } else {
                if (attrs_.auto_pad == ref::AutoPad::Valid) g.pad_begin[d] = g.pad_end[d] = 0;
                out = natural - g.pad_begin[d] - g.pad_end[d];
            }
            check(out > 0, op, ": output spatial dimension ", d, " would be ", out);
            g.image[d] = out;
        }
        ref::checked_product(g.image, op, "output plane");
        ref::checked_product(g.grid, op, "input plane");
        p.geom = std::move(g);
        return p;
    }

    // How a total padding is split. Opset 11 gives SAME_UPPER the smaller half at
    // the beginning and everything else the larger; opset 1 documents the opposite
    // split for explicit output_shape, which only matters for odd totals.
    int64_t pad_begin_for(int64_t total) const {
        const bool upper = attrs_.auto_pad == ref::AutoPad::SameUpper;
        const int64_t small = total / 2, large = total - small;
        if (!has_output_shape_) return upper ? small : large;  // auto_pad SAME_*
        if (opset_ >= 11) return upper ? small : large;
        return upper ? large : small;
    }

    template <class T>
    static void compute(RunContext& ctx, const ConvPlan& p, const T* x, const T* w, const T* b,
                        T* y) {
        if (p.batch == 0 || p.out_channels == 0) return;  // empty output
        const auto& g = p.geom;
        const int64_t in_plane = g.grid_size(), out_plane = g.image_size();
        const int64_t cin_g = p.cin_g(), cout_g = p.cout_g();
        const int64_t rows = cout_g * g.kernel_size();
        const int64_t w_group = cin_g * rows;
        auto x_of = [&](int64_t job) {
            return x + ((job / p.group) * p.in_channels + (job % p.group) * cin_g) * in_plane;
        };
        auto y_of = [&](int64_t job) {
            return y + ((job / p.group) * p.out_channels + (job % p.group) * cout_g) * out_plane;
        };
        auto w_of = [&](int64_t job) { return w + (job % p.group) * w_group; };

        const int64_t planes = p.batch * p.out_channels;
        ctx.parallel_for(planes, std::max<int64_t>(1, 65536 / std::max<int64_t>(out_plane, 1)),
                         [&](int64_t b0, int64_t b1) {
                             ref::fill_bias(y + b0 * out_plane, b1 - b0, p.out_channels, out_plane,
                                            b, b0);
                         });

        if (prefer_job_parallelism(p)) {
            ctx.parallel_for(p.jobs(), 1, [&](int64_t j0, int64_t j1) {
                std::vector<T> scratch;
                for (int64_t j = j0; j < j1; ++j)
                    ref::conv_transpose_group<T>(g, cin_g, cout_g, x_of(j), w_of(j), y_of(j),
                                                 scratch);
            });
            return;
        }

        // Few jobs: the same tiles as ref::conv_transpose_group, with the GEMM
        // split into blocks and col2im split by output channel.
        const auto pfor = executor(ctx);
        const int64_t tile = ref::conv_tile_width(rows, in_plane);
        std::vector<T> col(size_t(rows * tile));
        for (int64_t j = 0; j < p.jobs(); ++j) {
            for (int64_t p0 = 0; p0 < in_plane; p0 += tile) {
                const int64_t n = std::min(tile, in_plane - p0);
                ref::gemm_parallel<T>(pfor, rows, n, cin_g, w_of(j), rows, x_of(j) + p0, in_plane,
                                      col.data(), n, T(1), T(0), true, false);
                const int64_t grain =
                    std::max<int64_t>(1, 16384 / std::max<int64_t>(n * g.kernel_size(), 1));
                ctx.parallel_for(cout_g, grain, [&](int64_t c0, int64_t c1) {
                    ref::col2im_add<T>(g, col.data(), n, c0, c1, p0, p0 + n, y_of(j));
                });
            }
        }
    }

    WindowAttrs attrs_;
    std::vector<int64_t> output_padding_, output_shape_;
    bool has_output_shape_;
    int opset_;
};

template <class T>
std::unique_ptr<Op> make(const NodeDef& n) {
    return std::make_unique<T>(n);
}

}  // namespace

void register_nn_conv_ops(OpRegistry& reg) {
    reg.add("Conv", &make<ConvOp>);
    reg.add("ConvTranspose", &make<ConvTransposeOp>);
}

}  // namespace vireo::rt
