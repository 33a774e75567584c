// vireo — normalization ops: BatchNormalization (inference and training forms,
// legacy attributes), InstanceNormalization, LayerNormalization and
// MeanVarianceNormalization.
//
// float32 BatchNormalization's per-channel affine pass and float32
// LayerNormalization run on the session's vector kernels (one fused
// multiply-add per element; LayerNorm statistics summed in float, two passes);
// kernels/ref/reduce_norm.hpp stays the reference and serves float64.
#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "kernels/f32-vector/vector.hpp"
#include "kernels/ref/reduce_norm.hpp"
#include "runtime/ops/op.hpp"
#include "runtime/ops/util.hpp"

namespace vireo::rt {

namespace {

int64_t grain_for(int64_t work_per_item) {
    constexpr int64_t kTargetWork = int64_t(1) << 15;
    return std::max<int64_t>(1, kTargetWork / std::max<int64_t>(1, work_per_item));
}

bool read_flag(const NodeDef& n, const char* attr, int64_t def) {
    const int64_t v = n.get_int(attr, def);
    check(v == 0 || v == 1, n.op_type, ": attribute '", attr, "' must be 0 or 1, got ", v);
    return v == 1;
}

float read_epsilon(const NodeDef& n) {
    const float eps = n.get_float("epsilon", 1e-5f);
    check(std::isfinite(eps) && eps >= 0, n.op_type, ": epsilon must be finite and non-negative, got ", eps);
    return eps;
}

bool is_real(DType t) { return t == DType::Float32 || t == DType::Float64; }

int64_t span_size(const Shape& s, size_t begin, size_t end) {
    int64_t n = 1;
    for (size_t d = begin; d < end; ++d) n *= s[d];
    return n;
}

// Parameters (scale, bias, statistics) may differ in type from X (since
// BatchNormalization-15), so they are read and written as doubles.
std::vector<double> read_doubles(const Tensor& t) {
    std::vector<double> v(size_t(t.numel()));
    if (t.dtype() == DType::Float32) std::copy_n(t.data<float>(), v.size(), v.begin());
    else std::copy_n(t.data<double>(), v.size(), v.begin());
    return v;
}

void write_doubles(Tensor& t, const std::vector<double>& v) {
    if (t.dtype() == DType::Float32) std::transform(v.begin(), v.end(), t.data<float>(), [](double d) { return float(d); });
    else std::copy(v.begin(), v.end(), t.data<double>());
}

// ---------------------------------------------------------------------------
// BatchNormalization
//
// X is viewed as [N, P, I]: P = C channels with I = D1*...*Dn elements each
// (spatial, the only form since opset 9), or P = C*D1*...*Dn per-activation
// parameters with I = 1 (legacy spatial=0).
//
// Training mode (statistics from the batch) is training_mode=1 from opset 14;
// before that it is implied by requesting the optional outputs, unless the
// opset 1-6 attribute is_test says otherwise (ONNX Runtime decides the same way).

class BatchNormOp final : public Op {
public:
    explicit BatchNormOp(const NodeDef& n) : opset_(n.opset) {
        epsilon_ = read_epsilon(n);
        momentum_ = n.get_float("momentum", 0.9f);
        check(std::isfinite(momentum_), "BatchNormalization: momentum must be finite");
        bool is_test = false;
        if (opset_ < 7) is_test = read_flag(n, "is_test", 0);  // consumed_inputs is ignored
        if (opset_ < 9) spatial_ = read_flag(n, "spatial", 1);
        const size_t max_outputs = opset_ >= 14 ? 3 : 5;
        check(n.num_outputs() <= max_outputs, "BatchNormalization: at most ", max_outputs,
              " outputs at opset ", opset_, ", got ", n.num_outputs());
        bool extra_outputs = false;
        for (size_t i = 1; i < n.num_outputs(); ++i) extra_outputs |= n.has_output(i);
        training_ = opset_ >= 14 ? read_flag(n, "training_mode", 0) : extra_outputs && !is_test;
    }

