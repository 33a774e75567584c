// vireo — index family: Resize (opsets 10, 11, 13) and its predecessor
// Upsample (opsets 1, 7, 9; deprecated in 10). Both reduce to the same plan —
// an output size, a scale and a real-valued resized length per axis — which
// kernels/ref/resize.hpp turns into per-axis taps and applies.
//
// Version differences handled here:
//  - Upsample-1: 4-D only, `height_scale` / `width_scale` attributes, modes
//    nearest / bilinear. Upsample-7: `scales` attribute. Upsample-9/10: `scales`
//    input. All use asymmetric coordinates and require scales >= 1.
//  - Resize-10: inputs (X, scales), modes nearest / linear, asymmetric
//    coordinates (what ONNX Runtime implements for that version).
//  - Resize-11: inputs (X, roi, scales[, sizes]); scales may be an empty tensor
//    when sizes is given; adds the coordinate modes, cubic and nearest_mode.
//  - Resize-13: roi and scales become optional (omitted or empty both mean
//    absent); tf_half_pixel_for_nn is gone.
//
// float32 nearest and linear resizes of the last two axes alone (every NCHW
// image resize) run row by row on the session's vector kernels; the
// reference kernels handle everything else and remain the oracle.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "kernels/f32-vector/vector.hpp"
#include "kernels/ref/resize.hpp"
#include "runtime/ops/op.hpp"
#include "runtime/ops/util.hpp"

namespace vireo::rt {

namespace {

namespace kr = vireo::kernels::ref;

// Largest output extent per axis; the allocator bounds the total separately.
constexpr double kMaxResizedLength = double(int64_t(1) << 40);

// Output size and sampling geometry of one resize, per axis.
struct ResizeGeometry {
    Shape out_shape;
    std::vector<double> scales;   // scale factor used by the coordinate transforms
    std::vector<double> extents;  // resized length as a real number (see kernels/ref/resize.hpp)
};

std::vector<double> read_floats(const Tensor& t, const char* op, const char* what) {
    check(t.dtype() == DType::Float32 || t.dtype() == DType::Float64, op, ": ", what,
          " must be float32 or float64, got ", dtype_name(t.dtype()));
    std::vector<double> v(size_t(t.numel()));
    for (size_t i = 0; i < v.size(); ++i) v[i] = element_as_double(t, int64_t(i));
    return v;
}

// Output size floor(in * scale) for each axis, as the ONNX reference computes
// it (in double precision from the float32 scale).
ResizeGeometry geometry_from_scales(const Shape& in, const std::vector<double>& scales, const char* op,
                                    double min_scale) {
    check(scales.size() == in.size(), op, ": expected ", in.size(), " scales for rank ", in.size(), ", got ",
          scales.size());
    ResizeGeometry g;
    for (size_t a = 0; a < in.size(); ++a) {
        const double s = scales[a];
        check(std::isfinite(s) && s > 0 && s >= min_scale, op, ": scale ", s, " on axis ", a, " must be ",
              min_scale > 0 ? ">= 1" : "positive and finite");
        const double extent = s * double(in[a]);
        check(extent < kMaxResizedLength, op, ": scale ", s, " makes axis ", a, " too large");
        g.out_shape.push_back(int64_t(std::floor(extent)));
        g.scales.push_back(s);
        g.extents.push_back(extent);
    }
    checked_numel(g.out_shape);
    return g;
}

ResizeGeometry geometry_from_sizes(const Shape& in, const std::vector<int64_t>& sizes, const char* op) {
    check(sizes.size() == in.size(), op, ": expected ", in.size(), " sizes for rank ", in.size(), ", got ",
          sizes.size());
    ResizeGeometry g;
    for (size_t a = 0; a < in.size(); ++a) {
        check(sizes[a] > 0, op, ": size ", sizes[a], " on axis ", a, " must be positive");
        check(in[a] > 0, op, ": cannot resize empty axis ", a, " to size ", sizes[a]);
        g.out_shape.push_back(sizes[a]);
        g.scales.push_back(double(sizes[a]) / double(in[a]));
        g.extents.push_back(double(sizes[a]));
    }
    checked_numel(g.out_shape);
    return g;
}

// Shared by Resize and Upsample: validates the data type for the mode and runs
// the kernels for a given geometry.
class ResamplerBase : public Op {
protected:
    ResamplerBase(const char* op) : op_(op) {}