    bool infer(InferContext& ctx) const override {
        static const char* const kNames[] = {"X", "scale", "B", "mean", "var"};
        check(ctx.num_inputs() == 5, "BatchNormalization: expects 5 inputs, got ", ctx.num_inputs());
        for (size_t i = 0; i < 5; ++i) {
            check(ctx.has_input(i), "BatchNormalization: missing input '", kNames[i], "'");
            check(is_real(ctx.dtype(i)), "BatchNormalization: unsupported element type ",
                  dtype_name(ctx.dtype(i)), " for input '", kNames[i], "'");
        }
        const Shape& x = ctx.shape(0);
        check(x.size() >= 2, "BatchNormalization: X must have rank >= 2 (N x C x ...), got ", shape_str(x));
        const Shape param = spatial_ ? Shape{x[1]} : Shape(x.begin() + 1, x.end());
        for (size_t i = 1; i < 5; ++i)
            check(ctx.shape(i) == param, "BatchNormalization: input '", kNames[i], "' must have shape ",
                  shape_str(param), ", got ", shape_str(ctx.shape(i)));
        ctx.set_output(0, ctx.dtype(0), x);
        // Outputs 1-2 are the updated running mean/var (typed like the inputs);
        // 3-4 (before opset 14) the batch mean/var.
        for (size_t i = 1; i < ctx.num_outputs(); ++i)
            if (ctx.has_output(i)) ctx.set_output(i, ctx.dtype(i % 2 ? 3 : 4), param);
        return true;
    }

    void run(RunContext& ctx) const override {
        const Tensor& x = ctx.input(0);
        Tensor& y = ctx.output(0);
        const int64_t N = x.dim(0), C = x.dim(1), S = span_size(x.shape(), 2, x.rank());
        const int64_t P = spatial_ ? C : C * S, I = spatial_ ? S : 1;
        const std::vector<double> scale = read_doubles(ctx.input(1)), bias = read_doubles(ctx.input(2));
        const std::vector<double> running_mean = read_doubles(ctx.input(3));
        const std::vector<double> running_var = read_doubles(ctx.input(4));
        std::vector<double> batch_mean, batch_var;
        if (training_) {
            batch_mean.resize(size_t(P));
            batch_var.resize(size_t(P));
            dispatch_types<float, double>(x.dtype(), "BatchNormalization", [&](auto tag) {
                using T = typename decltype(tag)::type;
                ctx.parallel_for(P, grain_for(N * I), [&](int64_t b, int64_t e) {
                    for (int64_t p = b; p < e; ++p) {
                        const auto m = ref::channel_moments(x.data<T>(), N, P, I, p);
                        batch_mean[size_t(p)] = m.mean;
                        batch_var[size_t(p)] = m.var;
                    }
                });
            });
        }
        const std::vector<double>& mean = training_ ? batch_mean : running_mean;
        const std::vector<double>& var = training_ ? batch_var : running_var;
        dispatch_types<float, double>(x.dtype(), "BatchNormalization", [&](auto tag) {
            using T = typename decltype(tag)::type;
            // Folded into y = x * a + b per channel.
            std::vector<T> a(static_cast<size_t>(P)), b(static_cast<size_t>(P));
            for (size_t p = 0; p < size_t(P); ++p) {
                const double s = scale[p] / std::sqrt(var[p] + double(epsilon_));
                a[p] = T(s);
                b[p] = T(bias[p] - mean[p] * s);
            }
            if constexpr (std::is_same_v<T, float>) {
                const kernels::VectorKernels& vk = ctx.kernels().vector;
                const float* in = x.data<float>();
                float* out = y.data<float>();
                if (I == 1) {
                    ctx.parallel_for(N, grain_for(P), [&](int64_t lo, int64_t hi) {
                        for (int64_t n = lo; n < hi; ++n)
                            vk.affine_vec(size_t(P), in + n * P, out + n * P, a.data(), b.data());
                    });
                } else {
                    ctx.parallel_for(N * P, grain_for(I), [&](int64_t lo, int64_t hi) {
                        for (int64_t item = lo; item < hi; ++item) {
                            const size_t p = size_t(item % P);
                            vk.affine(size_t(I), in + item * I, out + item * I, a[p], b[p]);
                        }
                    });
                }
            } else if (I == 1) {
                ctx.parallel_for(N, grain_for(P), [&](int64_t lo, int64_t hi) {
                    ref::row_affine(x.data<T>(), y.data<T>(), a.data(), b.data(), P, lo, hi);
                });
            } else {
                ctx.parallel_for(N * P, grain_for(I), [&](int64_t lo, int64_t hi) {
                    ref::channel_affine(x.data<T>(), y.data<T>(), a.data(), b.data(), P, I, lo, hi);
                });
            }
        });
        write_statistics(ctx, running_mean, running_var, batch_mean, batch_var);
    }

private:
    void write_statistics(RunContext& ctx, const std::vector<double>& running_mean,
                          const std::vector<double>& running_var, const std::vector<double>& batch_mean,
                          const std::vector<double>& batch_var) const {
        // Without training nothing moves: running statistics pass through.
        auto updated = [&](const std::vector<double>& running, const std::vector<double>& batch) {
            if (!training_) return running;
            std::vector<double> v(running.size());
            const double m = momentum_;
            for (size_t p = 0; p < v.size(); ++p) v[p] = running[p] * m + batch[p] * (1.0 - m);
            return v;
        };
        if (ctx.has_output(1)) write_doubles(ctx.output(1), updated(running_mean, batch_mean));
        if (ctx.has_output(2)) write_doubles(ctx.output(2), updated(running_var, batch_var));
        if (ctx.num_outputs() > 3 && ctx.has_output(3))
            write_doubles(ctx.output(3), training_ ? batch_mean : running_mean);
        if (ctx.num_outputs() > 4 && ctx.has_output(4))
            write_doubles(ctx.output(4), training_ ? batch_var : running_var);
    }

    int opset_;
    float epsilon_ = 1e-5f;
    float momentum_ = 0.9f;
    bool spatial_ = true;
    bool training_ = false;
};

// ---------------------------------------------------------------------------
// InstanceNormalization: per (n, c) statistics over the spatial dims.

class InstanceNormOp final : public Op {
public:
    explicit InstanceNormOp(const NodeDef& n) : epsilon_(read_epsilon(n)) {}  // consumed_inputs ignored

    bool infer(InferContext& ctx) const override {
        static const char* const kNames[] = {"input", "scale", "B"};
        check(ctx.num_inputs() == 3, "InstanceNormalization: expects 3 inputs, got ", ctx.num_inputs());
        for (size_t i = 0; i < 3; ++i) {
            check(ctx.has_input(i), "InstanceNormalization: missing input '", kNames[i], "'");
            check(is_real(ctx.dtype(i)), "InstanceNormalization: unsupported element type ",
                  dtype_name(ctx.dtype(i)), " for input '", kNames[i], "'");
        }
        const Shape& x = ctx.shape(0);
        check(x.size() >= 3, "InstanceNormalization: input must have rank >= 3 (N x C x D1 ...), got ",
              shape_str(x));
        for (size_t i = 1; i < 3; ++i)
            check(ctx.shape(i) == Shape{x[1]}, "InstanceNormalization: input '", kNames[i],
                  "' must have shape [", x[1], "], got ", shape_str(ctx.shape(i)));
        ctx.set_output(0, ctx.dtype(0), x);
        return true;
    }

    void run(RunContext& ctx) const override {
        const Tensor& x = ctx.input(0);
        Tensor& y = ctx.output(0);
        const int64_t C = x.dim(1), S = span_size(x.shape(), 2, x.rank());
        const int64_t rows = x.dim(0) * C;
        const std::vector<double> scale = read_doubles(ctx.input(1)), bias = read_doubles(ctx.input(2));
        dispatch_types<float, double>(x.dtype(), "InstanceNormalization", [&](auto tag) {
            using T = typename decltype(tag)::type;
            ctx.parallel_for(rows, grain_for(3 * S), [&](int64_t b, int64_t e) {
                ref::instance_norm(x.data<T>(), y.data<T>(), scale.data(), bias.data(), C, S,
                                   double(epsilon_), b, e);
            });
        });
    }

private:
    float epsilon_;
};

// ---------------------------------------------------------------------------
// LayerNormalization: statistics over the trailing dims [axis, rank).
// Registered for every opset: it became standard at 17, but ONNX Runtime has
// long accepted it in the default domain and exporters emit it that way.

class LayerNormOp final : public Op {
public:
    explicit LayerNormOp(const NodeDef& n) : epsilon_(read_epsilon(n)) {
        axis_ = n.get_int("axis", -1);
        const int64_t stash = n.get_int("stash_type", 1);
        check(stash == 1, "LayerNormalization: stash_type ", stash, " is not supported (only 1, float32)");
    }