    void check_data_type(DType t) const {
        if (spec_.interp == kr::ResizeInterp::Nearest)
            check(dtype_size(t) != 0 && t != DType::Float16 && t != DType::BFloat16, op_,
                  ": unsupported element type ", dtype_name(t));
        else
            check(dtype_size(t) != 0 && t != DType::Float16 && t != DType::BFloat16 && t != DType::Bool, op_,
                  ": unsupported element type ", dtype_name(t), " for ", mode_name(), " mode");
    }

    // roi: [start_0..start_{r-1}, end_0..end_{r-1}], or empty for the whole input.
    void resample(RunContext& ctx, const ResizeGeometry& g, const std::vector<double>& roi) const {
        const Tensor& x = ctx.input(0);
        Tensor& out = ctx.output(0);
        check(out.shape() == g.out_shape, op_, ": input changed after shape inference");
        if (out.numel() == 0) return;
        for (size_t a = 0; a < x.rank(); ++a)
            check(x.dim(a) > 0, op_, ": cannot resize empty axis ", a, " to size ", g.out_shape[a]);
        const size_t r = x.rank();
        std::vector<kr::AxisTaps> axes;
        for (size_t a = 0; a < r; ++a)
            axes.push_back(kr::plan_resize_axis(spec_, x.dim(a), g.out_shape[a], g.scales[a], g.extents[a],
                                                roi.empty() ? 0.0 : roi[a], roi.empty() ? 1.0 : roi[a + r]));
        if (x.dtype() == DType::Float32 && resample_image_float(ctx, axes, x, out)) return;
        auto parallel_for = [&](int64_t n, int64_t grain, const auto& fn) { ctx.parallel_for(n, grain, fn); };
        if (spec_.interp == kr::ResizeInterp::Nearest) {
            dispatch_types<VIREO_ALL_TYPES>(x.dtype(), op_, [&](auto tag) {
                using T = typename decltype(tag)::type;
                kr::resize_nearest<T>(x.data<T>(), x.shape(), axes, kr::resize_detail::store<T>(extrapolation_),
                                      out.data<T>(), parallel_for);
            });
        } else {
            dispatch_types<VIREO_NUMERIC_TYPES>(x.dtype(), op_, [&](auto tag) {
                using T = typename decltype(tag)::type;
                kr::resize_interpolate<T>(x.data<T>(), x.shape(), axes, extrapolation_, out.data<T>(),
                                          parallel_for);
            });
        }
    }

    // The float32 fast path: applies when only the last two axes resample and
    // no position lies outside (tf_crop_and_resize), else returns false. Each
    // output row is a gather from one input row (nearest; a copy of the row
    // above when both map to the same input row) or, for linear, a blend of
    // two input rows: when the height grows, the rows are widened first (two
    // gathered taps each) and kept in a two-row cache, so each input row is
    // widened about once; otherwise the two rows are blended first and the
    // result widened. Weights are the plan's, rounded to float; sums run in float.
    bool resample_image_float(const RunContext& ctx, const std::vector<kr::AxisTaps>& axes, const Tensor& x,
                              Tensor& out) const {
        const size_t r = axes.size();
        const bool nearest = spec_.interp == kr::ResizeInterp::Nearest;
        if (r < 2 || !(nearest || spec_.interp == kr::ResizeInterp::Linear)) return false;
        for (size_t a = 0; a + 2 < r; ++a)
            if (!axes[a].identity()) return false;
        const kr::AxisTaps& ah = axes[r - 2];
        const kr::AxisTaps& aw = axes[r - 1];
        for (const kr::AxisTaps* p : {&ah, &aw})
            if (std::any_of(p->outside.begin(), p->outside.end(), [](uint8_t o) { return o != 0; })) return false;
        const int64_t in_h = ah.in_len, in_w = aw.in_len, out_h = ah.out_len, out_w = aw.out_len;
        if (in_w > std::numeric_limits<int32_t>::max()) return false;

        const size_t taps = nearest ? 1 : 2;
        std::vector<int32_t> i0(static_cast<size_t>(out_w)), i1(nearest ? 0 : static_cast<size_t>(out_w));
        std::vector<float> w0(nearest ? 0 : size_t(out_w)), w1(nearest ? 0 : size_t(out_w));
        for (size_t j = 0; j < size_t(out_w); ++j) {
            i0[j] = int32_t(aw.index[j * taps]);
            if (!nearest) {
                i1[j] = int32_t(aw.index[j * taps + 1]);
                w0[j] = float(aw.weight[j * taps]);
                w1[j] = float(aw.weight[j * taps + 1]);
            }
        }
        const bool width_identity = aw.identity();
        const kernels::VectorKernels& vk = ctx.kernels().vector;
        const float* in = x.data<float>();
        float* dst_all = out.data<float>();
        const int64_t rows = out.numel() / out_w;
        const bool widen_first = !nearest && !width_identity && out_h >= in_h;
        ctx.parallel_for(rows, std::max<int64_t>(1, 8192 / out_w), [&](int64_t begin, int64_t end) {
            std::vector<float> blended(nearest ? 0 : size_t(in_w));
            // Widened input rows, keyed by plane * in_h + h.
            std::vector<float> widened(widen_first ? 2 * size_t(out_w) : 0);
            int64_t widened_key[2] = {-1, -1};
            int next_slot = 0;
            auto widened_row = [&](const float* src, int64_t key, int64_t h) -> const float* {
                for (int s = 0; s < 2; ++s)
                    if (widened_key[s] == key) return widened.data() + size_t(s) * size_t(out_w);
                float* slot = widened.data() + size_t(next_slot) * size_t(out_w);
                vk.gather_blend(size_t(out_w), src + h * in_w, i0.data(), w0.data(), i1.data(), w1.data(), slot);
                widened_key[next_slot] = key;
                next_slot ^= 1;
                return slot;
            };
            for (int64_t row = begin; row < end; ++row) {
                const int64_t plane = row / out_h, oh = row % out_h;
                const float* src = in + plane * in_h * in_w;
                float* dst = dst_all + row * out_w;
                if (nearest) {
                    const int64_t h = ah.index[size_t(oh)];
                    if (row > begin && oh > 0 && ah.index[size_t(oh - 1)] == h)
                        std::memcpy(dst, dst - out_w, size_t(out_w) * sizeof(float));
                    else
                        vk.gather(size_t(out_w), src + h * in_w, i0.data(), dst);
                    continue;
                }
                // Vertical taps first; a zero-weight tap is skipped as the
                // reference's outer-axis pass skips it.
                const int64_t h0 = ah.index[size_t(2 * oh)], h1 = ah.index[size_t(2 * oh + 1)];
                const float wh0 = float(ah.weight[size_t(2 * oh)]), wh1 = float(ah.weight[size_t(2 * oh + 1)]);
                if (widen_first) {
                    const float* top = widened_row(src, plane * in_h + h0, h0);
                    if (wh1 == 0 && wh0 == 1) {
                        std::memcpy(dst, top, size_t(out_w) * sizeof(float));
                        continue;
                    }
                    const float* bottom = widened_row(src, plane * in_h + h1, h1);
                    if (wh0 == 0 && wh1 == 1) std::memcpy(dst, bottom, size_t(out_w) * sizeof(float));
                    else vk.blend(size_t(out_w), top, wh0, bottom, wh1, dst);
                    continue;
                }
                const float* line = blended.data();
                if (wh1 == 0 && wh0 == 1) line = src + h0 * in_w;
                else if (wh0 == 0 && wh1 == 1) line = src + h1 * in_w;
                else vk.blend(size_t(in_w), src + h0 * in_w, wh0, src + h1 * in_w, wh1, blended.data());
                if (width_identity)
                    std::memcpy(dst, line, size_t(out_w) * sizeof(float));
                else
                    vk.gather_blend(size_t(out_w), line, i0.data(), w0.data(), i1.data(), w1.data(), dst);
            }
        });
        return true;
    }

    const char* mode_name() const {
        switch (spec_.interp) {
            case kr::ResizeInterp::Nearest: return "nearest";
            case kr::ResizeInterp::Linear: return "linear";
            case kr::ResizeInterp::Cubic: return "cubic";
        }
        return "?";
    }