    bool infer(InferContext& ctx) const override {
        check(ctx.num_inputs() >= 2 && ctx.has_input(0) && ctx.has_input(1),
              "LayerNormalization: expects inputs 'X' and 'Scale'");
        const DType t = ctx.dtype(0);
        check(is_real(t), "LayerNormalization: unsupported element type ", dtype_name(t));
        const Shape& x = ctx.shape(0);
        const size_t axis = resolve_axis(x.size());
        const Shape normalized(x.begin() + std::ptrdiff_t(axis), x.end());
        for (size_t i = 1; i < 3; ++i) {
            if (!ctx.has_input(i)) continue;
            const char* name = i == 1 ? "Scale" : "B";
            check(ctx.dtype(i) == t, "LayerNormalization: ", name, " must have the element type of X (",
                  dtype_name(t), "), got ", dtype_name(ctx.dtype(i)));
            check(broadcasts_to(ctx.shape(i), normalized), "LayerNormalization: ", name, " shape ",
                  shape_str(ctx.shape(i)), " does not broadcast to the normalized shape ",
                  shape_str(normalized));
        }
        ctx.set_output(0, t, x);
        Shape stats(x.begin(), x.begin() + std::ptrdiff_t(axis));
        stats.resize(x.size(), 1);
        for (size_t i = 1; i < 3; ++i)
            if (ctx.has_output(i)) ctx.set_output(i, DType::Float32, stats);
        return true;
    }

    void run(RunContext& ctx) const override {
        const Tensor& x = ctx.input(0);
        Tensor& y = ctx.output(0);
        const size_t axis = resolve_axis(x.rank());
        const Shape normalized(x.shape().begin() + std::ptrdiff_t(axis), x.shape().end());
        const int64_t rows = span_size(x.shape(), 0, axis), D = span_size(normalized, 0, normalized.size());
        float* mean = ctx.has_output(1) ? ctx.output(1).data<float>() : nullptr;
        float* inv_std = ctx.has_output(2) ? ctx.output(2).data<float>() : nullptr;
        const bool has_bias = ctx.has_input(2);
        dispatch_types<float, double>(x.dtype(), "LayerNormalization", [&](auto tag) {
            using T = typename decltype(tag)::type;
            const std::vector<T> scale = expand<T>(ctx.input(1), normalized);
            const std::vector<T> bias = has_bias ? expand<T>(ctx.input(2), normalized) : std::vector<T>{};
            if constexpr (std::is_same_v<T, float>) {
                const auto layer_norm = ctx.kernels().vector.layer_norm;
                const float* in = x.data<float>();
                float* out = y.data<float>();
                ctx.parallel_for(rows, grain_for(3 * D), [&](int64_t b, int64_t e) {
                    for (int64_t r = b; r < e; ++r)
                        layer_norm(size_t(D), in + r * D, out + r * D, scale.data(), has_bias ? bias.data() : nullptr,
                                   epsilon_, mean ? mean + r : nullptr, inv_std ? inv_std + r : nullptr);
                });
                return;
            }
            ctx.parallel_for(rows, grain_for(3 * D), [&](int64_t b, int64_t e) {
                ref::layer_norm(x.data<T>(), y.data<T>(), scale.data(), has_bias ? bias.data() : nullptr, D,
                                double(epsilon_), mean, inv_std, b, e);
            });
        });
    }

private:
    // The axis may equal the rank: an empty normalized shape of one element.
    size_t resolve_axis(size_t rank) const {
        const int64_t r = int64_t(rank);
        check(axis_ >= -r && axis_ <= r, "LayerNormalization: axis ", axis_, " out of range for rank ", r);
        return size_t(axis_ < 0 ? axis_ + r : axis_);
    }

    // Unidirectional broadcast: `from` right-aligned onto `to`, dims equal or 1.
    static bool broadcasts_to(const Shape& from, const Shape& to) {
        if (from.size() > to.size()) return false;
        for (size_t k = 0; k < from.size(); ++k) {
            const int64_t f = from[from.size() - 1 - k], t = to[to.size() - 1 - k];
            if (f != t && f != 1) return false;
        }
        return true;
    }