    const char* op_;
    kr::ResizeSpec spec_;
    double extrapolation_ = 0;
};

// ---------------------------------------------------------------------------

class ResizeOp final : public ResamplerBase {
public:
    explicit ResizeOp(const NodeDef& n) : ResamplerBase("Resize"), opset_(n.opset) {
        const std::string mode = n.get_string("mode", "nearest");
        if (mode == "nearest") spec_.interp = kr::ResizeInterp::Nearest;
        else if (mode == "linear") spec_.interp = kr::ResizeInterp::Linear;
        else if (mode == "cubic" && opset_ >= 11) spec_.interp = kr::ResizeInterp::Cubic;
        else fail("Resize: unsupported mode '", mode, "' at opset ", opset_);

        if (opset_ < 11) {
            spec_.coord = kr::ResizeCoord::Asymmetric;
            spec_.nearest = kr::NearestRound::FloorUpCeilDown;
            return;
        }
        const std::string coord = n.get_string("coordinate_transformation_mode", "half_pixel");
        if (coord == "half_pixel") spec_.coord = kr::ResizeCoord::HalfPixel;
        else if (coord == "pytorch_half_pixel") spec_.coord = kr::ResizeCoord::PytorchHalfPixel;
        else if (coord == "align_corners") spec_.coord = kr::ResizeCoord::AlignCorners;
        else if (coord == "asymmetric") spec_.coord = kr::ResizeCoord::Asymmetric;
        else if (coord == "tf_crop_and_resize") spec_.coord = kr::ResizeCoord::TfCropAndResize;
        else if (coord == "tf_half_pixel_for_nn" && opset_ < 13) spec_.coord = kr::ResizeCoord::TfHalfPixelForNN;
        else fail("Resize: unsupported coordinate_transformation_mode '", coord, "' at opset ", opset_);

        const std::string nearest = n.get_string("nearest_mode", "round_prefer_floor");
        if (nearest == "round_prefer_floor") spec_.nearest = kr::NearestRound::RoundPreferFloor;
        else if (nearest == "round_prefer_ceil") spec_.nearest = kr::NearestRound::RoundPreferCeil;
        else if (nearest == "floor") spec_.nearest = kr::NearestRound::Floor;
        else if (nearest == "ceil") spec_.nearest = kr::NearestRound::Ceil;
        else fail("Resize: unsupported nearest_mode '", nearest, "'");

        spec_.cubic_a = n.get_float("cubic_coeff_a", -0.75f);
        check(std::isfinite(spec_.cubic_a), "Resize: cubic_coeff_a must be finite");
        spec_.exclude_outside = n.get_int("exclude_outside", 0) != 0;
        extrapolation_ = n.get_float("extrapolation_value", 0.0f);
    }

    bool infer(InferContext& ctx) const override {
        check_data_type(ctx.dtype(0));
        const Shape& in = ctx.shape(0);
        check(!in.empty(), "Resize: input must have rank >= 1");
        const size_t r = in.size();
        const Source src = source(
            [&](size_t i) { return ctx.has_input(i) && checked_numel(ctx.shape(i)) > 0; });
        const size_t i = src == Source::Sizes ? kSizes : scales_index();
        check(ctx.shape(i).size() == 1 && ctx.shape(i)[0] == int64_t(r), "Resize: ",
              src == Source::Sizes ? "sizes" : "scales", " must be a 1-D tensor of ", r, " values, got shape ",
              shape_str(ctx.shape(i)));
        if (src == Source::Sizes)
            check(ctx.dtype(i) == DType::Int64 || ctx.dtype(i) == DType::Int32, "Resize: sizes must be int64");
        if (uses_roi() && ctx.has_input(kRoi) && checked_numel(ctx.shape(kRoi)) > 0)
            check(checked_numel(ctx.shape(kRoi)) == int64_t(2 * r), "Resize: roi must hold ", 2 * r,
                  " values, got shape ", shape_str(ctx.shape(kRoi)));
        if (!ctx.has_value(i)) return false;
        ctx.set_output(0, ctx.dtype(0), geometry(in, src, ctx.value(i)).out_shape);
        return true;
    }