    // Materializes a Scale/B tensor at the normalized shape so the row kernel
    // reads it contiguously.
    template <class T>
    static std::vector<T> expand(const Tensor& t, const Shape& to) {
        const T* src = t.data<T>();
        if (t.shape() == to) return std::vector<T>(src, src + t.numel());
        const std::vector<int64_t> strides = broadcast_strides(t.shape(), to);
        std::vector<T> out(size_t(span_size(to, 0, to.size())));
        for_each_index(to, [&](int64_t k, const std::vector<int64_t>& idx) {
            int64_t off = 0;
            for (size_t d = 0; d < idx.size(); ++d) off += idx[d] * strides[d];
            out[size_t(k)] = src[off];
        });
        return out;
    }

    float epsilon_;
    int64_t axis_;
};

// ---------------------------------------------------------------------------
// MeanVarianceNormalization. Opset 9+: statistics over `axes` (default
// [0, 2, 3]). The pre-standard form (opset < 9) had Caffe's attributes:
// per (n, c) over the spatial dims, or per n across channels too
// (across_channels=1), optionally without dividing by the deviation.

class MeanVarianceNormOp final : public Op {
public:
    explicit MeanVarianceNormOp(const NodeDef& n) : legacy_(n.opset < 9) {
        if (legacy_) {
            across_channels_ = read_flag(n, "across_channels", 0);
            normalize_variance_ = read_flag(n, "normalize_variance", 1);
        } else {
            axes_ = n.get_ints("axes", {0, 2, 3});
        }
    }

    bool infer(InferContext& ctx) const override {
        check(ctx.num_inputs() >= 1 && ctx.has_input(0), "MeanVarianceNormalization: missing input 'X'");
        const DType t = ctx.dtype(0);
        check(is_real(t), "MeanVarianceNormalization: unsupported element type ", dtype_name(t));
        reduce_mask(ctx.shape(0).size());
        ctx.set_output(0, t, ctx.shape(0));
        return true;
    }

    void run(RunContext& ctx) const override {
        const Tensor& x = ctx.input(0);
        Tensor& y = ctx.output(0);
        if (x.numel() == 0) return;
        const auto L = ref::ReduceLayout::make(x.shape(), reduce_mask(x.rank()));
        std::vector<double> mean(static_cast<size_t>(L.out_numel)), denom(size_t(L.out_numel));
        dispatch_types<float, double>(x.dtype(), "MeanVarianceNormalization", [&](auto tag) {
            using T = typename decltype(tag)::type;
            auto normalize = [&](int64_t rows_lo, int64_t rows_hi, int64_t groups_lo, int64_t groups_hi) {
                ref::mean_variance_normalize(x.data<T>(), y.data<T>(), L, normalize_variance_, rows_lo, rows_hi,
                                             groups_lo, groups_hi, mean.data(), denom.data());
            };
            if (L.first_dim_kept()) {
                // Indices of the first (kept) dim own disjoint groups.
                const int64_t rows = L.rows_per_first(), groups = L.out_strides[0];
                ctx.parallel_for(L.dims[0], grain_for(3 * rows * L.run_length()), [&](int64_t b, int64_t e) {
                    normalize(b * rows, e * rows, b * groups, e * groups);
                });
            } else {
                normalize(0, L.rows(), 0, L.out_numel);
            }
        });
    }

private:
    std::vector<bool> reduce_mask(size_t rank) const {
        std::vector<bool> mask(rank, false);
        if (legacy_) {
            check(rank >= 2, "MeanVarianceNormalization: input must have rank >= 2 (N x C x ...)");
            for (size_t d = across_channels_ ? 1 : 2; d < rank; ++d) mask[d] = true;
            return mask;
        }
        for (int64_t a : axes_) {
            const int64_t d = normalize_axis(a, int64_t(rank), "MeanVarianceNormalization");
            check(!mask[size_t(d)], "MeanVarianceNormalization: axis ", a, " appears more than once in axes");
            mask[size_t(d)] = true;
        }
        return mask;
    }

    bool legacy_;
    bool across_channels_ = false;
    bool normalize_variance_ = true;
    std::vector<int64_t> axes_;
};

template <class OpT>
std::unique_ptr<Op> make(const NodeDef& n) {
    return std::make_unique<OpT>(n);
}

}  // namespace

void register_norm_ops(OpRegistry& reg) {
    reg.add("BatchNormalization", &make<BatchNormOp>);
    reg.add("InstanceNormalization", &make<InstanceNormOp>);
    reg.add("LayerNormalization", &make<LayerNormOp>);
    reg.add("MeanVarianceNormalization", &make<MeanVarianceNormOp>);
}

}  // namespace vireo::rt