    void run(RunContext& ctx) const override {
        const Tensor& x = ctx.input(0);
        const Source src = source([&](size_t i) { return ctx.has_input(i) && ctx.input(i).numel() > 0; });
        const ResizeGeometry g = geometry(x.shape(), src, ctx.input(src == Source::Sizes ? kSizes : scales_index()));
        std::vector<double> roi;
        if (uses_roi() && ctx.has_input(kRoi) && ctx.input(kRoi).numel() > 0) {
            roi = read_floats(ctx.input(kRoi), "Resize", "roi");
            check(roi.size() == 2 * x.rank(), "Resize: roi must hold ", 2 * x.rank(), " values, got ",
                  roi.size());
        }
        resample(ctx, g, roi);
    }

private:
    enum class Source { Scales, Sizes };
    static constexpr size_t kRoi = 1, kSizes = 3;

    size_t scales_index() const { return opset_ < 11 ? 1 : 2; }
    bool uses_roi() const { return spec_.coord == kr::ResizeCoord::TfCropAndResize; }

    // Exactly one of scales and sizes must be given; `present(i)` says whether
    // input i is there and non-empty.
    template <class Present>
    Source source(Present&& present) const {
        if (opset_ < 11) {
            check(present(1), "Resize: the scales input is required");
            return Source::Scales;
        }
        const bool scales = present(2), sizes = present(3);
        check(scales != sizes, scales ? "Resize: scales and sizes must not both be given"
                                      : "Resize: one of scales and sizes must be given");
        return sizes ? Source::Sizes : Source::Scales;
    }

    static ResizeGeometry geometry(const Shape& in, Source src, const Tensor& v) {
        if (src == Source::Sizes) return geometry_from_sizes(in, to_i64_vector(v, "Resize: sizes"), "Resize");
        return geometry_from_scales(in, read_floats(v, "Resize", "scales"), "Resize", 0);
    }

    int opset_;
};

// ---------------------------------------------------------------------------

class UpsampleOp final : public ResamplerBase {
public:
    explicit UpsampleOp(const NodeDef& n) : ResamplerBase("Upsample"), opset_(n.opset) {
        const std::string mode = n.get_string("mode", "nearest");
        if (mode == "nearest") spec_.interp = kr::ResizeInterp::Nearest;
        else if (mode == "linear" || mode == "bilinear") spec_.interp = kr::ResizeInterp::Linear;
        else fail("Upsample: unsupported mode '", mode, "'");
        spec_.coord = kr::ResizeCoord::Asymmetric;
        spec_.nearest = kr::NearestRound::FloorUpCeilDown;
        if (opset_ < 7) {
            for (const char* a : {"height_scale", "width_scale"})
                check(n.has(a), "Upsample: required attribute '", a, "' is missing");
            attr_scales_ = {1.0, 1.0, n.get_float("height_scale", 1), n.get_float("width_scale", 1)};
        } else if (opset_ < 9) {
            check(n.has("scales"), "Upsample: required attribute 'scales' is missing");
            for (float s : n.get_floats("scales")) attr_scales_.push_back(s);
        }
    }

    bool infer(InferContext& ctx) const override {
        check_data_type(ctx.dtype(0));
        const Shape& in = ctx.shape(0);
        if (opset_ < 7)
            check(in.size() == 4, "Upsample: input must be 4-D (NCHW) at opset ", opset_, ", got ",
                  shape_str(in));
        if (scales_from_input()) {
            check(ctx.has_input(1), "Upsample: the scales input is required");
            if (!ctx.has_value(1)) return false;
        }
        ctx.set_output(0, ctx.dtype(0), geometry(in, scales_from_input() ? &ctx.value(1) : nullptr).out_shape);
        return true;
    }

    void run(RunContext& ctx) const override {
        const Tensor& x = ctx.input(0);
        resample(ctx, geometry(x.shape(), scales_from_input() ? &ctx.input(1) : nullptr), {});
    }

private:
    bool scales_from_input() const { return opset_ >= 9; }

    ResizeGeometry geometry(const Shape& in, const Tensor* scales) const {
        return geometry_from_scales(in, scales ? read_floats(*scales, "Upsample", "scales") : attr_scales_,
                                    "Upsample", 1.0);
    }

    int opset_;
    std::vector<double> attr_scales_;
};

template <class O>
std::unique_ptr<Op> make(const NodeDef& n) {
    return std::make_unique<O>(n);
}

}  // namespace

void register_index_resize_ops(OpRegistry& reg) {
    reg.add("Resize", &make<ResizeOp>, 10);
    reg.add("Upsample", &make<UpsampleOp>, 1);
}

}  // namespace vireo::rt
